/*
 * sandbox.h — the sandbox wallet's own records (sandbox_trades, sandbox_refunds).
 *
 * The sandbox is a wallet that lives in the same binary; these tables are its side of the
 * world, touched only by src/pay/sandbox.c, never by the order code, exactly as a real wallet's
 * database would be out of our reach.
 */
#ifndef HUTONG_STORE_SANDBOX_H
#define HUTONG_STORE_SANDBOX_H

#include <stddef.h>
#include <stdint.h>

#include "core/arena.h"
#include "core/code.h"
#include "store/db.h"

struct sandbox_trade {
  char trade_no[CODE_PRIVATE_LEN + 1];
  struct str out_trade_no;
  int64_t amount_minor;
  struct str currency;
  struct str subject;
  struct str notify_url;
  struct str return_url;
  struct str status; /* "WAIT", "SUCCESS", "CLOSED" */
  int64_t refunded_minor;
  struct str notify_state; /* "none", "pending", "done", "failed" */
  int64_t notify_attempts;
  int64_t created_at_ms;
};

/* Creates a trade for out_trade_no, or finds the one already created (creation is idempotent
 * by out_trade_no, as with real wallets). Fills trade->trade_no. */
int store_sandbox_create(struct db *db, struct sandbox_trade *trade, int64_t now_ms);

/* Reads a trade by its trade_no, or by our out_trade_no. */
int store_sandbox_get(struct db *db, struct arena *arena, struct str trade_no, struct sandbox_trade *out);
int store_sandbox_by_out(struct db *db, struct arena *arena, struct str out_trade_no,
                         struct sandbox_trade *out);

/* Moves a WAIT trade to `status` and schedules its notification at `notify_at_ms`;
 * HT_ECONFLICT if not WAIT. */
int store_sandbox_decide(struct db *db, struct str trade_no, const char *status, int64_t now_ms,
                         int64_t notify_at_ms);

/* Records a refund once per out_refund_no; HT_ERANGE when it would exceed the trade. */
int store_sandbox_refund(struct db *db, struct str trade_no, struct str out_refund_no, int64_t amount_minor,
                         int64_t now_ms);

/* Trades whose notification is due (at most `limit`). */
int store_sandbox_due(struct db *db, struct arena *arena, int64_t now_ms, size_t limit,
                      struct sandbox_trade *out, size_t *count);

/* Records a delivery attempt: done, or retry at next_ms, or failed for good. */
int store_sandbox_notified(struct db *db, struct str trade_no, const char *state, int64_t next_ms);

#endif
