/*
 * wallets.h — the tables of migration 0005: merchants' channel credentials, the data of a
 * wallet's pay page, password-free (免密) agreements with their daily usage, and the daily
 * usage of static pay codes per buyer.
 *
 * These functions only read and write. Credentials arrive here already split and sealed
 * (pay/credentials.h): this layer never sees a secret in the clear. The two "consume"
 * functions are the atomic cap checks: a conditional UPDATE that adds an amount to a day's
 * usage only while the sum stays within the cap, in the caller's transaction — so two racing
 * payments can never both pass a cap that has room for one, on either engine (SQLite's one
 * writer; PostgreSQL's row lock, after which the WHERE is evaluated again on the new row).
 */
#ifndef HUTONG_STORE_WALLETS_H
#define HUTONG_STORE_WALLETS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/arena.h"
#include "core/code.h"
#include "core/money.h"
#include "store/db.h"

/* ---- channel credentials ---- */

struct credentials_row {
  int64_t merchant_id;
  struct str channel;    /* "wechatpay" or "alipay" */
  struct str config;     /* non-secret fields, JSON */
  struct str secret_box; /* secret fields, JSON sealed by core/secretbox */
  int64_t created_at_ms;
  int64_t updated_at_ms;
};

/* Inserts or replaces the credentials of (merchant, channel). HT_ENOTFOUND when the merchant
 * does not exist. */
int store_credentials_put(struct db *db, int64_t merchant_id, struct str channel, struct str config,
                          struct str secret_box, int64_t now_ms);

/* Reads the credentials of (merchant, channel), strings copied into `arena`. HT_ENOTFOUND when
 * none are configured. */
int store_credentials_get(struct db *db, struct arena *arena, int64_t merchant_id, struct str channel,
                          struct credentials_row *out);

/* Up to `limit` configured (merchant, channel) pairs after (after_merchant_id, after_channel)
 * in that order, into `out` (only merchant_id and channel set; channel copied into `arena`):
 * start with (0, ""), continue from the last pair until *count < limit. */
int store_credentials_next(struct db *db, struct arena *arena, int64_t after_merchant_id,
                           struct str after_channel, size_t limit, struct credentials_row *out,
                           size_t *count);

/* ---- pay pages ---- */

/* What one payment's page shows: "qr" (text to render as a QR code) or "jsapi" (the JSON
 * parameters of WeChat's in-app payment). */
struct payment_page {
  struct str channel, kind, data;
  int64_t created_at_ms;
};

/* Records (or replaces) the page data of payment `reference`. */
int store_payment_page_put(struct db *db, struct str reference, struct str channel, struct str kind,
                           struct str data, int64_t now_ms);

/* Reads it into `arena`; HT_ENOTFOUND when the payment has no page. */
int store_payment_page_get(struct db *db, struct arena *arena, struct str reference,
                           struct payment_page *out);

/* ---- password-free agreements ---- */

struct agreement_row {
  int64_t id;
  char token[CODE_PRIVATE_LEN + 1]; /* the buyer's credential for the agreement (80 random bits) */
  int64_t merchant_id;
  struct str channel;
  enum currency currency;
  int64_t per_payment_cap_minor;
  int64_t daily_cap_minor;
  bool active;
  int64_t created_at_ms;
  int64_t revoked_at_ms; /* 0 while active */
};

/* Inserts an active agreement, generating its token (row->token) and id. */
int store_agreement_insert(struct db *db, struct agreement_row *row);

/* Reads an agreement by token. With `lock`, the row stays locked for the rest of the
 * transaction (FOR UPDATE on PostgreSQL), so a revocation and a payment are ordered.
 * HT_ENOTFOUND when absent. */
int store_agreement_by_token(struct db *db, struct arena *arena, struct str token, bool lock,
                             struct agreement_row *out);

/* Revokes agreement `id`. HT_ECONFLICT when it is already revoked. */
int store_agreement_revoke(struct db *db, int64_t id, int64_t now_ms);

/* The usage of agreement `id` on `day`: amount and count of password-free payments (0, 0 when
 * none). */
int store_agreement_usage(struct db *db, int64_t id, int64_t day, int64_t *used_minor, int64_t *payments);

/* Adds `amount_minor` to agreement `id`'s usage on `day` if the result stays within
 * `daily_cap_minor`: HT_OK when added, HT_ERANGE when it would exceed the cap (nothing
 * changed). Atomic within the caller's write transaction. */
int store_agreement_consume(struct db *db, int64_t id, int64_t day, int64_t amount_minor,
                            int64_t daily_cap_minor);

/* Records that payment `payment_id` was approved under agreement `agreement_id`. */
int store_agreement_payment_record(struct db *db, int64_t payment_id, int64_t agreement_id, int64_t day,
                                   int64_t amount_minor, int64_t now_ms);

/* True (in *yes) when payment `payment_id` was approved password-free. */
int store_agreement_payment_exists(struct db *db, int64_t payment_id, bool *yes);

/* ---- static pay codes ---- */

/* Adds `amount_minor` to what `buyer_key` asked to pay merchant `merchant_id` on `day` through
 * its static pay code, if the sum stays within `cap_minor`: HT_OK, or HT_ERANGE (nothing
 * changed). Atomic within the caller's write transaction. */
int store_pay_code_consume(struct db *db, int64_t merchant_id, struct str buyer_key, int64_t day,
                           int64_t amount_minor, int64_t cap_minor);

/* What `buyer_key` has used on `day` (0 when nothing). */
int store_pay_code_usage(struct db *db, int64_t merchant_id, struct str buyer_key, int64_t day,
                         int64_t *used_minor);

#endif
