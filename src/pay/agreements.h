/*
 * agreements.h — password-free (免密) payments and the day-based caps of the Wallets issue.
 *
 * A buyer signs an agreement with one shop for one wallet, with a per-payment cap and a daily
 * cap (at most, and by default, ¥200 and ¥1,000; configurable). A payment through that wallet
 * presenting the agreement's token is approved without the buyer's confirmation when it fits
 * both caps: the agreement row is locked, the day's usage grows by a conditional UPDATE that
 * only succeeds while the sum stays within the daily cap, the wallet approves, and the ledger
 * takes the money into escrow — all in one database transaction, so no interleaving of
 * concurrent payments can exceed a cap. Anything else (above a cap, revoked, another shop,
 * wallet or currency) falls back to the normal confirmation. Only channels with
 * approve_password_free (the sandbox wallet) honour agreements; docs/WALLETS.md says how the
 * same maps onto WeChat Pay's 委托代扣 and Alipay's 商户代扣.
 *
 * Days are Beijing calendar days (UTC+8, no daylight saving): a cap resets at midnight in
 * China, where the buyers and both wallets count their own limits.
 */
#ifndef HUTONG_PAY_AGREEMENTS_H
#define HUTONG_PAY_AGREEMENTS_H

#include <stdint.h>

#include "pay/channel.h"
#include "store/wallets.h"

/* Defaults (and maxima) of an agreement's caps: ¥200 per payment, ¥1,000 per day — the
 * figures of the issue, the order of the wallets' own small-payment limits. */
#define PASSWORD_FREE_PER_PAYMENT_MINOR_DEFAULT 20000
#define PASSWORD_FREE_DAILY_MINOR_DEFAULT       100000
/* What one buyer may ask to pay one shop per day through its static pay code: ¥500. */
#define PAY_CODE_DAILY_MINOR_DEFAULT 50000
/* Milliseconds of Beijing time's offset from UTC (UTC+8 all year since 1991). */
#define BEIJING_OFFSET_MS (8LL * 3600 * 1000)
#define DAY_MS            (24LL * 3600 * 1000)

/* The Beijing calendar day of `now_ms`, as days since 1970-01-01. */
static inline int64_t pay_day_beijing(int64_t now_ms) {
  int64_t t = now_ms + BEIJING_OFFSET_MS;
  return t >= 0 ? t / DAY_MS : -((-t + DAY_MS - 1) / DAY_MS);
}

/* The configured caps (the app's wallet policy, or the defaults when unset). */
int64_t agreements_per_payment_max(const struct app *app);
int64_t agreements_daily_max(const struct app *app);
int64_t pay_code_daily_max(const struct app *app);

/* Why an agreement could not be signed, for a 4xx naming the field. */
struct agreement_problem {
  int status;
  const char *code;
  const char *field;
  const char *message;
};

/* Signs an agreement between a buyer and `merchant_id` for `channel` in `currency`, with the
 * given caps (0: the configured maximum). Caps must be positive, within the configured maxima,
 * and per-payment ≤ daily. HT_EINVAL with `problem` filled; storage errors otherwise. Runs in
 * the caller's write transaction. */
int agreements_sign(struct pay_ctx *ctx, struct db *db, int64_t merchant_id,
                    const struct pay_channel *channel, enum currency currency, int64_t per_payment_cap_minor,
                    int64_t daily_cap_minor, struct agreement_row *out, struct agreement_problem *problem);

/* Approves `payment` (pending, just started at `channel`) under the agreement `token`, in its
 * own write transaction on `db`: HT_OK when approved and captured; HT_ERANGE above a cap;
 * HT_ECONFLICT when the agreement is revoked or does not fit the payment (shop, wallet,
 * currency); HT_ENOTFOUND for an unknown token; storage errors otherwise. Nothing changes
 * unless HT_OK. */
int agreements_pay(struct pay_ctx *ctx, struct db *db, struct str token,
                   const struct channel_call_row *payment, const struct pay_channel *channel);

#endif
