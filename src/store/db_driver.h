/*
 * db_driver.h — what a SQL driver implements behind db.h. Private to src/store.
 *
 * Each driver allocates a struct that begins with `struct db` and fills in `driver`. The
 * generic functions in db.c check arguments and transaction state, then call through here.
 */
#ifndef HUTONG_STORE_DB_DRIVER_H
#define HUTONG_STORE_DB_DRIVER_H

#include "platform/changes.h"
#include "store/db.h"

/* Changes one transaction may announce by name (store_changed()); beyond that the commit
 * announces CHANGE_ALL. A transaction edits one or a few rows. */
#define DB_CHANGES_PENDING_MAX 16

struct db_change {
  char kind;
  unsigned char len;
  char key[CHANGES_KEY_BYTES_MAX];
};

struct db_driver {
  int (*exec_simple)(struct db *db, const char *sql); /* BEGIN/COMMIT/ROLLBACK and scripts */
  const char *(*begin_sql)(bool write);
  int (*query)(struct db *db, const struct db_sql *sql, const struct db_arg *args, size_t nargs,
               struct db_rows *rows);
  int (*next)(struct db_rows *rows);
  int64_t (*col_i64)(const struct db_rows *rows, int column);
  struct str (*col_text)(const struct db_rows *rows, int column);
  bool (*col_is_null)(const struct db_rows *rows, int column);
  int64_t (*changes)(struct db_rows *rows);
  void (*rows_done)(struct db_rows *rows);
  void (*close)(struct db *db);
};

struct db {
  const struct db_driver *driver;
  enum db_engine engine;
  bool in_transaction;
  char error[DB_ERROR_BYTES];
  /* Announced in the open transaction; told to this process's subscribers at commit. */
  unsigned changes_pending;
  bool changes_overflow;
  struct db_change changes[DB_CHANGES_PENDING_MAX];
};

/* Stores a formatted message as the connection's last error. */
void db_set_error(struct db *db, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Driver constructors (db_sqlite.c, db_postgres.c). Same contract as db_open(). */
int db_sqlite_open(const char *path, struct db **out, char error[DB_ERROR_BYTES]);
int db_postgres_open(const char *conninfo, struct db **out, char error[DB_ERROR_BYTES]);

/* A bare libpq connection (libpq's `PGconn` is `struct pg_conn`) to a postgres:// URL with the
 * driver's defaults (connect timeout, keepalives, application name, hutong's own URL options
 * removed), for the change listener, which needs the socket itself. NULL with `error` filled
 * on failure; the caller PQfinish()es it. */
struct pg_conn;
struct pg_conn *db_postgres_connect(const char *url, char error[DB_ERROR_BYTES]);

#endif
