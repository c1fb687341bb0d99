/*
 * jobs_lock.h — which node runs the background jobs now.
 *
 * The jobs (jobs/scheduler.h) must not run on two nodes at once. On PostgreSQL a tick first
 * takes a session-level advisory lock (JOBS_LOCK_ID) with pg_try_advisory_lock on a connection
 * of its own, opened from the session URL (HUTONG_DB_SESSION, default HUTONG_DB), and the work
 * then runs on ordinary pool connections, which may go through pgbouncer in transaction mode:
 * only this one connection needs a real session. The node that holds the lock runs its tick;
 * every other node's try fails at once and it skips the tick. If the holder dies, PostgreSQL
 * ends its session — at once when the process exits (the kernel closes the socket), within the
 * keepalive time (about a minute) when its machine or network vanishes — and the next node
 * to try takes over. What the dead node had half done is in the database: every job works
 * from the database's state, and the escrow version check and the channel-call status
 * transitions make a repeated step a no-op. If the lock's session breaks while its node
 * lives, another node may start a tick before this one notices: the jobs' idempotence covers
 * that window too.
 *
 * On SQLite there is one node; the lock only keeps two threads of the process (the scheduler
 * and the test hook that runs the jobs now) from running ticks at the same time, which it
 * does on PostgreSQL as well.
 */
#ifndef HUTONG_STORE_JOBS_LOCK_H
#define HUTONG_STORE_JOBS_LOCK_H

#include <stdbool.h>

#include "store/db.h"

/* Any constant, the same on every node. */
#define JOBS_LOCK_ID 0x486a6f62 /* "Hjob" */

struct jobs_lock;

/* Opens the lock for the database at `url` (a PostgreSQL session URL: a connection is opened
 * now and reopened when lost). HT_EIO with `error` filled when the connection fails. */
int jobs_lock_open(const char *url, struct jobs_lock **out, char error[DB_ERROR_BYTES]);

/* Waits for this process's other ticks to finish, then tries the cluster-wide lock: true when
 * this node runs the jobs now; then jobs_lock_release() must follow. False when another node
 * holds it (or the database cannot be reached). */
bool jobs_lock_acquire(struct jobs_lock *lock);

/* Releases what jobs_lock_acquire() took. */
void jobs_lock_release(struct jobs_lock *lock);

/* Closes the connection and frees the lock. NULL is allowed. */
void jobs_lock_close(struct jobs_lock *lock);

#endif
