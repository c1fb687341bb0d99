/*
 * channel.h — one interface for every wallet: start a payment, query it, close it, refund,
 * pay out, and read a notification. The sandbox wallet (sandbox.c) is the embedded default;
 * WeChat Pay, Alipay and others plug in behind the same table of functions.
 *
 * Every call reports an `enum channel_outcome` (core/channel_call.h): succeeded, failed, in
 * progress, or timeout — an answer that never came. A timeout leaves our record UNKNOWN and the
 * reconciliation job asks the channel later; money never moves on a guess.
 */
#ifndef HUTONG_PAY_CHANNEL_H
#define HUTONG_PAY_CHANNEL_H

#include <stdbool.h>
#include <stdint.h>

#include "core/arena.h"
#include "core/channel_call.h"
#include "core/client.h"
#include "core/money.h"
#include "store/db.h"
#include "store/payments.h"

struct app;

/* Channel ids: stored in payments, refunds, payouts and clearing accounts. Never reuse one. */
enum pay_channel_id {
  PAY_CHANNEL_SANDBOX = 1,
  PAY_CHANNEL_WECHATPAY = 2,
  PAY_CHANNEL_ALIPAY = 3,
};

/* What a channel call may use: the app (configuration), an arena for its results, "now", a
 * database connection with no transaction open (for the channel's own records: the sandbox
 * wallet's trades, the pay pages of WeChat Pay and Alipay, and their credentials), and the
 * merchant whose credentials the call uses (0 when not known: a notification on the
 * merchant-less URL /notify/{channel}, which only the sandbox wallet accepts). */
struct pay_ctx {
  struct app *app;
  struct arena *arena;
  struct db *db;
  int64_t now_ms;
  int64_t merchant_id;
};

struct pay_start {
  const char *reference; /* our out_trade_no */
  int64_t amount_minor;
  enum currency currency;
  struct str subject;     /* what the buyer sees on the wallet's page */
  const char *notify_url; /* where the channel sends its notification */
  const char *return_url; /* where the buyer goes back to */
  struct client_info client;
  struct str payer_id; /* the buyer's id at the wallet when known before paying (WeChat openid,
                          for JSAPI); empty otherwise */
};

struct pay_started {
  enum channel_outcome outcome; /* IN_PROGRESS: created, waiting for the buyer */
  struct str pay_url;           /* where to send the buyer (a wallet page or the channel's) */
  struct str channel_ref;       /* the channel's trade number, when it gives one */
  char error[160];              /* why, for FAILED */
};

/* The channel's word on one of our calls, from a query, a synchronous answer or a
 * notification. */
struct pay_answer {
  enum call_kind kind; /* CALL_PAYMENT or CALL_REFUND */
  struct str reference;
  enum channel_outcome outcome;
  int64_t amount_minor;
  enum currency currency;
  struct str channel_ref;
  struct str notification_id; /* notifications only: the channel's id of this delivery */
};

/* A notification as it arrived: raw body and a header lookup. */
struct pay_notification_in {
  struct str body;
  struct str (*header)(void *ctx, const char *name);
  void *header_ctx;
};

/* What the notification endpoint answers, in the channel's own terms. */
struct pay_notification_reply {
  int status;
  const char *content_type;
  const char *body;
};

struct pay_channel {
  const char *name;
  enum pay_channel_id id;
  int (*start_payment)(struct pay_ctx *ctx, const struct pay_start *in, struct pay_started *out);
  int (*query_payment)(struct pay_ctx *ctx, const struct channel_call_row *payment, struct pay_answer *out);
  int (*close_payment)(struct pay_ctx *ctx, const struct channel_call_row *payment);
  int (*refund)(struct pay_ctx *ctx, const struct channel_call_row *refund,
                const struct channel_call_row *payment, struct pay_answer *out);
  int (*payout)(struct pay_ctx *ctx, const struct channel_call_row *payout, enum channel_outcome *outcome);
  /* Verifies and parses a notification; HT_EAUTH (bad signature, stale time) or HT_EINVAL
   * (malformed) with `reason` filled, nothing applied. */
  int (*read_notification)(struct pay_ctx *ctx, const struct pay_notification_in *in, struct pay_answer *out,
                           char reason[160]);
  void (*notification_reply)(bool accepted, int http_status_on_failure, struct pay_notification_reply *out);
  /* Optional (NULL when the channel cannot): approves `payment`, which the channel has just
   * started, at once under a password-free agreement, without the buyer's confirmation. Runs
   * inside the caller's write transaction on ctx->db, together with the agreement's cap check
   * and the ledger posting, and fills `out` with the channel's SUCCEEDED answer. Only a wallet
   * that is ours can honour this synchronously (the sandbox); WeChat Pay's and Alipay's
   * agreements work differently (docs/WALLETS.md). */
  int (*approve_password_free)(struct pay_ctx *ctx, const struct channel_call_row *payment,
                               struct pay_answer *out);
};

/* The channel registered under `name` ("sandbox", ...), or NULL. */
const struct pay_channel *pay_channel_find(struct str name);

/* The channel with `id`, or NULL. */
const struct pay_channel *pay_channel_by_id(int64_t id);

#endif
