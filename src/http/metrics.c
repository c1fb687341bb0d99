/* metrics.c — lock-free counters for /metrics (see metrics.h). */
#include "http/metrics.h"

#include <stdatomic.h>
#include <string.h>

#include "core/status.h"

/* Status codes we expect; anything else lands in the last slot ("other"). */
static const int tracked_status[] = {200, 201, 204, 302, 304, 400, 401, 403, 404, 405,
                                     409, 410, 413, 414, 415, 422, 429, 431, 500, 503};
#define STATUS_SLOTS (sizeof tracked_status / sizeof tracked_status[0] + 1)
/* Histogram upper bounds in microseconds (Prometheus renders them in seconds). */
static const int64_t bucket_us[] = {100,   250,   500,   1000,   2500,   5000,
                                    10000, 25000, 50000, 100000, 250000, 1000000};
#define BUCKETS (sizeof bucket_us / sizeof bucket_us[0])

struct route_metrics {
  _Atomic uint64_t by_status[STATUS_SLOTS];
  _Atomic uint64_t bucket[BUCKETS + 1]; /* last: +Inf */
  _Atomic uint64_t duration_us_sum;
};

static struct route_metrics per_route[ROUTES_MAX + 1];
static const struct route *table;
static size_t table_count;
static _Atomic uint64_t db_errors;
static _Atomic int64_t in_flight;
static _Atomic int64_t long_polls_held;
static _Atomic uint64_t rejected;

void metrics_init(const struct route *routes, size_t count) {
  table = routes;
  table_count = count < ROUTES_MAX ? count : ROUTES_MAX;
}

static size_t status_slot(int status) {
  for (size_t i = 0; i + 1 < STATUS_SLOTS; i++)
    if (tracked_status[i] == status) return i;
  return STATUS_SLOTS - 1;
}

void metrics_observe(size_t route_index, int status, int64_t duration_us) {
  if (route_index > table_count) route_index = table_count;
  struct route_metrics *m = &per_route[route_index];
  atomic_fetch_add_explicit(&m->by_status[status_slot(status)], 1, memory_order_relaxed);
  size_t b = 0;
  while (b < BUCKETS && duration_us > bucket_us[b]) b++;
  atomic_fetch_add_explicit(&m->bucket[b], 1, memory_order_relaxed);
  atomic_fetch_add_explicit(&m->duration_us_sum, (uint64_t)(duration_us > 0 ? duration_us : 0),
                            memory_order_relaxed);
}

void metrics_db_error(void) { atomic_fetch_add_explicit(&db_errors, 1, memory_order_relaxed); }
void metrics_in_flight(int delta) { atomic_fetch_add_explicit(&in_flight, delta, memory_order_relaxed); }
void metrics_long_polls_held(int delta) {
  atomic_fetch_add_explicit(&long_polls_held, delta, memory_order_relaxed);
}
void metrics_rejected(void) { atomic_fetch_add_explicit(&rejected, 1, memory_order_relaxed); }

static void route_label(size_t i, const char **method, const char **pattern) {
  if (i < table_count)
    *method = http_method_name(table[i].method), *pattern = table[i].pattern;
  else
    *method = "", *pattern = "unmatched";
}

static int render_requests(struct buf *out) {
  int rc = buf_append_cstr(out, "# HELP hutong_http_requests_total HTTP requests by route and status.\n"
                                "# TYPE hutong_http_requests_total counter\n");
  for (size_t i = 0; i <= table_count && rc == HT_OK; i++) {
    const char *method, *pattern;
    route_label(i, &method, &pattern);
    for (size_t s = 0; s < STATUS_SLOTS && rc == HT_OK; s++) {
      uint64_t n = atomic_load_explicit(&per_route[i].by_status[s], memory_order_relaxed);
      if (!n) continue;
      if (s + 1 < STATUS_SLOTS)
        rc = buf_printf(out, "hutong_http_requests_total{method=\"%s\",route=\"%s\",status=\"%d\"} %llu\n",
                        method, pattern, tracked_status[s], (unsigned long long)n);
      else
        rc = buf_printf(out, "hutong_http_requests_total{method=\"%s\",route=\"%s\",status=\"other\"} %llu\n",
                        method, pattern, (unsigned long long)n);
    }
  }
  return rc;
}

static int render_histogram(struct buf *out, size_t i) {
  const char *method, *pattern;
  route_label(i, &method, &pattern);
  uint64_t cumulative = 0;
  int rc = HT_OK;
  for (size_t b = 0; b <= BUCKETS && rc == HT_OK; b++) {
    cumulative += atomic_load_explicit(&per_route[i].bucket[b], memory_order_relaxed);
    if (b < BUCKETS)
      rc = buf_printf(
          out, "hutong_http_request_duration_seconds_bucket{method=\"%s\",route=\"%s\",le=\"%g\"} %llu\n",
          method, pattern, (double)bucket_us[b] / 1e6, (unsigned long long)cumulative);
    else
      rc = buf_printf(
          out, "hutong_http_request_duration_seconds_bucket{method=\"%s\",route=\"%s\",le=\"+Inf\"} %llu\n",
          method, pattern, (unsigned long long)cumulative);
  }
  uint64_t sum_us = atomic_load_explicit(&per_route[i].duration_us_sum, memory_order_relaxed);
  if (rc == HT_OK)
    rc = buf_printf(out,
                    "hutong_http_request_duration_seconds_sum{method=\"%s\",route=\"%s\"} %.6f\n"
                    "hutong_http_request_duration_seconds_count{method=\"%s\",route=\"%s\"} %llu\n",
                    method, pattern, (double)sum_us / 1e6, method, pattern, (unsigned long long)cumulative);
  return rc;
}

int metrics_render(struct buf *out) {
  int rc = render_requests(out);
  if (rc == HT_OK)
    rc = buf_append_cstr(out, "# HELP hutong_http_request_duration_seconds Request latency by route.\n"
                              "# TYPE hutong_http_request_duration_seconds histogram\n");
  for (size_t i = 0; i <= table_count && rc == HT_OK; i++) {
    uint64_t any = 0;
    for (size_t b = 0; b <= BUCKETS; b++)
      any += atomic_load_explicit(&per_route[i].bucket[b], memory_order_relaxed);
    if (any) rc = render_histogram(out, i);
  }
  if (rc == HT_OK)
    rc = buf_printf(out,
                    "# HELP hutong_db_errors_total Database errors answered with a 500.\n"
                    "# TYPE hutong_db_errors_total counter\nhutong_db_errors_total %llu\n"
                    "# HELP hutong_http_in_flight Requests being processed.\n"
                    "# TYPE hutong_http_in_flight gauge\nhutong_http_in_flight %lld\n"
                    "# HELP hutong_http_long_polls_held Long-polls waiting for a change (in flight too).\n"
                    "# TYPE hutong_http_long_polls_held gauge\nhutong_http_long_polls_held %lld\n"
                    "# HELP hutong_http_rejected_total Requests refused before routing (size limits).\n"
                    "# TYPE hutong_http_rejected_total counter\nhutong_http_rejected_total %llu\n",
                    (unsigned long long)atomic_load(&db_errors), (long long)atomic_load(&in_flight),
                    (long long)atomic_load(&long_polls_held), (unsigned long long)atomic_load(&rejected));
  return rc;
}
