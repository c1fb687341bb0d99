/* clock.c — wall clock with a test offset, and a monotonic clock (see clock.h). */
#include "platform/clock.h"

#include <stdatomic.h>
#include <stdio.h>
#include <time.h>

static _Atomic int64_t offset_ms;

int64_t clock_now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000 + atomic_load(&offset_ms);
}

int64_t clock_monotonic_us(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

void clock_advance_ms(int64_t delta_ms) { atomic_fetch_add(&offset_ms, delta_ms); }

char *clock_format_rfc3339(int64_t ms, char out[CLOCK_RFC3339_BYTES]) {
  time_t seconds = (time_t)(ms / 1000);
  int millis = (int)(ms % 1000);
  if (millis < 0) millis += 1000, seconds--;
  struct tm tm;
  gmtime_r(&seconds, &tm);
  /* Years beyond 9999 cannot come from an int64 millisecond clock we accept; clamp anyway so
   * the output always fits. */
  int year = tm.tm_year + 1900;
  if (year < 0) year = 0;
  if (year > 9999) year = 9999;
  snprintf(out, CLOCK_RFC3339_BYTES, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", year, (tm.tm_mon + 1) % 100,
           tm.tm_mday % 100, tm.tm_hour % 100, tm.tm_min % 100, tm.tm_sec % 100, millis % 1000);
  return out;
}
