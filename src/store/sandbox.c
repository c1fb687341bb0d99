/* sandbox.c — the sandbox wallet's tables (see sandbox.h). */
#include "store/sandbox.h"

#include <string.h>

#include "core/status.h"
#include "platform/random.h"
#include "store/codes.h"

#define TRADE_COLUMNS                                                                                        \
  "trade_no, out_trade_no, amount_minor, currency, subject, notify_url, coalesce(return_url, ''), status,"   \
  " refunded_minor, notify_state, notify_attempts, created_at_ms FROM sandbox_trades"

DB_SQL(SQL_SB_INSERT, "INSERT INTO sandbox_trades (trade_no, out_trade_no, amount_minor, currency, subject,"
                      " notify_url, return_url, status, created_at_ms, updated_at_ms)"
                      " VALUES ($1, $2, $3, $4, $5, $6, $7, 'WAIT', $8, $8) ON CONFLICT DO NOTHING");
DB_SQL(SQL_SB_GET, "SELECT " TRADE_COLUMNS " WHERE trade_no = $1");
DB_SQL(SQL_SB_BY_OUT, "SELECT " TRADE_COLUMNS " WHERE out_trade_no = $1");
DB_SQL(SQL_SB_DECIDE, "UPDATE sandbox_trades SET status = $2, notify_state = 'pending', notify_next_ms = $4,"
                      " updated_at_ms = $3 WHERE trade_no = $1 AND status = 'WAIT'");
DB_SQL(SQL_SB_REFUND_INSERT,
       "INSERT INTO sandbox_refunds (out_refund_no, trade_no, amount_minor, created_at_ms)"
       " VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING");
DB_SQL(SQL_SB_REFUND_ADD,
       "UPDATE sandbox_trades SET refunded_minor = refunded_minor + $2, updated_at_ms = $3"
       " WHERE trade_no = $1 AND status = 'SUCCESS' AND refunded_minor + $2 <= amount_minor");
DB_SQL(SQL_SB_DUE, "SELECT " TRADE_COLUMNS " WHERE notify_state = 'pending' AND notify_next_ms <= $1"
                   " ORDER BY notify_next_ms LIMIT $2");
DB_SQL(SQL_SB_NOTIFIED, "UPDATE sandbox_trades SET notify_state = $2, notify_attempts = notify_attempts + 1,"
                        " notify_next_ms = $3 WHERE trade_no = $1");

static int copy_view(struct arena *arena, struct str in, struct str *out) {
  char *copy = arena_strdup_str(arena, in);
  if (!copy) return HT_ENOMEM;
  *out = (struct str){copy, in.len};
  return HT_OK;
}

static int read_trade(const struct db_rows *rows, struct arena *arena, struct sandbox_trade *t) {
  struct str no = db_text(rows, 0);
  size_t len = no.len < CODE_PRIVATE_LEN ? no.len : CODE_PRIVATE_LEN;
  memcpy(t->trade_no, no.data, len);
  t->trade_no[len] = '\0';
  t->amount_minor = db_i64(rows, 2);
  t->refunded_minor = db_i64(rows, 8);
  t->notify_attempts = db_i64(rows, 10);
  t->created_at_ms = db_i64(rows, 11);
  struct str *texts[] = {&t->out_trade_no, &t->currency,   &t->subject,
                         &t->notify_url,   &t->return_url, &t->status};
  const int columns[] = {1, 3, 4, 5, 6, 7};
  int rc = HT_OK;
  for (int i = 0; i < 6 && rc == HT_OK; i++) rc = copy_view(arena, db_text(rows, columns[i]), texts[i]);
  if (rc == HT_OK) rc = copy_view(arena, db_text(rows, 9), &t->notify_state);
  return rc;
}

static int get_one(struct db *db, struct arena *arena, const struct db_sql *sql, struct str key,
                   struct sandbox_trade *out) {
  struct db_rows rows;
  int rc = db_query(db, sql, DB_ARGS(DB_TEXT(key)), &rows);
  if (rc == HT_OK) {
    int step = db_next(&rows);
    rc = step == 1 ? read_trade(&rows, arena, out) : step == 0 ? HT_ENOTFOUND : step;
  }
  db_rows_done(&rows);
  return rc;
}

int store_sandbox_get(struct db *db, struct arena *arena, struct str trade_no, struct sandbox_trade *out) {
  return get_one(db, arena, &SQL_SB_GET, trade_no, out);
}

int store_sandbox_by_out(struct db *db, struct arena *arena, struct str out_trade_no,
                         struct sandbox_trade *out) {
  return get_one(db, arena, &SQL_SB_BY_OUT, out_trade_no, out);
}

int store_sandbox_create(struct db *db, struct sandbox_trade *t, int64_t now_ms) {
  for (int attempt = 0; attempt < CODE_ALLOCATE_ATTEMPTS_MAX; attempt++) {
    uint8_t random[CODE_RANDOM_BYTES(CODE_PRIVATE_LEN)];
    random_bytes(random, sizeof random);
    int rc = code_from_random(random, sizeof random, CODE_PRIVATE_LEN, t->trade_no, sizeof t->trade_no);
    int64_t inserted = 0;
    if (rc == HT_OK)
      rc = db_exec(db, &SQL_SB_INSERT,
                   DB_ARGS(DB_CSTR(t->trade_no), DB_TEXT(t->out_trade_no), DB_I64(t->amount_minor),
                           DB_TEXT(t->currency), DB_TEXT(t->subject), DB_TEXT(t->notify_url),
                           DB_TEXT_OR_NULL(t->return_url), DB_I64(now_ms)),
                   &inserted);
    if (rc != HT_OK || inserted == 1) return rc;
    struct arena scratch;
    arena_init(&scratch, 64 * 1024);
    struct sandbox_trade existing;
    rc = store_sandbox_by_out(db, &scratch, t->out_trade_no, &existing);
    if (rc == HT_OK) memcpy(t->trade_no, existing.trade_no, sizeof t->trade_no);
    arena_free_all(&scratch);
    if (rc != HT_ENOTFOUND) return rc; /* found: creation was a repeat; else the trade_no collided */
  }
  return HT_EBUSY;
}

int store_sandbox_decide(struct db *db, struct str trade_no, const char *status, int64_t now_ms,
                         int64_t notify_at_ms) {
  int64_t changed = 0;
  int rc =
      db_exec(db, &SQL_SB_DECIDE,
              DB_ARGS(DB_TEXT(trade_no), DB_CSTR(status), DB_I64(now_ms), DB_I64(notify_at_ms)), &changed);
  if (rc == HT_OK && changed == 0) rc = HT_ECONFLICT;
  return rc;
}

int store_sandbox_refund(struct db *db, struct str trade_no, struct str out_refund_no, int64_t amount_minor,
                         int64_t now_ms) {
  int64_t inserted = 0, changed = 0;
  int rc = db_exec(db, &SQL_SB_REFUND_INSERT,
                   DB_ARGS(DB_TEXT(out_refund_no), DB_TEXT(trade_no), DB_I64(amount_minor), DB_I64(now_ms)),
                   &inserted);
  if (rc != HT_OK || inserted == 0) return rc; /* a repeat of a refund already made */
  rc = db_exec(db, &SQL_SB_REFUND_ADD, DB_ARGS(DB_TEXT(trade_no), DB_I64(amount_minor), DB_I64(now_ms)),
               &changed);
  if (rc == HT_OK && changed == 0) rc = HT_ERANGE;
  return rc;
}

int store_sandbox_due(struct db *db, struct arena *arena, int64_t now_ms, size_t limit,
                      struct sandbox_trade *out, size_t *count) {
  struct db_rows rows;
  *count = 0;
  int rc = db_query(db, &SQL_SB_DUE, DB_ARGS(DB_I64(now_ms), DB_I64(limit)), &rows);
  int step = 0;
  while (rc == HT_OK && *count < limit && (step = db_next(&rows)) == 1) {
    rc = read_trade(&rows, arena, &out[*count]);
    if (rc == HT_OK) (*count)++;
  }
  if (rc == HT_OK && step < 0) rc = step;
  db_rows_done(&rows);
  return rc;
}

int store_sandbox_notified(struct db *db, struct str trade_no, const char *state, int64_t next_ms) {
  return db_exec(db, &SQL_SB_NOTIFIED, DB_ARGS(DB_TEXT(trade_no), DB_CSTR(state), DB_I64(next_ms)), NULL);
}
