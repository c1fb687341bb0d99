/* scheduler.c — the background jobs (see scheduler.h). */
#include "jobs/scheduler.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdlib.h>
#include <time.h>

#include "app.h"
#include "core/status.h"
#include "pay/orders.h"
#include "pay/payments.h"
#include "pay/sandbox.h"
#include "platform/clock.h"
#include "platform/log.h"
#include "store/idempotency.h"
#include "store/ledger.h"
#include "store/links.h"
#include "store/jobs_lock.h"
#include "store/pool.h"
#include "jobs/guard_state.h"

/* Arena of one tick: rows read by the jobs. */
#define SCHEDULER_ARENA_BYTES (4 * 1024 * 1024)
/* How often the feeds directory is looked at for changes. */
#define GUARD_FEEDS_CHECK_MS 5000
/* Expired hand-offs are kept a day for the "this code was used" page, then deleted. */
#define HANDOFF_KEEP_MS (24LL * 3600 * 1000)

struct scheduler {
  struct app *app;
  int64_t feeds_checked_ms;
  pthread_t thread;
  pthread_mutex_t lock;
  pthread_cond_t wake;
  bool stopping;
};

/* Tests only (HUTONG_TEST_HOOKS, /_test/jobs/stall): hold this tick, and with it the jobs
 * lock, for as long as asked, once, so that a test can kill the node in the middle of a job. */
static void stall_if_asked(struct app *app) {
  int ms = atomic_exchange(&app->jobs_stall_ms, 0);
  if (ms <= 0) return;
  log_event(LOG_WARN, NULL, "jobs: stalling this tick for %d ms (test hook)", ms);
  struct timespec pause = {.tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000L};
  while (nanosleep(&pause, &pause) != 0) continue;
}

static size_t run_timers(struct pay_ctx *ctx, struct db *db) {
  int64_t ids[SCHEDULER_BATCH_MAX];
  size_t count = 0, done = 0;
  if (store_orders_due(db, ctx->now_ms, SCHEDULER_BATCH_MAX, ids, &count) != HT_OK) return 0;
  for (size_t i = 0; i < count; i++) {
    struct escrow_event ev = {.kind = ESCROW_EV_TIMER_DUE};
    struct escrow_order after;
    bool applied = false;
    int rc = db_begin(db, true);
    if (rc == HT_OK) rc = orders_apply(ctx, db, ids[i], &ev, STR_LIT("timer"), &after, &applied);
    if (rc == HT_OK)
      rc = db_commit(db);
    else
      db_rollback(db);
    if (rc == HT_OK && applied && done++ == 0) stall_if_asked(ctx->app);
  }
  return done;
}

typedef int (*call_worker)(struct pay_ctx *ctx, struct db *db, int64_t id);

static size_t run_calls(struct pay_ctx *ctx, struct db *db, enum call_kind kind,
                        enum channel_call_status status, int64_t older_than_ms, call_worker work) {
  int64_t ids[SCHEDULER_BATCH_MAX];
  size_t count = 0, done = 0;
  if (store_calls_in_status(db, kind, status, ctx->now_ms - older_than_ms + 1, SCHEDULER_BATCH_MAX, ids,
                            &count) != HT_OK)
    return 0;
  for (size_t i = 0; i < count; i++)
    if (work(ctx, db, ids[i]) == HT_OK) done++;
  return done;
}

/* Refunds or payouts in `status` whose next attempt is due: each is marked attempted, with
 * its next attempt pushed back (core/channel_call.h), before it is sent. */
static size_t run_retried_calls(struct pay_ctx *ctx, struct db *db, enum call_kind kind,
                                enum channel_call_status status, call_worker work) {
  struct call_due due[SCHEDULER_BATCH_MAX];
  size_t count = 0, done = 0;
  if (store_calls_due(db, kind, status, ctx->now_ms, SCHEDULER_BATCH_MAX, due, &count) != HT_OK) return 0;
  for (size_t i = 0; i < count; i++) {
    int64_t attempts = due[i].attempts + 1;
    if (store_call_attempted(db, kind, due[i].id, attempts,
                             ctx->now_ms + channel_call_retry_delay_ms(attempts)) != HT_OK)
      continue;
    if (work(ctx, db, due[i].id) == HT_OK) done++;
  }
  return done;
}

/* Unknown payment attempts whose start call is over (see store_payments_unknown_due()). */
static size_t run_unknown_payments(struct pay_ctx *ctx, struct db *db) {
  int64_t ids[SCHEDULER_BATCH_MAX];
  size_t count = 0, done = 0;
  if (store_payments_unknown_due(db, ctx->now_ms - RECONCILE_UNKNOWN_AFTER_MS, SCHEDULER_BATCH_MAX, ids,
                                 &count) != HT_OK)
    return 0;
  for (size_t i = 0; i < count; i++)
    if (payments_reconcile(ctx, db, ids[i]) == HT_OK) done++;
  return done;
}

struct batch_ctx {
  struct pay_ctx *ctx;
  struct db *db;
  size_t done;
};

static void batch_one(void *user, int64_t merchant_id, enum currency currency, int64_t balance) {
  struct batch_ctx *b = user;
  struct channel_call_row payout;
  (void)balance;
  int rc = db_begin(b->db, true);
  if (rc == HT_OK) rc = payouts_request(b->ctx, b->db, merchant_id, currency, 0, &payout);
  if (rc == HT_OK)
    rc = db_commit(b->db);
  else
    db_rollback(b->db);
  if (rc == HT_OK) b->done++;
}

static size_t run_payout_batch(struct pay_ctx *ctx, struct db *db) {
  int64_t last = 0;
  if (store_job_last_run(db, "payout_batch", &last) != HT_OK || ctx->now_ms - last < PAYOUT_BATCH_INTERVAL_MS)
    return 0;
  struct batch_ctx b = {.ctx = ctx, .db = db};
  store_ledger_available_at_least(db, ctx->app->payouts.batch_min_minor, batch_one, &b);
  store_job_mark_run(db, "payout_batch", ctx->now_ms);
  if (b.done) log_event(LOG_INFO, NULL, "daily payout batch: %zu payouts requested", b.done);
  return b.done;
}

static void run_purges(struct pay_ctx *ctx, struct db *db) {
  store_idem_purge(db, ctx->now_ms - IDEMPOTENCY_RETENTION_MS, NULL);
  store_handoff_purge(db, ctx->now_ms - HANDOFF_KEEP_MS, NULL);
}

static size_t run_jobs(struct app *app, struct db *db) {
  struct arena arena;
  arena_init(&arena, SCHEDULER_ARENA_BYTES);
  struct pay_ctx ctx = {.app = app, .arena = &arena, .db = db, .now_ms = clock_now_ms()};
  size_t done = run_timers(&ctx, db);
  done += run_retried_calls(&ctx, db, CALL_REFUND, CHANNEL_CALL_PENDING, refunds_process);
  done += run_retried_calls(&ctx, db, CALL_REFUND, CHANNEL_CALL_UNKNOWN, refunds_process);
  done += run_unknown_payments(&ctx, db);
  done +=
      run_calls(&ctx, db, CALL_PAYMENT, CHANNEL_CALL_PENDING, RECONCILE_PENDING_AFTER_MS, payments_reconcile);
  done += run_retried_calls(&ctx, db, CALL_PAYOUT, CHANNEL_CALL_PENDING, payouts_process);
  done += run_retried_calls(&ctx, db, CALL_PAYOUT, CHANNEL_CALL_UNKNOWN, payouts_process);
  done += run_payout_batch(&ctx, db);
  done += sandbox_deliver_due(&ctx, db);
  run_purges(&ctx, db);
  arena_free_all(&arena);
  return done;
}

/* Runs every job once if this process gets the jobs lock (held on a session of its own, so
 * one node runs them at a time); false when another runner — the background thread, another
 * node — holds it. */
static bool run_once_locked(struct app *app, size_t *handled) {
  *handled = 0;
  if (!jobs_lock_acquire(app->jobs_lock)) return false;
  struct db *db;
  if (db_pool_acquire(app->pool, &db) == HT_OK) {
    *handled = run_jobs(app, db);
    db_pool_release(app->pool, db);
  }
  jobs_lock_release(app->jobs_lock);
  return true;
}

size_t scheduler_run_once(struct app *app) {
  size_t done = 0;
  run_once_locked(app, &done);
  return done;
}

size_t scheduler_run_now(struct app *app) {
  size_t done = 0;
  int64_t deadline_us = clock_monotonic_us() + SCHEDULER_RUN_NOW_WAIT_MS * 1000;
  while (!run_once_locked(app, &done) && clock_monotonic_us() < deadline_us) {
    struct timespec pause = {0, SCHEDULER_RUN_NOW_RETRY_MS * 1000000L};
    nanosleep(&pause, NULL);
  }
  return done;
}

static void *scheduler_thread(void *arg) {
  struct scheduler *s = arg;
  pthread_mutex_lock(&s->lock);
  while (!s->stopping) {
    pthread_mutex_unlock(&s->lock);
    scheduler_run_once(s->app);
    int64_t now = clock_now_ms();
    if (s->app->guard && now - s->feeds_checked_ms >= GUARD_FEEDS_CHECK_MS) {
      s->feeds_checked_ms = now; /* every node watches its own files: no cluster lock needed */
      char error[256];
      if (guard_feeds_changed(s->app->guard)) guard_reload(s->app->guard, error);
    }
    pthread_mutex_lock(&s->lock);
    struct timespec deadline;
    clock_gettime(CLOCK_MONOTONIC, &deadline);
    deadline.tv_nsec += (long)SCHEDULER_TICK_MS * 1000000L;
    while (deadline.tv_nsec >= 1000000000L) deadline.tv_sec++, deadline.tv_nsec -= 1000000000L;
    if (!s->stopping) pthread_cond_timedwait(&s->wake, &s->lock, &deadline);
  }
  pthread_mutex_unlock(&s->lock);
  return NULL;
}

int scheduler_start(struct app *app, struct scheduler **out) {
  struct scheduler *s = calloc(1, sizeof *s);
  if (!s) return HT_ENOMEM;
  s->app = app;
  pthread_mutex_init(&s->lock, NULL);
  pthread_condattr_t attr;
  pthread_condattr_init(&attr);
  pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
  pthread_cond_init(&s->wake, &attr);
  pthread_condattr_destroy(&attr);
  if (pthread_create(&s->thread, NULL, scheduler_thread, s) != 0) {
    free(s);
    return HT_EIO;
  }
  *out = s;
  return HT_OK;
}

void scheduler_stop(struct scheduler *s) {
  if (!s) return;
  pthread_mutex_lock(&s->lock);
  s->stopping = true;
  pthread_cond_signal(&s->wake);
  pthread_mutex_unlock(&s->lock);
  pthread_join(s->thread, NULL);
  pthread_cond_destroy(&s->wake);
  pthread_mutex_destroy(&s->lock);
  free(s);
}
