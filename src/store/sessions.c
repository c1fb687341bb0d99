/* sessions.c — password and session rows of the dashboard (see sessions.h). */
#include "store/sessions.h"

#include <stdio.h>

#include "core/status.h"

DB_SQL(SQL_PASSWORD_SET, "INSERT INTO merchant_passwords (merchant_id, hash, updated_at_ms)"
                         " SELECT id, $2, $3 FROM merchants WHERE id = $1"
                         " ON CONFLICT (merchant_id) DO UPDATE SET hash = excluded.hash,"
                         " updated_at_ms = excluded.updated_at_ms");
DB_SQL(SQL_PASSWORD_GET, "SELECT hash FROM merchant_passwords WHERE merchant_id = $1");
DB_SQL(SQL_SESSION_INSERT, "INSERT INTO merchant_sessions (id_hash, merchant_id, csrf_token, created_at_ms,"
                           " last_seen_ms, expires_at_ms) VALUES ($1, $2, $3, $4, $5, $6)");
DB_SQL(SQL_SESSION_GET, "SELECT merchant_id, csrf_token, created_at_ms, last_seen_ms, expires_at_ms"
                        " FROM merchant_sessions WHERE id_hash = $1");
DB_SQL(SQL_SESSION_TOUCH, "UPDATE merchant_sessions SET last_seen_ms = $2 WHERE id_hash = $1");
DB_SQL(SQL_SESSION_DELETE, "DELETE FROM merchant_sessions WHERE id_hash = $1");
DB_SQL(SQL_SESSIONS_DELETE_MERCHANT, "DELETE FROM merchant_sessions WHERE merchant_id = $1");
DB_SQL(SQL_SESSIONS_PURGE, "DELETE FROM merchant_sessions WHERE expires_at_ms <= $1 OR last_seen_ms < $2");

int store_password_set(struct db *db, int64_t merchant_id, struct str hash, int64_t now_ms) {
  int64_t changed = 0;
  int rc =
      db_exec(db, &SQL_PASSWORD_SET, DB_ARGS(DB_I64(merchant_id), DB_TEXT(hash), DB_I64(now_ms)), &changed);
  return rc == HT_OK && changed == 0 ? HT_ENOTFOUND : rc;
}

int store_password_get(struct db *db, struct arena *arena, int64_t merchant_id, struct str *hash) {
  struct db_rows rows;
  int rc = db_query(db, &SQL_PASSWORD_GET, DB_ARGS(DB_I64(merchant_id)), &rows);
  if (rc == HT_OK) {
    int step = db_next(&rows);
    if (step == 1) {
      char *copy = arena_strdup_str(arena, db_text(&rows, 0));
      *hash = str_from_cstr(copy);
      rc = copy ? HT_OK : HT_ENOMEM;
    } else {
      rc = step == 0 ? HT_ENOTFOUND : step;
    }
  }
  db_rows_done(&rows);
  return rc;
}

int store_session_create(struct db *db, struct str id_hash, const struct merchant_session *s) {
  return db_exec(db, &SQL_SESSION_INSERT,
                 DB_ARGS(DB_TEXT(id_hash), DB_I64(s->merchant_id), DB_CSTR(s->csrf_token),
                         DB_I64(s->created_at_ms), DB_I64(s->last_seen_ms), DB_I64(s->expires_at_ms)),
                 NULL);
}

int store_session_get(struct db *db, struct str id_hash, struct merchant_session *out) {
  struct db_rows rows;
  int rc = db_query(db, &SQL_SESSION_GET, DB_ARGS(DB_TEXT(id_hash)), &rows);
  if (rc == HT_OK) {
    int step = db_next(&rows);
    if (step == 1) {
      out->merchant_id = db_i64(&rows, 0);
      snprintf(out->csrf_token, sizeof out->csrf_token, "%.*s", STR_FMT(db_text(&rows, 1)));
      out->created_at_ms = db_i64(&rows, 2);
      out->last_seen_ms = db_i64(&rows, 3);
      out->expires_at_ms = db_i64(&rows, 4);
    } else {
      rc = step == 0 ? HT_ENOTFOUND : step;
    }
  }
  db_rows_done(&rows);
  return rc;
}

int store_session_touch(struct db *db, struct str id_hash, int64_t now_ms) {
  return db_exec(db, &SQL_SESSION_TOUCH, DB_ARGS(DB_TEXT(id_hash), DB_I64(now_ms)), NULL);
}

int store_session_delete(struct db *db, struct str id_hash) {
  return db_exec(db, &SQL_SESSION_DELETE, DB_ARGS(DB_TEXT(id_hash)), NULL);
}

int store_sessions_delete_merchant(struct db *db, int64_t merchant_id) {
  return db_exec(db, &SQL_SESSIONS_DELETE_MERCHANT, DB_ARGS(DB_I64(merchant_id)), NULL);
}

int store_sessions_purge(struct db *db, int64_t now_ms, int64_t idle_before_ms) {
  return db_exec(db, &SQL_SESSIONS_PURGE, DB_ARGS(DB_I64(now_ms), DB_I64(idle_before_ms)), NULL);
}
