/* wallets.c — credentials, pay pages, agreements and pay-code usage (see wallets.h). */
#include "store/wallets.h"

#include <string.h>

#include "core/status.h"
#include "platform/random.h"
#include "store/codes.h"

DB_SQL(SQL_CRED_PUT,
       "INSERT INTO channel_credentials (merchant_id, channel, config, secret_box, created_at_ms,"
       " updated_at_ms) VALUES ($1, $2, $3, $4, $5, $5) ON CONFLICT (merchant_id, channel)"
       " DO UPDATE SET config = excluded.config, secret_box = excluded.secret_box,"
       " updated_at_ms = excluded.updated_at_ms");
DB_SQL(SQL_CRED_GET, "SELECT config, secret_box, created_at_ms, updated_at_ms FROM channel_credentials"
                     " WHERE merchant_id = $1 AND channel = $2");
DB_SQL(SQL_CRED_NEXT, "SELECT merchant_id, channel FROM channel_credentials WHERE merchant_id > $1"
                      " OR (merchant_id = $1 AND channel > $2) ORDER BY merchant_id, channel LIMIT $3");
DB_SQL(SQL_MERCHANT_EXISTS, "SELECT count(*) FROM merchants WHERE id = $1");

DB_SQL(SQL_PAGE_PUT, "INSERT INTO payment_pages (reference, channel, kind, data, created_at_ms)"
                     " VALUES ($1, $2, $3, $4, $5) ON CONFLICT (reference) DO UPDATE SET"
                     " kind = excluded.kind, data = excluded.data");
DB_SQL(SQL_PAGE_GET, "SELECT channel, kind, data, created_at_ms FROM payment_pages WHERE reference = $1");

#define AGREEMENT_COLUMNS                                                                                    \
  "id, token, merchant_id, channel, currency, per_payment_cap_minor, daily_cap_minor, status,"               \
  " created_at_ms, revoked_at_ms FROM payment_agreements"
DB_SQL(SQL_AGREEMENT_INSERT,
       "INSERT INTO payment_agreements (token, merchant_id, channel, currency, per_payment_cap_minor,"
       " daily_cap_minor, status, created_at_ms) VALUES ($1, $2, $3, $4, $5, $6, 'active', $7)"
       " ON CONFLICT DO NOTHING RETURNING id");
DB_SQL(SQL_AGREEMENT_GET, "SELECT " AGREEMENT_COLUMNS " WHERE token = $1");
DB_SQL(SQL_AGREEMENT_LOCK, "SELECT " AGREEMENT_COLUMNS " WHERE token = $1 FOR UPDATE");
DB_SQL(SQL_AGREEMENT_REVOKE, "UPDATE payment_agreements SET status = 'revoked', revoked_at_ms = $2"
                             " WHERE id = $1 AND status = 'active'");
DB_SQL(SQL_USAGE_GET,
       "SELECT used_minor, payments FROM agreement_usage WHERE agreement_id = $1 AND day = $2");
DB_SQL(SQL_USAGE_OPEN, "INSERT INTO agreement_usage (agreement_id, day, used_minor) VALUES ($1, $2, 0)"
                       " ON CONFLICT DO NOTHING");
DB_SQL(SQL_USAGE_ADD, "UPDATE agreement_usage SET used_minor = used_minor + $3, payments = payments + 1"
                      " WHERE agreement_id = $1 AND day = $2 AND used_minor + $3 <= $4");
DB_SQL(SQL_AGREEMENT_PAYMENT,
       "INSERT INTO agreement_payments (payment_id, agreement_id, day, amount_minor, created_at_ms)"
       " VALUES ($1, $2, $3, $4, $5)");
DB_SQL(SQL_AGREEMENT_PAYMENT_EXISTS, "SELECT count(*) FROM agreement_payments WHERE payment_id = $1");

DB_SQL(SQL_CODE_OPEN, "INSERT INTO pay_code_usage (merchant_id, buyer_key, day, used_minor)"
                      " VALUES ($1, $2, $3, 0) ON CONFLICT DO NOTHING");
DB_SQL(SQL_CODE_ADD, "UPDATE pay_code_usage SET used_minor = used_minor + $4"
                     " WHERE merchant_id = $1 AND buyer_key = $2 AND day = $3 AND used_minor + $4 <= $5");
DB_SQL(SQL_CODE_GET, "SELECT used_minor FROM pay_code_usage WHERE merchant_id = $1 AND buyer_key = $2"
                     " AND day = $3");

static int copy_view(struct arena *arena, struct str in, struct str *out) {
  char *copy = arena_strdup_str(arena, in);
  if (!copy) return HT_ENOMEM;
  *out = (struct str){copy, in.len};
  return HT_OK;
}

/* ---- credentials ---- */

int store_credentials_put(struct db *db, int64_t merchant_id, struct str channel, struct str config,
                          struct str secret_box, int64_t now_ms) {
  int64_t exists = 0;
  int rc = db_query_i64(db, &SQL_MERCHANT_EXISTS, DB_ARGS(DB_I64(merchant_id)), &exists);
  if (rc == HT_OK && exists == 0) return HT_ENOTFOUND;
  if (rc != HT_OK) return rc;
  return db_exec(
      db, &SQL_CRED_PUT,
      DB_ARGS(DB_I64(merchant_id), DB_TEXT(channel), DB_TEXT(config), DB_TEXT(secret_box), DB_I64(now_ms)),
      NULL);
}

int store_credentials_get(struct db *db, struct arena *arena, int64_t merchant_id, struct str channel,
                          struct credentials_row *out) {
  struct db_rows rows;
  memset(out, 0, sizeof *out);
  int rc = db_query(db, &SQL_CRED_GET, DB_ARGS(DB_I64(merchant_id), DB_TEXT(channel)), &rows);
  if (rc == HT_OK) {
    int step = db_next(&rows);
    rc = step == 1 ? HT_OK : step == 0 ? HT_ENOTFOUND : step;
    if (rc == HT_OK) {
      out->merchant_id = merchant_id;
      out->created_at_ms = db_i64(&rows, 2);
      out->updated_at_ms = db_i64(&rows, 3);
      rc = copy_view(arena, channel, &out->channel);
      if (rc == HT_OK) rc = copy_view(arena, db_text(&rows, 0), &out->config);
      if (rc == HT_OK) rc = copy_view(arena, db_text(&rows, 1), &out->secret_box);
    }
  }
  db_rows_done(&rows);
  return rc;
}

int store_credentials_next(struct db *db, struct arena *arena, int64_t after_merchant_id,
                           struct str after_channel, size_t limit, struct credentials_row *out,
                           size_t *count) {
  struct db_rows rows;
  *count = 0;
  int rc = db_query(db, &SQL_CRED_NEXT,
                    DB_ARGS(DB_I64(after_merchant_id), DB_TEXT(after_channel), DB_I64(limit)), &rows);
  int step = 0;
  while (rc == HT_OK && *count < limit && (step = db_next(&rows)) == 1) {
    struct credentials_row *row = &out[*count];
    memset(row, 0, sizeof *row);
    row->merchant_id = db_i64(&rows, 0);
    rc = copy_view(arena, db_text(&rows, 1), &row->channel);
    if (rc == HT_OK) (*count)++;
  }
  if (rc == HT_OK && step < 0) rc = step;
  db_rows_done(&rows);
  return rc;
}

/* ---- pay pages ---- */

int store_payment_page_put(struct db *db, struct str reference, struct str channel, struct str kind,
                           struct str data, int64_t now_ms) {
  return db_exec(db, &SQL_PAGE_PUT,
                 DB_ARGS(DB_TEXT(reference), DB_TEXT(channel), DB_TEXT(kind), DB_TEXT(data), DB_I64(now_ms)),
                 NULL);
}

int store_payment_page_get(struct db *db, struct arena *arena, struct str reference,
                           struct payment_page *out) {
  struct db_rows rows;
  memset(out, 0, sizeof *out);
  int rc = db_query(db, &SQL_PAGE_GET, DB_ARGS(DB_TEXT(reference)), &rows);
  if (rc == HT_OK) {
    int step = db_next(&rows);
    rc = step == 1 ? HT_OK : step == 0 ? HT_ENOTFOUND : step;
    if (rc == HT_OK) {
      out->created_at_ms = db_i64(&rows, 3);
      rc = copy_view(arena, db_text(&rows, 0), &out->channel);
      if (rc == HT_OK) rc = copy_view(arena, db_text(&rows, 1), &out->kind);
      if (rc == HT_OK) rc = copy_view(arena, db_text(&rows, 2), &out->data);
    }
  }
  db_rows_done(&rows);
  return rc;
}

/* ---- agreements ---- */

int store_agreement_insert(struct db *db, struct agreement_row *row) {
  for (int attempt = 0; attempt < CODE_ALLOCATE_ATTEMPTS_MAX; attempt++) {
    uint8_t random[CODE_RANDOM_BYTES(CODE_PRIVATE_LEN)];
    random_bytes(random, sizeof random);
    int rc = code_from_random(random, sizeof random, CODE_PRIVATE_LEN, row->token, sizeof row->token);
    if (rc == HT_OK)
      rc = db_query_i64(db, &SQL_AGREEMENT_INSERT,
                        DB_ARGS(DB_CSTR(row->token), DB_I64(row->merchant_id), DB_TEXT(row->channel),
                                DB_CSTR(currency_code(row->currency)), DB_I64(row->per_payment_cap_minor),
                                DB_I64(row->daily_cap_minor), DB_I64(row->created_at_ms)),
                        &row->id);
    if (rc != HT_ENOTFOUND) {
      row->active = rc == HT_OK;
      return rc; /* ENOTFOUND: the token collided; draw another */
    }
  }
  return HT_EBUSY;
}

static int read_agreement(const struct db_rows *rows, struct arena *arena, struct agreement_row *a) {
  memset(a, 0, sizeof *a);
  a->id = db_i64(rows, 0);
  struct str token = db_text(rows, 1);
  if (token.len != CODE_PRIVATE_LEN) return HT_EIO;
  memcpy(a->token, token.data, token.len);
  a->merchant_id = db_i64(rows, 2);
  if (currency_from_code(db_text(rows, 4), &a->currency) != HT_OK) return HT_EIO;
  a->per_payment_cap_minor = db_i64(rows, 5);
  a->daily_cap_minor = db_i64(rows, 6);
  a->active = str_eq(db_text(rows, 7), STR_LIT("active"));
  a->created_at_ms = db_i64(rows, 8);
  a->revoked_at_ms = db_i64(rows, 9);
  return copy_view(arena, db_text(rows, 3), &a->channel);
}

int store_agreement_by_token(struct db *db, struct arena *arena, struct str token, bool lock,
                             struct agreement_row *out) {
  struct db_rows rows;
  int rc = db_query(db, lock ? &SQL_AGREEMENT_LOCK : &SQL_AGREEMENT_GET, DB_ARGS(DB_TEXT(token)), &rows);
  if (rc == HT_OK) {
    int step = db_next(&rows);
    rc = step == 1 ? read_agreement(&rows, arena, out) : step == 0 ? HT_ENOTFOUND : step;
  }
  db_rows_done(&rows);
  return rc;
}

int store_agreement_revoke(struct db *db, int64_t id, int64_t now_ms) {
  int64_t changed = 0;
  int rc = db_exec(db, &SQL_AGREEMENT_REVOKE, DB_ARGS(DB_I64(id), DB_I64(now_ms)), &changed);
  return rc == HT_OK && changed == 0 ? HT_ECONFLICT : rc;
}

int store_agreement_usage(struct db *db, int64_t id, int64_t day, int64_t *used_minor, int64_t *payments) {
  struct db_rows rows;
  *used_minor = *payments = 0;
  int rc = db_query(db, &SQL_USAGE_GET, DB_ARGS(DB_I64(id), DB_I64(day)), &rows);
  if (rc == HT_OK) {
    int step = db_next(&rows);
    if (step == 1) *used_minor = db_i64(&rows, 0), *payments = db_i64(&rows, 1);
    if (step < 0) rc = step;
  }
  db_rows_done(&rows);
  return rc;
}

int store_agreement_consume(struct db *db, int64_t id, int64_t day, int64_t amount_minor,
                            int64_t daily_cap_minor) {
  int64_t changed = 0;
  int rc = db_exec(db, &SQL_USAGE_OPEN, DB_ARGS(DB_I64(id), DB_I64(day)), NULL);
  if (rc == HT_OK)
    rc = db_exec(db, &SQL_USAGE_ADD,
                 DB_ARGS(DB_I64(id), DB_I64(day), DB_I64(amount_minor), DB_I64(daily_cap_minor)), &changed);
  return rc == HT_OK && changed == 0 ? HT_ERANGE : rc;
}

int store_agreement_payment_record(struct db *db, int64_t payment_id, int64_t agreement_id, int64_t day,
                                   int64_t amount_minor, int64_t now_ms) {
  return db_exec(
      db, &SQL_AGREEMENT_PAYMENT,
      DB_ARGS(DB_I64(payment_id), DB_I64(agreement_id), DB_I64(day), DB_I64(amount_minor), DB_I64(now_ms)),
      NULL);
}

int store_agreement_payment_exists(struct db *db, int64_t payment_id, bool *yes) {
  int64_t count = 0;
  int rc = db_query_i64(db, &SQL_AGREEMENT_PAYMENT_EXISTS, DB_ARGS(DB_I64(payment_id)), &count);
  *yes = rc == HT_OK && count > 0;
  return rc;
}

/* ---- static pay codes ---- */

int store_pay_code_consume(struct db *db, int64_t merchant_id, struct str buyer_key, int64_t day,
                           int64_t amount_minor, int64_t cap_minor) {
  int64_t changed = 0;
  int rc = db_exec(db, &SQL_CODE_OPEN, DB_ARGS(DB_I64(merchant_id), DB_TEXT(buyer_key), DB_I64(day)), NULL);
  if (rc == HT_OK)
    rc = db_exec(db, &SQL_CODE_ADD,
                 DB_ARGS(DB_I64(merchant_id), DB_TEXT(buyer_key), DB_I64(day), DB_I64(amount_minor),
                         DB_I64(cap_minor)),
                 &changed);
  return rc == HT_OK && changed == 0 ? HT_ERANGE : rc;
}

int store_pay_code_usage(struct db *db, int64_t merchant_id, struct str buyer_key, int64_t day,
                         int64_t *used_minor) {
  int rc = db_query_i64(db, &SQL_CODE_GET, DB_ARGS(DB_I64(merchant_id), DB_TEXT(buyer_key), DB_I64(day)),
                        used_minor);
  if (rc == HT_ENOTFOUND) *used_minor = 0, rc = HT_OK;
  return rc;
}
