/* alipay.c — Alipay RSA2 forms, signatures, requests and responses (see alipay.h). The form
 * parser decodes into the caller's arena; the response verifier finds the signed member by
 * walking the raw bytes with a small JSON skipper after jansson has validated the whole body,
 * so the signed text is exactly what Alipay sent. Yuan amounts go through
 * yuan_text_to_fen(), a private exact decimal parser to be replaced by core/money's
 * when that module lands. */
#include "core/alipay.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "core/buf.h"
#include "core/form.h"
#include "core/json_prescan.h"
#include "core/money.h"
#include "core/status.h"
#include "core/utf8.h"

/* "<method with underscores>_response": the longest method name is about 40 characters. */
#define RESPONSE_KEY_BYTES_MAX 96
/* The signed request form: biz_content and URLs, percent-encoded (up to 3 bytes per byte). */
#define REQUEST_BYTES_MAX (3 * ALIPAY_FORM_BYTES_MAX)
/* "yyyy-MM-dd HH:mm:ss" needs 20 bytes; the buffer has room for six full ints so the compiler can
 * prove snprintf never truncates. */
#define TIMESTAMP_BUF_BYTES 72
/* Last second of year 9999 in Unix time: timestamps beyond it do not fit "yyyy". */
#define UNIX_S_YEAR_9999_END 253402300799LL

/* Alipay's success code in every synchronous response (公共响应参数 code). */
#define ALIPAY_CODE_SUCCESS "10000"

static const char *const REJECT_NAMES[] = {
    [ALIPAY_ACCEPTED] = "accepted",
    [ALIPAY_REJECT_TOO_BIG] = "too_big",
    [ALIPAY_REJECT_MALFORMED] = "malformed",
    [ALIPAY_REJECT_MISSING_FIELD] = "missing_field",
    [ALIPAY_REJECT_BAD_SIGN_TYPE] = "bad_sign_type",
    [ALIPAY_REJECT_BAD_SIGNATURE] = "bad_signature",
    [ALIPAY_REJECT_UNKNOWN_ORDER] = "unknown_order",
    [ALIPAY_REJECT_MERCHANT_MISMATCH] = "merchant_mismatch",
    [ALIPAY_REJECT_AMOUNT_MISMATCH] = "amount_mismatch",
    [ALIPAY_REJECT_INTERNAL] = "internal",
};

const char *alipay_reject_name(enum alipay_reject reason) {
  if ((size_t)reason >= sizeof REJECT_NAMES / sizeof REJECT_NAMES[0]) return "unknown";
  return REJECT_NAMES[reason];
}

static int fail(struct alipay_problem *p, enum alipay_reject reason, const char *field, int status) {
  p->reason = reason;
  p->field = field;
  return status;
}

/* ---- amounts ---- */

/* Parses Alipay's yuan text ("0.01", "88.8", "100000000.00") into fen with core/money's exact
 * parser (the one way hutong reads decimal amounts), then applies Alipay's own ceiling. Every
 * refusal is HT_EINVAL: to a notification or a response, a malformed amount and one out of
 * Alipay's range are the same problem. */
static int yuan_text_to_fen(struct str s, long long *fen) {
  int64_t minor = 0;
  if (money_parse(s, CURRENCY_CNY, &minor) != HT_OK || minor > ALIPAY_AMOUNT_FEN_MAX) return HT_EINVAL;
  *fen = minor;
  return HT_OK;
}

/* Writes fen as yuan text with two decimals ("0.01") with core/money's formatter. */
static int fen_to_yuan_text(long long fen, char out[MONEY_DECIMAL_BYTES]) {
  if (fen < 1 || fen > ALIPAY_AMOUNT_FEN_MAX) return HT_EINVAL;
  return money_format(fen, CURRENCY_CNY, out, MONEY_DECIMAL_BYTES, NULL);
}

/* ---- form parsing ---- */

static bool valid_key(struct str key) {
  if (key.len == 0 || key.len > ALIPAY_FORM_KEY_BYTES_MAX) return false;
  for (size_t i = 0; i < key.len; i++) {
    char c = key.data[i];
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
              c == '.' || c == '-';
    if (!ok) return false;
  }
  return true;
}

/* What a signed notification adds to the generic form grammar: no empty body, no empty pair
 * ("a=1&&b=2", a trailing '&') and an '=' after a non-empty name in every pair. form_parse()
 * forgives those for browsers' sake; in a signed message they mean a different message. */
static bool pairs_strict(struct str body) {
  if (body.len == 0) return false;
  size_t start = 0;
  for (size_t i = 0; i <= body.len; i++) {
    if (i < body.len && body.data[i] != '&') continue;
    struct str pair = {body.data + start, i - start};
    if (str_find(pair, STR_LIT("="), false) <= 0) return false;
    start = i + 1;
  }
  return true;
}

int alipay_form_parse(struct str body, struct arena *arena, struct alipay_params *out,
                      struct alipay_problem *problem) {
  *out = (struct alipay_params){NULL, 0};
  if (body.len > ALIPAY_FORM_BYTES_MAX) return fail(problem, ALIPAY_REJECT_TOO_BIG, NULL, HT_ETOOBIG);
  if (!pairs_strict(body)) return fail(problem, ALIPAY_REJECT_MALFORMED, NULL, HT_EINVAL);
  struct form form;
  struct str bad;
  int rc = form_parse(body, arena, &form, &bad);
  if (rc == HT_ETOOBIG) return fail(problem, ALIPAY_REJECT_TOO_BIG, NULL, rc);
  if (rc == HT_ENOMEM) return fail(problem, ALIPAY_REJECT_INTERNAL, NULL, rc);
  if (rc != HT_OK) return fail(problem, ALIPAY_REJECT_MALFORMED, NULL, HT_EINVAL);
  struct alipay_param *items = arena_alloc(arena, (form.len + 1) * sizeof *items);
  if (!items) return fail(problem, ALIPAY_REJECT_INTERNAL, NULL, HT_ENOMEM);
  for (size_t i = 0; i < form.len; i++) {
    if (!valid_key(form.fields[i].name)) return fail(problem, ALIPAY_REJECT_MALFORMED, NULL, HT_EINVAL);
    items[i] = (struct alipay_param){form.fields[i].name, form.fields[i].value};
  }
  *out = (struct alipay_params){items, form.len};
  return fail(problem, ALIPAY_ACCEPTED, NULL, HT_OK);
}

bool alipay_params_get(const struct alipay_params *params, const char *key, struct str *value) {
  struct str k = str_from_cstr(key);
  for (size_t i = 0; i < params->len; i++) {
    if (str_eq(params->items[i].key, k)) {
      *value = params->items[i].value;
      return true;
    }
  }
  return false;
}

/* ---- sign content and RSA2 ---- */

static int compare_keys(const void *a, const void *b) {
  const struct alipay_param *x = a, *y = b;
  size_t n = x->key.len < y->key.len ? x->key.len : y->key.len;
  int c = memcmp(x->key.data, y->key.data, n);
  if (c) return c;
  return (x->key.len > y->key.len) - (x->key.len < y->key.len);
}

int alipay_sign_content(const struct alipay_params *params, unsigned flags, struct arena *arena,
                        struct str *out) {
  struct alipay_param *sorted = arena_alloc(arena, (params->len + 1) * sizeof *sorted);
  if (!sorted) return HT_ENOMEM;
  size_t n = 0;
  for (size_t i = 0; i < params->len; i++) {
    struct alipay_param p = params->items[i];
    if (str_eq(p.key, STR_LIT("sign"))) continue;
    if ((flags & ALIPAY_CONTENT_DROP_SIGN_TYPE) && str_eq(p.key, STR_LIT("sign_type"))) continue;
    if (!(flags & ALIPAY_CONTENT_KEEP_EMPTY) && p.value.len == 0) continue;
    sorted[n++] = p;
  }
  qsort(sorted, n, sizeof *sorted, compare_keys);
  struct buf b;
  buf_init(&b, arena, REQUEST_BYTES_MAX);
  int rc = HT_OK;
  for (size_t i = 0; i < n && rc == HT_OK; i++)
    rc = buf_printf(&b, "%s%.*s=%.*s", i ? "&" : "", STR_FMT(sorted[i].key), STR_FMT(sorted[i].value));
  if (rc != HT_OK) return rc;
  *out = buf_view(&b);
  return HT_OK;
}

int alipay_rsa2_sign(const struct crypto_key *key, struct str content, struct arena *arena,
                     struct str *sign) {
  return crypto_rsa_sha256_sign_base64(key, content, arena, sign);
}

int alipay_rsa2_verify(const struct crypto_key *alipay_public_key, struct str content, struct str sign) {
  return crypto_rsa_sha256_verify_base64(alipay_public_key, content, sign);
}

int alipay_notify_verify(const struct alipay_params *params, const struct crypto_key *alipay_public_key,
                         struct arena *arena, struct alipay_problem *problem) {
  struct str sign, sign_type;
  if (!alipay_params_get(params, "sign", &sign) || sign.len == 0)
    return fail(problem, ALIPAY_REJECT_MISSING_FIELD, "sign", HT_EAUTH);
  bool has_sign_type = alipay_params_get(params, "sign_type", &sign_type);
  if (has_sign_type && !str_eq(sign_type, STR_LIT("RSA2")))
    return fail(problem, ALIPAY_REJECT_BAD_SIGN_TYPE, "sign_type", HT_EAUTH);
  bool has_empty = false;
  for (size_t i = 0; i < params->len; i++) has_empty |= params->items[i].value.len == 0;
  static const unsigned variants[] = {ALIPAY_CONTENT_DROP_SIGN_TYPE, 0,
                                      ALIPAY_CONTENT_DROP_SIGN_TYPE | ALIPAY_CONTENT_KEEP_EMPTY,
                                      ALIPAY_CONTENT_KEEP_EMPTY};
  /* Without sign_type, the keep-sign_type rule means "sign_type=RSA2" as the official Node SDK
   * reads it (it restores a sign_type the receiver may have stripped). */
  struct alipay_params with_type = *params;
  if (!has_sign_type) {
    with_type.items = arena_alloc(arena, (params->len + 1) * sizeof *with_type.items);
    if (!with_type.items) return fail(problem, ALIPAY_REJECT_INTERNAL, NULL, HT_ENOMEM);
    memcpy(with_type.items, params->items, params->len * sizeof *params->items);
    with_type.items[with_type.len++] = (struct alipay_param){STR_LIT("sign_type"), STR_LIT("RSA2")};
  }
  for (size_t v = 0; v < sizeof variants / sizeof variants[0]; v++) {
    if (!has_empty && (variants[v] & ALIPAY_CONTENT_KEEP_EMPTY)) continue;
    struct str content;
    int rc = alipay_sign_content(&with_type, variants[v], arena, &content);
    if (rc != HT_OK) return fail(problem, ALIPAY_REJECT_INTERNAL, NULL, rc);
    if (alipay_rsa2_verify(alipay_public_key, content, sign) == HT_OK)
      return fail(problem, ALIPAY_ACCEPTED, NULL, HT_OK);
  }
  return fail(problem, ALIPAY_REJECT_BAD_SIGNATURE, "sign", HT_EAUTH);
}

/* ---- notifications ---- */

static const struct {
  const char *text;
  enum alipay_trade_state state;
} TRADE_STATES[] = {
    {"WAIT_BUYER_PAY", ALIPAY_TRADE_WAIT_BUYER_PAY},
    {"TRADE_CLOSED", ALIPAY_TRADE_CLOSED},
    {"TRADE_SUCCESS", ALIPAY_TRADE_SUCCESS},
    {"TRADE_FINISHED", ALIPAY_TRADE_FINISHED},
};

enum alipay_trade_state alipay_trade_state_from(struct str trade_status) {
  for (size_t i = 0; i < sizeof TRADE_STATES / sizeof TRADE_STATES[0]; i++)
    if (str_eq(trade_status, str_from_cstr(TRADE_STATES[i].text))) return TRADE_STATES[i].state;
  return ALIPAY_TRADE_UNKNOWN;
}

const char *alipay_trade_state_name(enum alipay_trade_state state) {
  static const char *const names[] = {"unknown", "wait_buyer_pay", "trade_closed", "trade_success",
                                      "trade_finished"};
  return (size_t)state < sizeof names / sizeof names[0] ? names[state] : "unknown";
}

static int need(const struct alipay_params *params, const char *key, struct str *out,
                struct alipay_problem *p) {
  if (!alipay_params_get(params, key, out) || out->len == 0)
    return fail(p, ALIPAY_REJECT_MISSING_FIELD, key, HT_EINVAL);
  return HT_OK;
}

static void want(const struct alipay_params *params, const char *key, struct str *out) {
  if (!alipay_params_get(params, key, out)) *out = STR_LIT("");
}

int alipay_notification_parse(const struct alipay_params *params, struct alipay_notification *out,
                              struct alipay_problem *problem) {
  memset(out, 0, sizeof *out);
  struct str total, refund;
  int rc = need(params, "notify_id", &out->notify_id, problem);
  if (rc == HT_OK) rc = need(params, "app_id", &out->app_id, problem);
  if (rc == HT_OK) rc = need(params, "out_trade_no", &out->out_trade_no, problem);
  if (rc == HT_OK) rc = need(params, "trade_no", &out->trade_no, problem);
  if (rc == HT_OK) rc = need(params, "trade_status", &out->trade_status, problem);
  if (rc == HT_OK) rc = need(params, "total_amount", &total, problem);
  if (rc != HT_OK) return rc;
  if (yuan_text_to_fen(total, &out->total_fen) != HT_OK)
    return fail(problem, ALIPAY_REJECT_MALFORMED, "total_amount", HT_EINVAL);
  out->refund_fen = -1;
  if (alipay_params_get(params, "refund_fee", &refund) && yuan_text_to_fen(refund, &out->refund_fen) != HT_OK)
    return fail(problem, ALIPAY_REJECT_MALFORMED, "refund_fee", HT_EINVAL);
  want(params, "notify_type", &out->notify_type);
  want(params, "notify_time", &out->notify_time);
  want(params, "seller_id", &out->seller_id);
  want(params, "buyer_id", &out->buyer_id);
  want(params, "out_biz_no", &out->out_biz_no);
  want(params, "gmt_payment", &out->gmt_payment);
  want(params, "gmt_refund", &out->gmt_refund);
  want(params, "gmt_close", &out->gmt_close);
  out->state = alipay_trade_state_from(out->trade_status);
  return fail(problem, ALIPAY_ACCEPTED, NULL, HT_OK);
}

int alipay_notification_check(const struct alipay_notification *n, const struct alipay_expected *expected,
                              struct alipay_problem *problem) {
  if (!str_eq(n->out_trade_no, expected->out_trade_no))
    return fail(problem, ALIPAY_REJECT_UNKNOWN_ORDER, "out_trade_no", HT_ECONFLICT);
  if (!str_eq(n->app_id, expected->app_id))
    return fail(problem, ALIPAY_REJECT_MERCHANT_MISMATCH, "app_id", HT_ECONFLICT);
  if (n->seller_id.len && !str_eq(n->seller_id, expected->seller_id))
    return fail(problem, ALIPAY_REJECT_MERCHANT_MISMATCH, "seller_id", HT_ECONFLICT);
  if (n->total_fen != expected->total_fen)
    return fail(problem, ALIPAY_REJECT_AMOUNT_MISMATCH, "total_amount", HT_ECONFLICT);
  return fail(problem, ALIPAY_ACCEPTED, NULL, HT_OK);
}

int alipay_notification_read(struct str form_body, const struct crypto_key *alipay_public_key,
                             struct arena *arena, struct alipay_notification *out,
                             struct alipay_problem *problem) {
  struct alipay_params params;
  int rc = alipay_form_parse(form_body, arena, &params, problem);
  if (rc == HT_OK) rc = alipay_notify_verify(&params, alipay_public_key, arena, problem);
  if (rc == HT_OK) rc = alipay_notification_parse(&params, out, problem);
  return rc;
}

struct str alipay_ack(bool accepted) {
  return accepted ? STR_LIT("success") : STR_LIT("fail");
}

/* ---- requests ---- */

const char *alipay_method_name(enum alipay_method method) {
  switch (method) {
  case ALIPAY_TRADE_PRECREATE: return "alipay.trade.precreate";
  case ALIPAY_TRADE_WAP_PAY: return "alipay.trade.wap.pay";
  case ALIPAY_TRADE_QUERY: return "alipay.trade.query";
  case ALIPAY_TRADE_REFUND: return "alipay.trade.refund";
  case ALIPAY_TRADE_CLOSE: return "alipay.trade.close";
  }
  return "";
}

static bool valid_trade_no(struct str s) {
  if (s.len == 0 || s.len > ALIPAY_OUT_TRADE_NO_BYTES_MAX) return false;
  for (size_t i = 0; i < s.len; i++) {
    char c = s.data[i];
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-'))
      return false;
  }
  return true;
}

static json_t *jstr(struct str s) { return json_stringn(s.data, s.len); }

/* Sets the amount member `name` as exact yuan text. */
static int set_amount(json_t *obj, const char *name, long long fen) {
  char yuan[MONEY_DECIMAL_BYTES];
  if (fen_to_yuan_text(fen, yuan) != HT_OK) return HT_EINVAL;
  json_object_set_new(obj, name, json_string(yuan));
  return HT_OK;
}

static int biz_members(enum alipay_method method, const struct alipay_biz *biz, json_t *obj) {
  json_object_set_new(obj, "out_trade_no", jstr(biz->out_trade_no));
  if (method == ALIPAY_TRADE_PRECREATE || method == ALIPAY_TRADE_WAP_PAY) {
    if (biz->subject.len == 0 || biz->subject.len > ALIPAY_SUBJECT_BYTES_MAX || !utf8_valid(biz->subject))
      return HT_EINVAL;
    if (set_amount(obj, "total_amount", biz->amount_fen) != HT_OK) return HT_EINVAL;
    json_object_set_new(obj, "subject", jstr(biz->subject));
    if (method == ALIPAY_TRADE_WAP_PAY)
      json_object_set_new(obj, "product_code", json_string("QUICK_WAP_WAY"));
    if (method == ALIPAY_TRADE_WAP_PAY && biz->quit_url.len)
      json_object_set_new(obj, "quit_url", jstr(biz->quit_url));
    if (biz->timeout_express.len) json_object_set_new(obj, "timeout_express", jstr(biz->timeout_express));
  }
  if (method == ALIPAY_TRADE_REFUND) {
    if (!valid_trade_no(biz->out_request_no) || !utf8_valid(biz->refund_reason)) return HT_EINVAL;
    if (set_amount(obj, "refund_amount", biz->amount_fen) != HT_OK) return HT_EINVAL;
    json_object_set_new(obj, "out_request_no", jstr(biz->out_request_no));
    if (biz->refund_reason.len) json_object_set_new(obj, "refund_reason", jstr(biz->refund_reason));
  }
  return HT_OK;
}

int alipay_biz_content(enum alipay_method method, const struct alipay_biz *biz, struct arena *arena,
                       struct str *out) {
  if (!valid_trade_no(biz->out_trade_no) || !utf8_valid(biz->quit_url) || !utf8_valid(biz->timeout_express))
    return HT_EINVAL;
  json_t *obj = json_object();
  if (!obj) return HT_ENOMEM;
  int rc = biz_members(method, biz, obj);
  char *text = rc == HT_OK ? json_dumps(obj, JSON_COMPACT) : NULL;
  json_decref(obj);
  if (rc != HT_OK) return rc;
  if (!text) return HT_ENOMEM;
  char *copy = arena_strndup(arena, text, strlen(text));
  free(text);
  if (!copy) return HT_ENOMEM;
  *out = str_from_cstr(copy);
  return HT_OK;
}

/* Percent-encodes a form component: unreserved bytes stay, space becomes '+'. */
static int form_encode(struct buf *b, struct str s) {
  static const char hex[] = "0123456789ABCDEF";
  int rc = HT_OK;
  for (size_t i = 0; i < s.len && rc == HT_OK; i++) {
    unsigned char c = (unsigned char)s.data[i];
    bool plain = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
                 c == '_' || c == '.' || c == '*';
    char esc[3] = {'%', hex[c >> 4], hex[c & 15]};
    if (plain)
      rc = buf_append(b, &c, 1);
    else if (c == ' ')
      rc = buf_append(b, "+", 1);
    else
      rc = buf_append(b, esc, 3);
  }
  return rc;
}

static int beijing_timestamp(long long now_s, char out[TIMESTAMP_BUF_BYTES]) {
  if (now_s < 0 || now_s > UNIX_S_YEAR_9999_END - ALIPAY_BEIJING_OFFSET_S) return HT_EINVAL;
  time_t t = (time_t)(now_s + ALIPAY_BEIJING_OFFSET_S);
  struct tm tm;
  if (!gmtime_r(&t, &tm)) return HT_EINVAL;
  snprintf(out, TIMESTAMP_BUF_BYTES, "%04d-%02d-%02d %02d:%02d:%02d", tm.tm_year + 1900, tm.tm_mon + 1,
           tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
  return HT_OK;
}

int alipay_request_build(const struct alipay_app *app, const struct alipay_call *call, struct arena *arena,
                         struct str *form, struct str *content) {
  char ts[TIMESTAMP_BUF_BYTES];
  if (app->app_id.len == 0 || app->app_id.len > ALIPAY_APP_ID_BYTES_MAX ||
      beijing_timestamp(call->now_s, ts) != HT_OK || !utf8_valid(call->biz_content) ||
      !utf8_valid(call->notify_url) || !utf8_valid(call->return_url))
    return HT_EINVAL;
  struct alipay_param items[] = {
      {STR_LIT("app_id"), app->app_id},
      {STR_LIT("method"), str_from_cstr(alipay_method_name(call->method))},
      {STR_LIT("format"), STR_LIT("JSON")},
      {STR_LIT("charset"), STR_LIT("utf-8")},
      {STR_LIT("sign_type"), STR_LIT("RSA2")},
      {STR_LIT("timestamp"), str_from_cstr(ts)},
      {STR_LIT("version"), STR_LIT("1.0")},
      {STR_LIT("notify_url"), call->notify_url},
      {STR_LIT("return_url"), call->return_url},
      {STR_LIT("biz_content"), call->biz_content},
  };
  struct alipay_params params = {items, sizeof items / sizeof items[0]};
  struct str plain, sign;
  int rc = alipay_sign_content(&params, 0, arena, &plain);
  if (rc == HT_OK) rc = alipay_rsa2_sign(app->private_key, plain, arena, &sign);
  if (rc != HT_OK) return rc;
  struct buf b;
  buf_init(&b, arena, REQUEST_BYTES_MAX);
  for (size_t i = 0; i < params.len && rc == HT_OK; i++) {
    if (items[i].value.len == 0) continue;
    rc = buf_printf(&b, "%.*s=", STR_FMT(items[i].key));
    if (rc == HT_OK) rc = form_encode(&b, items[i].value);
    if (rc == HT_OK) rc = buf_append(&b, "&", 1);
  }
  if (rc == HT_OK) rc = buf_append_cstr(&b, "sign=");
  if (rc == HT_OK) rc = form_encode(&b, sign);
  if (rc != HT_OK) return rc;
  *form = buf_view(&b);
  if (content) *content = plain;
  return HT_OK;
}

/* ---- synchronous responses ---- */

static size_t skip_ws(struct str s, size_t i) {
  while (i < s.len && (s.data[i] == ' ' || s.data[i] == '\t' || s.data[i] == '\r' || s.data[i] == '\n')) i++;
  return i;
}

/* Skips the string starting at s[i] == '"'; returns the index after the closing quote or 0. */
static size_t skip_string(struct str s, size_t i) {
  for (i++; i < s.len; i++) {
    if (s.data[i] == '\\')
      i++;
    else if (s.data[i] == '"')
      return i + 1;
  }
  return 0;
}

/* Skips one JSON value at s[i] (already validated by jansson); returns the index after it or 0. */
static size_t skip_value(struct str s, size_t i) {
  if (i >= s.len) return 0;
  if (s.data[i] == '"') return skip_string(s, i);
  if (s.data[i] != '{' && s.data[i] != '[') {
    while (i < s.len && s.data[i] != ',' && s.data[i] != '}' && s.data[i] != ']' && s.data[i] != ' ' &&
           s.data[i] != '\t' && s.data[i] != '\r' && s.data[i] != '\n')
      i++;
    return i;
  }
  size_t depth = 0;
  for (; i < s.len; i++) {
    char c = s.data[i];
    if (c == '"') {
      i = skip_string(s, i);
      if (!i) return 0;
      i--;
    } else if (c == '{' || c == '[') {
      depth++;
    } else if ((c == '}' || c == ']') && --depth == 0) {
      return i + 1;
    }
  }
  return 0;
}

static bool json_valid_object(struct str raw) {
  struct json_prescan_result scan;
  if (raw.len > ALIPAY_RESPONSE_BYTES_MAX || json_prescan(raw, ALIPAY_JSON_DEPTH_MAX, &scan) != HT_OK)
    return false;
  json_error_t error;
  json_t *root = json_loadb(raw.data, raw.len, JSON_REJECT_DUPLICATES, &error);
  bool ok = root && json_is_object(root);
  json_decref(root);
  return ok;
}

int alipay_response_signed_part(struct str raw, struct str response_key, struct str *part) {
  if (!json_valid_object(raw)) return HT_EINVAL;
  size_t i = skip_ws(raw, 0) + 1; /* past '{' */
  for (;;) {
    i = skip_ws(raw, i);
    if (i >= raw.len || raw.data[i] != '"') return HT_ENOTFOUND;
    size_t key_end = skip_string(raw, i);
    if (!key_end) return HT_EINVAL;
    struct str key = {raw.data + i + 1, key_end - i - 2};
    size_t value_at = skip_ws(raw, skip_ws(raw, key_end) + 1); /* past ':' */
    size_t value_end = skip_value(raw, value_at);
    if (!value_end) return HT_EINVAL;
    if (str_eq(key, response_key)) {
      *part = (struct str){raw.data + value_at, value_end - value_at};
      return HT_OK;
    }
    i = skip_ws(raw, value_end);
    if (i >= raw.len || raw.data[i] != ',') return HT_ENOTFOUND;
    i++;
  }
}

static int response_key(enum alipay_method method, char out[RESPONSE_KEY_BYTES_MAX]) {
  const char *name = alipay_method_name(method);
  size_t n = strlen(name);
  for (size_t i = 0; i < n; i++) out[i] = name[i] == '.' ? '_' : name[i];
  memcpy(out + n, "_response", sizeof "_response");
  return HT_OK;
}

/* The top-level "sign" string of a validated response, decoded into the arena. */
static int response_sign(struct str raw, struct arena *arena, struct str *sign) {
  json_error_t error;
  json_t *root = json_loadb(raw.data, raw.len, JSON_REJECT_DUPLICATES, &error);
  json_t *v = root ? json_object_get(root, "sign") : NULL;
  int rc = HT_ENOTFOUND;
  if (v && json_is_string(v) && json_string_length(v) > 0) {
    char *copy = arena_strndup(arena, json_string_value(v), json_string_length(v));
    rc = copy ? HT_OK : HT_ENOMEM;
    if (copy) *sign = (struct str){copy, json_string_length(v)};
  }
  json_decref(root);
  return rc;
}

int alipay_response_verify(struct str raw, enum alipay_method method,
                           const struct crypto_key *alipay_public_key, struct arena *arena,
                           struct str *content, struct alipay_problem *problem) {
  if (raw.len > ALIPAY_RESPONSE_BYTES_MAX) return fail(problem, ALIPAY_REJECT_TOO_BIG, NULL, HT_ETOOBIG);
  char key[RESPONSE_KEY_BYTES_MAX];
  response_key(method, key);
  int rc = alipay_response_signed_part(raw, str_from_cstr(key), content);
  if (rc == HT_ENOTFOUND) rc = alipay_response_signed_part(raw, STR_LIT("error_response"), content);
  if (rc == HT_ENOTFOUND) return fail(problem, ALIPAY_REJECT_MISSING_FIELD, "response", HT_EINVAL);
  if (rc != HT_OK) return fail(problem, ALIPAY_REJECT_MALFORMED, NULL, HT_EINVAL);
  struct str sign;
  rc = response_sign(raw, arena, &sign);
  if (rc == HT_ENOMEM) return fail(problem, ALIPAY_REJECT_INTERNAL, NULL, rc);
  if (rc != HT_OK) return fail(problem, ALIPAY_REJECT_MISSING_FIELD, "sign", HT_EAUTH);
  if (alipay_rsa2_verify(alipay_public_key, *content, sign) != HT_OK)
    return fail(problem, ALIPAY_REJECT_BAD_SIGNATURE, "sign", HT_EAUTH);
  return fail(problem, ALIPAY_ACCEPTED, NULL, HT_OK);
}

/* Copies an optional string member; a non-string value is malformed. */
static int result_string(json_t *obj, const char *name, struct arena *arena, struct str *out,
                         struct alipay_problem *p) {
  json_t *v = json_object_get(obj, name);
  *out = STR_LIT("");
  if (!v) return HT_OK;
  if (!json_is_string(v)) return fail(p, ALIPAY_REJECT_MALFORMED, name, HT_EINVAL);
  char *copy = arena_strndup(arena, json_string_value(v), json_string_length(v));
  if (!copy) return fail(p, ALIPAY_REJECT_INTERNAL, name, HT_ENOMEM);
  *out = (struct str){copy, json_string_length(v)};
  return HT_OK;
}

static int result_amount(json_t *obj, const char *name, struct arena *arena, long long *fen,
                         struct alipay_problem *p) {
  struct str text;
  int rc = result_string(obj, name, arena, &text, p);
  *fen = -1;
  if (rc != HT_OK || text.len == 0) return rc;
  if (yuan_text_to_fen(text, fen) != HT_OK) return fail(p, ALIPAY_REJECT_MALFORMED, name, HT_EINVAL);
  return HT_OK;
}

int alipay_result_parse(struct str content, struct arena *arena, struct alipay_result *out,
                        struct alipay_problem *problem) {
  memset(out, 0, sizeof *out);
  json_error_t error;
  json_t *obj = json_valid_object(content)
                    ? json_loadb(content.data, content.len, JSON_REJECT_DUPLICATES, &error)
                    : NULL;
  if (!obj) return fail(problem, ALIPAY_REJECT_MALFORMED, NULL, HT_EINVAL);
  struct {
    const char *name;
    struct str *dst;
  } fields[] = {
      {"code", &out->code},
      {"msg", &out->msg},
      {"sub_code", &out->sub_code},
      {"sub_msg", &out->sub_msg},
      {"out_trade_no", &out->out_trade_no},
      {"trade_no", &out->trade_no},
      {"trade_status", &out->trade_status},
      {"qr_code", &out->qr_code},
      {"fund_change", &out->fund_change},
      {"buyer_logon_id", &out->buyer_logon_id},
      {"send_pay_date", &out->send_pay_date},
  };
  int rc = HT_OK;
  for (size_t i = 0; rc == HT_OK && i < sizeof fields / sizeof fields[0]; i++)
    rc = result_string(obj, fields[i].name, arena, fields[i].dst, problem);
  if (rc == HT_OK) rc = result_amount(obj, "total_amount", arena, &out->total_fen, problem);
  if (rc == HT_OK) rc = result_amount(obj, "refund_fee", arena, &out->refund_fen, problem);
  json_decref(obj);
  if (rc != HT_OK) return rc;
  if (out->code.len == 0) return fail(problem, ALIPAY_REJECT_MISSING_FIELD, "code", HT_EINVAL);
  out->success = str_eq(out->code, STR_LIT(ALIPAY_CODE_SUCCESS));
  out->state = alipay_trade_state_from(out->trade_status);
  return fail(problem, ALIPAY_ACCEPTED, NULL, HT_OK);
}
