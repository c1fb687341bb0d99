/* payments.c — starting payments and applying channels' answers (see payments.h). */
#include "pay/payments.h"

#include <stdio.h>
#include <string.h>

#include "app.h"
#include "core/settlement.h"
#include "core/status.h"
#include "pay/agreements.h"
#include "pay/orders.h"
#include "platform/clock.h"
#include "platform/log.h"
#include "store/ledger.h"

/* Runs `fn` in a write transaction on `db`, committing on HT_OK. */
#define IN_TRANSACTION(db, expr)                                                                             \
  ({                                                                                                         \
    int rc_ = db_begin((db), true);                                                                          \
    if (rc_ == HT_OK) rc_ = (expr);                                                                          \
    if (rc_ == HT_OK)                                                                                        \
      rc_ = db_commit(db);                                                                                   \
    else                                                                                                     \
      db_rollback(db);                                                                                       \
    rc_;                                                                                                     \
  })

/* Our start call timed out: the attempt stays unknown, and touching its record (updated after
 * created) tells reconciliation the call is over, so it may ask the channel at once (see
 * store_payments_unknown_due()). A notification that already moved it on wins. */
static int mark_start_over(struct db *db, const struct channel_call_row *payment) {
  int64_t now_ms = clock_now_ms();
  if (now_ms <= payment->created_at_ms) now_ms = payment->created_at_ms + 1;
  int rc = IN_TRANSACTION(db, store_call_set_status(db, CALL_PAYMENT, payment->id, CHANNEL_CALL_UNKNOWN,
                                                    CHANNEL_CALL_UNKNOWN, (struct str){0}, (struct str){0},
                                                    now_ms));
  return rc == HT_ECONFLICT ? HT_OK : rc;
}

static int record_attempt(struct pay_ctx *ctx, struct db *db, const struct order_row *row,
                          const struct pay_channel *channel, struct channel_call_row *payment) {
  struct escrow_order current;
  int rc = store_order_lock(db, (int64_t)row->escrow.order_id, &current);
  if (rc == HT_OK && current.state != ESCROW_PENDING_PAYMENT) return HT_ECONFLICT;
  *payment = (struct channel_call_row){.kind = CALL_PAYMENT,
                                       .order_id = (int64_t)current.order_id,
                                       .merchant_id = (int64_t)current.merchant_id,
                                       .channel = str_from_cstr(channel->name),
                                       .channel_id = channel->id,
                                       .amount_minor = current.total_minor,
                                       .currency = current.currency,
                                       .status = CHANNEL_CALL_UNKNOWN, /* until the channel answers */
                                       .created_at_ms = ctx->now_ms};
  if (rc == HT_OK) rc = store_call_insert(db, payment);
  return rc;
}

int64_t payments_attempt_ttl_ms(const struct app *app) {
  return app->escrow.unpaid_close_ms + PAY_ATTEMPT_GRACE_MS;
}

const char *payments_notify_url(struct pay_ctx *ctx, const struct pay_channel *channel, int64_t merchant_id) {
  return arena_printf(ctx->arena, "%s/notify/%s/%lld", ctx->app->notify_base_url, channel->name,
                      (long long)merchant_id);
}

int payments_start(struct pay_ctx *ctx, struct db *db, const struct order_row *row,
                   const struct pay_channel *channel, struct client_info client,
                   struct channel_call_row *payment, struct pay_started *started) {
  struct payment_options options = {.client = client};
  return payments_start_with(ctx, db, row, channel, &options, payment, started, NULL);
}

int payments_start_with(struct pay_ctx *ctx, struct db *db, const struct order_row *row,
                        const struct pay_channel *channel, const struct payment_options *options,
                        struct channel_call_row *payment, struct pay_started *started, bool *password_free) {
  if (password_free) *password_free = false;
  int rc = IN_TRANSACTION(db, record_attempt(ctx, db, row, channel, payment));
  if (rc != HT_OK) return rc;
  int64_t merchant_id = (int64_t)row->escrow.merchant_id;
  struct pay_start in = {.reference = payment->reference,
                         .amount_minor = payment->amount_minor,
                         .currency = payment->currency,
                         .subject = STR_LIT("hutong order"),
                         .notify_url = payments_notify_url(ctx, channel, merchant_id),
                         .return_url = arena_printf(ctx->arena, "%s/O/%s", ctx->app->public_url, row->token),
                         .client = options->client,
                         .payer_id = options->payer_id};
  struct pay_ctx call = *ctx;
  call.db = db;
  call.merchant_id = merchant_id;
  rc = channel->start_payment(&call, &in, started);
  if (rc != HT_OK) return rc;
  enum channel_call_status next;
  enum channel_call_change change;
  rc = channel_call_apply(payment->status, started->outcome, &next, &change);
  if (rc == HT_OK && change == CHANNEL_CHANGE_NONE && started->outcome == CHANNEL_OUTCOME_TIMEOUT)
    return mark_start_over(db, payment);
  if (rc != HT_OK || change == CHANNEL_CHANGE_NONE) return rc;
  rc = IN_TRANSACTION(db, store_call_set_status(db, CALL_PAYMENT, payment->id, payment->status, next,
                                                started->channel_ref, started->pay_url, ctx->now_ms));
  if (rc == HT_OK) {
    payment->status = next;
    payment->pay_url = started->pay_url;
  } else if (rc == HT_ECONFLICT) {
    rc = HT_OK; /* a notification was faster than the answer: it already moved the status on */
  }
  if (rc == HT_OK && options->agreement.len && channel->approve_password_free &&
      payment->status == CHANNEL_CALL_PENDING &&
      agreements_pay(&call, db, options->agreement, payment, channel) == HT_OK) {
    payment->status = CHANNEL_CALL_SUCCEEDED;
    if (password_free) *password_free = true;
  }
  return rc;
}

static int apply_payment(struct pay_ctx *ctx, struct db *db, const struct channel_call_row *payment,
                         enum channel_call_status next, enum channel_call_change change,
                         const struct pay_answer *a) {
  int rc = store_call_set_status(db, CALL_PAYMENT, payment->id, payment->status, next, a->channel_ref,
                                 (struct str){0}, ctx->now_ms);
  if (rc != HT_OK || change != CHANNEL_CHANGE_SUCCEEDED) return rc == HT_ECONFLICT ? HT_EBUSY : rc;
  struct escrow_event ev = {.kind = ESCROW_EV_PAY_SUCCEEDED,
                            .amount_minor = payment->amount_minor,
                            .payment_id = (uint64_t)payment->id,
                            .channel_id = (uint64_t)payment->channel_id,
                            .currency = payment->currency};
  struct escrow_order after;
  bool applied;
  rc = orders_apply(ctx, db, payment->order_id, &ev, payment->channel, &after, &applied);
  if (rc == HT_ECONFLICT) {
    /* The core refuses the payment in this state (it never does for a real capture: a late or
     * stray payment is captured and refunded). Keep the money safe: refuse to acknowledge. */
    log_event(LOG_ERROR, NULL, "payment %s not applicable to order %lld in state %s", payment->reference,
              (long long)payment->order_id, escrow_state_name(after.state));
  }
  return rc;
}

static int apply_refund(struct pay_ctx *ctx, struct db *db, const struct channel_call_row *refund,
                        enum channel_call_status next, enum channel_call_change change) {
  int rc = store_call_set_status(db, CALL_REFUND, refund->id, refund->status, next, (struct str){0},
                                 (struct str){0}, ctx->now_ms);
  if (rc != HT_OK) return rc == HT_ECONFLICT ? HT_EBUSY : rc;
  struct ledger_posting posting;
  bool has_posting = false;
  rc = refund_answer_posting(change, (uint64_t)refund->order_id, (uint64_t)refund->channel_id,
                             refund->currency, refund->amount_minor, &posting, &has_posting);
  if (rc == HT_OK && has_posting) {
    struct order_row order;
    rc = store_order_get(db, ctx->arena, 0, refund->order_id, &order);
    if (rc == HT_OK)
      rc = store_ledger_post(db, &posting, refund->order_id, (int64_t)order.escrow.merchant_id,
                             str_from_cstr(refund->reference), ctx->now_ms);
    if (rc == HT_OK)
      rc = store_order_event(db, refund->order_id, "refund_settled", escrow_state_name(order.escrow.state),
                             refund->amount_minor, str_from_cstr(refund->reference), ctx->now_ms);
  }
  return rc;
}

int payments_apply_answer(struct pay_ctx *ctx, struct db *db, const struct pay_answer *a,
                          enum answer_result *result, char reason[160]) {
  struct channel_call_row call;
  *result = ANSWER_REJECTED;
  reason[0] = '\0';
  int rc = store_call_by_reference(db, ctx->arena, a->kind, a->reference, &call);
  if (rc == HT_ENOTFOUND) {
    snprintf(reason, 160, "unknown reference %.*s", STR_FMT(a->reference));
    return HT_OK;
  }
  if (rc != HT_OK) return rc;
  if (a->outcome == CHANNEL_OUTCOME_SUCCEEDED && a->kind == CALL_PAYMENT &&
      (a->amount_minor != call.amount_minor || a->currency != call.currency)) {
    snprintf(reason, 160, "amount %lld %s does not match our %lld %s", (long long)a->amount_minor,
             currency_code(a->currency), (long long)call.amount_minor, currency_code(call.currency));
    return HT_OK;
  }
  enum channel_call_status next;
  enum channel_call_change change;
  rc = channel_call_apply(call.status, a->outcome, &next, &change);
  if (rc == HT_ECONFLICT) /* the channel contradicts its own final answer: nothing moves */
    log_event(LOG_ERROR, NULL, "ALERT: channel says %s for %s, which it had already answered %s; not applied",
              channel_outcome_name(a->outcome), call.reference, channel_call_status_name(call.status));
  if (rc != HT_OK) return rc;
  if (change == CHANNEL_CHANGE_NONE) {
    *result = ANSWER_DUPLICATE;
    return HT_OK;
  }
  rc = a->kind == CALL_PAYMENT ? apply_payment(ctx, db, &call, next, change, a)
                               : apply_refund(ctx, db, &call, next, change);
  if (rc == HT_OK) *result = ANSWER_APPLIED;
  return rc;
}

static int apply_in_transaction(struct pay_ctx *ctx, struct db *db, const struct pay_answer *a) {
  enum answer_result result;
  char reason[160];
  int rc = IN_TRANSACTION(db, payments_apply_answer(ctx, db, a, &result, reason));
  if (rc == HT_OK && result == ANSWER_REJECTED)
    log_event(LOG_WARN, NULL, "channel answer rejected: %s", reason);
  return rc;
}

int payments_reconcile(struct pay_ctx *ctx, struct db *db, int64_t payment_id) {
  struct channel_call_row payment;
  int rc = store_call_get(db, ctx->arena, CALL_PAYMENT, payment_id, &payment);
  const struct pay_channel *channel = rc == HT_OK ? pay_channel_by_id(payment.channel_id) : NULL;
  if (rc != HT_OK || !channel) return rc != HT_OK ? rc : HT_EINVAL;
  struct pay_answer answer;
  struct pay_ctx call = *ctx;
  call.db = db;
  call.merchant_id = payment.merchant_id;
  /* An attempt whose order no longer awaits payment (closed unpaid, or paid another way) is
   * closed at the channel first, so the buyer cannot pay it any more and it stops being asked
   * about; the query then says what happened — closed, or paid just before (a late or second
   * payment, which the order captures and refunds). */
  struct order_row order;
  if (store_order_get(db, ctx->arena, 0, payment.order_id, &order) == HT_OK &&
      order.escrow.state != ESCROW_PENDING_PAYMENT)
    channel->close_payment(&call, &payment); /* best effort: the query below is what counts */
  rc = channel->query_payment(&call, &payment, &answer);
  if (rc != HT_OK) return rc;
  if (answer.outcome == CHANNEL_OUTCOME_FAILED && payment.status == CHANNEL_CALL_UNKNOWN &&
      ctx->now_ms - payment.created_at_ms < PAYMENT_START_SETTLE_MS)
    return HT_OK; /* "never made" is not final while the start may still arrive: ask again later */
  if (answer.outcome == CHANNEL_OUTCOME_IN_PROGRESS && payment.status == CHANNEL_CALL_PENDING) {
    /* Still waiting for the buyer: nothing to apply. Touching the record makes the next
     * question come RECONCILE_PENDING_AFTER_MS later rather than on every scheduler tick, so
     * an abandoned attempt costs a remote wallet one query per interval, not two a second. A
     * concurrent answer that moved the status on wins (HT_ECONFLICT is fine). */
    rc = IN_TRANSACTION(db, store_call_set_status(db, CALL_PAYMENT, payment.id, CHANNEL_CALL_PENDING,
                                                  CHANNEL_CALL_PENDING, (struct str){0}, (struct str){0},
                                                  ctx->now_ms));
    return rc == HT_ECONFLICT ? HT_OK : rc;
  }
  if (answer.outcome == CHANNEL_OUTCOME_SUCCEEDED && answer.amount_minor == 0)
    answer.amount_minor = payment.amount_minor;
  return apply_in_transaction(ctx, db, &answer);
}

int refunds_process(struct pay_ctx *ctx, struct db *db, int64_t refund_id) {
  struct channel_call_row refund, payment;
  int rc = store_call_get(db, ctx->arena, CALL_REFUND, refund_id, &refund);
  if (rc == HT_OK) rc = store_call_get(db, ctx->arena, CALL_PAYMENT, refund.payment_id, &payment);
  const struct pay_channel *channel = rc == HT_OK ? pay_channel_by_id(refund.channel_id) : NULL;
  if (rc != HT_OK || !channel) return rc != HT_OK ? rc : HT_EINVAL;
  struct pay_answer answer;
  struct pay_ctx call = *ctx;
  call.db = db;
  call.merchant_id = payment.merchant_id;
  rc = channel->refund(&call, &refund, &payment, &answer);
  if (rc != HT_OK) return rc;
  return apply_in_transaction(ctx, db, &answer);
}

int payouts_request(struct pay_ctx *ctx, struct db *db, int64_t merchant_id, enum currency currency,
                    int64_t amount_minor, struct channel_call_row *payout) {
  struct ledger_account available = {LEDGER_MERCHANT_AVAILABLE, (uint64_t)merchant_id, currency};
  int64_t balance = 0;
  int rc = store_ledger_balance_lock(db, &available, &balance); /* two requests must not both spend it */
  if (rc != HT_OK) return rc;
  if (amount_minor == 0) amount_minor = balance;
  if (payout_request_check(balance, amount_minor) != HT_OK) return HT_ERANGE;
  struct ledger_posting posting;
  rc = ledger_post_payout_requested((uint64_t)merchant_id, currency, amount_minor, &posting);
  *payout = (struct channel_call_row){.kind = CALL_PAYOUT,
                                      .merchant_id = merchant_id,
                                      .channel_id = PAY_CHANNEL_SANDBOX,
                                      .amount_minor = amount_minor,
                                      .currency = currency,
                                      .status = CHANNEL_CALL_PENDING,
                                      .created_at_ms = ctx->now_ms};
  if (rc == HT_OK) rc = store_call_insert(db, payout);
  if (rc == HT_OK)
    rc = store_ledger_post(db, &posting, 0, merchant_id, str_from_cstr(payout->reference), ctx->now_ms);
  return rc;
}

static int apply_payout(struct pay_ctx *ctx, struct db *db, const struct channel_call_row *payout,
                        enum channel_outcome outcome) {
  enum channel_call_status next;
  enum channel_call_change change;
  int rc = channel_call_apply(payout->status, outcome, &next, &change);
  if (rc != HT_OK || change == CHANNEL_CHANGE_NONE) return rc;
  rc = store_call_set_status(db, CALL_PAYOUT, payout->id, payout->status, next, (struct str){0},
                             (struct str){0}, ctx->now_ms);
  struct ledger_posting posting;
  bool has_posting = false;
  if (rc == HT_OK)
    rc = payout_answer_posting(change, (uint64_t)payout->merchant_id, (uint64_t)payout->channel_id,
                               payout->currency, payout->amount_minor, &posting, &has_posting);
  if (rc == HT_OK && has_posting)
    rc = store_ledger_post(db, &posting, 0, payout->merchant_id, str_from_cstr(payout->reference),
                           ctx->now_ms);
  return rc;
}

int payouts_process(struct pay_ctx *ctx, struct db *db, int64_t payout_id) {
  struct channel_call_row payout;
  int rc = store_call_get(db, ctx->arena, CALL_PAYOUT, payout_id, &payout);
  const struct pay_channel *channel = rc == HT_OK ? pay_channel_by_id(payout.channel_id) : NULL;
  if (rc != HT_OK || !channel) return rc != HT_OK ? rc : HT_EINVAL;
  enum channel_outcome outcome;
  struct pay_ctx call = *ctx;
  call.db = db;
  call.merchant_id = payout.merchant_id;
  rc = channel->payout(&call, &payout, &outcome);
  if (rc != HT_OK) return rc;
  return IN_TRANSACTION(db, apply_payout(ctx, db, &payout, outcome));
}
