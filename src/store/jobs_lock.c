/* jobs_lock.c — the advisory lock of the background jobs on a dedicated session (see
 * jobs_lock.h). The release uses pg_advisory_unlock_all(): the session is ours alone, so this
 * frees the lock however many times a confused caller took it, and a failed release leaves
 * at worst this live node the leader until its next successful one. */
#include "store/jobs_lock.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "core/status.h"

DB_SQL(SQL_JOBS_LOCK, "SELECT CAST(pg_try_advisory_lock($1) AS INTEGER)");
DB_SQL(SQL_JOBS_UNLOCK, "SELECT pg_advisory_unlock_all()");

struct jobs_lock {
  pthread_mutex_t ticking; /* held from acquire to release */
  struct db *session;      /* PostgreSQL only */
};

int jobs_lock_open(const char *url, struct jobs_lock **out, char error[DB_ERROR_BYTES]) {
  struct jobs_lock *lock = calloc(1, sizeof *lock);
  if (!lock) return HT_ENOMEM;
  /* SQLite has one node: the mutex is the whole lock. */
  bool postgres = strncmp(url, "postgres://", 11) == 0 || strncmp(url, "postgresql://", 13) == 0;
  int rc = postgres ? db_open(url, &lock->session, error) : HT_OK;
  if (rc != HT_OK) {
    free(lock);
    return rc;
  }
  pthread_mutex_init(&lock->ticking, NULL);
  *out = lock;
  return HT_OK;
}

bool jobs_lock_acquire(struct jobs_lock *lock) {
  pthread_mutex_lock(&lock->ticking);
  if (!lock->session) return true;
  int64_t locked = 0;
  /* A broken session is reset and the SELECT retried by the driver (db_postgres.c). */
  if (db_query_i64(lock->session, &SQL_JOBS_LOCK, DB_ARGS(DB_I64(JOBS_LOCK_ID)), &locked) == HT_OK &&
      locked == 1)
    return true;
  pthread_mutex_unlock(&lock->ticking);
  return false;
}

void jobs_lock_release(struct jobs_lock *lock) {
  if (lock->session) db_exec(lock->session, &SQL_JOBS_UNLOCK, DB_NO_ARGS, NULL);
  pthread_mutex_unlock(&lock->ticking);
}

void jobs_lock_close(struct jobs_lock *lock) {
  if (!lock) return;
  db_close(lock->session);
  pthread_mutex_destroy(&lock->ticking);
  free(lock);
}
