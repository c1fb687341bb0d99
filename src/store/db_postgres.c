/* db_postgres.c — the PostgreSQL driver behind db.h, over libpq.
 *
 * Statements are prepared once per connection under a generated name (s1, s2, ...) and run
 * with PQexecPrepared; when the URL carries `prepare=off` (for pgbouncer in transaction
 * mode, where a prepared statement may live on another server connection) they run as
 * unnamed PQexecParams calls instead. Every session sets a statement timeout (behind
 * pgbouncer in transaction mode a session setting is not guaranteed to follow the client, so
 * set it on the role there as well: ALTER ROLE ... SET statement_timeout). Connections get a
 * connect timeout and TCP keepalives unless the URL sets its own.
 *
 * A connection found broken (the server restarted, an administrator or a failover ended the
 * session, the network dropped it) is reset when no transaction is open, and the statement
 * is run once more on the new session when that cannot apply a change twice: a read, a
 * BEGIN, or any statement the server said it ended the session before finishing. Inside a
 * transaction nothing is retried, because the transaction is gone; the caller gets HT_EBUSY
 * (the work was rolled back, so retrying the request is safe) and the next BEGIN resets the
 * connection. Only a write outside a transaction whose outcome is unknown is HT_EIO. */
#include <libpq-fe.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/status.h"
#include "platform/log.h"
#include "store/db_driver.h"

/* Distinct statements cached per connection. Power of 2. */
#define PG_STATEMENTS_MAX 512
/* A statement running longer than this is cancelled by the server. */
#define PG_STATEMENT_TIMEOUT_MS 5000
/* Largest decimal rendering of an int64 argument, sign and NUL included. */
#define PG_I64_TEXT_BYTES 24
/* Defaults for libpq connection parameters the URL does not set: give up connecting after
 * this many seconds (a pool worker must not hang on an unreachable server), and probe an
 * idle connection so that one dropped by the network is noticed within about a minute. */
#define PG_CONNECT_TIMEOUT_S     "5"
#define PG_KEEPALIVES_IDLE_S     "30"
#define PG_KEEPALIVES_INTERVAL_S "10"
#define PG_KEEPALIVES_COUNT      "3"

/* The type OID of `boolean` (src/include/catalog/pg_type.dat; fixed since PostgreSQL 7). */
#define PG_BOOL_OID 16

struct pg_statement {
  const struct db_sql *key;
  int number; /* 0 until prepared on this connection */
};

struct pg_db {
  struct db base;
  PGconn *conn;
  bool prepare;
  int statements_prepared;
  struct pg_statement slots[PG_STATEMENTS_MAX];
};

struct pg_rows {
  PGresult *result;
  int rows;
};

static bool failed(PGresult *result) {
  ExecStatusType st = PQresultStatus(result); /* PGRES_FATAL_ERROR for NULL */
  return st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK;
}

/* True when the server reported that it ended the session (administrator command, crash of
 * another backend, shutdown: SQLSTATE 57P01..57P03); whatever the statement had done was
 * rolled back, so it may run again. */
static bool session_ended_by_server(PGresult *result) {
  const char *state = result ? PQresultErrorField(result, PG_DIAG_SQLSTATE) : NULL;
  return state && strncmp(state, "57P", 3) == 0;
}

/* True for statement texts that change nothing when run twice outside a transaction. */
static bool changes_nothing(const char *text) {
  text += strspn(text, " \t\n");
  return strncasecmp(text, "SELECT", 6) == 0 || strncasecmp(text, "BEGIN", 5) == 0;
}

/* `lost`: the connection broke during the call; `ambiguous`: a write outside a transaction
 * may or may not have committed before it broke. */
static int map_result(struct db *db, PGresult *result, const char *what, bool lost, bool ambiguous) {
  const char *state = result ? PQresultErrorField(result, PG_DIAG_SQLSTATE) : NULL;
  struct pg_db *p = (struct pg_db *)db;
  const char *message = result ? PQresultErrorMessage(result) : "";
  db_set_error(db, "%s: %s", what, *message ? message : PQerrorMessage(p->conn));
  if (lost) return ambiguous ? HT_EIO : HT_EBUSY;
  if (state && strncmp(state, "23", 2) == 0) return HT_ECONFLICT; /* integrity violations */
  if (state && (strcmp(state, "40001") == 0 || strcmp(state, "40P01") == 0 || strcmp(state, "55P03") == 0 ||
                strcmp(state, "57014") == 0))
    return HT_EBUSY; /* serialization, deadlock, lock wait, statement timeout */
  return HT_EIO;
}

/* Session settings. Notices (CREATE TABLE IF NOT EXISTS "already exists, skipping" on every
 * start) are not shown: libpq would print them on stderr, outside the JSON log. */
static int pg_configure_session(struct pg_db *p) {
  char sql[128];
  snprintf(sql, sizeof sql,
           "SET statement_timeout = %d; SET TIME ZONE 'UTC'; SET client_min_messages = warning",
           PG_STATEMENT_TIMEOUT_MS);
  PGresult *r = PQexec(p->conn, sql);
  int ok = PQresultStatus(r) == PGRES_COMMAND_OK;
  PQclear(r);
  return ok ? HT_OK : HT_EIO;
}

/* After a dropped connection: reset it and forget what was prepared on the old session. */
static bool pg_reconnect(struct pg_db *p) {
  if (p->base.in_transaction) return false;
  PQreset(p->conn);
  if (PQstatus(p->conn) != CONNECTION_OK) {
    log_event(LOG_WARN, NULL, "postgres: reconnecting failed: %s", PQerrorMessage(p->conn));
    return false;
  }
  for (size_t i = 0; i < PG_STATEMENTS_MAX; i++) p->slots[i].number = 0;
  if (pg_configure_session(p) != HT_OK) return false;
  log_event(LOG_WARN, NULL, "postgres: connection was lost; reconnected");
  return true;
}

/* What a failed call left behind, decided before the connection is reset. */
struct pg_failure {
  bool lost;
  bool ambiguous;
  bool retry;
};

/* Called after a failed call on `text`: when the connection broke, resets it (outside a
 * transaction) and says whether the statement may run once more on the new session. */
static struct pg_failure pg_recover(struct pg_db *p, PGresult *result, const char *text) {
  struct pg_failure f = {.lost = PQstatus(p->conn) == CONNECTION_BAD};
  if (!f.lost) return f;
  bool in_transaction = p->base.in_transaction;
  bool safe = changes_nothing(text) || session_ended_by_server(result);
  f.ambiguous = !in_transaction && !safe;
  f.retry = pg_reconnect(p) && safe;
  return f;
}

static int pg_exec_simple(struct db *db, const char *sql) {
  struct pg_db *p = (struct pg_db *)db;
  PGresult *r = PQexec(p->conn, sql);
  struct pg_failure f = {0};
  if (failed(r)) f = pg_recover(p, r, sql);
  if (f.retry) {
    PQclear(r);
    r = PQexec(p->conn, sql);
    f = (struct pg_failure){.lost = PQstatus(p->conn) == CONNECTION_BAD};
  }
  int rc = failed(r) ? map_result(db, r, "exec", f.lost, f.ambiguous) : HT_OK;
  PQclear(r);
  return rc;
}

static const char *pg_begin_sql(bool write) {
  (void)write; /* row locks are taken by the statements themselves (FOR UPDATE, UPDATE) */
  return "BEGIN";
}

static struct pg_statement *statement_slot(struct pg_db *p, const struct db_sql *sql) {
  size_t mask = PG_STATEMENTS_MAX - 1;
  size_t i = ((uintptr_t)sql >> 4) & mask;
  for (size_t probes = 0; probes < PG_STATEMENTS_MAX; probes++, i = (i + 1) & mask) {
    if (p->slots[i].key == sql) return &p->slots[i];
    if (!p->slots[i].key) {
      p->slots[i].key = sql;
      return &p->slots[i];
    }
  }
  return NULL;
}

static PGresult *pg_run(struct pg_db *p, const struct db_sql *sql, int nargs, const char *const *values,
                        const int *lengths) {
  struct pg_statement *slot = p->prepare ? statement_slot(p, sql) : NULL;
  /* Unprepared when asked to, and when the cache is full (it is sized far above need). */
  if (!slot) return PQexecParams(p->conn, sql->text, nargs, NULL, values, lengths, NULL, 0);
  char name[16];
  if (!slot->number) {
    int number = p->statements_prepared + 1;
    snprintf(name, sizeof name, "s%d", number);
    PGresult *prep = PQprepare(p->conn, name, sql->text, 0, NULL);
    bool ok = PQresultStatus(prep) == PGRES_COMMAND_OK;
    if (!ok) return prep;
    PQclear(prep);
    slot->number = number;
    p->statements_prepared = number;
  }
  snprintf(name, sizeof name, "s%d", slot->number);
  return PQexecPrepared(p->conn, name, nargs, values, lengths, NULL, 0);
}

static int pg_query(struct db *db, const struct db_sql *sql, const struct db_arg *args, size_t nargs,
                    struct db_rows *rows) {
  struct pg_db *p = (struct pg_db *)db;
  const char *values[DB_ARGS_MAX];
  int lengths[DB_ARGS_MAX];
  char numbers[DB_ARGS_MAX][PG_I64_TEXT_BYTES];
  for (size_t i = 0; i < nargs; i++) {
    if (args[i].type == DB_ARG_NULL)
      values[i] = NULL, lengths[i] = 0;
    else if (args[i].type == DB_ARG_I64) {
      int n = snprintf(numbers[i], PG_I64_TEXT_BYTES, "%lld", (long long)args[i].i64);
      values[i] = numbers[i], lengths[i] = n;
    } else
      values[i] = args[i].text.data, lengths[i] = (int)args[i].text.len;
  }
  PGresult *r = pg_run(p, sql, (int)nargs, values, lengths);
  struct pg_failure f = {0};
  if (failed(r)) f = pg_recover(p, r, sql->text);
  if (f.retry) {
    PQclear(r);
    r = pg_run(p, sql, (int)nargs, values, lengths);
    f = (struct pg_failure){.lost = PQstatus(p->conn) == CONNECTION_BAD};
  }
  if (failed(r)) {
    int rc = map_result(db, r, sql->name, f.lost, f.ambiguous);
    PQclear(r);
    return rc;
  }
  struct pg_rows *state = malloc(sizeof *state);
  if (!state) {
    PQclear(r);
    return HT_ENOMEM;
  }
  state->result = r;
  state->rows = PQntuples(r);
  rows->driver_state = state;
  rows->columns = PQnfields(r);
  rows->row = -1;
  return HT_OK;
}

static int pg_next(struct db_rows *rows) {
  struct pg_rows *state = rows->driver_state;
  if (rows->row + 1 >= state->rows) return 0;
  rows->row++;
  return 1;
}

/* Reads integers, and booleans as 1/0 the way SQLite returns them (a comparison or EXISTS in a
 * select list is `boolean` here and renders as "t"/"f"). */
static int64_t pg_col_i64(const struct db_rows *rows, int column) {
  struct pg_rows *state = rows->driver_state;
  if (PQgetisnull(state->result, (int)rows->row, column)) return 0;
  const char *value = PQgetvalue(state->result, (int)rows->row, column);
  if (PQftype(state->result, column) == PG_BOOL_OID) return value[0] == 't';
  return strtoll(value, NULL, 10);
}

static struct str pg_col_text(const struct db_rows *rows, int column) {
  struct pg_rows *state = rows->driver_state;
  int row = (int)rows->row;
  return (struct str){.data = PQgetvalue(state->result, row, column),
                      .len = (size_t)PQgetlength(state->result, row, column)};
}

static bool pg_col_is_null(const struct db_rows *rows, int column) {
  struct pg_rows *state = rows->driver_state;
  return PQgetisnull(state->result, (int)rows->row, column);
}

static int64_t pg_changes(struct db_rows *rows) {
  struct pg_rows *state = rows->driver_state;
  return state ? strtoll(PQcmdTuples(state->result), NULL, 10) : 0;
}

static void pg_rows_done(struct db_rows *rows) {
  struct pg_rows *state = rows->driver_state;
  PQclear(state->result);
  free(state);
}

static void pg_close(struct db *db) {
  struct pg_db *p = (struct pg_db *)db;
  PQfinish(p->conn);
  free(p);
}

static const struct db_driver pg_driver = {
    .exec_simple = pg_exec_simple,
    .begin_sql = pg_begin_sql,
    .query = pg_query,
    .next = pg_next,
    .col_i64 = pg_col_i64,
    .col_text = pg_col_text,
    .col_is_null = pg_col_is_null,
    .changes = pg_changes,
    .rows_done = pg_rows_done,
    .close = pg_close,
};

/* Splits our own `prepare=off` option out of the URL's query before libpq sees it. */
static bool strip_prepare_option(char *url) {
  char *opt = strstr(url, "prepare=off");
  if (!opt) return true;
  char *end = opt + strlen("prepare=off");
  if (*end == '&')
    end++;
  else if (opt > url && (opt[-1] == '&' || opt[-1] == '?'))
    opt--;
  memmove(opt, end, strlen(end) + 1);
  return false;
}

/* Connects to `conninfo` (a URL) with our defaults; `*prepare` says whether the URL allowed
 * prepared statements. NULL on ENOMEM; otherwise the caller checks PQstatus(). */
static PGconn *pg_connect(const char *conninfo, bool *prepare) {
  char *url = strdup(conninfo);
  if (!url) return NULL;
  *prepare = strip_prepare_option(url);
  /* Later entries win, so the URL (expanded from "dbname") overrides these defaults. */
  const char *const keys[] = {"connect_timeout",
                              "keepalives_idle",
                              "keepalives_interval",
                              "keepalives_count",
                              "application_name",
                              "dbname",
                              NULL};
  const char *const values[] = {PG_CONNECT_TIMEOUT_S,
                                PG_KEEPALIVES_IDLE_S,
                                PG_KEEPALIVES_INTERVAL_S,
                                PG_KEEPALIVES_COUNT,
                                "hutong",
                                url,
                                NULL};
  PGconn *conn = PQconnectdbParams(keys, values, 1);
  free(url);
  return conn;
}

struct pg_conn *db_postgres_connect(const char *url, char error[DB_ERROR_BYTES]) {
  bool prepare;
  PGconn *conn = pg_connect(url, &prepare);
  if (conn && PQstatus(conn) == CONNECTION_OK) return conn;
  snprintf(error, DB_ERROR_BYTES, "postgres: %s", conn ? PQerrorMessage(conn) : "out of memory");
  PQfinish(conn);
  return NULL;
}

int db_postgres_open(const char *conninfo, struct db **out, char error[DB_ERROR_BYTES]) {
  struct pg_db *p = calloc(1, sizeof *p);
  if (!p) return HT_ENOMEM;
  p->base.driver = &pg_driver;
  p->base.engine = DB_ENGINE_POSTGRES;
  p->conn = pg_connect(conninfo, &p->prepare);
  if (!p->conn) {
    free(p);
    return HT_ENOMEM;
  }
  if (PQstatus(p->conn) != CONNECTION_OK || pg_configure_session(p) != HT_OK) {
    snprintf(error, DB_ERROR_BYTES, "postgres: %s", PQerrorMessage(p->conn));
    PQfinish(p->conn);
    free(p);
    return HT_EIO;
  }
  *out = &p->base;
  return HT_OK;
}
