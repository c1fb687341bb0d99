/*
 * wechatpay.h — the WeChat Pay API v3 protocol, as pure functions over bytes.
 *
 * Everything the channel adapter (src/pay/wechatpay.c) needs except the HTTP call itself:
 * signing our requests (SHA256withRSA over "METHOD\nURL\nTIMESTAMP\nNONCE\nBODY\n" and the
 * `Authorization: WECHATPAY2-SHA256-RSA2048 ...` value), verifying WeChat Pay's responses and
 * notifications ("TIMESTAMP\nNONCE\nBODY\n" against the Wechatpay-* headers, with platform
 * certificates or the newer WeChat Pay public key, and a clock-skew check with `now` passed
 * in), parsing the notification envelope strictly and decrypting its AES-GCM resource with the
 * APIv3 key, parsing transactions and refunds, mapping their states onto ours, building the
 * request bodies and paths of Native, JSAPI, query, close and refund, the JSAPI `paySign` for
 * the page inside WeChat, and the acknowledgement WeChat Pay expects. Every rejection carries a
 * reason (and the field) for the log. Nothing here reads a clock, random source or socket.
 *
 * Sources: pay.weixin.qq.com/docs/merchant (签名生成, 签名验证, 回调通知, Native/JSAPI 下单,
 * 查询订单, 关闭订单, 退款申请, 退款结果通知), and the behaviour of wechatpay-apiv3/wechatpay-go.
 */
#ifndef HUTONG_CORE_WECHATPAY_H
#define HUTONG_CORE_WECHATPAY_H

#include <stdbool.h>
#include <stddef.h>

#include "core/arena.h"
#include "core/crypto.h"
#include "core/str.h"

/* A response or notification whose Wechatpay-Timestamp is this many seconds or more away from
 * our clock is rejected (the spec's "5 minutes"; wechatpay-go consts.FiveMinute, compared with
 * >=). */
#define WECHATPAY_CLOCK_SKEW_S_MAX 300
/* Largest request, response or notification body we sign, verify or parse. A transaction notification is
 * about 1 KB; a transaction with promotion details a few KB. */
#define WECHATPAY_BODY_BYTES_MAX (64 * 1024)
/* Deepest JSON nesting accepted: transaction → promotion_detail[] → goods_detail[] → object. */
#define WECHATPAY_JSON_DEPTH_MAX 8
/* nonce_str / Wechatpay-Nonce: string(32) in the signing spec. */
#define WECHATPAY_NONCE_CHARS_MAX 32
/* Certificate serials are 40 hex digits; public key ids are "PUB_KEY_ID_" + 32 digits. */
#define WECHATPAY_SERIAL_CHARS_MAX 64
/* mchid: string(32) in every API. */
#define WECHATPAY_MCHID_CHARS_MAX 32
/* appid: string(32). */
#define WECHATPAY_APPID_CHARS_MAX 32
/* out_trade_no: string[6,32] of digits, letters, _ - | * (Native/JSAPI 下单). */
#define WECHATPAY_OUT_TRADE_NO_CHARS_MIN 6
#define WECHATPAY_OUT_TRADE_NO_CHARS_MAX 32
/* out_refund_no: string[1,64] of digits, letters, _ - | * @ (退款申请). */
#define WECHATPAY_OUT_REFUND_NO_CHARS_MAX 64
/* description: string(127) (下单). */
#define WECHATPAY_DESCRIPTION_BYTES_MAX 127
/* resource.nonce: string[1,16] (回调通知); WeChat Pay sends 12 characters. */
#define WECHATPAY_RESOURCE_NONCE_CHARS_MAX 16
/* The APIv3 key is 32 characters (商户平台 API安全); the Go SDK's own vectors use 16. The
 * AES variant follows the key length (16 → AES-128, 32 → AES-256). */
#define WECHATPAY_APIV3_KEY_BYTES 32
/* Request URL (path and query) we sign: long enough for any v3 path with a 64-char id. */
#define WECHATPAY_URL_BYTES_MAX 512
/* The HTTP method names the v3 API uses (GET, POST, PUT, PATCH, DELETE). */
#define WECHATPAY_METHOD_CHARS_MAX 6

/* API paths the adapter calls (append to https://api.mch.weixin.qq.com). */
#define WECHATPAY_PATH_NATIVE  "/v3/pay/transactions/native"
#define WECHATPAY_PATH_JSAPI   "/v3/pay/transactions/jsapi"
#define WECHATPAY_PATH_REFUNDS "/v3/refund/domestic/refunds"

/* Why something from (or for) WeChat Pay was refused. Stable names via wechatpay_reject_name(). */
enum wechatpay_reject {
  WECHATPAY_ACCEPTED = 0,
  WECHATPAY_REJECT_MISSING_HEADER,    /* a Wechatpay-* header is absent or empty */
  WECHATPAY_REJECT_BAD_TIMESTAMP,     /* Wechatpay-Timestamp is not a decimal number */
  WECHATPAY_REJECT_STALE_TIMESTAMP,   /* ≥ WECHATPAY_CLOCK_SKEW_S_MAX from now */
  WECHATPAY_REJECT_UNKNOWN_SERIAL,    /* no platform certificate / public key with that id */
  WECHATPAY_REJECT_BAD_SIGNATURE,     /* the signature does not verify */
  WECHATPAY_REJECT_TOO_BIG,           /* body above WECHATPAY_BODY_BYTES_MAX */
  WECHATPAY_REJECT_MALFORMED,         /* not JSON, wrong type, duplicate key, bad value */
  WECHATPAY_REJECT_MISSING_FIELD,     /* a required field is absent */
  WECHATPAY_REJECT_BAD_ALGORITHM,     /* resource_type / algorithm we do not speak */
  WECHATPAY_REJECT_DECRYPT_FAILED,    /* AES-GCM tag mismatch or bad ciphertext encoding */
  WECHATPAY_REJECT_UNKNOWN_ORDER,     /* out_trade_no / out_refund_no is not ours */
  WECHATPAY_REJECT_MERCHANT_MISMATCH, /* mchid or appid differs from our record */
  WECHATPAY_REJECT_AMOUNT_MISMATCH,   /* amount or currency differs from our record */
  WECHATPAY_REJECT_INTERNAL,          /* our own failure (storage...): WeChat Pay should retry */
};

/* A refusal and, when one field is to blame, its name ("resource.nonce",
 * "Wechatpay-Timestamp"); `field` points to a static string or is NULL. */
struct wechatpay_problem {
  enum wechatpay_reject reason;
  const char *field;
};

/* The stable snake_case name of `reason` ("bad_signature"). Never NULL. */
const char *wechatpay_reject_name(enum wechatpay_reject reason);

/* Our merchant identity for signing requests. Views and key are borrowed. */
struct wechatpay_merchant {
  struct str mchid;                     /* 商户号, digits */
  struct str serial_no;                 /* serial of our merchant API certificate */
  const struct crypto_key *private_key; /* our merchant API private key */
};

/* Builds the request signing message "METHOD\nURL\nTIMESTAMP\nNONCE\nBODY\n" in `arena`. `url`
 * is the path with query string exactly as sent ("/v3/pay/transactions/native"); `body` is the
 * exact request body ("" for GET). HT_EINVAL when method, url or nonce break the header rules
 * (upper-case method, url starting with '/' without spaces or controls, nonce of 1..32 letters
 * and digits) or the body is above WECHATPAY_BODY_BYTES_MAX; HT_ENOMEM when the arena is full. */
int wechatpay_request_message(struct str method, struct str url, long long timestamp_s, struct str nonce,
                              struct str body, struct arena *arena, struct str *out);

/* Signs a request and returns the full Authorization header value:
 * `WECHATPAY2-SHA256-RSA2048 mchid="…",nonce_str="…",signature="…",timestamp="…",serial_no="…"`.
 * `timestamp_s` is the current Unix time and `nonce` a fresh random string, both from the
 * caller. Same errors as wechatpay_request_message(), plus HT_EINVAL for an mchid or serial
 * that is empty, too long or not alphanumeric. */
int wechatpay_authorization(const struct wechatpay_merchant *merchant, struct str method, struct str url,
                            long long timestamp_s, struct str nonce, struct str body, struct arena *arena,
                            struct str *out);

/* One key WeChat Pay may sign with: a platform certificate (serial = its serial number, or
 * empty to take it from the certificate the key was read from) or, in public-key mode, the
 * WeChat Pay public key with its id "PUB_KEY_ID_…". Borrowed. */
struct wechatpay_platform_key {
  struct str serial;
  const struct crypto_key *key;
};

/* The four signature headers of a response or notification, raw values (surrounding white
 * space is ignored). */
struct wechatpay_signature_headers {
  struct str timestamp; /* Wechatpay-Timestamp */
  struct str nonce;     /* Wechatpay-Nonce */
  struct str signature; /* Wechatpay-Signature */
  struct str serial;    /* Wechatpay-Serial */
};

/* True when |now_s - timestamp_s| < WECHATPAY_CLOCK_SKEW_S_MAX. */
bool wechatpay_timestamp_fresh(long long timestamp_s, long long now_s);

/* Verifies a response or notification: headers present, timestamp decimal and fresh against
 * `now_s`, serial known among `keys`, and the signature over "TIMESTAMP\nNONCE\nBODY\n" with
 * `body` the exact bytes received. HT_OK, or HT_EAUTH with `problem` set (reasons
 * MISSING_HEADER, BAD_TIMESTAMP, STALE_TIMESTAMP, UNKNOWN_SERIAL, BAD_SIGNATURE, TOO_BIG). */
int wechatpay_verify(const struct wechatpay_platform_key *keys, size_t keys_len,
                     const struct wechatpay_signature_headers *headers, struct str body, long long now_s,
                     struct wechatpay_problem *problem);

/* A notification envelope (回调通知) and, after decryption, its resource plaintext. All views
 * point into the arena given to the parser. `summary` and `original_type` may be empty. */
struct wechatpay_notification {
  struct str id;
  struct str create_time;
  struct str event_type; /* TRANSACTION.SUCCESS, REFUND.SUCCESS, REFUND.ABNORMAL, REFUND.CLOSED ... */
  struct str resource_type;
  struct str summary;
  struct str algorithm;
  struct str ciphertext; /* base64 */
  struct str associated_data;
  struct str nonce;
  struct str original_type;
  struct str plaintext; /* set by wechatpay_notification_decrypt() */
};

/* Parses a notification body strictly: JSON object within the size and depth limits, no
 * duplicate keys, id/create_time/event_type/resource_type strings and a resource object with
 * algorithm/ciphertext/nonce strings (associated_data, original_type, summary optional);
 * resource_type must be "encrypt-resource" and algorithm "AEAD_AES_256_GCM". Unknown fields
 * are ignored. HT_OK, or HT_EINVAL / HT_ETOOBIG with `problem` set; HT_ENOMEM when the arena
 * is full. */
int wechatpay_notification_parse(struct str body, struct arena *arena, struct wechatpay_notification *out,
                                 struct wechatpay_problem *problem);

/* Decrypts `n->ciphertext` (base64 of ciphertext || 16-byte tag) with AES-GCM under
 * `apiv3_key` (16 or 32 bytes pick AES-128/256), nonce and associated_data, and checks the
 * plaintext is valid UTF-8. Sets `n->plaintext` (arena). HT_OK, or HT_ECHECKSUM with reason
 * DECRYPT_FAILED (or HT_EINVAL for a bad key length, reason INTERNAL). */
int wechatpay_notification_decrypt(struct wechatpay_notification *n, struct str apiv3_key,
                                   struct arena *arena, struct wechatpay_problem *problem);

/* The whole notification path in the order the spec wants: verify the signature over the raw
 * body first, then parse, then decrypt. Returns the first failure's status and reason. */
int wechatpay_notification_open(const struct wechatpay_platform_key *keys, size_t keys_len,
                                const struct wechatpay_signature_headers *headers, struct str body,
                                long long now_s, struct str apiv3_key, struct arena *arena,
                                struct wechatpay_notification *out, struct wechatpay_problem *problem);

/* Our view of a payment's state. */
enum wechatpay_trade_state {
  WECHATPAY_TRADE_UNKNOWN = 0, /* a trade_state we do not know: ask again, move no money */
  WECHATPAY_TRADE_SUCCEEDED,   /* SUCCESS */
  WECHATPAY_TRADE_PENDING,     /* NOTPAY, USERPAYING, ACCEPT */
  WECHATPAY_TRADE_CLOSED,      /* CLOSED */
  WECHATPAY_TRADE_REFUNDED,    /* REFUND (转入退款) */
  WECHATPAY_TRADE_FAILED,      /* PAYERROR, REVOKED */
};

/* Maps a `trade_state` string; anything unlisted (or lower case) is UNKNOWN. */
enum wechatpay_trade_state wechatpay_trade_state_from(struct str trade_state);

/* Stable name of a state ("succeeded"). Never NULL. */
const char *wechatpay_trade_state_name(enum wechatpay_trade_state state);

/* A transaction: the decrypted resource of TRANSACTION.* notifications and the body of the
 * query API. Views point into the parser's arena; absent optional strings are empty. */
struct wechatpay_transaction {
  struct str appid, mchid, out_trade_no, transaction_id, trade_type, trade_state, trade_state_desc;
  struct str bank_type, attach, success_time, payer_openid;
  bool has_amount;
  long long total_fen;       /* amount.total */
  long long payer_total_fen; /* amount.payer_total, -1 when absent (unpaid) */
  struct str currency, payer_currency;
  enum wechatpay_trade_state state;
};

/* Parses a transaction JSON strictly (limits as for notifications). Required: mchid,
 * out_trade_no, trade_state; amount.total when amount is present. HT_OK, or HT_EINVAL /
 * HT_ETOOBIG with `problem`; HT_ENOMEM when the arena is full. */
int wechatpay_transaction_parse(struct str json, struct arena *arena, struct wechatpay_transaction *out,
                                struct wechatpay_problem *problem);

/* What we recorded when we created the order. */
struct wechatpay_expected {
  struct str mchid, appid, out_trade_no;
  long long total_fen;
  struct str currency; /* "CNY" */
};

/* Checks a parsed transaction against our record: out_trade_no (UNKNOWN_ORDER), mchid and
 * appid (MERCHANT_MISMATCH), amount.total and currency (AMOUNT_MISMATCH; a SUCCESS without an
 * amount is a mismatch too). HT_OK or HT_ECONFLICT with `problem`. */
int wechatpay_transaction_check(const struct wechatpay_transaction *t,
                                const struct wechatpay_expected *expected, struct wechatpay_problem *problem);

/* Our view of a refund's state. */
enum wechatpay_refund_state {
  WECHATPAY_REFUND_UNKNOWN = 0,
  WECHATPAY_REFUND_SUCCEEDED, /* SUCCESS */
  WECHATPAY_REFUND_PENDING,   /* PROCESSING */
  WECHATPAY_REFUND_CLOSED,    /* CLOSED */
  WECHATPAY_REFUND_ABNORMAL,  /* ABNORMAL: the money did not reach the buyer; needs a person */
};

/* Maps a refund `status` / `refund_status` string; anything unlisted is UNKNOWN. */
enum wechatpay_refund_state wechatpay_refund_state_from(struct str status);

/* Stable name of a refund state. Never NULL. */
const char *wechatpay_refund_state_name(enum wechatpay_refund_state state);

/* A refund: the refund API's response or the decrypted REFUND.* notification resource. */
struct wechatpay_refund {
  struct str mchid, out_trade_no, transaction_id, out_refund_no, refund_id, status, success_time;
  struct str user_received_account, currency;
  long long total_fen, refund_fen;
  long long payer_total_fen, payer_refund_fen; /* -1 when absent */
  enum wechatpay_refund_state state;
};

/* Parses a refund JSON: the API's `status` or the notification's `refund_status`, out_trade_no,
 * out_refund_no, refund_id, amount.total and amount.refund required. Errors as
 * wechatpay_transaction_parse(). */
int wechatpay_refund_parse(struct str json, struct arena *arena, struct wechatpay_refund *out,
                           struct wechatpay_problem *problem);

/* An order to create with Native or JSAPI. */
struct wechatpay_order {
  struct str appid, mchid;
  struct str description;  /* ≤ WECHATPAY_DESCRIPTION_BYTES_MAX bytes of UTF-8 */
  struct str out_trade_no; /* 6..32 of [0-9A-Za-z_-|*] */
  struct str notify_url;   /* https URL WeChat Pay posts to (http only on loopback) */
  struct str time_expire;  /* optional RFC 3339, "" to omit */
  struct str payer_openid; /* JSAPI only: the buyer's openid under appid */
  long long total_fen;     /* ≥ 1 */
};

/* The JSON body of POST WECHATPAY_PATH_NATIVE (currency CNY). HT_EINVAL with a bad field. */
int wechatpay_native_body(const struct wechatpay_order *order, struct arena *arena, struct str *out);

/* The JSON body of POST WECHATPAY_PATH_JSAPI (needs payer_openid). HT_EINVAL with a bad field. */
int wechatpay_jsapi_body(const struct wechatpay_order *order, struct arena *arena, struct str *out);

/* "/v3/pay/transactions/out-trade-no/{out_trade_no}?mchid={mchid}" (GET). HT_EINVAL for ids
 * outside their charset. */
int wechatpay_query_path(struct str out_trade_no, struct str mchid, struct arena *arena, struct str *out);

/* "/v3/pay/transactions/out-trade-no/{out_trade_no}/close" (POST, body from
 * wechatpay_close_body(); the answer is 204 without body). */
int wechatpay_close_path(struct str out_trade_no, struct arena *arena, struct str *out);

/* {"mchid":"…"} for the close call. */
int wechatpay_close_body(struct str mchid, struct arena *arena, struct str *out);

/* A refund to request; out_refund_no is the idempotency key (the same number never refunds
 * twice). */
struct wechatpay_refund_request {
  struct str out_trade_no, out_refund_no;
  struct str reason;     /* optional, "" to omit */
  struct str notify_url; /* optional, "" to omit */
  long long refund_fen, total_fen;
};

/* The JSON body of POST WECHATPAY_PATH_REFUNDS. HT_EINVAL for bad ids or amounts (refund must
 * be 1..total). */
int wechatpay_refund_body(const struct wechatpay_refund_request *request, struct arena *arena,
                          struct str *out);

/* "/v3/refund/domestic/refunds/{out_refund_no}" (GET). */
int wechatpay_refund_query_path(struct str out_refund_no, struct arena *arena, struct str *out);

/* Extracts a required string member (e.g. "code_url" of Native, "prepay_id" of JSAPI, "code"
 * or "message" of an error body) from a verified JSON response. HT_EINVAL when the body is not
 * a JSON object or the member is absent or not a string. */
int wechatpay_response_string(struct str body, const char *member, struct arena *arena, struct str *out);

/* What the page inside WeChat passes to WeixinJSBridge getBrandWCPayRequest / wx.requestPayment. */
struct wechatpay_jsapi_params {
  struct str app_id, time_stamp, nonce_str, package, sign_type, pay_sign;
  struct str json; /* the six fields above as one JSON object, for the page */
};

/* Signs "appId\ntimeStamp\nnonceStr\npackage\n" (package = "prepay_id=…") with our merchant key
 * (signType "RSA"). Time and nonce come from the caller. HT_EINVAL for a bad nonce or ids. */
int wechatpay_jsapi_sign(const struct wechatpay_merchant *merchant, struct str appid, long long timestamp_s,
                         struct str nonce, struct str prepay_id, struct arena *arena,
                         struct wechatpay_jsapi_params *out);

/* The answer to send to a notification. */
struct wechatpay_ack {
  unsigned http_status;
  struct str body; /* empty for success */
};

/* The acknowledgement the spec asks for: accepted → 204 with no body; refused → 4xx (401 for
 * signature problems, 400 for bad or mismatching content) or 500 for INTERNAL, each with
 * {"code":"FAIL","message":"失败"}. WeChat Pay retries anything but 200/204. */
void wechatpay_ack(enum wechatpay_reject reason, struct wechatpay_ack *out);

#endif
