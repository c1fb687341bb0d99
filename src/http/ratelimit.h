/*
 * ratelimit.h — fixed-window counters for what anyone may do without a key (create
 * hand-offs, attempt a dashboard login), keyed by an action name and the client address.
 *
 * Bounded: a fixed table of RATELIMIT_SLOTS counters; a slot belonging to another key is
 * taken over when its window has passed, and a colliding live slot simply shares its count
 * (which can only make the limit stricter, never looser). Per node: with several nodes each
 * enforces its own limit (docs/SCALING.md).
 */
#ifndef HUTONG_HTTP_RATELIMIT_H
#define HUTONG_HTTP_RATELIMIT_H

#include <stdbool.h>
#include <stdint.h>

/* Counters kept: enough for tens of thousands of distinct clients a minute. */
#define RATELIMIT_SLOTS 65536

/* Counts one attempt of `action` by `client`; true when it is within `limit` attempts per
 * `window_ms`, false when it should be refused (429). Thread-safe. */
bool ratelimit_allow(const char *action, const char *client, int limit, int64_t window_ms, int64_t now_ms);

/* True when `action` by `client` has already used its `limit` attempts in the current window
 * (without counting one). With ratelimit_allow() called only for failures, this limits
 * failures: a sign-in form checks it first and counts each wrong password. */
bool ratelimit_exhausted(const char *action, const char *client, int limit, int64_t window_ms,
                         int64_t now_ms);

/* Forgets every counter (tests and shutdown). */
void ratelimit_reset(void);

#endif
