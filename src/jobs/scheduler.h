/*
 * scheduler.h — the background jobs: due order timers (unpaid close, auto-confirm), refunds
 * to make at channels, reconciliation of payments whose outcome is unknown or stuck,
 * notifications the sandbox wallet owes, the daily payout batch, and purges of expired
 * idempotency keys and hand-offs.
 *
 * One thread runs every job each tick (SCHEDULER_TICK_MS). Every job is idempotent: it works
 * from the database's state, not from memory, so a restart or a second node repeats nothing
 * that already happened (the escrow version check and the channel-call status transitions
 * make a repeated step a no-op). With several nodes, one runs the jobs at a time: each tick
 * first takes the cluster-wide jobs lock (store/jobs_lock.h), and when the node holding it
 * dies another takes over at its next tick. Per node, by design: the click queue's flush
 * (each node writes the opens it recorded) and the link guard's feed reload (each node
 * watches its own files; change them on every node).
 */
#ifndef HUTONG_JOBS_SCHEDULER_H
#define HUTONG_JOBS_SCHEDULER_H

#include <stddef.h>

#include "pay/payments.h"

#include "pay/credentials.h"

struct app;
struct scheduler;

/* How often the jobs run. */
#define SCHEDULER_TICK_MS 500
/* Items one job handles per tick (the rest wait for the next tick). */
#define SCHEDULER_BATCH_MAX 64
/* A payment still pending this long is asked about (the buyer may have paid and the
 * notification been lost). */
#define RECONCILE_PENDING_AFTER_MS (2 * 60 * 1000)
/* A payment attempt is recorded UNKNOWN before its channel is called. When the call times out
 * the record is touched and reconciliation asks the channel at once (a trade the wallet made
 * is then found and waits for the buyer); a record still untouched may have its call in
 * flight and is asked about only after PAYMENT_START_SETTLE_MS (pay/payments.h), which also
 * bounds when a wallet's "no such trade" is believed. A process that died during the call is
 * covered by the same delay. */
#define RECONCILE_UNKNOWN_AFTER_MS PAYMENT_START_SETTLE_MS
/* The daily payout batch runs once per this interval. */
#define PAYOUT_BATCH_INTERVAL_MS (24LL * 3600 * 1000)

/* Starts the scheduler thread. The caller owns it. */
int scheduler_start(struct app *app, struct scheduler **out);

/* Runs every job once, now, on the calling thread (the test hook), after any tick running on
 * this node; returns 0 at once when another node holds the jobs lock. Returns how many items
 * were handled. */
size_t scheduler_run_once(struct app *app);

/* The same, but when another runner holds the jobs lock (the background thread's tick, or
 * another node on PostgreSQL) it waits for it, retrying every SCHEDULER_RUN_NOW_RETRY_MS for
 * at most SCHEDULER_RUN_NOW_WAIT_MS, so that "run the jobs now" (POST /_test/jobs) has run
 * them when it answers. */
#define SCHEDULER_RUN_NOW_WAIT_MS  10000
#define SCHEDULER_RUN_NOW_RETRY_MS 20
size_t scheduler_run_now(struct app *app);

/* Stops the thread (finishing the current tick) and frees it. NULL is allowed. */
void scheduler_stop(struct scheduler *scheduler);

#endif
