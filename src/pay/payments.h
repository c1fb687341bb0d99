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

/* Grace after an order's unpaid close during which its wallet trades stay open (a payment the
 * buyer already started may still complete; escrow takes it as a late payment). */
#define PAY_ATTEMPT_GRACE_MS (10 * 60 * 1000)

/* How long a wallet trade may wait for the buyer before reconciliation closes it at the
 * wallet: the unpaid close of orders plus PAY_ATTEMPT_GRACE_MS. */
int64_t payments_attempt_ttl_ms(const struct app *app);

/* How the buyer wants to pay, beyond the channel. */
struct payment_options {
  struct client_info client; /* from the User-Agent: decides QR, page or in-app flow */
  struct str payer_id;       /* the buyer's wallet id when known (WeChat openid for JSAPI) */
  struct str agreement;      /* a password-free agreement's token, or empty */
};

/* payments_start() with options. With an agreement the channel honours (approve_password_free)
 * and a payment within both of its caps, the payment is approved at once — caps, approval and
 * ledger in one transaction — and `*password_free` is set; otherwise (no agreement, revoked,
 * another shop or channel, above a cap) the payment waits for the buyer's confirmation as
 * usual. `password_free` may be NULL. */
int payments_start_with(struct pay_ctx *ctx, struct db *db, const struct order_row *row,
                        const struct pay_channel *channel, const struct payment_options *options,
                        struct channel_call_row *payment, struct pay_started *started, bool *password_free);

/* The URL `channel` notifies about a payment or refund of `merchant_id`'s:
 * {notify base}/notify/{channel}/{merchant_id}. The merchant in the path tells the adapter
 * whose credentials verify the notification before anything in it is trusted. In the arena. */
const char *payments_notify_url(struct pay_ctx *ctx, const struct pay_channel *channel, int64_t merchant_id);

/* Applies a channel's answer inside the caller's write transaction. `reason` says why an
 * answer was rejected. */
int payments_apply_answer(struct pay_ctx *ctx, struct db *db, const struct pay_answer *answer,
                          enum answer_result *result, char reason[160]);

/* How long an attempt's start may still reach its wallet: the longest wallet call
 * (CREDENTIALS_TIMEOUT_MS_MAX) plus a margin for a request still crossing the network after our
 * side gave up. Until then a wallet's "no such trade" is not believed: the trade may appear a
 * moment later and the buyer pay it, and a failed attempt would refuse that payment. */
#define PAYMENT_START_SETTLE_MS (30 * 1000 + 10 * 1000)

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
