/* pool.c — a mutex, a condition variable and a stack of idle connections (see pool.h). */
#include "store/pool.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <time.h>

#include "core/status.h"

struct db_pool {
  pthread_mutex_t lock;
  pthread_cond_t released;
  size_t size;
  size_t idle_count;
  struct db *all[POOL_CONNECTIONS_MAX];
  struct db *idle[POOL_CONNECTIONS_MAX];
};

int db_pool_open(const char *url, size_t size, struct db_pool **out, char error[DB_ERROR_BYTES]) {
  *out = NULL;
  if (size == 0 || size > POOL_CONNECTIONS_MAX) return HT_ERANGE;
  struct db_pool *pool = calloc(1, sizeof *pool);
  if (!pool) return HT_ENOMEM;
  pthread_mutex_init(&pool->lock, NULL);
  pthread_condattr_t attr;
  pthread_condattr_init(&attr);
  pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
  pthread_cond_init(&pool->released, &attr);
  pthread_condattr_destroy(&attr);
  for (size_t i = 0; i < size; i++) {
    int rc = db_open(url, &pool->all[i], error);
    if (rc) {
      db_pool_close(pool);
      return rc;
    }
    pool->idle[i] = pool->all[i];
    pool->size = pool->idle_count = i + 1;
  }
  *out = pool;
  return HT_OK;
}

void db_pool_close(struct db_pool *pool) {
  if (!pool) return;
  for (size_t i = 0; i < pool->size; i++) db_close(pool->all[i]);
  pthread_cond_destroy(&pool->released);
  pthread_mutex_destroy(&pool->lock);
  free(pool);
}

int db_pool_acquire(struct db_pool *pool, struct db **out) {
  struct timespec deadline;
  clock_gettime(CLOCK_MONOTONIC, &deadline);
  deadline.tv_sec += POOL_WAIT_MS / 1000;
  deadline.tv_nsec += (POOL_WAIT_MS % 1000) * 1000000L;
  if (deadline.tv_nsec >= 1000000000L) deadline.tv_sec++, deadline.tv_nsec -= 1000000000L;
  pthread_mutex_lock(&pool->lock);
  int wait = 0;
  while (pool->idle_count == 0 && wait != ETIMEDOUT)
    wait = pthread_cond_timedwait(&pool->released, &pool->lock, &deadline);
  int rc = HT_EBUSY;
  if (pool->idle_count > 0) {
    *out = pool->idle[--pool->idle_count];
    rc = HT_OK;
  }
  pthread_mutex_unlock(&pool->lock);
  return rc;
}

void db_pool_release(struct db_pool *pool, struct db *db) {
  if (!db) return;
  db_rollback(db);
  pthread_mutex_lock(&pool->lock);
  pool->idle[pool->idle_count++] = db;
  pthread_cond_signal(&pool->released);
  pthread_mutex_unlock(&pool->lock);
}
