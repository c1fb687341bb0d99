/*
 * payments.h — payment attempts, refunds, payouts, and processed notifications.
 *
 * Each is a call to a wallet channel whose status follows core/channel_call.h (pending,
 * unknown, succeeded, failed). Our side of every call carries a unique reference that the
 * channel sees (out_trade_no, out_refund_no, out_payout_no) and that doubles as the
 * channel's idempotency key, so a retried call can never move money twice.
 */
#ifndef HUTONG_STORE_PAYMENTS_H
#define HUTONG_STORE_PAYMENTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/arena.h"
#include "core/channel_call.h"
#include "core/money.h"
#include "store/db.h"

/* Our references are 'H' + kind letter + 16 Crockford symbols: unique and under every
 * wallet's 32-character limit for out_trade_no / out_refund_no. */
#define CALL_REFERENCE_BYTES 19

enum call_kind { CALL_PAYMENT, CALL_REFUND, CALL_PAYOUT };

struct channel_call_row {
  enum call_kind kind;
  int64_t id;
  int64_t order_id;    /* payments and refunds */
  int64_t merchant_id; /* payments and payouts */
  int64_t payment_id;  /* refunds: the payment refunded */
  struct str channel;  /* payments: channel name */
  int64_t channel_id;
  int64_t amount_minor;
  enum currency currency;
  enum channel_call_status status;
  char reference[CALL_REFERENCE_BYTES + 1];
  struct str channel_ref; /* payments: the channel's trade number */
  struct str pay_url;     /* payments: where the buyer pays */
  int64_t created_at_ms;
  int64_t updated_at_ms;
};

/* Inserts a call (status and amounts from `row`), generating its reference; fills id. */
int store_call_insert(struct db *db, struct channel_call_row *row);

/* Reads a call by id or by our reference. HT_ENOTFOUND when absent. */
int store_call_get(struct db *db, struct arena *arena, enum call_kind kind, int64_t id,
                   struct channel_call_row *out);
int store_call_by_reference(struct db *db, struct arena *arena, enum call_kind kind, struct str reference,
                            struct channel_call_row *out);

/* Moves a call from `from` to `to` (and records the channel's reference / pay URL when given):
 * HT_ECONFLICT when its status is no longer `from` (someone else applied an answer). */
int store_call_set_status(struct db *db, enum call_kind kind, int64_t id, enum channel_call_status from,
                          enum channel_call_status to, struct str channel_ref, struct str pay_url,
                          int64_t now_ms);

/* Ids of calls of `kind` in `status` last updated before `before_ms` (reconciliation of
 * payment attempts). */
int store_calls_in_status(struct db *db, enum call_kind kind, enum channel_call_status status,
                          int64_t before_ms, size_t limit, int64_t *ids, size_t *count);

/* A refund or payout due to be sent (again): see core/channel_call.h. */
struct call_due {
  int64_t id;
  int64_t attempts; /* calls made so far */
};

/* Refunds or payouts (`kind` is CALL_REFUND or CALL_PAYOUT) in `status` whose next attempt is
 * due at `now_ms`, the longest waiting first. HT_EINVAL for CALL_PAYMENT. */
int store_calls_due(struct db *db, enum call_kind kind, enum channel_call_status status, int64_t now_ms,
                    size_t limit, struct call_due *out, size_t *count);

/* Records that call `attempts` of a refund or payout is being made and when the next one is
 * due: done before the call, so a process that dies in it does not make the next runner ask
 * again at once. */
int store_call_attempted(struct db *db, enum call_kind kind, int64_t id, int64_t attempts,
                         int64_t next_attempt_at_ms);

/* Ids of unknown payment attempts to reconcile: those whose start call is over (it timed out,
 * and the record was touched after it was made) and those untouched since before
 * `in_flight_before_ms` (the call may have been in flight then; by now it is over, or its
 * process died). A younger untouched one may still be waiting for the channel, which would
 * not know the trade yet. */
int store_payments_unknown_due(struct db *db, int64_t in_flight_before_ms, size_t limit, int64_t *ids,
                               size_t *count);

/* Lists calls of an order (payments, refunds) or of a merchant (payouts), oldest first. */
int store_calls_list(struct db *db, struct arena *arena, enum call_kind kind, int64_t owner_id, size_t limit,
                     struct channel_call_row *out, size_t *count);

/* Records that a notification was processed: HT_OK the first time, HT_ECONFLICT for a repeat. */
int store_notification_seen(struct db *db, struct str channel, struct str notification_id, int64_t now_ms);

/* The job bookkeeping: when `job` last ran (0 when never), and setting it. */
int store_job_last_run(struct db *db, const char *job, int64_t *last_run_ms);
int store_job_mark_run(struct db *db, const char *job, int64_t now_ms);

#endif
