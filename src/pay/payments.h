/*
 * payments.h — the verify → de-duplicate → apply pipeline and the calls to channels.
 *
 * Every answer a channel gives — a notification, the reply to a query, the result of a
 * refund — goes through payments_apply_answer(): find our record by reference, check the
 * amount, run core/channel_call.h to decide whether anything changes (duplicates and stale
 * answers change nothing), and apply the change with its money movement in the caller's one
 * transaction. Calls to channels are never made inside a transaction.
 */
#ifndef HUTONG_PAY_PAYMENTS_H
#define HUTONG_PAY_PAYMENTS_H

#include "pay/channel.h"
#include "store/orders.h"

/* What happened when an answer was applied. */
enum answer_result {
  ANSWER_APPLIED,   /* the record changed (and money moved if it succeeded) */
  ANSWER_DUPLICATE, /* nothing new: a repeat, or an answer older than what we know */
  ANSWER_REJECTED,  /* unknown reference, amount or currency mismatch: nothing applied */
};

/* Starts a payment of order `row` through `channel`: records the attempt, calls the channel
 * (outside any transaction), stores its outcome. `*payment` holds the attempt as it now is
 * (status pending with a pay_url, unknown after a timeout, or failed). Uses its own
 * transactions; the connection must have none open. HT_ECONFLICT when the order is not
 * awaiting payment. */
int payments_start(struct pay_ctx *ctx, struct db *db, const struct order_row *row,
                   const struct pay_channel *channel, struct client_info client,
                   struct channel_call_row *payment, struct pay_started *started);

/* Applies a channel's answer inside the caller's write transaction. `reason` says why an
 * answer was rejected. */
int payments_apply_answer(struct pay_ctx *ctx, struct db *db, const struct pay_answer *answer,
                          enum answer_result *result, char reason[160]);

/* Asks the channel about payment `payment_id` and applies the answer (own transactions).
 * When the order no longer awaits payment, the attempt is first closed at the channel (the
 * escrow core's close_open_payments effect, performed here, outside any transaction). */
int payments_reconcile(struct pay_ctx *ctx, struct db *db, int64_t payment_id);

/* Makes refund `refund_id` at its channel and applies the result (own transactions). */
int refunds_process(struct pay_ctx *ctx, struct db *db, int64_t refund_id);

/* Requests a payout of `amount_minor` (0: everything available) of `currency` for a merchant,
 * inside the caller's write transaction. HT_ERANGE when more than available (or nothing is). */
int payouts_request(struct pay_ctx *ctx, struct db *db, int64_t merchant_id, enum currency currency,
                    int64_t amount_minor, struct channel_call_row *payout);

/* Pays out `payout_id` through its channel and applies the result (own transactions). */
int payouts_process(struct pay_ctx *ctx, struct db *db, int64_t payout_id);

#endif
