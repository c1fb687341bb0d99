/* agreements.c — password-free agreements and their caps (see agreements.h). */
#include "pay/agreements.h"

#include <string.h>

#include "app.h"
#include "core/code.h"
#include "core/status.h"
#include "pay/payments.h"
#include "platform/log.h"

int64_t agreements_per_payment_max(const struct app *app) {
  return app->wallets.password_free_per_payment_minor > 0 ? app->wallets.password_free_per_payment_minor
                                                          : PASSWORD_FREE_PER_PAYMENT_MINOR_DEFAULT;
}

int64_t agreements_daily_max(const struct app *app) {
  return app->wallets.password_free_daily_minor > 0 ? app->wallets.password_free_daily_minor
                                                    : PASSWORD_FREE_DAILY_MINOR_DEFAULT;
}

int64_t pay_code_daily_max(const struct app *app) {
  return app->wallets.pay_code_daily_minor > 0 ? app->wallets.pay_code_daily_minor
                                               : PAY_CODE_DAILY_MINOR_DEFAULT;
}

static int refuse(struct agreement_problem *p, int status, const char *code, const char *field,
                  const char *message) {
  *p = (struct agreement_problem){status, code, field, message};
  return HT_EINVAL;
}

int agreements_sign(struct pay_ctx *ctx, struct db *db, int64_t merchant_id,
                    const struct pay_channel *channel, enum currency currency, int64_t per_payment_cap_minor,
                    int64_t daily_cap_minor, struct agreement_row *out, struct agreement_problem *problem) {
  int64_t per_max = agreements_per_payment_max(ctx->app), daily_max = agreements_daily_max(ctx->app);
  if (!channel->approve_password_free)
    return refuse(
        problem, 422, "unsupported_channel", "channel",
        "this wallet's password-free payments are signed with the wallet itself (see docs/WALLETS.md)");
  if (per_payment_cap_minor == 0) per_payment_cap_minor = per_max < daily_max ? per_max : daily_max;
  if (daily_cap_minor == 0) daily_cap_minor = daily_max;
  if (per_payment_cap_minor < 1 || per_payment_cap_minor > per_max)
    return refuse(problem, 422, "out_of_range", "per_payment_cap_minor",
                  "the per-payment cap must be positive and at most the configured maximum");
  if (daily_cap_minor < 1 || daily_cap_minor > daily_max)
    return refuse(problem, 422, "out_of_range", "daily_cap_minor",
                  "the daily cap must be positive and at most the configured maximum");
  if (per_payment_cap_minor > daily_cap_minor)
    return refuse(problem, 422, "out_of_range", "per_payment_cap_minor",
                  "the per-payment cap cannot exceed the daily cap");
  *out = (struct agreement_row){.merchant_id = merchant_id,
                                .channel = str_from_cstr(channel->name),
                                .currency = currency,
                                .per_payment_cap_minor = per_payment_cap_minor,
                                .daily_cap_minor = daily_cap_minor,
                                .created_at_ms = ctx->now_ms};
  return store_agreement_insert(db, out);
}

/* Everything of one password-free approval, inside the transaction. */
static int approve(struct pay_ctx *ctx, struct db *db, struct str token,
                   const struct channel_call_row *payment, const struct pay_channel *channel) {
  struct agreement_row a;
  int rc = store_agreement_by_token(db, ctx->arena, token, true, &a);
  if (rc != HT_OK) return rc;
  if (!a.active || a.merchant_id != payment->merchant_id ||
      !str_eq(a.channel, str_from_cstr(channel->name)) || a.currency != payment->currency)
    return HT_ECONFLICT;
  if (payment->amount_minor > a.per_payment_cap_minor) return HT_ERANGE;
  int64_t day = pay_day_beijing(ctx->now_ms);
  rc = store_agreement_consume(db, a.id, day, payment->amount_minor, a.daily_cap_minor);
  if (rc == HT_OK)
    rc = store_agreement_payment_record(db, payment->id, a.id, day, payment->amount_minor, ctx->now_ms);
  struct pay_answer answer;
  if (rc == HT_OK) rc = channel->approve_password_free(ctx, payment, &answer);
  enum answer_result result = ANSWER_REJECTED;
  char reason[160] = "";
  if (rc == HT_OK) rc = payments_apply_answer(ctx, db, &answer, &result, reason);
  if (rc == HT_OK && result != ANSWER_APPLIED) {
    log_event(LOG_WARN, NULL, "password-free approval of %s not applied: %s", payment->reference,
              reason[0] ? reason : "duplicate");
    rc = HT_ECONFLICT;
  }
  return rc;
}

int agreements_pay(struct pay_ctx *ctx, struct db *db, struct str token,
                   const struct channel_call_row *payment, const struct pay_channel *channel) {
  char canonical[CODE_LEN_MAX + 1];
  size_t len = 0;
  if (code_normalize(token, canonical, sizeof canonical, &len) != HT_OK || len != CODE_PRIVATE_LEN)
    return HT_ENOTFOUND;
  struct pay_ctx call = *ctx;
  call.db = db;
  int rc = db_begin(db, true);
  if (rc != HT_OK) return rc;
  rc = approve(&call, db, str_from_cstr(canonical), payment, channel);
  if (rc == HT_OK) return db_commit(db);
  db_rollback(db);
  return rc;
}
