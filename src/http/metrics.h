/*
 * metrics.h — request counters and latency histograms in Prometheus text format.
 *
 * Counters are relaxed atomics indexed by route (one slot per route-table entry plus one for
 * requests that matched nothing) and by status code, so recording a request costs a few
 * uncontended increments and no lock. GET /metrics renders everything.
 */
#ifndef HUTONG_HTTP_METRICS_H
#define HUTONG_HTTP_METRICS_H

#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"
#include "http/router.h"

/* Prepares the counters for a route table of `count` routes (≤ ROUTES_MAX). */
void metrics_init(const struct route *routes, size_t count);

/* Records one finished request: `route_index` is the table index or `count` for unmatched. */
void metrics_observe(size_t route_index, int status, int64_t duration_us);

/* Counts one database error (also visible as a 500 in the request counters). */
void metrics_db_error(void);

/* Adjusts the in-flight request gauge by +1 or -1. */
void metrics_in_flight(int delta);

/* Adjusts the gauge of long-polls held without a thread (response_wait) by +1 or -1. */
void metrics_long_polls_held(int delta);

/* Counts one request rejected before routing (oversized headers or body). */
void metrics_rejected(void);

/* Appends the Prometheus exposition text to `out`. */
int metrics_render(struct buf *out);

#endif
