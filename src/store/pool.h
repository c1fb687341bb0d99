/*
 * pool.h — a fixed set of database connections shared by the server's threads.
 *
 * SQLite and libpq connections are single-threaded; the pool hands each to one thread at a
 * time. Its size is the HTTP worker count plus the background jobs, so in steady state a
 * request never waits; when it must, it waits up to POOL_WAIT_MS and then gets HT_EBUSY
 * (a 503), never an unbounded queue.
 */
#ifndef HUTONG_STORE_POOL_H
#define HUTONG_STORE_POOL_H

#include <stddef.h>

#include "store/db.h"

/* Most connections one pool may hold (PostgreSQL's default max_connections is 100). */
#define POOL_CONNECTIONS_MAX 64
/* How long acquiring waits for a free connection. */
#define POOL_WAIT_MS 5000

struct db_pool;

/* Opens `size` connections to `url` (1..POOL_CONNECTIONS_MAX). HT_ERANGE for a bad size,
 * HT_EIO with `error` filled when a connection fails. The caller owns the pool. */
int db_pool_open(const char *url, size_t size, struct db_pool **out, char error[DB_ERROR_BYTES]);

/* Closes every connection; none may be acquired at that point. NULL is allowed. */
void db_pool_close(struct db_pool *pool);

/* Takes a free connection, waiting up to POOL_WAIT_MS. HT_EBUSY when none came free. */
int db_pool_acquire(struct db_pool *pool, struct db **out);

/* Returns a connection taken with db_pool_acquire(); an open transaction is rolled back. */
void db_pool_release(struct db_pool *pool, struct db *db);

#endif
