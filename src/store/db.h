/*
 * db.h — the SQL driver interface: one connection, parameterized queries, transactions.
 *
 * Domain code (the other files of src/store) writes portable SQL once, with PostgreSQL-style placeholders
 * ($1, $2, ...), and runs it through this interface; the SQLite driver (db_sqlite.c) and the
 * PostgreSQL driver (db_postgres.c) translate and execute it. Statements are prepared once
 * per connection and reused: each statement is a `struct db_sql` with static storage, and the
 * connection caches its prepared form keyed by that struct's address.
 *
 * A connection is used by one thread at a time (the pool in db_pool.h hands them out).
 * Timestamps are int64 milliseconds since the Unix epoch, supplied by the caller (one
 * injectable clock), so no SQL depends on a database's notion of "now".
 */
#ifndef HUTONG_STORE_DB_H
#define HUTONG_STORE_DB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/str.h"

/* Most parameters any statement binds. */
#define DB_ARGS_MAX 24
/* Most columns any statement returns. */
#define DB_COLUMNS_MAX 32
/* Room for a driver's error message. */
#define DB_ERROR_BYTES 256

enum db_engine { DB_ENGINE_SQLITE, DB_ENGINE_POSTGRES };

/* A statement's text with static storage; `name` shows up in logs and metrics. */
struct db_sql {
  const char *name;
  const char *text;
};
#define DB_SQL(id, sql) static const struct db_sql id = {#id, sql}

enum db_arg_type { DB_ARG_NULL, DB_ARG_I64, DB_ARG_TEXT };

struct db_arg {
  enum db_arg_type type;
  int64_t i64;
  struct str text;
};
#define DB_NULL    ((struct db_arg){.type = DB_ARG_NULL})
#define DB_I64(v)  ((struct db_arg){.type = DB_ARG_I64, .i64 = (int64_t)(v)})
#define DB_TEXT(s) ((struct db_arg){.type = DB_ARG_TEXT, .text = (s)})
#define DB_CSTR(s) ((struct db_arg){.type = DB_ARG_TEXT, .text = str_from_cstr(s)})
/* A nullable text: NULL when the view's data pointer is NULL. */
#define DB_TEXT_OR_NULL(s) ((s).data ? DB_TEXT(s) : DB_NULL)

struct db;

/* The rows of one executed statement. Valid until db_rows_done() or the next query on the
 * same connection; text views returned by db_text() live until the next db_next(). */
struct db_rows {
  struct db *db;
  void *driver_state;
  int columns;
  long row;
};

/* Opens a connection from a URL: `sqlite:PATH` (also a bare path) or `postgres://...` /
 * `postgresql://...`. On failure returns HT_EIO (or HT_EINVAL for an unknown scheme) and
 * writes a message to `error` (DB_ERROR_BYTES). The caller owns the connection. */
int db_open(const char *url, struct db **out, char error[DB_ERROR_BYTES]);

/* Closes the connection and frees its cached statements. NULL is allowed. */
void db_close(struct db *db);

/* Which engine a connection talks to. */
enum db_engine db_engine(const struct db *db);

/* Starts a transaction. `write` asks for the write lock up front (SQLite BEGIN IMMEDIATE),
 * so that two writers never deadlock on a lock upgrade. HT_EBUSY when the lock could not be
 * taken within the busy timeout, HT_EIO on other failures. Transactions do not nest. */
int db_begin(struct db *db, bool write);

/* Commits; HT_EIO on failure (the transaction is then rolled back). */
int db_commit(struct db *db);

/* Rolls back the open transaction, if any. Never fails from the caller's point of view. */
void db_rollback(struct db *db);

/* True while a transaction is open on this connection. */
bool db_in_transaction(const struct db *db);

/* Executes `sql` with `args`. On HT_OK `rows` is ready for db_next(); call db_rows_done()
 * when finished (also after errors is harmless). HT_ECONFLICT for a unique or foreign-key
 * violation, HT_EBUSY for lock timeouts, HT_EIO otherwise (message in db_error()). */
int db_query(struct db *db, const struct db_sql *sql, const struct db_arg *args, size_t nargs,
             struct db_rows *rows);

/* Advances to the next row: 1 when a row is available, 0 at the end, negative HT_E* on error. */
int db_next(struct db_rows *rows);

/* Column accessors for the current row (0-based). NULL reads as 0 / empty view. */
int64_t db_i64(const struct db_rows *rows, int column);
struct str db_text(const struct db_rows *rows, int column);
bool db_is_null(const struct db_rows *rows, int column);

/* Releases the statement for reuse. */
void db_rows_done(struct db_rows *rows);

/* Executes a statement that returns no rows, or whose rows are not needed. Stores the number
 * of rows changed in `*changed` when not NULL. Errors as db_query(). */
int db_exec(struct db *db, const struct db_sql *sql, const struct db_arg *args, size_t nargs,
            int64_t *changed);

/* Runs a script of statements separated by semicolons, without parameters (migrations). */
int db_exec_script(struct db *db, const char *script);

/* The last error message on this connection ("" when none). */
const char *db_error(const struct db *db);

/* Convenience: executes `sql` and reads the first column of the first row as an int64.
 * HT_ENOTFOUND when there is no row. */
int db_query_i64(struct db *db, const struct db_sql *sql, const struct db_arg *args, size_t nargs,
                 int64_t *out);

#define DB_ARGS(...)                                                                                         \
  ((const struct db_arg[]){__VA_ARGS__}),                                                                    \
      (sizeof((const struct db_arg[]){__VA_ARGS__}) / sizeof(struct db_arg))
#define DB_NO_ARGS NULL, 0

#endif
