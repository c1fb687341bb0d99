/* wechatpay.c — WeChat Pay API v3 signing, verification, notification decryption and body
 * building (see wechatpay.h). JSON is read with jansson after a json_prescan() pass (depth and
 * UTF-8), with duplicate keys rejected, and every string we keep is copied into the caller's
 * arena so that no jansson object outlives a call. JSON we send is built with jansson too, so
 * escaping is never hand-rolled. */
#include "core/wechatpay.h"

#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "core/buf.h"
#include "core/json_prescan.h"
#include "core/status.h"
#include "core/utf8.h"

/* Room for a decimal Unix time (19 digits of a 64-bit value and a sign). */
#define TIMESTAMP_CHARS_MAX 20
/* Signing message: method, url, timestamp, nonce and newlines around a body of at most
 * WECHATPAY_BODY_BYTES_MAX. */
#define MESSAGE_BYTES_MAX (WECHATPAY_BODY_BYTES_MAX + WECHATPAY_URL_BYTES_MAX + 128)
/* The Authorization value: fixed text, ids, and a base64 RSA-4096 signature. */
#define AUTHORIZATION_BYTES_MAX 1024

static const char *const REJECT_NAMES[] = {
    [WECHATPAY_ACCEPTED] = "accepted",
    [WECHATPAY_REJECT_MISSING_HEADER] = "missing_header",
    [WECHATPAY_REJECT_BAD_TIMESTAMP] = "bad_timestamp",
    [WECHATPAY_REJECT_STALE_TIMESTAMP] = "stale_timestamp",
    [WECHATPAY_REJECT_UNKNOWN_SERIAL] = "unknown_serial",
    [WECHATPAY_REJECT_BAD_SIGNATURE] = "bad_signature",
    [WECHATPAY_REJECT_TOO_BIG] = "too_big",
    [WECHATPAY_REJECT_MALFORMED] = "malformed",
    [WECHATPAY_REJECT_MISSING_FIELD] = "missing_field",
    [WECHATPAY_REJECT_BAD_ALGORITHM] = "bad_algorithm",
    [WECHATPAY_REJECT_DECRYPT_FAILED] = "decrypt_failed",
    [WECHATPAY_REJECT_UNKNOWN_ORDER] = "unknown_order",
    [WECHATPAY_REJECT_MERCHANT_MISMATCH] = "merchant_mismatch",
    [WECHATPAY_REJECT_AMOUNT_MISMATCH] = "amount_mismatch",
    [WECHATPAY_REJECT_INTERNAL] = "internal",
};

const char *wechatpay_reject_name(enum wechatpay_reject reason) {
  if ((size_t)reason >= sizeof REJECT_NAMES / sizeof REJECT_NAMES[0]) return "unknown";
  return REJECT_NAMES[reason];
}

/* Sets the problem and returns `status`, so failures read `return fail(p, R, "field", HT_E…)`. */
static int fail(struct wechatpay_problem *p, enum wechatpay_reject reason, const char *field, int status) {
  p->reason = reason;
  p->field = field;
  return status;
}

/* ---- character classes of the ids and header fields ---- */

static bool is_alnum(char c) {
  return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
}

static bool all_of(struct str s, size_t min, size_t max, const char *extra) {
  if (s.len < min || s.len > max) return false;
  for (size_t i = 0; i < s.len; i++)
    if (!is_alnum(s.data[i]) && !(s.data[i] && extra && strchr(extra, s.data[i]))) return false;
  return true;
}

static bool valid_method(struct str m) {
  if (m.len == 0 || m.len > WECHATPAY_METHOD_CHARS_MAX) return false;
  for (size_t i = 0; i < m.len; i++)
    if (m.data[i] < 'A' || m.data[i] > 'Z') return false;
  return true;
}

static bool valid_url(struct str url) {
  if (url.len == 0 || url.len > WECHATPAY_URL_BYTES_MAX || url.data[0] != '/') return false;
  for (size_t i = 0; i < url.len; i++) {
    unsigned char c = (unsigned char)url.data[i];
    if (c <= ' ' || c >= 0x7F) return false;
  }
  return true;
}

static bool valid_nonce(struct str nonce) { return all_of(nonce, 1, WECHATPAY_NONCE_CHARS_MAX, NULL); }
static bool valid_out_trade_no(struct str s) {
  return all_of(s, WECHATPAY_OUT_TRADE_NO_CHARS_MIN, WECHATPAY_OUT_TRADE_NO_CHARS_MAX, "_-|*");
}
static bool valid_out_refund_no(struct str s) {
  return all_of(s, 1, WECHATPAY_OUT_REFUND_NO_CHARS_MAX, "_-|*@");
}
static bool valid_mchid(struct str s) { return all_of(s, 1, WECHATPAY_MCHID_CHARS_MAX, NULL); }
static bool valid_appid(struct str s) { return all_of(s, 1, WECHATPAY_APPID_CHARS_MAX, NULL); }

/* ---- signing ---- */

int wechatpay_request_message(struct str method, struct str url, long long timestamp_s, struct str nonce,
                              struct str body, struct arena *arena, struct str *out) {
  if (!valid_method(method) || !valid_url(url) || !valid_nonce(nonce) || timestamp_s < 0) return HT_EINVAL;
  struct buf b;
  buf_init(&b, arena, MESSAGE_BYTES_MAX);
  int rc =
      buf_printf(&b, "%.*s\n%.*s\n%lld\n%.*s\n", STR_FMT(method), STR_FMT(url), timestamp_s, STR_FMT(nonce));
  if (rc == HT_OK) rc = buf_append_str(&b, body);
  if (rc == HT_OK) rc = buf_append(&b, "\n", 1);
  if (rc != HT_OK) return rc == HT_ETOOBIG ? HT_EINVAL : rc;
  *out = buf_view(&b);
  return HT_OK;
}

int wechatpay_authorization(const struct wechatpay_merchant *merchant, struct str method, struct str url,
                            long long timestamp_s, struct str nonce, struct str body, struct arena *arena,
                            struct str *out) {
  if (!valid_mchid(merchant->mchid) || !all_of(merchant->serial_no, 1, WECHATPAY_SERIAL_CHARS_MAX, "_"))
    return HT_EINVAL;
  struct str message, sig;
  int rc = wechatpay_request_message(method, url, timestamp_s, nonce, body, arena, &message);
  if (rc == HT_OK) rc = crypto_rsa_sha256_sign_base64(merchant->private_key, message, arena, &sig);
  if (rc != HT_OK) return rc;
  struct buf b;
  buf_init(&b, arena, AUTHORIZATION_BYTES_MAX);
  rc = buf_printf(&b,
                  "WECHATPAY2-SHA256-RSA2048 mchid=\"%.*s\",nonce_str=\"%.*s\",signature=\"%.*s\","
                  "timestamp=\"%lld\",serial_no=\"%.*s\"",
                  STR_FMT(merchant->mchid), STR_FMT(nonce), STR_FMT(sig), timestamp_s,
                  STR_FMT(merchant->serial_no));
  if (rc != HT_OK) return rc;
  *out = buf_view(&b);
  return HT_OK;
}

/* ---- verification ---- */

bool wechatpay_timestamp_fresh(long long timestamp_s, long long now_s) {
  /* Both are bounded by the parser (≤ 19 digits), but keep the subtraction overflow-free. */
  if ((timestamp_s > 0 && now_s < 0) || (timestamp_s < 0 && now_s > 0)) return false;
  long long diff = now_s - timestamp_s;
  return diff > -WECHATPAY_CLOCK_SKEW_S_MAX && diff < WECHATPAY_CLOCK_SKEW_S_MAX;
}

static int parse_timestamp(struct str s, long long *out) {
  if (s.len == 0 || s.len >= TIMESTAMP_CHARS_MAX) return HT_EINVAL;
  for (size_t i = 0; i < s.len; i++)
    if (s.data[i] < '0' || s.data[i] > '9') return HT_EINVAL;
  return str_to_i64(s, out);
}

static const struct crypto_key *find_platform_key(const struct wechatpay_platform_key *keys, size_t keys_len,
                                                  struct str serial) {
  for (size_t i = 0; i < keys_len; i++) {
    struct str id = keys[i].serial.len ? keys[i].serial : crypto_key_serial(keys[i].key);
    if (id.len && str_eq_nocase(id, serial)) return keys[i].key;
  }
  return NULL;
}

/* Trims the four headers and checks each is present. */
static int read_headers(const struct wechatpay_signature_headers *in, struct wechatpay_signature_headers *out,
                        struct wechatpay_problem *problem) {
  *out = (struct wechatpay_signature_headers){str_trim(in->timestamp), str_trim(in->nonce),
                                              str_trim(in->signature), str_trim(in->serial)};
  if (!out->serial.len) return fail(problem, WECHATPAY_REJECT_MISSING_HEADER, "Wechatpay-Serial", HT_EAUTH);
  if (!out->signature.len)
    return fail(problem, WECHATPAY_REJECT_MISSING_HEADER, "Wechatpay-Signature", HT_EAUTH);
  if (!out->timestamp.len)
    return fail(problem, WECHATPAY_REJECT_MISSING_HEADER, "Wechatpay-Timestamp", HT_EAUTH);
  if (!out->nonce.len) return fail(problem, WECHATPAY_REJECT_MISSING_HEADER, "Wechatpay-Nonce", HT_EAUTH);
  return HT_OK;
}

int wechatpay_verify(const struct wechatpay_platform_key *keys, size_t keys_len,
                     const struct wechatpay_signature_headers *headers, struct str body, long long now_s,
                     struct wechatpay_problem *problem) {
  struct wechatpay_signature_headers h;
  if (read_headers(headers, &h, problem) != HT_OK) return HT_EAUTH;
  if (body.len > WECHATPAY_BODY_BYTES_MAX) return fail(problem, WECHATPAY_REJECT_TOO_BIG, NULL, HT_EAUTH);
  long long timestamp_s = 0;
  if (parse_timestamp(h.timestamp, &timestamp_s) != HT_OK)
    return fail(problem, WECHATPAY_REJECT_BAD_TIMESTAMP, "Wechatpay-Timestamp", HT_EAUTH);
  if (!wechatpay_timestamp_fresh(timestamp_s, now_s))
    return fail(problem, WECHATPAY_REJECT_STALE_TIMESTAMP, "Wechatpay-Timestamp", HT_EAUTH);
  const struct crypto_key *key = find_platform_key(keys, keys_len, h.serial);
  if (!key) return fail(problem, WECHATPAY_REJECT_UNKNOWN_SERIAL, "Wechatpay-Serial", HT_EAUTH);
  /* "TIMESTAMP\nNONCE\nBODY\n" with the timestamp and nonce exactly as received. */
  const struct str nl = STR_LIT("\n");
  const struct str parts[] = {h.timestamp, nl, h.nonce, nl, body, nl};
  if (crypto_rsa_sha256_verify_parts(key, parts, sizeof parts / sizeof parts[0], h.signature) != HT_OK)
    return fail(problem, WECHATPAY_REJECT_BAD_SIGNATURE, "Wechatpay-Signature", HT_EAUTH);
  return fail(problem, WECHATPAY_ACCEPTED, NULL, HT_OK);
}

/* ---- strict JSON reading ---- */

static json_t *load_object(struct str text, struct wechatpay_problem *p, int *rc) {
  if (text.len > WECHATPAY_BODY_BYTES_MAX) {
    *rc = fail(p, WECHATPAY_REJECT_TOO_BIG, NULL, HT_ETOOBIG);
    return NULL;
  }
  struct json_prescan_result scan;
  json_error_t error;
  json_t *root = NULL;
  if (json_prescan(text, WECHATPAY_JSON_DEPTH_MAX, &scan) == HT_OK)
    root = json_loadb(text.data, text.len, JSON_REJECT_DUPLICATES, &error);
  if (!root || !json_is_object(root)) {
    json_decref(root);
    *rc = fail(p, WECHATPAY_REJECT_MALFORMED, NULL, HT_EINVAL);
    return NULL;
  }
  return root;
}

/* Copies string member `name` of `obj` into the arena. Absent: MISSING_FIELD when `required`,
 * else the empty view. Present but not a string: MALFORMED. `field` names it in problems. */
static int get_string(json_t *obj, const char *name, const char *field, bool required, struct arena *arena,
                      struct str *out, struct wechatpay_problem *p) {
  json_t *v = json_object_get(obj, name);
  *out = STR_LIT("");
  if (!v || json_is_null(v))
    return required ? fail(p, WECHATPAY_REJECT_MISSING_FIELD, field, HT_EINVAL) : HT_OK;
  if (!json_is_string(v)) return fail(p, WECHATPAY_REJECT_MALFORMED, field, HT_EINVAL);
  char *copy = arena_strndup(arena, json_string_value(v), json_string_length(v));
  if (!copy) return fail(p, WECHATPAY_REJECT_INTERNAL, field, HT_ENOMEM);
  *out = (struct str){copy, json_string_length(v)};
  return HT_OK;
}

/* Reads a non-negative integer member; absent gives `absent` unless `required`. */
static int get_amount(json_t *obj, const char *name, const char *field, bool required, long long absent,
                      long long *out, struct wechatpay_problem *p) {
  json_t *v = json_object_get(obj, name);
  *out = absent;
  if (!v) return required ? fail(p, WECHATPAY_REJECT_MISSING_FIELD, field, HT_EINVAL) : HT_OK;
  if (!json_is_integer(v) || json_integer_value(v) < 0)
    return fail(p, WECHATPAY_REJECT_MALFORMED, field, HT_EINVAL);
  *out = json_integer_value(v);
  return HT_OK;
}

/* Returns the object member `name`, or NULL with a problem when `required` or of another type. */
static json_t *get_object(json_t *obj, const char *name, bool required, struct wechatpay_problem *p,
                          int *rc) {
  json_t *v = json_object_get(obj, name);
  if (!v) {
    *rc = required ? fail(p, WECHATPAY_REJECT_MISSING_FIELD, name, HT_EINVAL) : HT_OK;
    return NULL;
  }
  if (!json_is_object(v)) {
    *rc = fail(p, WECHATPAY_REJECT_MALFORMED, name, HT_EINVAL);
    return NULL;
  }
  *rc = HT_OK;
  return v;
}

/* ---- notifications ---- */

static int parse_resource(json_t *res, struct arena *a, struct wechatpay_notification *n,
                          struct wechatpay_problem *p) {
  int rc = get_string(res, "algorithm", "resource.algorithm", true, a, &n->algorithm, p);
  if (rc == HT_OK) rc = get_string(res, "ciphertext", "resource.ciphertext", true, a, &n->ciphertext, p);
  if (rc == HT_OK) rc = get_string(res, "nonce", "resource.nonce", true, a, &n->nonce, p);
  if (rc == HT_OK)
    rc = get_string(res, "associated_data", "resource.associated_data", false, a, &n->associated_data, p);
  if (rc == HT_OK)
    rc = get_string(res, "original_type", "resource.original_type", false, a, &n->original_type, p);
  if (rc != HT_OK) return rc;
  if (!str_eq(n->algorithm, STR_LIT("AEAD_AES_256_GCM")))
    return fail(p, WECHATPAY_REJECT_BAD_ALGORITHM, "resource.algorithm", HT_EINVAL);
  if (n->nonce.len > WECHATPAY_RESOURCE_NONCE_CHARS_MAX)
    return fail(p, WECHATPAY_REJECT_MALFORMED, "resource.nonce", HT_EINVAL);
  return HT_OK;
}

int wechatpay_notification_parse(struct str body, struct arena *arena, struct wechatpay_notification *out,
                                 struct wechatpay_problem *problem) {
  memset(out, 0, sizeof *out);
  int rc = HT_OK;
  json_t *root = load_object(body, problem, &rc);
  if (!root) return rc;
  rc = get_string(root, "id", "id", true, arena, &out->id, problem);
  if (rc == HT_OK)
    rc = get_string(root, "create_time", "create_time", true, arena, &out->create_time, problem);
  if (rc == HT_OK) rc = get_string(root, "event_type", "event_type", true, arena, &out->event_type, problem);
  if (rc == HT_OK)
    rc = get_string(root, "resource_type", "resource_type", true, arena, &out->resource_type, problem);
  if (rc == HT_OK) rc = get_string(root, "summary", "summary", false, arena, &out->summary, problem);
  json_t *res = rc == HT_OK ? get_object(root, "resource", true, problem, &rc) : NULL;
  if (rc == HT_OK && !str_eq(out->resource_type, STR_LIT("encrypt-resource")))
    rc = fail(problem, WECHATPAY_REJECT_BAD_ALGORITHM, "resource_type", HT_EINVAL);
  if (rc == HT_OK) rc = parse_resource(res, arena, out, problem);
  json_decref(root);
  if (rc == HT_OK) fail(problem, WECHATPAY_ACCEPTED, NULL, HT_OK);
  return rc;
}

int wechatpay_notification_decrypt(struct wechatpay_notification *n, struct str apiv3_key,
                                   struct arena *arena, struct wechatpay_problem *problem) {
  if (apiv3_key.len != 16 && apiv3_key.len != WECHATPAY_APIV3_KEY_BYTES)
    return fail(problem, WECHATPAY_REJECT_INTERNAL, "apiv3_key", HT_EINVAL);
  struct str sealed;
  int rc = crypto_base64_decode_arena(n->ciphertext, arena, &sealed);
  if (rc == HT_ENOMEM) return fail(problem, WECHATPAY_REJECT_INTERNAL, NULL, rc);
  if (rc != HT_OK) return fail(problem, WECHATPAY_REJECT_DECRYPT_FAILED, "resource.ciphertext", HT_ECHECKSUM);
  char *plain = arena_alloc(arena, sealed.len + 1);
  if (!plain) return fail(problem, WECHATPAY_REJECT_INTERNAL, NULL, HT_ENOMEM);
  size_t len = 0;
  rc = crypto_aes_gcm_decrypt(apiv3_key, n->nonce, n->associated_data, sealed, (uint8_t *)plain, sealed.len,
                              &len);
  if (rc != HT_OK) return fail(problem, WECHATPAY_REJECT_DECRYPT_FAILED, "resource.ciphertext", HT_ECHECKSUM);
  plain[len] = '\0';
  n->plaintext = (struct str){plain, len};
  if (!utf8_valid(n->plaintext))
    return fail(problem, WECHATPAY_REJECT_MALFORMED, "resource.ciphertext", HT_EINVAL);
  return fail(problem, WECHATPAY_ACCEPTED, NULL, HT_OK);
}

int wechatpay_notification_open(const struct wechatpay_platform_key *keys, size_t keys_len,
                                const struct wechatpay_signature_headers *headers, struct str body,
                                long long now_s, struct str apiv3_key, struct arena *arena,
                                struct wechatpay_notification *out, struct wechatpay_problem *problem) {
  int rc = wechatpay_verify(keys, keys_len, headers, body, now_s, problem);
  if (rc == HT_OK) rc = wechatpay_notification_parse(body, arena, out, problem);
  if (rc == HT_OK) rc = wechatpay_notification_decrypt(out, apiv3_key, arena, problem);
  return rc;
}

/* ---- states ---- */

struct state_name {
  const char *text;
  int state;
};

static const struct state_name TRADE_STATES[] = {
    {"SUCCESS", WECHATPAY_TRADE_SUCCEEDED}, {"REFUND", WECHATPAY_TRADE_REFUNDED},
    {"NOTPAY", WECHATPAY_TRADE_PENDING},    {"USERPAYING", WECHATPAY_TRADE_PENDING},
    {"ACCEPT", WECHATPAY_TRADE_PENDING},    {"CLOSED", WECHATPAY_TRADE_CLOSED},
    {"REVOKED", WECHATPAY_TRADE_FAILED},    {"PAYERROR", WECHATPAY_TRADE_FAILED},
};

static const struct state_name REFUND_STATES[] = {
    {"SUCCESS", WECHATPAY_REFUND_SUCCEEDED},
    {"PROCESSING", WECHATPAY_REFUND_PENDING},
    {"CLOSED", WECHATPAY_REFUND_CLOSED},
    {"ABNORMAL", WECHATPAY_REFUND_ABNORMAL},
};

static int lookup_state(const struct state_name *table, size_t n, struct str text) {
  for (size_t i = 0; i < n; i++)
    if (str_eq(text, str_from_cstr(table[i].text))) return table[i].state;
  return 0;
}

enum wechatpay_trade_state wechatpay_trade_state_from(struct str trade_state) {
  return (enum wechatpay_trade_state)lookup_state(TRADE_STATES, sizeof TRADE_STATES / sizeof TRADE_STATES[0],
                                                  trade_state);
}

const char *wechatpay_trade_state_name(enum wechatpay_trade_state state) {
  static const char *const names[] = {"unknown", "succeeded", "pending", "closed", "refunded", "failed"};
  return (size_t)state < sizeof names / sizeof names[0] ? names[state] : "unknown";
}

enum wechatpay_refund_state wechatpay_refund_state_from(struct str status) {
  return (enum wechatpay_refund_state)lookup_state(REFUND_STATES,
                                                   sizeof REFUND_STATES / sizeof REFUND_STATES[0], status);
}

const char *wechatpay_refund_state_name(enum wechatpay_refund_state state) {
  static const char *const names[] = {"unknown", "succeeded", "pending", "closed", "abnormal"};
  return (size_t)state < sizeof names / sizeof names[0] ? names[state] : "unknown";
}

/* ---- transactions and refunds ---- */

static int parse_transaction_amount(json_t *root, struct arena *a, struct wechatpay_transaction *t,
                                    struct wechatpay_problem *p) {
  int rc = HT_OK;
  json_t *amount = get_object(root, "amount", false, p, &rc);
  t->payer_total_fen = -1;
  if (!amount) return rc;
  t->has_amount = true;
  rc = get_amount(amount, "total", "amount.total", true, 0, &t->total_fen, p);
  if (rc == HT_OK)
    rc = get_amount(amount, "payer_total", "amount.payer_total", false, -1, &t->payer_total_fen, p);
  if (rc == HT_OK) rc = get_string(amount, "currency", "amount.currency", false, a, &t->currency, p);
  if (rc == HT_OK)
    rc = get_string(amount, "payer_currency", "amount.payer_currency", false, a, &t->payer_currency, p);
  return rc;
}

int wechatpay_transaction_parse(struct str json, struct arena *arena, struct wechatpay_transaction *out,
                                struct wechatpay_problem *problem) {
  memset(out, 0, sizeof *out);
  int rc = HT_OK;
  json_t *root = load_object(json, problem, &rc);
  if (!root) return rc;
  struct {
    const char *name;
    bool required;
    struct str *dst;
  } fields[] = {
      {"mchid", true, &out->mchid},
      {"out_trade_no", true, &out->out_trade_no},
      {"trade_state", true, &out->trade_state},
      {"appid", false, &out->appid},
      {"transaction_id", false, &out->transaction_id},
      {"trade_type", false, &out->trade_type},
      {"trade_state_desc", false, &out->trade_state_desc},
      {"bank_type", false, &out->bank_type},
      {"attach", false, &out->attach},
      {"success_time", false, &out->success_time},
  };
  for (size_t i = 0; rc == HT_OK && i < sizeof fields / sizeof fields[0]; i++)
    rc = get_string(root, fields[i].name, fields[i].name, fields[i].required, arena, fields[i].dst, problem);
  json_t *payer = rc == HT_OK ? get_object(root, "payer", false, problem, &rc) : NULL;
  if (payer) rc = get_string(payer, "openid", "payer.openid", false, arena, &out->payer_openid, problem);
  if (rc == HT_OK) rc = parse_transaction_amount(root, arena, out, problem);
  json_decref(root);
  if (rc != HT_OK) return rc;
  out->state = wechatpay_trade_state_from(out->trade_state);
  return fail(problem, WECHATPAY_ACCEPTED, NULL, HT_OK);
}

int wechatpay_transaction_check(const struct wechatpay_transaction *t,
                                const struct wechatpay_expected *expected,
                                struct wechatpay_problem *problem) {
  if (!str_eq(t->out_trade_no, expected->out_trade_no))
    return fail(problem, WECHATPAY_REJECT_UNKNOWN_ORDER, "out_trade_no", HT_ECONFLICT);
  if (!str_eq(t->mchid, expected->mchid))
    return fail(problem, WECHATPAY_REJECT_MERCHANT_MISMATCH, "mchid", HT_ECONFLICT);
  if (t->appid.len && !str_eq(t->appid, expected->appid))
    return fail(problem, WECHATPAY_REJECT_MERCHANT_MISMATCH, "appid", HT_ECONFLICT);
  if (!t->has_amount && t->state == WECHATPAY_TRADE_SUCCEEDED)
    return fail(problem, WECHATPAY_REJECT_AMOUNT_MISMATCH, "amount", HT_ECONFLICT);
  if (t->has_amount && t->total_fen != expected->total_fen)
    return fail(problem, WECHATPAY_REJECT_AMOUNT_MISMATCH, "amount.total", HT_ECONFLICT);
  if (t->currency.len && !str_eq(t->currency, expected->currency))
    return fail(problem, WECHATPAY_REJECT_AMOUNT_MISMATCH, "amount.currency", HT_ECONFLICT);
  return fail(problem, WECHATPAY_ACCEPTED, NULL, HT_OK);
}

static int parse_refund_amount(json_t *root, struct arena *a, struct wechatpay_refund *r,
                               struct wechatpay_problem *p) {
  int rc = HT_OK;
  json_t *amount = get_object(root, "amount", true, p, &rc);
  if (!amount) return rc;
  rc = get_amount(amount, "total", "amount.total", true, 0, &r->total_fen, p);
  if (rc == HT_OK) rc = get_amount(amount, "refund", "amount.refund", true, 0, &r->refund_fen, p);
  if (rc == HT_OK)
    rc = get_amount(amount, "payer_total", "amount.payer_total", false, -1, &r->payer_total_fen, p);
  if (rc == HT_OK)
    rc = get_amount(amount, "payer_refund", "amount.payer_refund", false, -1, &r->payer_refund_fen, p);
  if (rc == HT_OK) rc = get_string(amount, "currency", "amount.currency", false, a, &r->currency, p);
  return rc;
}

int wechatpay_refund_parse(struct str json, struct arena *arena, struct wechatpay_refund *out,
                           struct wechatpay_problem *problem) {
  memset(out, 0, sizeof *out);
  int rc = HT_OK;
  json_t *root = load_object(json, problem, &rc);
  if (!root) return rc;
  /* The refund API answers "status"; the REFUND.* notification resource says "refund_status". */
  const char *status_name = json_object_get(root, "refund_status") ? "refund_status" : "status";
  rc = get_string(root, status_name, status_name, true, arena, &out->status, problem);
  if (rc == HT_OK)
    rc = get_string(root, "out_trade_no", "out_trade_no", true, arena, &out->out_trade_no, problem);
  if (rc == HT_OK)
    rc = get_string(root, "out_refund_no", "out_refund_no", true, arena, &out->out_refund_no, problem);
  if (rc == HT_OK) rc = get_string(root, "refund_id", "refund_id", true, arena, &out->refund_id, problem);
  if (rc == HT_OK) rc = get_string(root, "mchid", "mchid", false, arena, &out->mchid, problem);
  if (rc == HT_OK)
    rc = get_string(root, "transaction_id", "transaction_id", false, arena, &out->transaction_id, problem);
  if (rc == HT_OK)
    rc = get_string(root, "success_time", "success_time", false, arena, &out->success_time, problem);
  if (rc == HT_OK)
    rc = get_string(root, "user_received_account", "user_received_account", false, arena,
                    &out->user_received_account, problem);
  if (rc == HT_OK) rc = parse_refund_amount(root, arena, out, problem);
  json_decref(root);
  if (rc != HT_OK) return rc;
  out->state = wechatpay_refund_state_from(out->status);
  return fail(problem, WECHATPAY_ACCEPTED, NULL, HT_OK);
}

/* ---- request building ---- */

/* Serialises `obj` compactly into the arena and releases it. */
static int dump_json(json_t *obj, struct arena *arena, struct str *out) {
  if (!obj) return HT_ENOMEM;
  char *text = json_dumps(obj, JSON_COMPACT);
  json_decref(obj);
  if (!text) return HT_ENOMEM;
  size_t len = strlen(text);
  char *copy = arena_strndup(arena, text, len);
  free(text);
  if (!copy) return HT_ENOMEM;
  *out = (struct str){copy, len};
  return HT_OK;
}

static json_t *jstr(struct str s) { return json_stringn(s.data, s.len); }

/* WeChat Pay posts notifications to https URLs only. Plain http is let through for loopback
 * hosts alone: a development server or the local simulator has no TLS, and WeChat Pay itself
 * can never reach a loopback address, so nothing real is weakened. */
static bool valid_notify_url(struct str url) {
  static const char *const loopback[] = {"http://127.0.0.1:", "http://127.0.0.1/", "http://localhost:",
                                         "http://localhost/", "http://[::1]:",     "http://[::1]/"};
  if (str_has_prefix(url, STR_LIT("https://"))) return true;
  for (size_t i = 0; i < sizeof loopback / sizeof loopback[0]; i++)
    if (str_has_prefix(url, str_from_cstr(loopback[i]))) return true;
  return false;
}

static bool valid_order(const struct wechatpay_order *o) {
  return valid_appid(o->appid) && valid_mchid(o->mchid) && valid_out_trade_no(o->out_trade_no) &&
         o->description.len > 0 && o->description.len <= WECHATPAY_DESCRIPTION_BYTES_MAX &&
         utf8_valid(o->description) && valid_notify_url(o->notify_url) && utf8_valid(o->notify_url) &&
         utf8_valid(o->time_expire) && o->total_fen >= 1;
}

static json_t *order_object(const struct wechatpay_order *o) {
  json_t *obj = json_object();
  json_object_set_new(obj, "appid", jstr(o->appid));
  json_object_set_new(obj, "mchid", jstr(o->mchid));
  json_object_set_new(obj, "description", jstr(o->description));
  json_object_set_new(obj, "out_trade_no", jstr(o->out_trade_no));
  if (o->time_expire.len) json_object_set_new(obj, "time_expire", jstr(o->time_expire));
  json_object_set_new(obj, "notify_url", jstr(o->notify_url));
  json_object_set_new(obj, "amount",
                      json_pack("{s:I,s:s}", "total", (json_int_t)o->total_fen, "currency", "CNY"));
  return obj;
}

int wechatpay_native_body(const struct wechatpay_order *order, struct arena *arena, struct str *out) {
  if (!valid_order(order)) return HT_EINVAL;
  return dump_json(order_object(order), arena, out);
}

int wechatpay_jsapi_body(const struct wechatpay_order *order, struct arena *arena, struct str *out) {
  if (!valid_order(order) || !all_of(order->payer_openid, 1, 128, "_-")) return HT_EINVAL;
  json_t *obj = order_object(order);
  json_object_set_new(obj, "payer",
                      json_pack("{s:s%}", "openid", order->payer_openid.data, order->payer_openid.len));
  return dump_json(obj, arena, out);
}

int wechatpay_query_path(struct str out_trade_no, struct str mchid, struct arena *arena, struct str *out) {
  if (!valid_out_trade_no(out_trade_no) || !valid_mchid(mchid)) return HT_EINVAL;
  char *path = arena_printf(arena, "/v3/pay/transactions/out-trade-no/%.*s?mchid=%.*s", STR_FMT(out_trade_no),
                            STR_FMT(mchid));
  if (!path) return HT_ENOMEM;
  *out = str_from_cstr(path);
  return HT_OK;
}

int wechatpay_close_path(struct str out_trade_no, struct arena *arena, struct str *out) {
  if (!valid_out_trade_no(out_trade_no)) return HT_EINVAL;
  char *path = arena_printf(arena, "/v3/pay/transactions/out-trade-no/%.*s/close", STR_FMT(out_trade_no));
  if (!path) return HT_ENOMEM;
  *out = str_from_cstr(path);
  return HT_OK;
}

int wechatpay_close_body(struct str mchid, struct arena *arena, struct str *out) {
  if (!valid_mchid(mchid)) return HT_EINVAL;
  json_t *obj = json_object();
  json_object_set_new(obj, "mchid", jstr(mchid));
  return dump_json(obj, arena, out);
}

int wechatpay_refund_body(const struct wechatpay_refund_request *r, struct arena *arena, struct str *out) {
  if (!valid_out_trade_no(r->out_trade_no) || !valid_out_refund_no(r->out_refund_no) || r->total_fen < 1 ||
      r->refund_fen < 1 || r->refund_fen > r->total_fen || !utf8_valid(r->reason) ||
      !utf8_valid(r->notify_url))
    return HT_EINVAL;
  json_t *obj = json_object();
  json_object_set_new(obj, "out_trade_no", jstr(r->out_trade_no));
  json_object_set_new(obj, "out_refund_no", jstr(r->out_refund_no));
  if (r->reason.len) json_object_set_new(obj, "reason", jstr(r->reason));
  if (r->notify_url.len) json_object_set_new(obj, "notify_url", jstr(r->notify_url));
  json_object_set_new(obj, "amount",
                      json_pack("{s:I,s:I,s:s}", "refund", (json_int_t)r->refund_fen, "total",
                                (json_int_t)r->total_fen, "currency", "CNY"));
  return dump_json(obj, arena, out);
}

int wechatpay_refund_query_path(struct str out_refund_no, struct arena *arena, struct str *out) {
  if (!valid_out_refund_no(out_refund_no)) return HT_EINVAL;
  char *path = arena_printf(arena, "/v3/refund/domestic/refunds/%.*s", STR_FMT(out_refund_no));
  if (!path) return HT_ENOMEM;
  *out = str_from_cstr(path);
  return HT_OK;
}

int wechatpay_response_string(struct str body, const char *member, struct arena *arena, struct str *out) {
  struct wechatpay_problem problem;
  int rc = HT_OK;
  json_t *root = load_object(body, &problem, &rc);
  if (!root) return rc == HT_ETOOBIG ? rc : HT_EINVAL;
  rc = get_string(root, member, member, true, arena, out, &problem);
  json_decref(root);
  return rc;
}

/* ---- JSAPI page parameters ---- */

int wechatpay_jsapi_sign(const struct wechatpay_merchant *merchant, struct str appid, long long timestamp_s,
                         struct str nonce, struct str prepay_id, struct arena *arena,
                         struct wechatpay_jsapi_params *out) {
  if (!valid_appid(appid) || !valid_nonce(nonce) || !all_of(prepay_id, 1, 64, NULL) || timestamp_s < 0)
    return HT_EINVAL;
  char *ts = arena_printf(arena, "%lld", timestamp_s);
  char *package = arena_printf(arena, "prepay_id=%.*s", STR_FMT(prepay_id));
  char *message = arena_printf(arena, "%.*s\n%s\n%.*s\n%s\n", STR_FMT(appid), ts ? ts : "", STR_FMT(nonce),
                               package ? package : "");
  if (!ts || !package || !message) return HT_ENOMEM;
  struct str sig;
  int rc = crypto_rsa_sha256_sign_base64(merchant->private_key, str_from_cstr(message), arena, &sig);
  if (rc != HT_OK) return rc;
  out->app_id = appid;
  out->time_stamp = str_from_cstr(ts);
  out->nonce_str = nonce;
  out->package = str_from_cstr(package);
  out->sign_type = STR_LIT("RSA");
  out->pay_sign = sig;
  json_t *obj = json_object();
  json_object_set_new(obj, "appId", jstr(appid));
  json_object_set_new(obj, "timeStamp", json_string(ts));
  json_object_set_new(obj, "nonceStr", jstr(nonce));
  json_object_set_new(obj, "package", json_string(package));
  json_object_set_new(obj, "signType", json_string("RSA"));
  json_object_set_new(obj, "paySign", jstr(sig));
  return dump_json(obj, arena, &out->json);
}

/* ---- acknowledgement ---- */

void wechatpay_ack(enum wechatpay_reject reason, struct wechatpay_ack *out) {
  /* 回调通知 应答: success is HTTP 200/204 without a body; failure is 4XX/5XX with this body. */
  static const char failure[] = "{\"code\":\"FAIL\",\"message\":\"失败\"}";
  switch (reason) {
  case WECHATPAY_ACCEPTED: *out = (struct wechatpay_ack){204, STR_LIT("")}; return;
  case WECHATPAY_REJECT_INTERNAL: *out = (struct wechatpay_ack){500, STR_LIT(failure)}; return;
  case WECHATPAY_REJECT_MISSING_HEADER:
  case WECHATPAY_REJECT_BAD_TIMESTAMP:
  case WECHATPAY_REJECT_STALE_TIMESTAMP:
  case WECHATPAY_REJECT_UNKNOWN_SERIAL:
  case WECHATPAY_REJECT_BAD_SIGNATURE: *out = (struct wechatpay_ack){401, STR_LIT(failure)}; return;
  default: *out = (struct wechatpay_ack){400, STR_LIT(failure)}; return;
  }
}
