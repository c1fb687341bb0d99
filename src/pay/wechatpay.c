/* wechatpay.c — the WeChat Pay API v3 channel (see wechatpay.h).
 *
 * Each call loads the merchant's credentials (parsing its keys takes well under a
 * millisecond), signs and sends one request, verifies the answer's signature before reading
 * it, and frees the keys again. What any answer means for our records is decided in one
 * place per call, as a channel outcome; nothing here touches the ledger. */
#include "pay/wechatpay.h"

#include <curl/curl.h>
#include <jansson.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "app.h"
#include "core/crypto.h"
#include "core/status.h"
#include "core/wechatpay.h"
#include "pay/channel_http.h"
#include "pay/credentials.h"
#include "pay/payments.h"
#include "platform/log.h"
#include "platform/random.h"
#include "store/wallets.h"

/* Random bytes of a request nonce: 32 hex digits, the nonce_str maximum. */
#define WX_NONCE_BYTES 16
/* Keys WeChat Pay may sign with: the platform certificates plus one public key. */
#define WX_KEYS_MAX (CREDENTIALS_PLATFORM_CERTS_MAX + 1)
/* "yyyy-MM-DDTHH:mm:ss+08:00" is 25 bytes; room for the widest ints so snprintf cannot truncate. */
#define WX_TIME_EXPIRE_BYTES 80
/* Beijing time, UTC+8 all year. */
#define WX_BEIJING_OFFSET_S (8 * 3600)
/* HTTP statuses that mean "not now" rather than "no": rate limiting and server errors. */
#define HTTP_TOO_MANY_REQUESTS 429
#define HTTP_SERVER_ERROR_MIN  500

/* One merchant's loaded credentials. Views point into `doc`; keys are owned. */
struct wx {
  json_t *doc;
  struct crypto_key *merchant_key;
  struct crypto_key *platform[WX_KEYS_MAX];
  struct wechatpay_platform_key keys[WX_KEYS_MAX];
  size_t key_count;
  struct wechatpay_merchant merchant;
  struct str appid, apiv3_key, app_secret;
  const char *base_url, *oauth_url, *sns_url;
  int64_t timeout_ms;
};

static void wx_free(struct wx *w) {
  crypto_key_free(w->merchant_key);
  for (size_t i = 0; i < w->key_count; i++) crypto_key_free(w->platform[i]);
  json_decref(w->doc);
  memset(w, 0, sizeof *w);
}

static const char *url_or(json_t *doc, const char *name, const char *fallback) {
  struct str s = credentials_str(doc, name);
  return s.len ? s.data : fallback;
}

static int add_platform_key(struct wx *w, struct str pem, struct str serial) {
  if (w->key_count >= WX_KEYS_MAX) return HT_ERANGE;
  int rc = crypto_public_key_from_pem(pem, &w->platform[w->key_count]);
  if (rc == HT_OK) w->keys[w->key_count] = (struct wechatpay_platform_key){serial, w->platform[w->key_count]};
  if (rc == HT_OK) w->key_count++;
  return rc;
}

/* Loads merchant ctx->merchant_id's credentials and parses its keys. */
static int wx_load(struct pay_ctx *ctx, struct wx *w, char reason[160]) {
  memset(w, 0, sizeof *w);
  if (ctx->merchant_id <= 0) {
    snprintf(reason, 160, "no merchant named (WeChat Pay notifies /notify/wechatpay/{merchant})");
    return HT_ENOTFOUND;
  }
  int rc = credentials_load(ctx->db, (struct str){ctx->app->secret, ctx->app->secret_len}, ctx->merchant_id,
                            STR_LIT("wechatpay"), &w->doc);
  if (rc != HT_OK) {
    snprintf(reason, 160, "merchant %lld: %s", (long long)ctx->merchant_id,
             rc == HT_ENOTFOUND ? "WeChat Pay is not configured"
             : rc == HT_EAUTH   ? "stored credentials do not open (HUTONG_SECRET changed?)"
                                : ht_status_name(rc));
    return rc;
  }
  rc = crypto_private_key_from_pem(credentials_str(w->doc, "merchant_private_key"), &w->merchant_key);
  json_t *certs = json_object_get(w->doc, "platform_certificates"), *item;
  size_t i;
  json_array_foreach(certs, i, item) {
    if (rc == HT_OK) rc = add_platform_key(w, str_from_cstr(json_string_value(item)), STR_LIT(""));
  }
  struct str pub = credentials_str(w->doc, "platform_public_key");
  if (rc == HT_OK && pub.len)
    rc = add_platform_key(w, pub, credentials_str(w->doc, "platform_public_key_id"));
  if (rc != HT_OK) {
    snprintf(reason, 160, "merchant %lld: a stored WeChat Pay key does not parse",
             (long long)ctx->merchant_id);
    wx_free(w);
    return HT_EIO;
  }
  w->merchant = (struct wechatpay_merchant){credentials_str(w->doc, "mchid"),
                                            credentials_str(w->doc, "merchant_serial"), w->merchant_key};
  w->appid = credentials_str(w->doc, "appid");
  w->apiv3_key = credentials_str(w->doc, "apiv3_key");
  w->app_secret = credentials_str(w->doc, "app_secret");
  w->base_url = url_or(w->doc, "base_url", WECHATPAY_BASE_URL_DEFAULT);
  w->oauth_url = url_or(w->doc, "oauth_url", WECHATPAY_OAUTH_URL_DEFAULT);
  w->sns_url = url_or(w->doc, "sns_url", WECHATPAY_SNS_URL_DEFAULT);
  w->timeout_ms = credentials_timeout_ms(w->doc);
  return HT_OK;
}

/* ---- one signed call ---- */

struct wx_reply {
  bool sent;     /* the request left (false: we could not even sign it) */
  bool answered; /* a whole HTTP answer came back */
  bool verified; /* and its signature verified */
  long status;
  struct str body;
  char error[160];
};

static void wx_call(struct pay_ctx *ctx, struct wx *w, const char *method, struct str path, struct str body,
                    struct wx_reply *out) {
  memset(out, 0, sizeof *out);
  char nonce[2 * WX_NONCE_BYTES + 1];
  random_hex(nonce, WX_NONCE_BYTES);
  long long now_s = ctx->now_ms / 1000;
  struct str auth;
  int rc = wechatpay_authorization(&w->merchant, str_from_cstr(method), path, now_s, str_from_cstr(nonce),
                                   body, ctx->arena, &auth);
  const char *url = arena_printf(ctx->arena, "%s%.*s", w->base_url, STR_FMT(path));
  const char *auth_text = rc == HT_OK ? arena_strdup_str(ctx->arena, auth) : NULL;
  if (!url || !auth_text) {
    snprintf(out->error, sizeof out->error, "cannot sign the request: %s", ht_status_name(rc));
    return;
  }
  struct channel_http_request req = {.method = method,
                                     .url = url,
                                     .body = body,
                                     .content_type = strcmp(method, "POST") == 0 ? "application/json" : NULL,
                                     .authorization = auth_text,
                                     .timeout_ms = w->timeout_ms};
  struct channel_http_response res;
  out->sent = true;
  if (channel_http_call(ctx->arena, &req, &res) != HT_OK) {
    snprintf(out->error, sizeof out->error, "no answer: %.140s", res.error);
    return;
  }
  out->answered = true;
  out->status = res.status;
  out->body = res.body;
  struct wechatpay_signature_headers h = {
      channel_http_header(&res, "Wechatpay-Timestamp"), channel_http_header(&res, "Wechatpay-Nonce"),
      channel_http_header(&res, "Wechatpay-Signature"), channel_http_header(&res, "Wechatpay-Serial")};
  struct wechatpay_problem p = {WECHATPAY_ACCEPTED, NULL};
  out->verified = wechatpay_verify(w->keys, w->key_count, &h, res.body, now_s, &p) == HT_OK;
  if (!out->verified)
    snprintf(out->error, sizeof out->error, "answer %ld does not verify: %s", res.status,
             wechatpay_reject_name(p.reason));
}

/* "CODE: message" of a verified error answer. */
static void error_text(struct pay_ctx *ctx, const struct wx_reply *r, char *out, size_t size) {
  struct str code = STR_LIT("?"), message = STR_LIT("");
  wechatpay_response_string(r->body, "code", ctx->arena, &code);
  wechatpay_response_string(r->body, "message", ctx->arena, &message);
  snprintf(out, size, "WeChat Pay %ld %.*s: %.*s", r->status, STR_FMT(code), STR_FMT(message));
}

/* A verified error answer: "not now" (429, 5xx) is no answer; any other 4xx is a refusal. */
static enum channel_outcome error_outcome(long status) {
  return status == HTTP_TOO_MANY_REQUESTS || status >= HTTP_SERVER_ERROR_MIN ? CHANNEL_OUTCOME_TIMEOUT
                                                                             : CHANNEL_OUTCOME_FAILED;
}

static struct str arena_copy(struct pay_ctx *ctx, struct str s) {
  char *copy = arena_strdup_str(ctx->arena, s);
  return copy ? (struct str){copy, s.len} : STR_LIT("");
}

static const char *pay_page_url(struct pay_ctx *ctx, const char *reference) {
  return arena_printf(ctx->arena, "%s/pay/wechatpay/%s", ctx->app->public_url, reference);
}

/* ---- payments ---- */

static int wx_close(struct pay_ctx *ctx, const struct channel_call_row *payment);

static enum channel_outcome trade_outcome(enum wechatpay_trade_state state) {
  switch (state) {
  case WECHATPAY_TRADE_SUCCEEDED:
  case WECHATPAY_TRADE_REFUNDED: return CHANNEL_OUTCOME_SUCCEEDED; /* REFUND: paid, then refunds began */
  case WECHATPAY_TRADE_PENDING: return CHANNEL_OUTCOME_IN_PROGRESS;
  case WECHATPAY_TRADE_CLOSED:
  case WECHATPAY_TRADE_FAILED: return CHANNEL_OUTCOME_FAILED;
  case WECHATPAY_TRADE_UNKNOWN: break;
  }
  return CHANNEL_OUTCOME_TIMEOUT; /* a state we do not know: no usable answer, ask again */
}

/* time_expire, RFC 3339 in Beijing time as WeChat Pay writes it ("2024-01-01T12:00:00+08:00"):
 * WeChat Pay itself refuses to be paid after our attempt's lifetime. "" when out of range. */
static const char *time_expire(int64_t at_ms, char out[WX_TIME_EXPIRE_BYTES]) {
  time_t t = (time_t)(at_ms / 1000 + WX_BEIJING_OFFSET_S);
  struct tm tm;
  out[0] = '\0';
  if (at_ms > 0 && gmtime_r(&t, &tm) && tm.tm_year + 1900 <= 9999)
    snprintf(out, WX_TIME_EXPIRE_BYTES, "%04d-%02d-%02dT%02d:%02d:%02d+08:00", tm.tm_year + 1900,
             tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
  return out;
}

/* Records what the pay page shows: the Native code_url, or the signed JSAPI parameters. */
static int remember_page(struct pay_ctx *ctx, struct wx *w, const struct pay_start *in, bool jsapi,
                         struct str value) {
  struct str data = value;
  if (jsapi) {
    char nonce[2 * WX_NONCE_BYTES + 1];
    random_hex(nonce, WX_NONCE_BYTES);
    struct wechatpay_jsapi_params params;
    int rc = wechatpay_jsapi_sign(&w->merchant, w->appid, ctx->now_ms / 1000, str_from_cstr(nonce), value,
                                  ctx->arena, &params);
    if (rc != HT_OK) return rc;
    data = params.json;
  }
  return store_payment_page_put(ctx->db, str_from_cstr(in->reference), STR_LIT("wechatpay"),
                                jsapi ? STR_LIT("jsapi") : STR_LIT("qr"), data, ctx->now_ms);
}

static void wx_create(struct pay_ctx *ctx, struct wx *w, const struct pay_start *in,
                      struct pay_started *out) {
  bool jsapi = in->payer_id.len > 0;
  char expire[WX_TIME_EXPIRE_BYTES];
  struct wechatpay_order order = {
      .appid = w->appid,
      .mchid = w->merchant.mchid,
      .description =
          in->subject.len > WECHATPAY_DESCRIPTION_BYTES_MAX ? STR_LIT("hutong order") : in->subject,
      .out_trade_no = str_from_cstr(in->reference),
      .notify_url = str_from_cstr(in->notify_url),
      .time_expire = str_from_cstr(time_expire(ctx->now_ms + payments_attempt_ttl_ms(ctx->app), expire)),
      .payer_openid = in->payer_id,
      .total_fen = in->amount_minor};
  struct str body;
  int rc = jsapi ? wechatpay_jsapi_body(&order, ctx->arena, &body)
                 : wechatpay_native_body(&order, ctx->arena, &body);
  if (rc != HT_OK) {
    out->outcome = CHANNEL_OUTCOME_FAILED;
    snprintf(out->error, sizeof out->error,
             "the order does not fit WeChat Pay's rules (notify URL, ids, amount)");
    return;
  }
  struct wx_reply r;
  wx_call(ctx, w, "POST", jsapi ? STR_LIT(WECHATPAY_PATH_JSAPI) : STR_LIT(WECHATPAY_PATH_NATIVE), body, &r);
  struct str value;
  if (!r.sent) {
    out->outcome = CHANNEL_OUTCOME_FAILED;
    snprintf(out->error, sizeof out->error, "%s", r.error);
  } else if (!r.verified) {
    out->outcome = CHANNEL_OUTCOME_TIMEOUT;
    snprintf(out->error, sizeof out->error, "%s", r.error);
  } else if (r.status != 200) {
    out->outcome = error_outcome(r.status);
    error_text(ctx, &r, out->error, sizeof out->error);
  } else if (wechatpay_response_string(r.body, jsapi ? "prepay_id" : "code_url", ctx->arena, &value) !=
                 HT_OK ||
             remember_page(ctx, w, in, jsapi, value) != HT_OK) {
    out->outcome = CHANNEL_OUTCOME_TIMEOUT; /* the order may exist; reconciliation finds out */
    snprintf(out->error, sizeof out->error, "WeChat Pay's answer could not be used or kept");
  } else {
    out->outcome = CHANNEL_OUTCOME_IN_PROGRESS;
    out->pay_url = str_from_cstr(pay_page_url(ctx, in->reference));
  }
}

static int wx_start(struct pay_ctx *ctx, const struct pay_start *in, struct pay_started *out) {
  memset(out, 0, sizeof *out);
  if (in->currency != CURRENCY_CNY) {
    out->outcome = CHANNEL_OUTCOME_FAILED;
    snprintf(out->error, sizeof out->error, "WeChat Pay (domestic) takes CNY only");
    return HT_OK;
  }
  struct wx w;
  char reason[160];
  if (wx_load(ctx, &w, reason) != HT_OK) {
    out->outcome = CHANNEL_OUTCOME_FAILED; /* nothing was sent: the attempt simply fails */
    snprintf(out->error, sizeof out->error, "%s", reason);
    return HT_OK;
  }
  wx_create(ctx, &w, in, out);
  wx_free(&w);
  if (out->outcome != CHANNEL_OUTCOME_IN_PROGRESS)
    log_event(LOG_WARN, NULL, "wechatpay start %s: %s (%s)", in->reference,
              channel_outcome_name(out->outcome), out->error);
  return HT_OK;
}

/* Checks a transaction (query answer or notification) against our record and the merchant. */
static int check_transaction(struct wx *w, const struct wechatpay_transaction *t,
                             const struct channel_call_row *payment, struct wechatpay_problem *p) {
  struct wechatpay_expected e = {.mchid = w->merchant.mchid,
                                 .appid = w->appid,
                                 .out_trade_no = str_from_cstr(payment->reference),
                                 .total_fen = payment->amount_minor,
                                 .currency = STR_LIT("CNY")};
  return wechatpay_transaction_check(t, &e, p);
}

static int wx_query(struct pay_ctx *ctx, const struct channel_call_row *payment, struct pay_answer *out) {
  *out = (struct pay_answer){.kind = CALL_PAYMENT,
                             .reference = arena_copy(ctx, str_from_cstr(payment->reference)),
                             .outcome = CHANNEL_OUTCOME_TIMEOUT,
                             .currency = payment->currency};
  struct wx w;
  char reason[160];
  if (wx_load(ctx, &w, reason) != HT_OK) {
    log_event(LOG_WARN, NULL, "wechatpay query %s: %s", payment->reference, reason);
    return HT_OK;
  }
  struct str path;
  struct wx_reply r = {0};
  if (wechatpay_query_path(str_from_cstr(payment->reference), w.merchant.mchid, ctx->arena, &path) == HT_OK)
    wx_call(ctx, &w, "GET", path, STR_LIT(""), &r);
  struct wechatpay_transaction t;
  struct wechatpay_problem p = {WECHATPAY_ACCEPTED, NULL};
  struct str code = STR_LIT("");
  if (r.verified && r.status == 200 && wechatpay_transaction_parse(r.body, ctx->arena, &t, &p) == HT_OK &&
      check_transaction(&w, &t, payment, &p) == HT_OK) {
    out->outcome = trade_outcome(t.state);
    out->amount_minor = t.total_fen;
    out->channel_ref = t.transaction_id;
  } else if (r.verified && r.status == 404 &&
             wechatpay_response_string(r.body, "code", ctx->arena, &code) == HT_OK &&
             str_eq(code, STR_LIT("ORDER_NOT_EXIST"))) {
    out->outcome = CHANNEL_OUTCOME_FAILED; /* never created: it can never be paid */
  } else {
    log_event(LOG_WARN, NULL, "wechatpay query %s: no usable answer (%s%s%s)", payment->reference,
              r.error[0] ? r.error : "status", p.reason ? " " : "",
              p.reason ? wechatpay_reject_name(p.reason) : "");
  }
  wx_free(&w);
  /* Abandoned: close it at WeChat Pay, so that it can never be paid, and fail the attempt. */
  if (out->outcome == CHANNEL_OUTCOME_IN_PROGRESS &&
      ctx->now_ms - payment->created_at_ms > payments_attempt_ttl_ms(ctx->app) &&
      wx_close(ctx, payment) == HT_OK)
    out->outcome = CHANNEL_OUTCOME_FAILED;
  return HT_OK;
}

static int wx_close(struct pay_ctx *ctx, const struct channel_call_row *payment) {
  struct wx w;
  char reason[160];
  int rc = wx_load(ctx, &w, reason);
  if (rc != HT_OK) return rc;
  struct str path, body;
  struct wx_reply r = {0};
  rc = wechatpay_close_path(str_from_cstr(payment->reference), ctx->arena, &path);
  if (rc == HT_OK) rc = wechatpay_close_body(w.merchant.mchid, ctx->arena, &body);
  if (rc == HT_OK) wx_call(ctx, &w, "POST", path, body, &r);
  wx_free(&w);
  if (rc != HT_OK) return rc;
  return r.verified && (r.status == 204 || r.status == 200) ? HT_OK : HT_EIO;
}

/* ---- refunds ---- */

static enum channel_outcome refund_outcome(enum wechatpay_refund_state state, const char *reference) {
  switch (state) {
  case WECHATPAY_REFUND_SUCCEEDED: return CHANNEL_OUTCOME_SUCCEEDED;
  case WECHATPAY_REFUND_PENDING: return CHANNEL_OUTCOME_IN_PROGRESS;
  case WECHATPAY_REFUND_CLOSED: return CHANNEL_OUTCOME_FAILED;
  case WECHATPAY_REFUND_ABNORMAL:
    /* The money did not reach the buyer (a closed card...): it stays owed in refunds_payable
     * and a person must act (WeChat Pay's 异常退款 flow). */
    log_event(LOG_ERROR, NULL, "wechatpay refund %s is ABNORMAL: needs the operator", reference);
    return CHANNEL_OUTCOME_FAILED;
  case WECHATPAY_REFUND_UNKNOWN: break;
  }
  return CHANNEL_OUTCOME_TIMEOUT;
}

static void wx_refund_call(struct pay_ctx *ctx, struct wx *w, const struct channel_call_row *refund,
                           const struct channel_call_row *payment, struct pay_answer *out) {
  struct wechatpay_refund_request req = {
      .out_trade_no = str_from_cstr(payment->reference),
      .out_refund_no = str_from_cstr(refund->reference),
      .notify_url = str_from_cstr(payments_notify_url(ctx, &pay_channel_wechatpay, ctx->merchant_id)),
      .refund_fen = refund->amount_minor,
      .total_fen = payment->amount_minor};
  struct str body;
  struct wx_reply r = {0};
  if (wechatpay_refund_body(&req, ctx->arena, &body) == HT_OK)
    wx_call(ctx, w, "POST", STR_LIT(WECHATPAY_PATH_REFUNDS), body, &r);
  struct wechatpay_refund parsed;
  struct wechatpay_problem p = {WECHATPAY_ACCEPTED, NULL};
  char error[160] = "";
  if (r.verified && r.status == 200 && wechatpay_refund_parse(r.body, ctx->arena, &parsed, &p) == HT_OK &&
      str_eq(parsed.out_refund_no, req.out_refund_no) && parsed.refund_fen == refund->amount_minor) {
    out->outcome = refund_outcome(parsed.state, refund->reference);
    return;
  }
  if (r.verified && r.status != 200) {
    out->outcome = error_outcome(r.status);
    error_text(ctx, &r, error, sizeof error);
  }
  log_event(LOG_WARN, NULL, "wechatpay refund %s: %s (%s)", refund->reference,
            channel_outcome_name(out->outcome),
            error[0]     ? error
            : r.error[0] ? r.error
                         : "unusable answer");
}

static int wx_refund(struct pay_ctx *ctx, const struct channel_call_row *refund,
                     const struct channel_call_row *payment, struct pay_answer *out) {
  *out = (struct pay_answer){.kind = CALL_REFUND,
                             .reference = arena_copy(ctx, str_from_cstr(refund->reference)),
                             .outcome = CHANNEL_OUTCOME_TIMEOUT,
                             .amount_minor = refund->amount_minor,
                             .currency = refund->currency};
  struct wx w;
  char reason[160];
  if (wx_load(ctx, &w, reason) != HT_OK) {
    log_event(LOG_WARN, NULL, "wechatpay refund %s: %s", refund->reference, reason);
    return HT_OK;
  }
  wx_refund_call(ctx, &w, refund, payment, out);
  wx_free(&w);
  return HT_OK;
}

static int wx_payout(struct pay_ctx *ctx, const struct channel_call_row *payout,
                     enum channel_outcome *outcome) {
  (void)ctx;
  (void)payout;
  *outcome = CHANNEL_OUTCOME_FAILED; /* payouts go through the payout channel, never a buyer wallet */
  return HT_OK;
}

/* ---- notifications ---- */

static int reject(char reason[160], int rc, const char *what, enum wechatpay_reject why, const char *field) {
  snprintf(reason, 160, "%s: %s%s%s", what, wechatpay_reject_name(why), field ? " " : "", field ? field : "");
  return rc;
}

/* HT_EAUTH for what WeChat Pay answers 401 (signatures, time stamps), HT_EIO for our own
 * faults (500, retried), HT_EINVAL for the rest (400). */
static int status_of(enum wechatpay_reject why) {
  struct wechatpay_ack ack;
  wechatpay_ack(why, &ack);
  return ack.http_status == 401 ? HT_EAUTH : ack.http_status >= 500 ? HT_EIO : HT_EINVAL;
}

/* Finds our payment `reference` and checks it belongs to this merchant and channel. */
static int own_payment(struct pay_ctx *ctx, struct str reference, struct channel_call_row *payment,
                       enum wechatpay_reject *why) {
  int rc = store_call_by_reference(ctx->db, ctx->arena, CALL_PAYMENT, reference, payment);
  *why = rc == HT_ENOTFOUND ? WECHATPAY_REJECT_UNKNOWN_ORDER : WECHATPAY_REJECT_INTERNAL;
  if (rc == HT_OK &&
      (payment->merchant_id != ctx->merchant_id || payment->channel_id != PAY_CHANNEL_WECHATPAY))
    *why = WECHATPAY_REJECT_MERCHANT_MISMATCH, rc = HT_ECONFLICT;
  return rc;
}

static int read_transaction(struct pay_ctx *ctx, struct wx *w, const struct wechatpay_notification *n,
                            struct pay_answer *out, char reason[160]) {
  struct wechatpay_transaction t;
  struct wechatpay_problem p = {WECHATPAY_ACCEPTED, NULL};
  struct channel_call_row payment;
  enum wechatpay_reject why;
  int rc = wechatpay_transaction_parse(n->plaintext, ctx->arena, &t, &p);
  if (rc != HT_OK) return reject(reason, status_of(p.reason), "transaction", p.reason, p.field);
  rc = own_payment(ctx, t.out_trade_no, &payment, &why);
  if (rc != HT_OK) return reject(reason, status_of(why), "transaction", why, "out_trade_no");
  if (check_transaction(w, &t, &payment, &p) != HT_OK)
    return reject(reason, status_of(p.reason), "transaction", p.reason, p.field);
  enum currency currency = payment.currency;
  currency_from_code(t.currency, &currency);
  *out = (struct pay_answer){.kind = CALL_PAYMENT,
                             .reference = t.out_trade_no,
                             .outcome = trade_outcome(t.state),
                             .amount_minor = t.total_fen,
                             .currency = currency,
                             .channel_ref = t.transaction_id,
                             .notification_id = n->id};
  return HT_OK;
}

static int read_refund(struct pay_ctx *ctx, struct wx *w, const struct wechatpay_notification *n,
                       struct pay_answer *out, char reason[160]) {
  struct wechatpay_refund r;
  struct wechatpay_problem p = {WECHATPAY_ACCEPTED, NULL};
  struct channel_call_row refund, payment;
  enum wechatpay_reject why = WECHATPAY_REJECT_UNKNOWN_ORDER;
  int rc = wechatpay_refund_parse(n->plaintext, ctx->arena, &r, &p);
  if (rc != HT_OK) return reject(reason, status_of(p.reason), "refund", p.reason, p.field);
  rc = store_call_by_reference(ctx->db, ctx->arena, CALL_REFUND, r.out_refund_no, &refund);
  if (rc == HT_OK) rc = store_call_get(ctx->db, ctx->arena, CALL_PAYMENT, refund.payment_id, &payment);
  if (rc == HT_OK &&
      (payment.merchant_id != ctx->merchant_id || payment.channel_id != PAY_CHANNEL_WECHATPAY ||
       (r.mchid.len && !str_eq(r.mchid, w->merchant.mchid))))
    why = WECHATPAY_REJECT_MERCHANT_MISMATCH, rc = HT_ECONFLICT;
  else if (rc == HT_OK && !str_eq(r.out_trade_no, str_from_cstr(payment.reference)))
    why = WECHATPAY_REJECT_UNKNOWN_ORDER, rc = HT_ECONFLICT;
  else if (rc == HT_OK && r.refund_fen != refund.amount_minor)
    why = WECHATPAY_REJECT_AMOUNT_MISMATCH, rc = HT_ECONFLICT;
  else if (rc != HT_OK && rc != HT_ENOTFOUND)
    why = WECHATPAY_REJECT_INTERNAL;
  if (rc != HT_OK) return reject(reason, status_of(why), "refund", why, "out_refund_no");
  *out = (struct pay_answer){.kind = CALL_REFUND,
                             .reference = r.out_refund_no,
                             .outcome = refund_outcome(r.state, refund.reference),
                             .amount_minor = r.refund_fen,
                             .currency = refund.currency,
                             .channel_ref = r.refund_id,
                             .notification_id = n->id};
  return HT_OK;
}

static int wx_read_notification(struct pay_ctx *ctx, const struct pay_notification_in *in,
                                struct pay_answer *out, char reason[160]) {
  memset(out, 0, sizeof *out);
  struct wx w;
  int rc = wx_load(ctx, &w, reason);
  if (rc != HT_OK) return rc == HT_ENOTFOUND ? HT_EINVAL : HT_EIO;
  struct wechatpay_signature_headers h = {
      in->header(in->header_ctx, "Wechatpay-Timestamp"), in->header(in->header_ctx, "Wechatpay-Nonce"),
      in->header(in->header_ctx, "Wechatpay-Signature"), in->header(in->header_ctx, "Wechatpay-Serial")};
  struct wechatpay_notification n;
  struct wechatpay_problem p = {WECHATPAY_ACCEPTED, NULL};
  rc = wechatpay_notification_open(w.keys, w.key_count, &h, in->body, ctx->now_ms / 1000, w.apiv3_key,
                                   ctx->arena, &n, &p);
  if (rc != HT_OK)
    rc = reject(reason, status_of(p.reason), "notification", p.reason, p.field);
  else if (str_has_prefix(n.event_type, STR_LIT("TRANSACTION.")))
    rc = read_transaction(ctx, &w, &n, out, reason);
  else if (str_has_prefix(n.event_type, STR_LIT("REFUND.")))
    rc = read_refund(ctx, &w, &n, out, reason);
  else
    rc = reject(reason, HT_EINVAL, "notification", WECHATPAY_REJECT_MALFORMED, "event_type");
  wx_free(&w);
  return rc;
}

static void wx_reply(bool accepted, int http_status_on_failure, struct pay_notification_reply *out) {
  /* 回调通知 应答: accepted → 204 without a body; refused → 4XX/5XX with this JSON. */
  out->status = accepted ? 204 : http_status_on_failure;
  out->content_type = accepted ? "text/plain; charset=utf-8" : "application/json";
  out->body = accepted ? "" : "{\"code\":\"FAIL\",\"message\":\"失败\"}";
}

const struct pay_channel pay_channel_wechatpay = {
    .name = "wechatpay",
    .id = PAY_CHANNEL_WECHATPAY,
    .start_payment = wx_start,
    .query_payment = wx_query,
    .close_payment = wx_close,
    .refund = wx_refund,
    .payout = wx_payout,
    .read_notification = wx_read_notification,
    .notification_reply = wx_reply,
    .approve_password_free = NULL, /* 委托代扣 (papay) is a separate contract API; see docs/WALLETS.md */
};

/* ---- the buyer's openid for JSAPI (网页授权, snsapi_base) ---- */

bool wechatpay_configured(struct pay_ctx *ctx) {
  struct credentials_row row; /* the row is enough: its keys were checked when it was saved */
  return ctx->merchant_id > 0 &&
         store_credentials_get(ctx->db, ctx->arena, ctx->merchant_id, STR_LIT("wechatpay"), &row) == HT_OK;
}

bool wechatpay_jsapi_ready(struct pay_ctx *ctx) {
  struct wx w;
  char reason[160];
  if (wx_load(ctx, &w, reason) != HT_OK) return false;
  bool ready = w.app_secret.len > 0;
  wx_free(&w);
  return ready;
}

static char *escaped(struct pay_ctx *ctx, struct str s) {
  char *e = curl_easy_escape(NULL, s.data, (int)s.len);
  char *copy = e ? arena_strndup(ctx->arena, e, strlen(e)) : NULL;
  curl_free(e);
  return copy;
}

int wechatpay_oauth_url(struct pay_ctx *ctx, const char *redirect_uri, const char *state, const char **url) {
  struct wx w;
  char reason[160];
  int rc = wx_load(ctx, &w, reason);
  if (rc != HT_OK) return HT_ENOTFOUND;
  const char *redirect = escaped(ctx, str_from_cstr(redirect_uri)), *st = escaped(ctx, str_from_cstr(state));
  *url = w.app_secret.len && redirect && st
             ? arena_printf(ctx->arena,
                            "%s/connect/oauth2/authorize?appid=%.*s&redirect_uri=%s&response_type=code"
                            "&scope=snsapi_base&state=%s#wechat_redirect",
                            w.oauth_url, STR_FMT(w.appid), redirect, st)
             : NULL;
  wx_free(&w);
  return *url ? HT_OK : HT_ENOTFOUND;
}

static bool openid_ok(struct str s) {
  if (s.len == 0 || s.len > WECHATPAY_OPENID_CHARS_MAX) return false;
  for (size_t i = 0; i < s.len; i++) {
    char c = s.data[i];
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-'))
      return false;
  }
  return true;
}

int wechatpay_oauth_openid(struct pay_ctx *ctx, struct str code, struct str *openid) {
  struct wx w;
  char reason[160];
  int rc = wx_load(ctx, &w, reason);
  if (rc != HT_OK || !w.app_secret.len) return rc != HT_OK ? rc : HT_ENOTFOUND;
  const char *c = escaped(ctx, code), *secret = escaped(ctx, w.app_secret);
  const char *url = c && secret ? arena_printf(ctx->arena,
                                               "%s/sns/oauth2/access_token?appid=%.*s&secret=%s&code=%s"
                                               "&grant_type=authorization_code",
                                               w.sns_url, STR_FMT(w.appid), secret, c)
                                : NULL;
  struct channel_http_request req = {.method = "GET", .url = url, .timeout_ms = w.timeout_ms};
  struct channel_http_response res;
  rc = url ? channel_http_call(ctx->arena, &req, &res) : HT_ENOMEM;
  wx_free(&w);
  if (rc != HT_OK) return HT_EIO;
  json_error_t error;
  json_t *doc = json_loadb(res.body.data, res.body.len, JSON_REJECT_DUPLICATES, &error);
  json_t *v = json_object_get(doc, "openid");
  struct str id = json_is_string(v) ? (struct str){json_string_value(v), json_string_length(v)} : STR_LIT("");
  rc = res.status == 200 && openid_ok(id) ? HT_OK : HT_EAUTH;
  if (rc == HT_OK) *openid = arena_copy(ctx, id);
  json_decref(doc);
  return rc;
}
