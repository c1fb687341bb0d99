/*
 * app.h — the application context every handler and job receives.
 *
 * One `struct app` exists per process, built by `hutong serve` from the configuration. It
 * holds what is shared and read-mostly: configuration, the database pool, the server secret,
 * the click queue. Nothing in it is mutated by handlers without its own synchronization (the
 * sandbox fault knobs are atomics).
 */
#ifndef HUTONG_APP_H
#define HUTONG_APP_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/escrow.h"
#include "core/settlement.h"

struct db_pool;
struct click_queue;
struct guard_state;
struct jobs_lock;

/* Longest configured public base URL ("https://shop.example.com"). */
#define APP_PUBLIC_URL_BYTES 256
/* The server secret, as configured (hex or any text ≥ APP_SECRET_MIN_BYTES). */
#define APP_SECRET_BYTES_MAX 256
#define APP_SECRET_MIN_BYTES 32
/* Share tokens live 30 days unless the share request says otherwise (issue #3). */
#define APP_TOKEN_TTL_DAYS_DEFAULT 30

/* Knobs that make the sandbox wallet misbehave like a real one, set through the test hooks. */
struct sandbox_faults {
  _Atomic int timeout_starts;    /* the next N payment starts time out (after the wallet made the trade) */
  _Atomic int timeout_refunds;   /* the next N refunds time out (after the wallet made the refund) */
  _Atomic int duplicate_notices; /* deliver each notification this many extra times */
  _Atomic int notice_delay_ms;   /* wait this long before delivering a notification */
};

/* The wallet limits of the Wallets issue; zero means the default (pay/agreements.h). */
struct wallet_policy {
  int64_t password_free_per_payment_minor; /* default and largest per-payment cap of an agreement */
  int64_t password_free_daily_minor;       /* default and largest daily cap of an agreement */
  int64_t pay_code_daily_minor;            /* what one buyer may pay one shop a day by its static code */
};

struct app {
  struct db_pool *pool;
  struct jobs_lock *jobs_lock; /* which node runs the background jobs (store/jobs_lock.h) */
  struct click_queue *clicks;
  struct guard_state *guard;
  char public_url[APP_PUBLIC_URL_BYTES];      /* no trailing slash */
  char notify_base_url[APP_PUBLIC_URL_BYTES]; /* where channels send notifications (default: public URL) */
  char secret[APP_SECRET_BYTES_MAX + 1];
  size_t secret_len;
  int64_t token_ttl_ms;          /* default lifetime of a share token */
  struct escrow_policy escrow;   /* unpaid close, auto-confirm times, platform fee */
  struct payout_policy payouts;  /* daily batch minimum */
  bool test_hooks;               /* HUTONG_TEST_HOOKS=1: /_test endpoints for the test suites */
  unsigned char sandbox_key[32]; /* the sandbox wallet's notification signing key (from the secret) */
  unsigned char link_key[32];    /* signs the /go links our pages emit (from the secret) */
  struct sandbox_faults sandbox;
  _Atomic int jobs_stall_ms; /* tests: the next tick holds the jobs lock this long after its first timer */
  struct wallet_policy wallets;
};

#endif
