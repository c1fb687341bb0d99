/* links.c — campaign links, share tokens and handoffs (see links.h). */
#include "store/links.h"

#include <string.h>

#include "core/status.h"
#include "platform/random.h"
#include "store/changes.h"
#include "store/codes.h"

#define LINK_COLUMNS "id, merchant_id, code, target_url, channel, expires_at_ms, created_at_ms, updated_at_ms"

DB_SQL(SQL_LINK_INSERT,
       "INSERT INTO links (merchant_id, code, target_url, channel, expires_at_ms, created_at_ms,"
       " updated_at_ms) VALUES ($1, $2, $3, $4, $5, $6, $6) RETURNING id");
DB_SQL(SQL_LINK_GET, "SELECT " LINK_COLUMNS " FROM links WHERE code = $1 AND ($2 = 0 OR merchant_id = $2)");
DB_SQL(SQL_LINK_UPDATE,
       "UPDATE links SET target_url = $3, channel = $4, expires_at_ms = $5, updated_at_ms = $6"
       " WHERE code = $1 AND merchant_id = $2");
DB_SQL(SQL_LINK_LIST, "SELECT " LINK_COLUMNS " FROM links WHERE merchant_id = $1 AND id < $2 ORDER BY id DESC"
                      " LIMIT $3");
DB_SQL(SQL_TOKEN_INSERT, "INSERT INTO share_tokens (merchant_id, product_id, code, channel, created_at_ms,"
                         " expires_at_ms) VALUES ($1, $2, $3, $4, $5, $6)");
DB_SQL(SQL_TOKEN_LATEST, "SELECT expires_at_ms FROM share_tokens WHERE code = $1 ORDER BY expires_at_ms DESC"
                         " LIMIT 1");
DB_SQL(SQL_HANDOFF_INSERT, "INSERT INTO handoffs (id, merchant_id, product_id, quantity, created_at_ms,"
                           " expires_at_ms) VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING");
DB_SQL(SQL_HANDOFF_GET, "SELECT id, merchant_id, product_id, quantity, created_at_ms, expires_at_ms,"
                        " claimed_at_ms FROM handoffs WHERE id = $1");
DB_SQL(SQL_HANDOFF_CLAIM, "UPDATE handoffs SET claimed_at_ms = $2, claimed_by = $3 WHERE id = $1"
                          " AND claimed_at_ms IS NULL AND expires_at_ms > $2");
DB_SQL(SQL_HANDOFF_PURGE, "DELETE FROM handoffs WHERE expires_at_ms < $1");

static int copy_view(struct arena *arena, struct str in, struct str *out) {
  char *copy = arena_strdup_str(arena, in);
  if (!copy) return HT_ENOMEM;
  *out = (struct str){copy, in.len};
  return HT_OK;
}

static void copy_code(char *out, size_t size, struct str in) {
  size_t len = in.len < size - 1 ? in.len : size - 1;
  memcpy(out, in.data, len);
  out[len] = '\0';
}

static int read_link(const struct db_rows *rows, struct arena *arena, struct link *l) {
  l->id = db_i64(rows, 0);
  l->merchant_id = db_i64(rows, 1);
  copy_code(l->code, sizeof l->code, db_text(rows, 2));
  l->channel = (struct str){0};
  l->expires_at_ms = db_i64(rows, 5);
  l->created_at_ms = db_i64(rows, 6);
  l->updated_at_ms = db_i64(rows, 7);
  int rc = copy_view(arena, db_text(rows, 3), &l->target_url);
  if (!rc && !db_is_null(rows, 4)) rc = copy_view(arena, db_text(rows, 4), &l->channel);
  return rc;
}

int store_link_create(struct db *db, struct link *l, int64_t now_ms) {
  l->created_at_ms = l->updated_at_ms = now_ms;
  int rc = store_code_reserve(db, CODE_KIND_LINK, l->code);
  if (rc == HT_OK)
    rc = db_query_i64(db, &SQL_LINK_INSERT,
                      DB_ARGS(DB_I64(l->merchant_id), DB_CSTR(l->code), DB_TEXT(l->target_url),
                              DB_TEXT_OR_NULL(l->channel),
                              l->expires_at_ms ? DB_I64(l->expires_at_ms) : DB_NULL, DB_I64(now_ms)),
                      &l->id);
  if (rc == HT_OK) rc = store_code_bind(db, l->code, l->merchant_id, l->id);
  return rc;
}

int store_link_get(struct db *db, struct arena *arena, int64_t merchant_id, struct str code,
                   struct link *out) {
  struct db_rows rows;
  int rc = db_query(db, &SQL_LINK_GET, DB_ARGS(DB_TEXT(code), DB_I64(merchant_id)), &rows);
  if (rc == HT_OK) {
    int step = db_next(&rows);
    rc = step == 1 ? read_link(&rows, arena, out) : step == 0 ? HT_ENOTFOUND : step;
  }
  db_rows_done(&rows);
  return rc;
}

int store_link_update(struct db *db, struct link *l, int64_t now_ms) {
  int64_t changed = 0;
  int rc = db_exec(db, &SQL_LINK_UPDATE,
                   DB_ARGS(DB_CSTR(l->code), DB_I64(l->merchant_id), DB_TEXT(l->target_url),
                           DB_TEXT_OR_NULL(l->channel), l->expires_at_ms ? DB_I64(l->expires_at_ms) : DB_NULL,
                           DB_I64(now_ms)),
                   &changed);
  if (rc == HT_OK && changed == 0) return HT_ENOTFOUND;
  if (rc == HT_OK) l->updated_at_ms = now_ms;
  if (rc == HT_OK) rc = store_changed(db, CHANGE_CODE, str_from_cstr(l->code)); /* nodes redirect by memory */
  return rc;
}

int store_link_list(struct db *db, struct arena *arena, int64_t merchant_id, int64_t before_id, size_t limit,
                    struct link *out, size_t *count) {
  struct db_rows rows;
  *count = 0;
  int rc = db_query(
      db, &SQL_LINK_LIST,
      DB_ARGS(DB_I64(merchant_id), DB_I64(before_id > 0 ? before_id : INT64_MAX), DB_I64(limit)), &rows);
  int step = 0;
  while (rc == HT_OK && *count < limit && (step = db_next(&rows)) == 1) {
    rc = read_link(&rows, arena, &out[*count]);
    if (rc == HT_OK) (*count)++;
  }
  if (rc == HT_OK && step < 0) rc = step;
  db_rows_done(&rows);
  return rc;
}

int store_token_create(struct db *db, int64_t merchant_id, int64_t product_id, const char *code,
                       struct str channel, int64_t now_ms, int64_t expires_at_ms) {
  int rc = db_exec(db, &SQL_TOKEN_INSERT,
                   DB_ARGS(DB_I64(merchant_id), DB_I64(product_id), DB_CSTR(code), DB_TEXT_OR_NULL(channel),
                           DB_I64(now_ms), DB_I64(expires_at_ms)),
                   NULL);
  /* Nodes remember each code's latest token expiry (web/share.c). */
  if (rc == HT_OK) rc = store_changed(db, CHANGE_CODE, str_from_cstr(code));
  return rc;
}

int store_token_latest_expiry(struct db *db, struct str code, int64_t *expires_at_ms) {
  return db_query_i64(db, &SQL_TOKEN_LATEST, DB_ARGS(DB_TEXT(code)), expires_at_ms);
}

int store_handoff_create(struct db *db, struct handoff *h) {
  for (int attempt = 0; attempt < CODE_ALLOCATE_ATTEMPTS_MAX; attempt++) {
    uint8_t random[CODE_RANDOM_BYTES(CODE_PRIVATE_LEN)];
    random_bytes(random, sizeof random);
    int rc = code_from_random(random, sizeof random, CODE_PRIVATE_LEN, h->id, sizeof h->id);
    int64_t inserted = 0;
    if (rc == HT_OK)
      rc = db_exec(db, &SQL_HANDOFF_INSERT,
                   DB_ARGS(DB_CSTR(h->id), DB_I64(h->merchant_id), DB_I64(h->product_id), DB_I64(h->quantity),
                           DB_I64(h->created_at_ms), DB_I64(h->expires_at_ms)),
                   &inserted);
    if (rc != HT_OK || inserted == 1) return rc;
  }
  return HT_EBUSY;
}

int store_handoff_get(struct db *db, struct str id, struct handoff *out) {
  struct db_rows rows;
  int rc = db_query(db, &SQL_HANDOFF_GET, DB_ARGS(DB_TEXT(id)), &rows);
  if (rc == HT_OK) {
    int step = db_next(&rows);
    if (step == 1) {
      copy_code(out->id, sizeof out->id, db_text(&rows, 0));
      out->merchant_id = db_i64(&rows, 1);
      out->product_id = db_i64(&rows, 2);
      out->quantity = db_i64(&rows, 3);
      out->created_at_ms = db_i64(&rows, 4);
      out->expires_at_ms = db_i64(&rows, 5);
      out->claimed_at_ms = db_i64(&rows, 6);
    }
    rc = step == 1 ? HT_OK : step == 0 ? HT_ENOTFOUND : step;
  }
  db_rows_done(&rows);
  return rc;
}

int store_handoff_claim(struct db *db, struct str id, struct str claimed_by, int64_t now_ms) {
  int64_t changed = 0;
  int rc =
      db_exec(db, &SQL_HANDOFF_CLAIM, DB_ARGS(DB_TEXT(id), DB_I64(now_ms), DB_TEXT(claimed_by)), &changed);
  if (rc == HT_OK && changed == 0) rc = HT_ECONFLICT;
  return rc;
}

int store_handoff_purge(struct db *db, int64_t before_ms, int64_t *deleted) {
  return db_exec(db, &SQL_HANDOFF_PURGE, DB_ARGS(DB_I64(before_ms)), deleted);
}
