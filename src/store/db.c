/* db.c — the driver-neutral half of db.h: URL dispatch, transaction bookkeeping and the
 * convenience wrappers. Everything engine-specific lives in db_sqlite.c / db_postgres.c. */
#include "store/db.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "core/status.h"
#include "platform/changes.h"
#include "store/db_driver.h"

static void changes_forget(struct db *db) {
  db->changes_pending = 0;
  db->changes_overflow = false;
}

/* After a commit: this process's caches forget what the transaction changed (other nodes
 * hear it from the database; store/changes.h). */
static void changes_announce(struct db *db) {
  if (db->changes_overflow)
    changes_publish(CHANGE_ALL, STR_LIT(""));
  else
    for (unsigned i = 0; i < db->changes_pending; i++)
      changes_publish((enum change_kind)db->changes[i].kind,
                      (struct str){db->changes[i].key, db->changes[i].len});
  changes_forget(db);
}

void db_set_error(struct db *db, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(db->error, sizeof db->error, fmt, ap);
  va_end(ap);
}

int db_open(const char *url, struct db **out, char error[DB_ERROR_BYTES]) {
  *out = NULL;
  error[0] = '\0';
  if (strncmp(url, "postgres://", 11) == 0 || strncmp(url, "postgresql://", 13) == 0)
    return db_postgres_open(url, out, error);
  if (strncmp(url, "sqlite:", 7) == 0) return db_sqlite_open(url + 7, out, error);
  if (strchr(url, ':') && !strchr(url, '/')) {
    snprintf(error, DB_ERROR_BYTES, "unknown database URL scheme in '%s' (use sqlite:PATH or postgres://...)",
             url);
    return HT_EINVAL;
  }
  return db_sqlite_open(url, out, error);
}

void db_close(struct db *db) {
  if (!db) return;
  if (db->in_transaction) db_rollback(db);
  db->driver->close(db);
}

enum db_engine db_engine(const struct db *db) { return db->engine; }

int db_begin(struct db *db, bool write) {
  if (db->in_transaction) {
    db_set_error(db, "transaction already open");
    return HT_EIO;
  }
  changes_forget(db);
  int rc = db->driver->exec_simple(db, db->driver->begin_sql(write));
  if (rc == HT_OK) db->in_transaction = true;
  return rc;
}

int db_commit(struct db *db) {
  if (!db->in_transaction) {
    db_set_error(db, "commit without a transaction");
    return HT_EIO;
  }
  int rc = db->driver->exec_simple(db, "COMMIT");
  if (rc != HT_OK) {
    db->driver->exec_simple(db, "ROLLBACK");
    rc = HT_EIO;
  }
  db->in_transaction = false;
  changes_announce(db); /* also after a failed COMMIT, whose outcome may be unknown: forgetting too
                         * much costs a read, too little a stale page */
  return rc;
}

void db_rollback(struct db *db) {
  if (!db->in_transaction) return;
  db->driver->exec_simple(db, "ROLLBACK");
  db->in_transaction = false;
  changes_forget(db);
}

bool db_in_transaction(const struct db *db) { return db->in_transaction; }

int db_query(struct db *db, const struct db_sql *sql, const struct db_arg *args, size_t nargs,
             struct db_rows *rows) {
  memset(rows, 0, sizeof *rows);
  rows->db = db;
  if (nargs > DB_ARGS_MAX) {
    db_set_error(db, "%s: %zu arguments, at most %d", sql->name, nargs, DB_ARGS_MAX);
    return HT_EINVAL;
  }
  return db->driver->query(db, sql, args, nargs, rows);
}

int db_next(struct db_rows *rows) { return rows->db->driver->next(rows); }
int64_t db_i64(const struct db_rows *rows, int column) { return rows->db->driver->col_i64(rows, column); }
struct str db_text(const struct db_rows *rows, int column) {
  return rows->db->driver->col_text(rows, column);
}
bool db_is_null(const struct db_rows *rows, int column) {
  return rows->db->driver->col_is_null(rows, column);
}

void db_rows_done(struct db_rows *rows) {
  if (rows->db && rows->driver_state) rows->db->driver->rows_done(rows);
  rows->driver_state = NULL;
}

int db_exec(struct db *db, const struct db_sql *sql, const struct db_arg *args, size_t nargs,
            int64_t *changed) {
  struct db_rows rows;
  int rc = db_query(db, sql, args, nargs, &rows);
  while (rc == HT_OK) {
    int step = db_next(&rows);
    if (step < 0) rc = step;
    if (step <= 0) break;
  }
  if (rc == HT_OK && changed) *changed = db->driver->changes(&rows);
  db_rows_done(&rows);
  return rc;
}

int db_exec_script(struct db *db, const char *script) { return db->driver->exec_simple(db, script); }

const char *db_error(const struct db *db) { return db->error; }

int db_query_i64(struct db *db, const struct db_sql *sql, const struct db_arg *args, size_t nargs,
                 int64_t *out) {
  struct db_rows rows;
  int rc = db_query(db, sql, args, nargs, &rows);
  if (rc == HT_OK) {
    int step = db_next(&rows);
    if (step == 1) *out = db_i64(&rows, 0);
    rc = step == 1 ? HT_OK : step == 0 ? HT_ENOTFOUND : step;
  }
  db_rows_done(&rows);
  return rc;
}
