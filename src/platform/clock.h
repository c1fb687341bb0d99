/*
 * clock.h — the one clock of the process.
 *
 * Everything that needs "now" (timestamps in the store, timers, token lifetimes, log lines)
 * asks here, so that tests can move time: the wall clock plus an offset that only the test
 * hooks change. Durations are measured with the monotonic clock, which the offset never
 * touches.
 */
#ifndef HUTONG_PLATFORM_CLOCK_H
#define HUTONG_PLATFORM_CLOCK_H

#include <stdint.h>

/* Milliseconds since the Unix epoch, plus the test offset. Thread-safe. */
int64_t clock_now_ms(void);

/* Monotonic microseconds for measuring durations (not affected by the offset). */
int64_t clock_monotonic_us(void);

/* Moves the clock by `delta_ms` (tests only: reached through HUTONG_TEST_HOOKS). */
void clock_advance_ms(int64_t delta_ms);

/* Formats `ms` as RFC 3339 UTC with milliseconds ("2026-11-23T14:35:00.123Z") into `out`
 * (at least CLOCK_RFC3339_BYTES). Returns `out`. */
#define CLOCK_RFC3339_BYTES 32
char *clock_format_rfc3339(int64_t ms, char out[CLOCK_RFC3339_BYTES]);

#endif
