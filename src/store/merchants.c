/* merchants.c — merchant and API-key rows (see merchants.h). */
#include "store/merchants.h"

#include <string.h>

#include "core/status.h"
#include "store/codes.h"

DB_SQL(SQL_MERCHANT_INSERT,
       "INSERT INTO merchants (name, code, created_at_ms) VALUES ($1, $2, $3) RETURNING id");
DB_SQL(SQL_MERCHANT_GET, "SELECT id, name, created_at_ms, code, app_link FROM merchants WHERE id = $1");
DB_SQL(SQL_MERCHANT_SET_DOMAIN, "UPDATE merchants SET domain = $2 WHERE id = $1");
DB_SQL(SQL_MERCHANT_DOMAINS, "SELECT domain FROM merchants WHERE domain IS NOT NULL ORDER BY id");
DB_SQL(SQL_APIKEY_INSERT, "INSERT INTO api_keys (merchant_id, key_hash, prefix, created_at_ms)"
                          " SELECT id, $2, $3, $4 FROM merchants WHERE id = $1 RETURNING id");
DB_SQL(SQL_APIKEY_AUTH, "SELECT merchant_id FROM api_keys WHERE key_hash = $1 AND revoked_at_ms IS NULL");
DB_SQL(SQL_APIKEY_REVOKE, "UPDATE api_keys SET revoked_at_ms = $2 WHERE id = $1 AND revoked_at_ms IS NULL");
DB_SQL(SQL_APIKEY_LIST, "SELECT id, merchant_id, prefix, created_at_ms, revoked_at_ms FROM api_keys"
                        " WHERE merchant_id = $1 ORDER BY id");

static int merchant_insert(struct db *db, struct str name, int64_t now_ms, int64_t *id) {
  char code[CODE_PUBLIC_LEN + 1];
  int rc = store_code_reserve(db, CODE_KIND_STORE, code);
  if (rc == HT_OK)
    rc = db_query_i64(db, &SQL_MERCHANT_INSERT, DB_ARGS(DB_TEXT(name), DB_CSTR(code), DB_I64(now_ms)), id);
  if (rc == HT_OK) rc = store_code_bind(db, code, *id, *id);
  return rc;
}

int store_merchant_create(struct db *db, struct str name, int64_t now_ms, int64_t *id) {
  if (db_in_transaction(db)) return merchant_insert(db, name, now_ms, id);
  int rc = db_begin(db, true);
  if (rc == HT_OK) rc = merchant_insert(db, name, now_ms, id);
  if (rc == HT_OK) return db_commit(db);
  db_rollback(db);
  return rc;
}

int store_merchant_get(struct db *db, struct arena *arena, int64_t id, struct merchant *out) {
  struct db_rows rows;
  int rc = db_query(db, &SQL_MERCHANT_GET, DB_ARGS(DB_I64(id)), &rows);
  if (rc == HT_OK) {
    int step = db_next(&rows);
    if (step == 1) {
      out->id = db_i64(&rows, 0);
      out->name = str_from_cstr(arena_strdup_str(arena, db_text(&rows, 1)));
      out->created_at_ms = db_i64(&rows, 2);
      struct str code = db_text(&rows, 3);
      size_t len = code.len < CODE_PUBLIC_LEN ? code.len : CODE_PUBLIC_LEN;
      memcpy(out->code, code.data, len);
      out->code[len] = '\0';
      out->app_link =
          db_is_null(&rows, 4) ? (struct str){0} : str_from_cstr(arena_strdup_str(arena, db_text(&rows, 4)));
      rc = out->name.data ? HT_OK : HT_ENOMEM;
    } else {
      rc = step == 0 ? HT_ENOTFOUND : step;
    }
  }
  db_rows_done(&rows);
  return rc;
}

int store_apikey_create(struct db *db, int64_t merchant_id, struct str key_hash_hex, struct str prefix,
                        int64_t now_ms, int64_t *key_id) {
  return db_query_i64(db, &SQL_APIKEY_INSERT,
                      DB_ARGS(DB_I64(merchant_id), DB_TEXT(key_hash_hex), DB_TEXT(prefix), DB_I64(now_ms)),
                      key_id);
}

int store_apikey_authenticate(struct db *db, struct str key_hash_hex, int64_t *merchant_id) {
  return db_query_i64(db, &SQL_APIKEY_AUTH, DB_ARGS(DB_TEXT(key_hash_hex)), merchant_id);
}

int store_apikey_revoke(struct db *db, int64_t key_id, int64_t now_ms) {
  int64_t changed = 0;
  int rc = db_exec(db, &SQL_APIKEY_REVOKE, DB_ARGS(DB_I64(key_id), DB_I64(now_ms)), &changed);
  if (rc == HT_OK && changed == 0) rc = HT_ENOTFOUND;
  return rc;
}

int store_apikey_list(struct db *db, int64_t merchant_id, void (*each)(const struct api_key_info *, void *),
                      void *user) {
  struct db_rows rows;
  int rc = db_query(db, &SQL_APIKEY_LIST, DB_ARGS(DB_I64(merchant_id)), &rows);
  int step = 0;
  while (rc == HT_OK && (step = db_next(&rows)) == 1) {
    struct api_key_info info = {.id = db_i64(&rows, 0),
                                .merchant_id = db_i64(&rows, 1),
                                .prefix = db_text(&rows, 2),
                                .created_at_ms = db_i64(&rows, 3),
                                .revoked_at_ms = db_i64(&rows, 4)};
    each(&info, user);
  }
  if (rc == HT_OK && step < 0) rc = step;
  db_rows_done(&rows);
  return rc;
}

int store_merchant_set_domain(struct db *db, int64_t id, struct str domain) {
  int64_t changed = 0;
  int rc = db_exec(db, &SQL_MERCHANT_SET_DOMAIN, DB_ARGS(DB_I64(id), domain.len ? DB_TEXT(domain) : DB_NULL),
                   &changed);
  if (rc == HT_OK && changed == 0) rc = HT_ENOTFOUND;
  return rc;
}

int store_merchant_domains(struct db *db, void (*each)(void *, struct str domain), void *user) {
  struct db_rows rows;
  int rc = db_query(db, &SQL_MERCHANT_DOMAINS, DB_NO_ARGS, &rows);
  int step = 0;
  while (rc == HT_OK && (step = db_next(&rows)) == 1) each(user, db_text(&rows, 0));
  if (rc == HT_OK && step < 0) rc = step;
  db_rows_done(&rows);
  return rc;
}
