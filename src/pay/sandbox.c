/* sandbox.c — the sandbox wallet channel (see sandbox.h). */
#include "pay/sandbox.h"

#include <curl/curl.h>
#include <jansson.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#include "app.h"
#include "core/crypto.h"
#include "core/status.h"
#include "platform/log.h"
#include "platform/random.h"

/* Trades whose notifications one delivery round sends. */
#define SANDBOX_DELIVERY_BATCH 32
/* First retry after a failed delivery; doubled each time. */
#define SANDBOX_RETRY_FIRST_MS 1000
/* Largest notification body we accept (ours are about 200 bytes). */
#define SANDBOX_NOTIFICATION_BYTES_MAX 4096

void sandbox_init(struct app *app) {
  crypto_hmac_sha256((struct str){app->secret, app->secret_len}, STR_LIT("hutong-sandbox-notify"),
                     app->sandbox_key);
}

void sandbox_sign(const struct app *app, struct str ts, struct str nonce, struct str body, char hex[65]) {
  char message[SANDBOX_NOTIFICATION_BYTES_MAX + 128];
  int n = snprintf(message, sizeof message, "%.*s\n%.*s\n%.*s\n", STR_FMT(ts), STR_FMT(nonce), STR_FMT(body));
  uint8_t mac[CRYPTO_SHA256_BYTES];
  size_t len = n > 0 && (size_t)n < sizeof message ? (size_t)n : 0;
  crypto_hmac_sha256((struct str){(const char *)app->sandbox_key, sizeof app->sandbox_key},
                     (struct str){message, len}, mac);
  str_hex_encode(mac, sizeof mac, hex);
}

/* Takes one from a fault counter; true when the fault should happen now. */
static bool take_fault(_Atomic int *counter) {
  int n = atomic_load(counter);
  while (n > 0)
    if (atomic_compare_exchange_weak(counter, &n, n - 1)) return true;
  return false;
}

static int sb_start(struct pay_ctx *ctx, const struct pay_start *in, struct pay_started *out) {
  memset(out, 0, sizeof *out);
  struct sandbox_trade t = {.out_trade_no = str_from_cstr(in->reference),
                            .amount_minor = in->amount_minor,
                            .currency = str_from_cstr(currency_code(in->currency)),
                            .subject = in->subject,
                            .notify_url = str_from_cstr(in->notify_url),
                            .return_url = str_from_cstr(in->return_url ? in->return_url : "")};
  struct db *db = ctx->db;
  int rc = store_sandbox_create(db, &t, ctx->now_ms);
  if (rc != HT_OK) {
    snprintf(out->error, sizeof out->error, "sandbox unavailable: %s", ht_status_name(rc));
    out->outcome = CHANNEL_OUTCOME_TIMEOUT;
    return HT_OK;
  }
  if (take_fault(&ctx->app->sandbox.timeout_starts)) {
    out->outcome = CHANNEL_OUTCOME_TIMEOUT; /* the wallet made the trade, but we never heard */
    return HT_OK;
  }
  out->outcome = CHANNEL_OUTCOME_IN_PROGRESS;
  out->channel_ref = str_from_cstr(arena_strndup(ctx->arena, t.trade_no, strlen(t.trade_no)));
  out->pay_url =
      str_from_cstr(arena_printf(ctx->arena, "%s/pay/sandbox/%s", ctx->app->public_url, t.trade_no));
  return HT_OK;
}

static enum channel_outcome trade_outcome(struct str status) {
  if (str_eq(status, STR_LIT("SUCCESS"))) return CHANNEL_OUTCOME_SUCCEEDED;
  if (str_eq(status, STR_LIT("CLOSED"))) return CHANNEL_OUTCOME_FAILED;
  return CHANNEL_OUTCOME_IN_PROGRESS;
}

static int sb_query(struct pay_ctx *ctx, const struct channel_call_row *payment, struct pay_answer *out) {
  struct sandbox_trade t;
  memset(out, 0, sizeof *out);
  out->kind = CALL_PAYMENT;
  out->reference = str_from_cstr(payment->reference);
  int rc = store_sandbox_by_out(ctx->db, ctx->arena, out->reference, &t);
  if (rc == HT_ENOTFOUND) {
    out->outcome = CHANNEL_OUTCOME_FAILED; /* the wallet never made it: it will never be paid */
    return HT_OK;
  }
  if (rc != HT_OK) {
    out->outcome = CHANNEL_OUTCOME_TIMEOUT;
    return HT_OK;
  }
  out->outcome = trade_outcome(t.status);
  out->amount_minor = t.amount_minor;
  currency_from_code(t.currency, &out->currency);
  out->channel_ref = str_from_cstr(arena_strndup(ctx->arena, t.trade_no, strlen(t.trade_no)));
  return HT_OK;
}

static int sb_close(struct pay_ctx *ctx, const struct channel_call_row *payment) {
  struct sandbox_trade t;
  int rc = store_sandbox_by_out(ctx->db, ctx->arena, str_from_cstr(payment->reference), &t);
  if (rc == HT_OK)
    rc = store_sandbox_decide(ctx->db, str_from_cstr(t.trade_no), "CLOSED", ctx->now_ms, ctx->now_ms);
  return rc == HT_ECONFLICT || rc == HT_ENOTFOUND ? HT_OK : rc;
}

static int sb_refund(struct pay_ctx *ctx, const struct channel_call_row *refund,
                     const struct channel_call_row *payment, struct pay_answer *out) {
  memset(out, 0, sizeof *out);
  out->kind = CALL_REFUND;
  out->reference = str_from_cstr(refund->reference);
  out->amount_minor = refund->amount_minor;
  out->currency = refund->currency;
  struct sandbox_trade t;
  int rc = store_sandbox_by_out(ctx->db, ctx->arena, str_from_cstr(payment->reference), &t);
  if (rc == HT_OK)
    rc = store_sandbox_refund(ctx->db, str_from_cstr(t.trade_no), out->reference, refund->amount_minor,
                              ctx->now_ms);
  if (rc == HT_ENOTFOUND || rc == HT_ERANGE)
    out->outcome = CHANNEL_OUTCOME_FAILED;
  else if (rc != HT_OK || take_fault(&ctx->app->sandbox.timeout_refunds))
    out->outcome = CHANNEL_OUTCOME_TIMEOUT;
  else
    out->outcome = CHANNEL_OUTCOME_SUCCEEDED;
  return HT_OK;
}

static int sb_payout(struct pay_ctx *ctx, const struct channel_call_row *payout,
                     enum channel_outcome *outcome) {
  (void)ctx;
  (void)payout;
  *outcome = CHANNEL_OUTCOME_SUCCEEDED; /* the sandbox bank always pays */
  return HT_OK;
}

static int read_body(struct pay_ctx *ctx, struct str body, struct pay_answer *out, char reason[160]) {
  json_error_t error;
  json_t *doc = json_loadb(body.data, body.len, JSON_REJECT_DUPLICATES, &error);
  const char *id = NULL, *type = NULL, *trade_no = NULL, *out_trade_no = NULL, *status = NULL,
             *currency = NULL;
  json_int_t amount = 0;
  int ok = doc ? json_unpack_ex(doc, &error, JSON_STRICT, "{s:s, s:s, s?s, s:s, s:s, s:I, s:s}", "id", &id,
                                "type", &type, "trade_no", &trade_no, "out_trade_no", &out_trade_no, "status",
                                &status, "amount", &amount, "currency", &currency)
               : -1;
  int rc = HT_OK;
  memset(out, 0, sizeof *out);
  if (ok != 0 || strcmp(type, "payment") != 0 ||
      currency_from_code(str_from_cstr(currency), &out->currency) != HT_OK) {
    snprintf(reason, 160, "malformed notification: %.100s",
             ok != 0 ? error.text : "unknown type or currency");
    rc = HT_EINVAL;
  } else {
    out->kind = CALL_PAYMENT;
    out->notification_id = str_from_cstr(arena_strndup(ctx->arena, id, strlen(id)));
    out->reference = str_from_cstr(arena_strndup(ctx->arena, out_trade_no, strlen(out_trade_no)));
    out->outcome = trade_outcome(str_from_cstr(status));
    out->amount_minor = amount;
  }
  json_decref(doc);
  return rc;
}

static int sb_read_notification(struct pay_ctx *ctx, const struct pay_notification_in *in,
                                struct pay_answer *out, char reason[160]) {
  struct str ts = in->header(in->header_ctx, "X-Sandbox-Timestamp");
  struct str nonce = in->header(in->header_ctx, "X-Sandbox-Nonce");
  struct str signature = in->header(in->header_ctx, "X-Sandbox-Signature");
  long long seconds = 0;
  if (!ts.data || !nonce.data || !signature.data || str_to_i64(ts, &seconds) != HT_OK) {
    snprintf(reason, 160, "missing or malformed signature headers");
    return HT_EAUTH;
  }
  if (in->body.len > SANDBOX_NOTIFICATION_BYTES_MAX) {
    snprintf(reason, 160, "notification larger than %d bytes", SANDBOX_NOTIFICATION_BYTES_MAX);
    return HT_EINVAL;
  }
  char expected[65];
  sandbox_sign(ctx->app, ts, nonce, in->body, expected);
  if (!crypto_str_equal_ct(str_from_cstr(expected), signature)) {
    snprintf(reason, 160, "signature does not verify");
    return HT_EAUTH;
  }
  int64_t skew = ctx->now_ms - (int64_t)seconds * 1000;
  if (skew >= SANDBOX_NOTIFY_SKEW_MS || -skew >= SANDBOX_NOTIFY_SKEW_MS) {
    snprintf(reason, 160, "timestamp %lld is more than 5 minutes off", seconds);
    return HT_EAUTH;
  }
  return read_body(ctx, in->body, out, reason);
}

static void sb_reply(bool accepted, int http_status_on_failure, struct pay_notification_reply *out) {
  out->status = accepted ? 200 : http_status_on_failure;
  out->content_type = "application/json";
  out->body = accepted ? "{\"code\":\"SUCCESS\"}" : "{\"code\":\"FAIL\",\"message\":\"rejected\"}";
}

/* The sandbox wallet is ours, so it can approve a password-free payment on the spot: the
 * trade is decided SUCCESS in the caller's transaction (its notification follows later and is
 * absorbed as a duplicate). */
static int sb_approve(struct pay_ctx *ctx, const struct channel_call_row *payment, struct pay_answer *out) {
  struct sandbox_trade t;
  memset(out, 0, sizeof *out);
  int rc = store_sandbox_by_out(ctx->db, ctx->arena, str_from_cstr(payment->reference), &t);
  if (rc == HT_OK) rc = sandbox_decide(ctx, ctx->db, str_from_cstr(t.trade_no), true);
  if (rc != HT_OK) return rc;
  out->kind = CALL_PAYMENT;
  out->reference = str_from_cstr(arena_strndup(ctx->arena, payment->reference, strlen(payment->reference)));
  out->outcome = CHANNEL_OUTCOME_SUCCEEDED;
  out->amount_minor = t.amount_minor;
  out->currency = payment->currency;
  out->channel_ref = str_from_cstr(arena_strndup(ctx->arena, t.trade_no, strlen(t.trade_no)));
  return HT_OK;
}

const struct pay_channel pay_channel_sandbox = {
    .name = "sandbox",
    .id = PAY_CHANNEL_SANDBOX,
    .start_payment = sb_start,
    .query_payment = sb_query,
    .close_payment = sb_close,
    .refund = sb_refund,
    .payout = sb_payout,
    .read_notification = sb_read_notification,
    .notification_reply = sb_reply,
    .approve_password_free = sb_approve,
};

int sandbox_decide(struct pay_ctx *ctx, struct db *db, struct str trade_no, bool approve) {
  int64_t notify_at_ms = ctx->now_ms + atomic_load(&ctx->app->sandbox.notice_delay_ms);
  return store_sandbox_decide(db, trade_no, approve ? "SUCCESS" : "CLOSED", ctx->now_ms, notify_at_ms);
}

static size_t discard(char *data, size_t size, size_t n, void *user) {
  (void)data;
  (void)user;
  return size * n;
}

/* POSTs one signed notification; true on a 2xx answer. */
static bool deliver(struct pay_ctx *ctx, const struct sandbox_trade *t, const char *delivery_id) {
  json_t *doc =
      json_pack("{s:s, s:s, s:s, s:s, s:s, s:I, s:s}", "id", delivery_id, "type", "payment", "trade_no",
                t->trade_no, "out_trade_no", t->out_trade_no.data, "status", t->status.data, "amount",
                (json_int_t)t->amount_minor, "currency", t->currency.data);
  char *body = doc ? json_dumps(doc, JSON_COMPACT) : NULL;
  json_decref(doc);
  if (!body) return false;
  char ts[24], nonce[33], signature[65], header[3][128];
  snprintf(ts, sizeof ts, "%lld", (long long)(ctx->now_ms / 1000));
  random_hex(nonce, 16);
  sandbox_sign(ctx->app, str_from_cstr(ts), str_from_cstr(nonce), str_from_cstr(body), signature);
  snprintf(header[0], sizeof header[0], "X-Sandbox-Timestamp: %s", ts);
  snprintf(header[1], sizeof header[1], "X-Sandbox-Nonce: %s", nonce);
  snprintf(header[2], sizeof header[2], "X-Sandbox-Signature: %s", signature);
  struct curl_slist *headers = curl_slist_append(NULL, "Content-Type: application/json");
  for (int i = 0; i < 3; i++) headers = curl_slist_append(headers, header[i]);
  CURL *curl = curl_easy_init();
  long status = 0;
  if (curl) {
    curl_easy_setopt(curl, CURLOPT_URL, t->notify_url.data);
    curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body);
    curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, (long)SANDBOX_NOTIFY_TIMEOUT_MS);
    curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, discard);
    if (curl_easy_perform(curl) == CURLE_OK) curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
    curl_easy_cleanup(curl);
  }
  curl_slist_free_all(headers);
  free(body);
  return status >= 200 && status < 300;
}

size_t sandbox_deliver_due(struct pay_ctx *ctx, struct db *db) {
  struct sandbox_trade due[SANDBOX_DELIVERY_BATCH];
  size_t count = 0;
  if (store_sandbox_due(db, ctx->arena, ctx->now_ms, SANDBOX_DELIVERY_BATCH, due, &count) != HT_OK) return 0;
  for (size_t i = 0; i < count; i++) {
    const struct sandbox_trade *t = &due[i];
    char delivery_id[48];
    snprintf(delivery_id, sizeof delivery_id, "%.16s-%lld", t->trade_no, (long long)t->notify_attempts + 1);
    bool ok = deliver(ctx, t, delivery_id);
    for (int extra = atomic_load(&ctx->app->sandbox.duplicate_notices); ok && extra > 0; extra--)
      deliver(ctx, t, delivery_id); /* the same delivery again, as real wallets sometimes do */
    int64_t backoff = (int64_t)SANDBOX_RETRY_FIRST_MS << (t->notify_attempts < 20 ? t->notify_attempts : 20);
    const char *state = ok                                                      ? "done"
                        : t->notify_attempts + 1 >= SANDBOX_NOTIFY_ATTEMPTS_MAX ? "failed"
                                                                                : "pending";
    if (!ok)
      log_event(LOG_WARN, NULL, "sandbox notification %s not acknowledged (attempt %lld)", delivery_id,
                (long long)t->notify_attempts + 1);
    store_sandbox_notified(db, str_from_cstr(t->trade_no), state, ctx->now_ms + backoff);
  }
  return count;
}
