/* alipay.c — the Alipay channel (see alipay.h).
 *
 * Like the WeChat Pay adapter: load the merchant's credentials, build and sign one request,
 * verify the answer before reading it, turn it into one channel outcome, free the keys. */
#include "pay/alipay.h"

#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "app.h"
#include "core/alipay.h"
#include "core/crypto.h"
#include "core/status.h"
#include "pay/channel_http.h"
#include "pay/credentials.h"
#include "pay/payments.h"
#include "platform/log.h"
#include "store/wallets.h"

/* Sub-codes of answers that mean "not now" rather than "no" (公共错误码). */
#define ALIPAY_SUB_SYSTEM_ERROR  "ACQ.SYSTEM_ERROR"
#define ALIPAY_SUB_UNKNOWN_ERROR "aop.ACQ.SYSTEM_ERROR"
/* The answer of query and close before the buyer has scanned a precreate QR code. */
#define ALIPAY_SUB_TRADE_NOT_EXIST "ACQ.TRADE_NOT_EXIST"
/* A wap.pay attempt whose cashier was never opened (the trade does not exist at Alipay) is
 * given up after this long: the signed request in its URL is long stale by then. */
#define ALIPAY_NEVER_OPENED_GIVE_UP_MS (24LL * 3600 * 1000)
/* timeout_express takes whole minutes, 1m to 15d. */
#define ALIPAY_TIMEOUT_MINUTES_MIN 1

struct ali {
  json_t *doc;
  struct crypto_key *app_key, *alipay_key;
  struct alipay_app app;
  struct str seller_id;
  const char *gateway_url;
  int64_t timeout_ms;
};

static void ali_free(struct ali *a) {
  crypto_key_free(a->app_key);
  crypto_key_free(a->alipay_key);
  json_decref(a->doc);
  memset(a, 0, sizeof *a);
}

static int ali_load(struct pay_ctx *ctx, struct ali *a, char reason[160]) {
  memset(a, 0, sizeof *a);
  if (ctx->merchant_id <= 0) {
    snprintf(reason, 160, "no merchant named (Alipay notifies /notify/alipay/{merchant})");
    return HT_ENOTFOUND;
  }
  int rc = credentials_load(ctx->db, (struct str){ctx->app->secret, ctx->app->secret_len}, ctx->merchant_id,
                            STR_LIT("alipay"), &a->doc);
  if (rc != HT_OK) {
    snprintf(reason, 160, "merchant %lld: %s", (long long)ctx->merchant_id,
             rc == HT_ENOTFOUND ? "Alipay is not configured"
             : rc == HT_EAUTH   ? "stored credentials do not open (HUTONG_SECRET changed?)"
                                : ht_status_name(rc));
    return rc;
  }
  rc = crypto_private_key_from_pem(credentials_str(a->doc, "app_private_key"), &a->app_key);
  if (rc == HT_OK)
    rc = crypto_public_key_from_pem(credentials_str(a->doc, "alipay_public_key"), &a->alipay_key);
  if (rc != HT_OK) {
    snprintf(reason, 160, "merchant %lld: a stored Alipay key does not parse", (long long)ctx->merchant_id);
    ali_free(a);
    return HT_EIO;
  }
  a->app = (struct alipay_app){credentials_str(a->doc, "app_id"), a->app_key};
  a->seller_id = credentials_str(a->doc, "seller_id");
  struct str gateway = credentials_str(a->doc, "gateway_url");
  a->gateway_url = gateway.len ? gateway.data : ALIPAY_GATEWAY_URL_DEFAULT;
  a->timeout_ms = credentials_timeout_ms(a->doc);
  return HT_OK;
}

bool alipay_configured(struct pay_ctx *ctx) {
  struct credentials_row row; /* the row is enough: its keys were checked when it was saved */
  return ctx->merchant_id > 0 &&
         store_credentials_get(ctx->db, ctx->arena, ctx->merchant_id, STR_LIT("alipay"), &row) == HT_OK;
}

static struct str arena_copy(struct pay_ctx *ctx, struct str s) {
  char *copy = arena_strdup_str(ctx->arena, s);
  return copy ? (struct str){copy, s.len} : STR_LIT("");
}

/* ---- one gateway call ---- */

struct ali_reply {
  bool answered; /* a verified answer came back; `result` holds it */
  struct alipay_result result;
  char error[160];
};

static void ali_call(struct pay_ctx *ctx, struct ali *a, enum alipay_method method,
                     const struct alipay_biz *biz, struct str notify_url, struct ali_reply *out) {
  memset(out, 0, sizeof *out);
  struct alipay_call call = {.method = method, .notify_url = notify_url, .now_s = ctx->now_ms / 1000};
  struct str form;
  int rc = alipay_biz_content(method, biz, ctx->arena, &call.biz_content);
  if (rc == HT_OK) rc = alipay_request_build(&a->app, &call, ctx->arena, &form, NULL);
  if (rc != HT_OK) {
    snprintf(out->error, sizeof out->error, "cannot build the request: %s", ht_status_name(rc));
    return;
  }
  struct channel_http_request req = {.method = "POST",
                                     .url = a->gateway_url,
                                     .body = form,
                                     .content_type = "application/x-www-form-urlencoded; charset=utf-8",
                                     .timeout_ms = a->timeout_ms};
  struct channel_http_response res;
  if (channel_http_call(ctx->arena, &req, &res) != HT_OK) {
    snprintf(out->error, sizeof out->error, "no answer: %.140s", res.error);
    return;
  }
  struct str content;
  struct alipay_problem p = {ALIPAY_ACCEPTED, NULL};
  rc = res.status == 200 ? alipay_response_verify(res.body, method, a->alipay_key, ctx->arena, &content, &p)
                         : HT_EIO;
  if (rc == HT_OK) rc = alipay_result_parse(content, ctx->arena, &out->result, &p);
  if (rc != HT_OK) {
    snprintf(out->error, sizeof out->error, "answer %ld not usable: %s", res.status,
             alipay_reject_name(p.reason));
    return;
  }
  out->answered = true;
  if (!out->result.success)
    snprintf(out->error, sizeof out->error, "Alipay %.*s %.*s: %.*s", STR_FMT(out->result.code),
             STR_FMT(out->result.sub_code), STR_FMT(out->result.sub_msg));
}

/* A verified business failure: a system error is "not now"; anything else is a refusal. */
static enum channel_outcome failure_outcome(const struct alipay_result *r) {
  if (str_eq(r->sub_code, STR_LIT(ALIPAY_SUB_SYSTEM_ERROR)) ||
      str_eq(r->sub_code, STR_LIT(ALIPAY_SUB_UNKNOWN_ERROR)) || str_has_prefix(r->code, STR_LIT("20000")))
    return CHANNEL_OUTCOME_TIMEOUT;
  return CHANNEL_OUTCOME_FAILED;
}

static enum channel_outcome trade_outcome(enum alipay_trade_state state) {
  switch (state) {
  case ALIPAY_TRADE_SUCCESS:
  case ALIPAY_TRADE_FINISHED: return CHANNEL_OUTCOME_SUCCEEDED;
  case ALIPAY_TRADE_WAIT_BUYER_PAY: return CHANNEL_OUTCOME_IN_PROGRESS;
  case ALIPAY_TRADE_CLOSED: return CHANNEL_OUTCOME_FAILED;
  case ALIPAY_TRADE_UNKNOWN: break;
  }
  return CHANNEL_OUTCOME_TIMEOUT;
}

/* ---- payments ---- */

static int ali_close(struct pay_ctx *ctx, const struct channel_call_row *payment);

/* A desktop gets a QR code (precreate); everything else the mobile-web cashier (wap.pay). */
static bool wants_qr(struct client_info client) { return client_caps(client).is_desktop; }

static void start_wap(struct pay_ctx *ctx, struct ali *a, const struct pay_start *in,
                      const struct alipay_biz *biz, struct pay_started *out) {
  struct alipay_call call = {.method = ALIPAY_TRADE_WAP_PAY,
                             .notify_url = str_from_cstr(in->notify_url),
                             .return_url = str_from_cstr(in->return_url ? in->return_url : ""),
                             .now_s = ctx->now_ms / 1000};
  struct str form;
  int rc = alipay_biz_content(ALIPAY_TRADE_WAP_PAY, biz, ctx->arena, &call.biz_content);
  if (rc == HT_OK) rc = alipay_request_build(&a->app, &call, ctx->arena, &form, NULL);
  const char *url = rc == HT_OK ? arena_printf(ctx->arena, "%s?%.*s", a->gateway_url, STR_FMT(form)) : NULL;
  if (!url) {
    out->outcome = CHANNEL_OUTCOME_FAILED;
    snprintf(out->error, sizeof out->error, "the order does not fit Alipay's rules (ids, subject, amount)");
    return;
  }
  /* Nothing is sent yet: the trade is created when the buyer's browser opens the cashier. */
  out->outcome = CHANNEL_OUTCOME_IN_PROGRESS;
  out->pay_url = str_from_cstr(url);
}

static void start_qr(struct pay_ctx *ctx, struct ali *a, const struct pay_start *in,
                     const struct alipay_biz *biz, struct pay_started *out) {
  struct ali_reply r;
  ali_call(ctx, a, ALIPAY_TRADE_PRECREATE, biz, str_from_cstr(in->notify_url), &r);
  if (!r.answered) {
    out->outcome = CHANNEL_OUTCOME_TIMEOUT;
  } else if (!r.result.success) {
    out->outcome = failure_outcome(&r.result);
  } else if (!r.result.qr_code.len ||
             store_payment_page_put(ctx->db, str_from_cstr(in->reference), STR_LIT("alipay"), STR_LIT("qr"),
                                    r.result.qr_code, ctx->now_ms) != HT_OK) {
    out->outcome = CHANNEL_OUTCOME_TIMEOUT;
    snprintf(r.error, sizeof r.error, "Alipay's qr_code could not be used or kept");
  } else {
    out->outcome = CHANNEL_OUTCOME_IN_PROGRESS;
    out->pay_url =
        str_from_cstr(arena_printf(ctx->arena, "%s/pay/alipay/%s", ctx->app->public_url, in->reference));
  }
  snprintf(out->error, sizeof out->error, "%s", r.error);
}

static int ali_start(struct pay_ctx *ctx, const struct pay_start *in, struct pay_started *out) {
  memset(out, 0, sizeof *out);
  if (in->currency != CURRENCY_CNY) {
    out->outcome = CHANNEL_OUTCOME_FAILED;
    snprintf(out->error, sizeof out->error, "Alipay (domestic) takes CNY only");
    return HT_OK;
  }
  struct ali a;
  char reason[160];
  if (ali_load(ctx, &a, reason) != HT_OK) {
    out->outcome = CHANNEL_OUTCOME_FAILED;
    snprintf(out->error, sizeof out->error, "%s", reason);
    return HT_OK;
  }
  /* Alipay closes the trade itself when our attempt's lifetime is over. */
  int64_t minutes = payments_attempt_ttl_ms(ctx->app) / 60000;
  const char *timeout =
      arena_printf(ctx->arena, "%lldm",
                   (long long)(minutes > ALIPAY_TIMEOUT_MINUTES_MIN ? minutes : ALIPAY_TIMEOUT_MINUTES_MIN));
  struct alipay_biz biz = {.out_trade_no = str_from_cstr(in->reference),
                           .amount_fen = in->amount_minor,
                           .subject = in->subject,
                           .timeout_express = str_from_cstr(timeout),
                           .quit_url = str_from_cstr(in->return_url ? in->return_url : "")};
  if (wants_qr(in->client))
    start_qr(ctx, &a, in, &biz, out);
  else
    start_wap(ctx, &a, in, &biz, out);
  ali_free(&a);
  if (out->outcome != CHANNEL_OUTCOME_IN_PROGRESS)
    log_event(LOG_WARN, NULL, "alipay start %s: %s (%s)", in->reference, channel_outcome_name(out->outcome),
              out->error);
  return HT_OK;
}

static int ali_query(struct pay_ctx *ctx, const struct channel_call_row *payment, struct pay_answer *out) {
  *out = (struct pay_answer){.kind = CALL_PAYMENT,
                             .reference = arena_copy(ctx, str_from_cstr(payment->reference)),
                             .outcome = CHANNEL_OUTCOME_TIMEOUT,
                             .currency = payment->currency};
  struct ali a;
  char reason[160];
  if (ali_load(ctx, &a, reason) != HT_OK) {
    log_event(LOG_WARN, NULL, "alipay query %s: %s", payment->reference, reason);
    return HT_OK;
  }
  struct alipay_biz biz = {.out_trade_no = str_from_cstr(payment->reference)};
  struct ali_reply r;
  ali_call(ctx, &a, ALIPAY_TRADE_QUERY, &biz, STR_LIT(""), &r);
  ali_free(&a);
  if (r.answered && r.result.success && str_eq(r.result.out_trade_no, str_from_cstr(payment->reference))) {
    out->outcome = trade_outcome(r.result.state);
    out->amount_minor = r.result.total_fen;
    out->channel_ref = r.result.trade_no;
  } else if (r.answered && str_eq(r.result.sub_code, STR_LIT(ALIPAY_SUB_TRADE_NOT_EXIST))) {
    /* Not scanned or opened yet: still waiting, until it is clearly abandoned. A precreate QR
     * code (it has a pay page) stops working with its timeout_express, our attempt's lifetime;
     * a wap.pay URL makes the trade only when opened, so it is given a day. */
    struct payment_page page;
    bool qr = store_payment_page_get(ctx->db, ctx->arena, str_from_cstr(payment->reference), &page) == HT_OK;
    int64_t give_up_ms = qr ? payments_attempt_ttl_ms(ctx->app) : ALIPAY_NEVER_OPENED_GIVE_UP_MS;
    out->outcome = ctx->now_ms - payment->created_at_ms > give_up_ms ? CHANNEL_OUTCOME_FAILED
                                                                     : CHANNEL_OUTCOME_IN_PROGRESS;
  } else {
    log_event(LOG_WARN, NULL, "alipay query %s: no usable answer (%s)", payment->reference,
              r.error[0] ? r.error : "another trade");
  }
  /* Created and abandoned: close it at Alipay, so that it can never be paid, and fail it. */
  if (out->outcome == CHANNEL_OUTCOME_IN_PROGRESS && r.result.state == ALIPAY_TRADE_WAIT_BUYER_PAY &&
      ctx->now_ms - payment->created_at_ms > payments_attempt_ttl_ms(ctx->app) &&
      ali_close(ctx, payment) == HT_OK)
    out->outcome = CHANNEL_OUTCOME_FAILED;
  return HT_OK;
}

static int ali_close(struct pay_ctx *ctx, const struct channel_call_row *payment) {
  struct ali a;
  char reason[160];
  int rc = ali_load(ctx, &a, reason);
  if (rc != HT_OK) return rc;
  struct alipay_biz biz = {.out_trade_no = str_from_cstr(payment->reference)};
  struct ali_reply r;
  ali_call(ctx, &a, ALIPAY_TRADE_CLOSE, &biz, STR_LIT(""), &r);
  ali_free(&a);
  bool never_made = r.answered && str_eq(r.result.sub_code, STR_LIT(ALIPAY_SUB_TRADE_NOT_EXIST));
  return r.answered && (r.result.success || never_made) ? HT_OK : HT_EIO;
}

static int ali_refund(struct pay_ctx *ctx, const struct channel_call_row *refund,
                      const struct channel_call_row *payment, struct pay_answer *out) {
  *out = (struct pay_answer){.kind = CALL_REFUND,
                             .reference = arena_copy(ctx, str_from_cstr(refund->reference)),
                             .outcome = CHANNEL_OUTCOME_TIMEOUT,
                             .amount_minor = refund->amount_minor,
                             .currency = refund->currency};
  struct ali a;
  char reason[160];
  if (ali_load(ctx, &a, reason) != HT_OK) {
    log_event(LOG_WARN, NULL, "alipay refund %s: %s", refund->reference, reason);
    return HT_OK;
  }
  struct alipay_biz biz = {.out_trade_no = str_from_cstr(payment->reference),
                           .amount_fen = refund->amount_minor,
                           .out_request_no = str_from_cstr(refund->reference)};
  struct ali_reply r;
  ali_call(ctx, &a, ALIPAY_TRADE_REFUND, &biz, STR_LIT(""), &r);
  ali_free(&a);
  /* 10000 means refunded (fund_change "N" on a repeat of a refund already made). */
  if (r.answered) out->outcome = r.result.success ? CHANNEL_OUTCOME_SUCCEEDED : failure_outcome(&r.result);
  if (out->outcome != CHANNEL_OUTCOME_SUCCEEDED)
    log_event(LOG_WARN, NULL, "alipay refund %s: %s (%s)", refund->reference,
              channel_outcome_name(out->outcome), r.error);
  return HT_OK;
}

static int ali_payout(struct pay_ctx *ctx, const struct channel_call_row *payout,
                      enum channel_outcome *outcome) {
  (void)ctx;
  (void)payout;
  *outcome = CHANNEL_OUTCOME_FAILED; /* payouts go through the payout channel, never a buyer wallet */
  return HT_OK;
}

/* ---- notifications ---- */

static int reject(char reason[160], int rc, enum alipay_reject why, const char *field) {
  snprintf(reason, 160, "%s%s%s", alipay_reject_name(why), field ? " " : "", field ? field : "");
  return rc;
}

/* Our record of the notified trade (and, for a refund, of the refund), checked against the
 * merchant in the URL, its credentials and the notification. */
static int check_against_record(struct pay_ctx *ctx, struct ali *a, const struct alipay_notification *n,
                                struct pay_answer *out, char reason[160]) {
  struct channel_call_row payment, refund;
  int rc = store_call_by_reference(ctx->db, ctx->arena, CALL_PAYMENT, n->out_trade_no, &payment);
  if (rc == HT_ENOTFOUND) return reject(reason, HT_EINVAL, ALIPAY_REJECT_UNKNOWN_ORDER, "out_trade_no");
  if (rc != HT_OK) return reject(reason, HT_EIO, ALIPAY_REJECT_INTERNAL, NULL);
  if (payment.merchant_id != ctx->merchant_id || payment.channel_id != PAY_CHANNEL_ALIPAY)
    return reject(reason, HT_EINVAL, ALIPAY_REJECT_MERCHANT_MISMATCH, "out_trade_no");
  struct alipay_expected e = {a->app.app_id, str_from_cstr(payment.reference), a->seller_id,
                              payment.amount_minor};
  struct alipay_problem p = {ALIPAY_ACCEPTED, NULL};
  if (alipay_notification_check(n, &e, &p) != HT_OK) return reject(reason, HT_EINVAL, p.reason, p.field);
  *out = (struct pay_answer){.kind = CALL_PAYMENT,
                             .reference = n->out_trade_no,
                             .outcome = trade_outcome(n->state),
                             .amount_minor = n->total_fen,
                             .currency = payment.currency,
                             .channel_ref = n->trade_no,
                             .notification_id = n->notify_id};
  if (!n->out_biz_no.len || n->refund_fen < 0) return HT_OK;
  rc = store_call_by_reference(ctx->db, ctx->arena, CALL_REFUND, n->out_biz_no, &refund);
  if (rc == HT_ENOTFOUND || (rc == HT_OK && refund.payment_id != payment.id))
    return reject(reason, HT_EINVAL, ALIPAY_REJECT_UNKNOWN_ORDER, "out_biz_no");
  if (rc != HT_OK) return reject(reason, HT_EIO, ALIPAY_REJECT_INTERNAL, NULL);
  /* refund_fee is the trade's accumulated refunds: it covers this refund or it is wrong. */
  if (n->refund_fen < refund.amount_minor)
    return reject(reason, HT_EINVAL, ALIPAY_REJECT_AMOUNT_MISMATCH, "refund_fee");
  out->kind = CALL_REFUND;
  out->reference = n->out_biz_no;
  out->outcome = CHANNEL_OUTCOME_SUCCEEDED;
  out->amount_minor = refund.amount_minor;
  return HT_OK;
}

static int ali_read_notification(struct pay_ctx *ctx, const struct pay_notification_in *in,
                                 struct pay_answer *out, char reason[160]) {
  memset(out, 0, sizeof *out);
  struct ali a;
  int rc = ali_load(ctx, &a, reason);
  if (rc != HT_OK) return rc == HT_ENOTFOUND ? HT_EINVAL : HT_EIO;
  struct alipay_notification n;
  struct alipay_problem p = {ALIPAY_ACCEPTED, NULL};
  rc = alipay_notification_read(in->body, a.alipay_key, ctx->arena, &n, &p);
  if (rc != HT_OK)
    rc = reject(reason,
                rc == HT_EAUTH                       ? HT_EAUTH
                : p.reason == ALIPAY_REJECT_INTERNAL ? HT_EIO
                                                     : HT_EINVAL,
                p.reason, p.field);
  else
    rc = check_against_record(ctx, &a, &n, out, reason);
  ali_free(&a);
  return rc;
}

static void ali_reply(bool accepted, int http_status_on_failure, struct pay_notification_reply *out) {
  /* 异步通知: only HTTP 200 with the body "success" stops the retries; we answer "fail" with
   * 200 as the spec shows, except for our own faults, where any non-success makes Alipay retry. */
  out->status = accepted || http_status_on_failure < 500 ? 200 : http_status_on_failure;
  out->content_type = "text/plain; charset=utf-8";
  out->body = alipay_ack(accepted).data;
}

const struct pay_channel pay_channel_alipay = {
    .name = "alipay",
    .id = PAY_CHANNEL_ALIPAY,
    .start_payment = ali_start,
    .query_payment = ali_query,
    .close_payment = ali_close,
    .refund = ali_refund,
    .payout = ali_payout,
    .read_notification = ali_read_notification,
    .notification_reply = ali_reply,
    .approve_password_free = NULL, /* 商户代扣 needs a signed agreement at Alipay; see docs/WALLETS.md */
};
