/* db_postgres.c — the PostgreSQL driver behind db.h, over libpq.
 *
 * Statements are prepared once per connection under a generated name (s1, s2, ...) and run
 * with PQexecPrepared; when the URL carries `prepare=off` (for pgbouncer in transaction
 * mode, where a prepared statement may live on another server connection) they run as
 * unnamed PQexecParams calls instead. Every session sets a statement timeout. A connection
 * found broken outside a transaction is reset once and the statement retried; inside a
 * transaction the error is returned, because the transaction is gone. */
#include <libpq-fe.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/status.h"
#include "store/db_driver.h"

/* Distinct statements cached per connection. Power of 2. */
#define PG_STATEMENTS_MAX 512
/* A statement running longer than this is cancelled by the server. */
#define PG_STATEMENT_TIMEOUT_MS 5000
/* Largest decimal rendering of an int64 argument, sign and NUL included. */
#define PG_I64_TEXT_BYTES 24

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

static int map_result(struct db *db, PGresult *result, const char *what) {
  const char *state = result ? PQresultErrorField(result, PG_DIAG_SQLSTATE) : NULL;
  struct pg_db *p = (struct pg_db *)db;
  db_set_error(db, "%s: %s", what, result ? PQresultErrorMessage(result) : PQerrorMessage(p->conn));
  if (state && strncmp(state, "23", 2) == 0) return HT_ECONFLICT; /* integrity violations */
  if (state && (strcmp(state, "40001") == 0 || strcmp(state, "40P01") == 0 || strcmp(state, "55P03") == 0 ||
                strcmp(state, "57014") == 0))
    return HT_EBUSY; /* serialization, deadlock, lock wait, statement timeout */
  return HT_EIO;
}

static int pg_configure_session(struct pg_db *p) {
  char sql[96];
  snprintf(sql, sizeof sql, "SET statement_timeout = %d; SET TIME ZONE 'UTC'", PG_STATEMENT_TIMEOUT_MS);
  PGresult *r = PQexec(p->conn, sql);
  int ok = PQresultStatus(r) == PGRES_COMMAND_OK;
  PQclear(r);
  return ok ? HT_OK : HT_EIO;
}

/* After a dropped connection: reset it and forget what was prepared on the old session. */
static bool pg_reconnect(struct pg_db *p) {
  if (p->base.in_transaction) return false;
  PQreset(p->conn);
  if (PQstatus(p->conn) != CONNECTION_OK) return false;
  for (size_t i = 0; i < PG_STATEMENTS_MAX; i++) p->slots[i].number = 0;
  return pg_configure_session(p) == HT_OK;
}

static int pg_exec_simple(struct db *db, const char *sql) {
  struct pg_db *p = (struct pg_db *)db;
  PGresult *r = PQexec(p->conn, sql);
  if (PQstatus(p->conn) == CONNECTION_BAD && pg_reconnect(p)) {
    PQclear(r);
    r = PQexec(p->conn, sql);
  }
  ExecStatusType st = PQresultStatus(r);
  int rc = (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK) ? HT_OK : map_result(db, r, "exec");
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
  if (!p->prepare) return PQexecParams(p->conn, sql->text, nargs, NULL, values, lengths, NULL, 0);
  struct pg_statement *slot = statement_slot(p, sql);
  if (!slot) return NULL;
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
  if (PQstatus(p->conn) == CONNECTION_BAD && pg_reconnect(p)) {
    PQclear(r);
    r = pg_run(p, sql, (int)nargs, values, lengths);
  }
  ExecStatusType st = PQresultStatus(r);
  if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) {
    int rc = map_result(db, r, sql->name);
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

static int64_t pg_col_i64(const struct db_rows *rows, int column) {
  struct pg_rows *state = rows->driver_state;
  if (PQgetisnull(state->result, (int)rows->row, column)) return 0;
  return strtoll(PQgetvalue(state->result, (int)rows->row, column), NULL, 10);
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

int db_postgres_open(const char *conninfo, struct db **out, char error[DB_ERROR_BYTES]) {
  struct pg_db *p = calloc(1, sizeof *p);
  char *url = strdup(conninfo);
  if (!p || !url) {
    free(p);
    free(url);
    return HT_ENOMEM;
  }
  p->base.driver = &pg_driver;
  p->base.engine = DB_ENGINE_POSTGRES;
  p->prepare = strip_prepare_option(url);
  p->conn = PQconnectdb(url);
  free(url);
  if (PQstatus(p->conn) != CONNECTION_OK || pg_configure_session(p) != HT_OK) {
    snprintf(error, DB_ERROR_BYTES, "postgres: %s", PQerrorMessage(p->conn));
    PQfinish(p->conn);
    free(p);
    return HT_EIO;
  }
  *out = &p->base;
  return HT_OK;
}
