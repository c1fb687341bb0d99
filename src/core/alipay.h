/*
 * alipay.h — the Alipay open-platform protocol (RSA2), as pure functions over bytes.
 *
 * Everything the channel adapter (src/pay/alipay.c) needs except the HTTP call: a strict
 * form-urlencoded parser for asynchronous notifications; the sign content ("k=v" pairs sorted
 * by key, joined by '&') and RSA2 (SHA256withRSA, base64) signing and verification; request
 * building for alipay.trade.precreate / wap.pay / query / refund / close with the common
 * parameters; verification of synchronous responses, whose signed part is the exact raw text of
 * the `<method>_response` member as it appears in the response bytes (never re-serialised);
 * notification parsing with the trade_status mapping and the check against our own record; and
 * the acknowledgement Alipay expects. Yuan amounts ("88.88") are parsed to fen exactly.
 *
 * Sources: opendocs.alipay.com (签名/验签 "自行实现签名", 异步通知验签, 公共请求参数,
 * alipay.trade.* API pages) and the official SDKs' behaviour (alipay-sdk-nodejs-all
 * checkNotifySign/getSignStr, alipay-sdk-java AlipaySignature).
 */
#ifndef HUTONG_CORE_ALIPAY_H
#define HUTONG_CORE_ALIPAY_H

#include <stdbool.h>
#include <stddef.h>

#include "core/arena.h"
#include "core/crypto.h"
#include "core/str.h"

/* Largest notification form body we parse: a trade notification is about 1.5 KB, lists such as
 * fund_bill_list and voucher_detail_list grow it. */
#define ALIPAY_FORM_BYTES_MAX (64 * 1024)
/* Most parameters in one form: trade notifications carry about 30. */
#define ALIPAY_FORM_FIELDS_MAX 128
/* Longest parameter name: Alipay's are short snake_case words. */
#define ALIPAY_FORM_KEY_BYTES_MAX 64
/* Largest synchronous response we verify: query answers with fund lists are a few KB. */
#define ALIPAY_RESPONSE_BYTES_MAX (64 * 1024)
/* Deepest JSON nesting accepted in responses: response → list → object → list. */
#define ALIPAY_JSON_DEPTH_MAX 8
/* total_amount / refund_amount range is [0.01, 100000000] yuan (alipay.trade.* 请求参数). */
#define ALIPAY_AMOUNT_FEN_MAX 10000000000LL
/* out_trade_no / out_request_no: string(64) of letters, digits and underscores. */
#define ALIPAY_OUT_TRADE_NO_BYTES_MAX 64
/* subject: string(256). */
#define ALIPAY_SUBJECT_BYTES_MAX 256
/* app_id: string(32). */
#define ALIPAY_APP_ID_BYTES_MAX 32
/* Request timestamps are Beijing time, UTC+8 all year (no daylight saving since 1991). */
#define ALIPAY_BEIJING_OFFSET_S (8 * 3600)

/* Why something from (or for) Alipay was refused. Stable names via alipay_reject_name(). */
enum alipay_reject {
  ALIPAY_ACCEPTED = 0,
  ALIPAY_REJECT_TOO_BIG,           /* over a named limit */
  ALIPAY_REJECT_MALFORMED,         /* bad form encoding, JSON, UTF-8, amount text, duplicate key */
  ALIPAY_REJECT_MISSING_FIELD,     /* a required parameter is absent or empty */
  ALIPAY_REJECT_BAD_SIGN_TYPE,     /* sign_type other than RSA2 */
  ALIPAY_REJECT_BAD_SIGNATURE,     /* sign does not verify */
  ALIPAY_REJECT_UNKNOWN_ORDER,     /* out_trade_no is not ours */
  ALIPAY_REJECT_MERCHANT_MISMATCH, /* app_id or seller_id differs from our record */
  ALIPAY_REJECT_AMOUNT_MISMATCH,   /* total_amount differs from our record */
  ALIPAY_REJECT_INTERNAL,          /* our own failure: Alipay should retry */
};

/* A refusal and the field to blame (static string) or NULL. */
struct alipay_problem {
  enum alipay_reject reason;
  const char *field;
};

/* The stable snake_case name of `reason` ("bad_signature"). Never NULL. */
const char *alipay_reject_name(enum alipay_reject reason);

/* One decoded parameter; views into the parser's arena. */
struct alipay_param {
  struct str key, value;
};

/* A parameter list in the order received. */
struct alipay_params {
  struct alipay_param *items;
  size_t len;
};

/* Parses an application/x-www-form-urlencoded body strictly: '&'-separated key=value pairs,
 * '+' and %XX decoded, no empty pair, no '=' missing, no bad escape, keys of 1..64 characters
 * from [A-Za-z0-9_.-], decoded values valid UTF-8 without NUL, no duplicate key, at most
 * ALIPAY_FORM_FIELDS_MAX pairs in at most ALIPAY_FORM_BYTES_MAX bytes. HT_OK, or HT_EINVAL /
 * HT_ETOOBIG with `problem` (HT_ENOMEM when the arena is full). */
int alipay_form_parse(struct str body, struct arena *arena, struct alipay_params *out,
                      struct alipay_problem *problem);

/* Finds `key`; true and `*value` set when present. */
bool alipay_params_get(const struct alipay_params *params, const char *key, struct str *value);

/* Sign-content options. By default the content is every parameter except `sign`, without
 * empty values, sorted by key byte order, as "k1=v1&k2=v2" (the request rule, which keeps
 * sign_type). */
enum {
  ALIPAY_CONTENT_DROP_SIGN_TYPE = 1, /* also leave out sign_type (the notification rule) */
  ALIPAY_CONTENT_KEEP_EMPTY = 2,     /* keep empty values as "k=" (the Java/Node SDKs' notify rule) */
};

/* Builds the sign content of `params` with `flags` into the arena. HT_ENOMEM when full,
 * HT_ETOOBIG above ALIPAY_FORM_BYTES_MAX. */
int alipay_sign_content(const struct alipay_params *params, unsigned flags, struct arena *arena,
                        struct str *out);

/* RSA2: SHA256withRSA over `content` (UTF-8 bytes) under our private key, base64 into the arena. */
int alipay_rsa2_sign(const struct crypto_key *key, struct str content, struct arena *arena, struct str *sign);

/* Verifies a base64 RSA2 `sign` over `content`. HT_OK or HT_ECHECKSUM. */
int alipay_rsa2_verify(const struct crypto_key *alipay_public_key, struct str content, struct str sign);

/* Verifies an asynchronous notification: `sign` present, `sign_type` absent or "RSA2", and
 * the signature valid over the content without sign and sign_type (the documented rule for
 * trade notifications); failing that, over the content that keeps sign_type (the rule of
 * open-platform notifications such as alipay.open.servicemarket.order.notify, which the
 * official SDKs also try; an absent sign_type counts as "RSA2" there, as in the Node SDK); and, only when
 * some value is empty, over the variants that keep empty values. HT_OK, or HT_EAUTH with `problem`. */
int alipay_notify_verify(const struct alipay_params *params, const struct crypto_key *alipay_public_key,
                         struct arena *arena, struct alipay_problem *problem);

/* Our view of a trade's state (trade_status). */
enum alipay_trade_state {
  ALIPAY_TRADE_UNKNOWN = 0,    /* unlisted: ask again, move no money */
  ALIPAY_TRADE_WAIT_BUYER_PAY, /* created, not paid */
  ALIPAY_TRADE_CLOSED,         /* closed unpaid, or fully refunded */
  ALIPAY_TRADE_SUCCESS,        /* paid, refundable */
  ALIPAY_TRADE_FINISHED,       /* paid, no longer refundable */
};

/* Maps trade_status text. */
enum alipay_trade_state alipay_trade_state_from(struct str trade_status);

/* Stable name ("trade_success"). Never NULL. */
const char *alipay_trade_state_name(enum alipay_trade_state state);

/* A trade notification (notify_type trade_status_sync); views into the form's arena. Refund
 * notifications are the same message with refund_fee / gmt_refund / out_biz_no set. */
struct alipay_notification {
  struct str notify_id, notify_type, notify_time, app_id, out_trade_no, trade_no, trade_status;
  struct str seller_id, buyer_id, out_biz_no, gmt_payment, gmt_refund, gmt_close;
  long long total_fen;  /* total_amount */
  long long refund_fen; /* refund_fee (accumulated refunds), -1 when absent */
  enum alipay_trade_state state;
};

/* Extracts the fields of a verified notification. Required: notify_id, app_id, out_trade_no,
 * trade_no, trade_status, total_amount (exact yuan text, at most two decimals, within
 * ALIPAY_AMOUNT_FEN_MAX). HT_OK or HT_EINVAL with `problem`. */
int alipay_notification_parse(const struct alipay_params *params, struct alipay_notification *out,
                              struct alipay_problem *problem);

/* What we recorded for the order. */
struct alipay_expected {
  struct str app_id, out_trade_no, seller_id;
  long long total_fen;
};

/* Checks a notification against our record: out_trade_no (UNKNOWN_ORDER), app_id and seller_id
 * (MERCHANT_MISMATCH; seller_id only when the notification carries one), total_amount
 * (AMOUNT_MISMATCH). HT_OK or HT_ECONFLICT with `problem`. */
int alipay_notification_check(const struct alipay_notification *n, const struct alipay_expected *expected,
                              struct alipay_problem *problem);

/* Parses `form_body`, verifies it with `alipay_public_key` and extracts the trade fields into
 * `out`. Returns the first failure's status with `problem` set. */
int alipay_notification_read(struct str form_body, const struct crypto_key *alipay_public_key,
                             struct arena *arena, struct alipay_notification *out,
                             struct alipay_problem *problem);

/* The body to answer a notification with: "success" stops Alipay's retries; anything else
 * (we send "fail") makes Alipay retry (up to 8 times over 25 hours). HTTP status 200 either way. */
struct str alipay_ack(bool accepted);

/* The gateway methods we call. */
enum alipay_method {
  ALIPAY_TRADE_PRECREATE, /* alipay.trade.precreate: QR code for the buyer to scan */
  ALIPAY_TRADE_WAP_PAY,   /* alipay.trade.wap.pay: mobile-web page flow (browser redirect) */
  ALIPAY_TRADE_QUERY,     /* alipay.trade.query */
  ALIPAY_TRADE_REFUND,    /* alipay.trade.refund (out_request_no is the idempotency key) */
  ALIPAY_TRADE_CLOSE,     /* alipay.trade.close */
};

/* "alipay.trade.precreate" etc. Never NULL. */
const char *alipay_method_name(enum alipay_method method);

/* Business parameters of one call; fields a method does not use are ignored. */
struct alipay_biz {
  struct str out_trade_no;    /* all methods */
  long long amount_fen;       /* total_amount (precreate, wap.pay) or refund_amount (refund) */
  struct str subject;         /* precreate, wap.pay */
  struct str timeout_express; /* optional, e.g. "15m" */
  struct str quit_url;        /* wap.pay: where the cashier's "back" goes, optional */
  struct str out_request_no;  /* refund: the idempotency key */
  struct str refund_reason;   /* refund, optional */
};

/* The biz_content JSON of `method` (wap.pay adds product_code QUICK_WAP_WAY). Amounts are
 * written as exact yuan text ("88.88"). HT_EINVAL for a bad id, subject or amount. */
int alipay_biz_content(enum alipay_method method, const struct alipay_biz *biz, struct arena *arena,
                       struct str *out);

/* Our application. */
struct alipay_app {
  struct str app_id;
  const struct crypto_key *private_key; /* application private key (RSA2) */
};

/* One gateway call's common parameters. */
struct alipay_call {
  enum alipay_method method;
  struct str biz_content; /* from alipay_biz_content() */
  struct str notify_url;  /* optional ("" to omit) */
  struct str return_url;  /* optional, wap.pay only */
  long long now_s;        /* Unix time; written as Beijing "yyyy-MM-dd HH:mm:ss" */
};

/* Builds the signed request: common parameters app_id, method, format=JSON, charset=utf-8,
 * sign_type=RSA2, timestamp, version=1.0, notify_url, return_url, biz_content; signed with
 * RSA2 over their sign content; returned form-urlencoded with sign last. POST it as the body
 * (application/x-www-form-urlencoded; charset=utf-8) to the gateway, or for wap.pay send the
 * browser to gateway?<this>. The plain sign content is returned in `*content` when not NULL. */
int alipay_request_build(const struct alipay_app *app, const struct alipay_call *call, struct arena *arena,
                         struct str *form, struct str *content);

/* The exact raw text of member `response_key` ("alipay_trade_query_response") of the top-level
 * JSON object in `raw`: the signed part of a synchronous response. HT_ENOTFOUND when absent,
 * HT_EINVAL when `raw` is not a JSON object. The view points into `raw`. */
int alipay_response_signed_part(struct str raw, struct str response_key, struct str *part);

/* Verifies a synchronous response of `method`: the signed part is `<method>_response` (dots as
 * underscores), or `error_response` for gateway errors, checked against the top-level `sign`
 * with Alipay's public key. On success `*content` views the signed part. HT_OK, or HT_EAUTH /
 * HT_EINVAL with `problem` (MISSING_FIELD when unsigned: treat that answer as unknown). */
int alipay_response_verify(struct str raw, enum alipay_method method,
                           const struct crypto_key *alipay_public_key, struct arena *arena,
                           struct str *content, struct alipay_problem *problem);

/* The fields of a verified response body (the signed part). */
struct alipay_result {
  struct str code, msg, sub_code, sub_msg;
  struct str out_trade_no, trade_no, trade_status, qr_code, fund_change, buyer_logon_id, send_pay_date;
  long long total_fen;  /* total_amount, -1 when absent */
  long long refund_fen; /* refund_fee, -1 when absent */
  bool success;         /* code == "10000" */
  enum alipay_trade_state state;
};

/* Parses the signed part of a response. Amount fields must be exact yuan text. HT_OK or
 * HT_EINVAL with `problem`. */
int alipay_result_parse(struct str content, struct arena *arena, struct alipay_result *out,
                        struct alipay_problem *problem);

#endif
