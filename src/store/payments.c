/* payments.c — payments, refunds and payouts share one shape (see payments.h); the table
 * and its columns differ, so each statement exists once per kind. */
#include "store/payments.h"

#include <string.h>

#include "core/code.h"
#include "core/status.h"
#include "platform/random.h"
#include "store/codes.h"

DB_SQL(SQL_PAY_INSERT,
       "INSERT INTO payments (order_id, merchant_id, channel, channel_id, amount_minor, currency,"
       " status, out_trade_no, created_at_ms, updated_at_ms) VALUES ($1, $2, $3, $4, $5, $6, $7, $8,"
       " $9, $9) ON CONFLICT DO NOTHING RETURNING id");
DB_SQL(SQL_REFUND_INSERT,
       "INSERT INTO refunds (order_id, payment_id, channel_id, amount_minor, currency, status,"
       " out_refund_no, created_at_ms, updated_at_ms) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8)"
       " ON CONFLICT DO NOTHING RETURNING id");
DB_SQL(SQL_PAYOUT_INSERT,
       "INSERT INTO payouts (merchant_id, channel_id, amount_minor, currency, status,"
       " out_payout_no, created_at_ms, updated_at_ms) VALUES ($1, $2, $3, $4, $5, $6, $7, $7)"
       " ON CONFLICT DO NOTHING RETURNING id");
#define PAY_COLUMNS                                                                                          \
  "id, order_id, merchant_id, 0, channel, channel_id, amount_minor, currency, status, out_trade_no,"         \
  " coalesce(channel_trade_no, ''), coalesce(pay_url, ''), created_at_ms, updated_at_ms FROM payments"
#define REFUND_COLUMNS                                                                                       \
  "id, order_id, 0, payment_id, '', channel_id, amount_minor, currency, status, out_refund_no, '', '',"      \
  " created_at_ms, updated_at_ms FROM refunds"
#define PAYOUT_COLUMNS                                                                                       \
  "id, 0, merchant_id, 0, '', channel_id, amount_minor, currency, status, out_payout_no, '', '',"            \
  " created_at_ms, updated_at_ms FROM payouts"
DB_SQL(SQL_PAY_GET, "SELECT " PAY_COLUMNS " WHERE id = $1");
DB_SQL(SQL_REFUND_GET, "SELECT " REFUND_COLUMNS " WHERE id = $1");
DB_SQL(SQL_PAYOUT_GET, "SELECT " PAYOUT_COLUMNS " WHERE id = $1");
DB_SQL(SQL_PAY_BY_REF, "SELECT " PAY_COLUMNS " WHERE out_trade_no = $1");
DB_SQL(SQL_REFUND_BY_REF, "SELECT " REFUND_COLUMNS " WHERE out_refund_no = $1");
DB_SQL(SQL_PAYOUT_BY_REF, "SELECT " PAYOUT_COLUMNS " WHERE out_payout_no = $1");
DB_SQL(SQL_PAY_LIST, "SELECT " PAY_COLUMNS " WHERE order_id = $1 ORDER BY id LIMIT $2");
DB_SQL(SQL_REFUND_LIST, "SELECT " REFUND_COLUMNS " WHERE order_id = $1 ORDER BY id LIMIT $2");
DB_SQL(SQL_PAYOUT_LIST, "SELECT " PAYOUT_COLUMNS " WHERE merchant_id = $1 ORDER BY id DESC LIMIT $2");
DB_SQL(SQL_PAY_STATUS, "UPDATE payments SET status = $3, channel_trade_no = coalesce($4, channel_trade_no),"
                       " pay_url = coalesce($5, pay_url), updated_at_ms = $6 WHERE id = $1 AND status = $2");
DB_SQL(SQL_REFUND_STATUS, "UPDATE refunds SET status = $3, updated_at_ms = $4 WHERE id = $1 AND status = $2");
DB_SQL(SQL_PAYOUT_STATUS, "UPDATE payouts SET status = $3, updated_at_ms = $4 WHERE id = $1 AND status = $2");
DB_SQL(SQL_PAY_IN_STATUS,
       "SELECT id FROM payments WHERE status = $1 AND updated_at_ms < $2 ORDER BY id LIMIT $3");
DB_SQL(SQL_REFUND_IN_STATUS,
       "SELECT id FROM refunds WHERE status = $1 AND updated_at_ms < $2 ORDER BY id LIMIT $3");
DB_SQL(SQL_PAYOUT_IN_STATUS,
       "SELECT id FROM payouts WHERE status = $1 AND updated_at_ms < $2 ORDER BY id LIMIT $3");
DB_SQL(SQL_REFUND_DUE, "SELECT id, attempts FROM refunds WHERE status = $1 AND next_attempt_at_ms <= $2"
                       " ORDER BY next_attempt_at_ms, id LIMIT $3");
DB_SQL(SQL_PAYOUT_DUE, "SELECT id, attempts FROM payouts WHERE status = $1 AND next_attempt_at_ms <= $2"
                       " ORDER BY next_attempt_at_ms, id LIMIT $3");
DB_SQL(SQL_REFUND_ATTEMPTED, "UPDATE refunds SET attempts = $2, next_attempt_at_ms = $3 WHERE id = $1");
DB_SQL(SQL_PAYOUT_ATTEMPTED, "UPDATE payouts SET attempts = $2, next_attempt_at_ms = $3 WHERE id = $1");
DB_SQL(SQL_PAY_UNKNOWN_DUE,
       "SELECT id FROM payments WHERE status = 'unknown' AND (updated_at_ms > created_at_ms"
       " OR updated_at_ms < $1) ORDER BY id LIMIT $2");
DB_SQL(SQL_NOTIFICATION_SEEN, "INSERT INTO notifications (channel, notification_id, received_at_ms)"
                              " VALUES ($1, $2, $3) ON CONFLICT DO NOTHING");
DB_SQL(SQL_JOB_GET, "SELECT last_run_ms FROM jobs_runs WHERE job = $1");
DB_SQL(SQL_JOB_SET, "INSERT INTO jobs_runs (job, last_run_ms) VALUES ($1, $2) ON CONFLICT (job)"
                    " DO UPDATE SET last_run_ms = excluded.last_run_ms");

static const struct db_sql *const get_sql[] = {&SQL_PAY_GET, &SQL_REFUND_GET, &SQL_PAYOUT_GET};
static const struct db_sql *const by_ref_sql[] = {&SQL_PAY_BY_REF, &SQL_REFUND_BY_REF, &SQL_PAYOUT_BY_REF};
static const struct db_sql *const list_sql[] = {&SQL_PAY_LIST, &SQL_REFUND_LIST, &SQL_PAYOUT_LIST};
static const struct db_sql *const status_sql[] = {&SQL_PAY_STATUS, &SQL_REFUND_STATUS, &SQL_PAYOUT_STATUS};
static const struct db_sql *const in_status_sql[] = {&SQL_PAY_IN_STATUS, &SQL_REFUND_IN_STATUS,
                                                     &SQL_PAYOUT_IN_STATUS};
static const struct db_sql *const due_sql[] = {NULL, &SQL_REFUND_DUE, &SQL_PAYOUT_DUE};
static const struct db_sql *const attempted_sql[] = {NULL, &SQL_REFUND_ATTEMPTED, &SQL_PAYOUT_ATTEMPTED};
static const char reference_letter[] = {'P', 'R', 'W'};

static int copy_view(struct arena *arena, struct str in, struct str *out) {
  char *copy = arena_strdup_str(arena, in);
  if (!copy) return HT_ENOMEM;
  *out = (struct str){copy, in.len};
  return HT_OK;
}

static int read_call(const struct db_rows *rows, struct arena *arena, enum call_kind kind,
                     struct channel_call_row *c) {
  memset(c, 0, sizeof *c);
  c->kind = kind;
  c->id = db_i64(rows, 0);
  c->order_id = db_i64(rows, 1);
  c->merchant_id = db_i64(rows, 2);
  c->payment_id = db_i64(rows, 3);
  c->channel_id = db_i64(rows, 5);
  c->amount_minor = db_i64(rows, 6);
  if (currency_from_code(db_text(rows, 7), &c->currency) != HT_OK) return HT_EIO;
  if (channel_call_status_from_name(db_text(rows, 8), &c->status) != HT_OK) return HT_EIO;
  struct str ref = db_text(rows, 9);
  if (ref.len > CALL_REFERENCE_BYTES) return HT_EIO;
  memcpy(c->reference, ref.data, ref.len);
  c->created_at_ms = db_i64(rows, 12);
  c->updated_at_ms = db_i64(rows, 13);
  int rc = copy_view(arena, db_text(rows, 4), &c->channel);
  if (rc == HT_OK) rc = copy_view(arena, db_text(rows, 10), &c->channel_ref);
  if (rc == HT_OK) rc = copy_view(arena, db_text(rows, 11), &c->pay_url);
  return rc;
}

static void new_reference(enum call_kind kind, char out[CALL_REFERENCE_BYTES + 1]) {
  uint8_t random[CODE_RANDOM_BYTES(CODE_PRIVATE_LEN)];
  random_bytes(random, sizeof random);
  out[0] = 'H';
  out[1] = reference_letter[kind];
  code_from_random(random, sizeof random, CODE_PRIVATE_LEN, out + 2, CALL_REFERENCE_BYTES - 1);
}

static int insert_once(struct db *db, struct channel_call_row *c) {
  const char *status = channel_call_status_name(c->status);
  const char *currency = currency_code(c->currency);
  switch (c->kind) {
  case CALL_PAYMENT:
    return db_query_i64(db, &SQL_PAY_INSERT,
                        DB_ARGS(DB_I64(c->order_id), DB_I64(c->merchant_id), DB_TEXT(c->channel),
                                DB_I64(c->channel_id), DB_I64(c->amount_minor), DB_CSTR(currency),
                                DB_CSTR(status), DB_CSTR(c->reference), DB_I64(c->created_at_ms)),
                        &c->id);
  case CALL_REFUND:
    return db_query_i64(db, &SQL_REFUND_INSERT,
                        DB_ARGS(DB_I64(c->order_id), DB_I64(c->payment_id), DB_I64(c->channel_id),
                                DB_I64(c->amount_minor), DB_CSTR(currency), DB_CSTR(status),
                                DB_CSTR(c->reference), DB_I64(c->created_at_ms)),
                        &c->id);
  default:
    return db_query_i64(db, &SQL_PAYOUT_INSERT,
                        DB_ARGS(DB_I64(c->merchant_id), DB_I64(c->channel_id), DB_I64(c->amount_minor),
                                DB_CSTR(currency), DB_CSTR(status), DB_CSTR(c->reference),
                                DB_I64(c->created_at_ms)),
                        &c->id);
  }
}

int store_call_insert(struct db *db, struct channel_call_row *c) {
  c->updated_at_ms = c->created_at_ms;
  for (int attempt = 0; attempt < CODE_ALLOCATE_ATTEMPTS_MAX; attempt++) {
    new_reference(c->kind, c->reference);
    int rc = insert_once(db, c);
    if (rc != HT_ENOTFOUND) return rc; /* ENOTFOUND: the reference collided; draw another */
  }
  return HT_EBUSY;
}

static int get_one(struct db *db, struct arena *arena, enum call_kind kind, const struct db_sql *sql,
                   struct db_arg arg, struct channel_call_row *out) {
  struct db_rows rows;
  int rc = db_query(db, sql, &arg, 1, &rows);
  if (rc == HT_OK) {
    int step = db_next(&rows);
    rc = step == 1 ? read_call(&rows, arena, kind, out) : step == 0 ? HT_ENOTFOUND : step;
  }
  db_rows_done(&rows);
  return rc;
}

int store_call_get(struct db *db, struct arena *arena, enum call_kind kind, int64_t id,
                   struct channel_call_row *out) {
  return get_one(db, arena, kind, get_sql[kind], DB_I64(id), out);
}

int store_call_by_reference(struct db *db, struct arena *arena, enum call_kind kind, struct str reference,
                            struct channel_call_row *out) {
  return get_one(db, arena, kind, by_ref_sql[kind], DB_TEXT(reference), out);
}

int store_call_set_status(struct db *db, enum call_kind kind, int64_t id, enum channel_call_status from,
                          enum channel_call_status to, struct str channel_ref, struct str pay_url,
                          int64_t now_ms) {
  int64_t changed = 0;
  struct db_arg from_arg = DB_CSTR(channel_call_status_name(from)),
                to_arg = DB_CSTR(channel_call_status_name(to));
  int rc = kind == CALL_PAYMENT ? db_exec(db, status_sql[kind],
                                          DB_ARGS(DB_I64(id), from_arg, to_arg, DB_TEXT_OR_NULL(channel_ref),
                                                  DB_TEXT_OR_NULL(pay_url), DB_I64(now_ms)),
                                          &changed)
                                : db_exec(db, status_sql[kind],
                                          DB_ARGS(DB_I64(id), from_arg, to_arg, DB_I64(now_ms)), &changed);
  if (rc == HT_OK && changed == 0) rc = HT_ECONFLICT;
  return rc;
}

int store_calls_in_status(struct db *db, enum call_kind kind, enum channel_call_status status,
                          int64_t before_ms, size_t limit, int64_t *ids, size_t *count) {
  struct db_rows rows;
  *count = 0;
  int rc =
      db_query(db, in_status_sql[kind],
               DB_ARGS(DB_CSTR(channel_call_status_name(status)), DB_I64(before_ms), DB_I64(limit)), &rows);
  int step = 0;
  while (rc == HT_OK && *count < limit && (step = db_next(&rows)) == 1) ids[(*count)++] = db_i64(&rows, 0);
  if (rc == HT_OK && step < 0) rc = step;
  db_rows_done(&rows);
  return rc;
}

int store_calls_due(struct db *db, enum call_kind kind, enum channel_call_status status, int64_t now_ms,
                    size_t limit, struct call_due *out, size_t *count) {
  *count = 0;
  if (kind != CALL_REFUND && kind != CALL_PAYOUT) return HT_EINVAL;
  struct db_rows rows;
  int rc = db_query(db, due_sql[kind],
                    DB_ARGS(DB_CSTR(channel_call_status_name(status)), DB_I64(now_ms), DB_I64(limit)), &rows);
  int step = 0;
  while (rc == HT_OK && *count < limit && (step = db_next(&rows)) == 1)
    out[(*count)++] = (struct call_due){db_i64(&rows, 0), db_i64(&rows, 1)};
  if (rc == HT_OK && step < 0) rc = step;
  db_rows_done(&rows);
  return rc;
}

int store_call_attempted(struct db *db, enum call_kind kind, int64_t id, int64_t attempts,
                         int64_t next_attempt_at_ms) {
  if (kind != CALL_REFUND && kind != CALL_PAYOUT) return HT_EINVAL;
  return db_exec(db, attempted_sql[kind], DB_ARGS(DB_I64(id), DB_I64(attempts), DB_I64(next_attempt_at_ms)),
                 NULL);
}

int store_payments_unknown_due(struct db *db, int64_t in_flight_before_ms, size_t limit, int64_t *ids,
                               size_t *count) {
  struct db_rows rows;
  *count = 0;
  int rc = db_query(db, &SQL_PAY_UNKNOWN_DUE, DB_ARGS(DB_I64(in_flight_before_ms), DB_I64(limit)), &rows);
  int step = 0;
  while (rc == HT_OK && *count < limit && (step = db_next(&rows)) == 1) ids[(*count)++] = db_i64(&rows, 0);
  if (rc == HT_OK && step < 0) rc = step;
  db_rows_done(&rows);
  return rc;
}

int store_calls_list(struct db *db, struct arena *arena, enum call_kind kind, int64_t owner_id, size_t limit,
                     struct channel_call_row *out, size_t *count) {
  struct db_rows rows;
  *count = 0;
  int rc = db_query(db, list_sql[kind], DB_ARGS(DB_I64(owner_id), DB_I64(limit)), &rows);
  int step = 0;
  while (rc == HT_OK && *count < limit && (step = db_next(&rows)) == 1) {
    rc = read_call(&rows, arena, kind, &out[*count]);
    if (rc == HT_OK) (*count)++;
  }
  if (rc == HT_OK && step < 0) rc = step;
  db_rows_done(&rows);
  return rc;
}

int store_notification_seen(struct db *db, struct str channel, struct str notification_id, int64_t now_ms) {
  int64_t inserted = 0;
  int rc = db_exec(db, &SQL_NOTIFICATION_SEEN,
                   DB_ARGS(DB_TEXT(channel), DB_TEXT(notification_id), DB_I64(now_ms)), &inserted);
  if (rc == HT_OK && inserted == 0) rc = HT_ECONFLICT;
  return rc;
}

int store_job_last_run(struct db *db, const char *job, int64_t *last_run_ms) {
  int rc = db_query_i64(db, &SQL_JOB_GET, DB_ARGS(DB_CSTR(job)), last_run_ms);
  if (rc == HT_ENOTFOUND) *last_run_ms = 0, rc = HT_OK;
  return rc;
}

int store_job_mark_run(struct db *db, const char *job, int64_t now_ms) {
  return db_exec(db, &SQL_JOB_SET, DB_ARGS(DB_CSTR(job), DB_I64(now_ms)), NULL);
}
