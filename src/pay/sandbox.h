/*
 * sandbox.h — the sandbox wallet: a complete, local stand-in for a real wallet.
 *
 * It has its own records (store/sandbox.h), a page where the buyer approves or declines
 * (/pay/sandbox/{trade_no}, web layer), and its own published protocol, written here:
 *
 *   Notification: POST to the notify_url given at creation, Content-Type application/json,
 *     body   {"id": "<delivery id>", "type": "payment", "trade_no", "out_trade_no",
 *             "status": "SUCCESS"|"CLOSED", "amount": <minor units>, "currency": "CNY"}
 *     headers X-Sandbox-Timestamp: <unix seconds>, X-Sandbox-Nonce: <32 hex>,
 *             X-Sandbox-Signature: hex(HMAC-SHA256(key, timestamp "\n" nonce "\n" body "\n"))
 *     where key = HMAC-SHA256(HUTONG_SECRET, "hutong-sandbox-notify").
 *   The receiver answers 2xx {"code":"SUCCESS"} to acknowledge; anything else, or no answer,
 *   and the wallet retries with exponential backoff (1 s, 2 s, 4 s, ... up to
 *   SANDBOX_NOTIFY_ATTEMPTS_MAX). Timestamps more than 5 minutes off are rejected.
 *
 * Like a real wallet it may deliver a notification twice, late, or out of order, and a call
 * may time out after doing its work (struct sandbox_faults); our side must cope.
 */
#ifndef HUTONG_PAY_SANDBOX_H
#define HUTONG_PAY_SANDBOX_H

#include "pay/channel.h"
#include "store/sandbox.h"

/* Deliveries per trade before the wallet gives up (reconciliation still finds the payment). */
#define SANDBOX_NOTIFY_ATTEMPTS_MAX 8
/* Notifications whose timestamp is this far from our clock are refused (as WeChat Pay does). */
#define SANDBOX_NOTIFY_SKEW_MS (5 * 60 * 1000)
/* How long the wallet waits for our answer to a notification. */
#define SANDBOX_NOTIFY_TIMEOUT_MS 5000

extern const struct pay_channel pay_channel_sandbox;

/* Derives the notification key from the server secret into app->sandbox_key. */
void sandbox_init(struct app *app);

/* The buyer's decision on the wallet page: approve pays the trade, decline closes it; either
 * schedules the notification. HT_ECONFLICT when the trade was already decided. */
int sandbox_decide(struct pay_ctx *ctx, struct db *db, struct str trade_no, bool approve);

/* Delivers due notifications (called by the scheduler; performs HTTP). Returns how many were
 * attempted. */
size_t sandbox_deliver_due(struct pay_ctx *ctx, struct db *db);

/* Computes the signature header value for `ts`, `nonce`, `body` into `hex` (65 bytes). */
void sandbox_sign(const struct app *app, struct str ts, struct str nonce, struct str body, char hex[65]);

#endif
