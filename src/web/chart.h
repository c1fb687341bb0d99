/*
 * chart.h — bar charts drawn as SVG on the server: no chart library, no script.
 *
 * A chart is a list of horizontal bars (one per client app, or per channel), each split into
 * up to CHART_SERIES_MAX stacked parts (link clicks, QR scans, token opens, hand-offs), with a
 * legend and an axis whose maximum is a "nice" number (1, 2 or 5 times a power of ten), so
 * gridlines fall on round counts. Horizontal bars keep long labels ("WeChat mini program",
 * "微信小程序") readable on a 360 px phone; the SVG scales to its container through its
 * viewBox. Every label goes through html_text(): a channel named <script> is text.
 */
#ifndef HUTONG_WEB_CHART_H
#define HUTONG_WEB_CHART_H

#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"
#include "core/str.h"

/* Bars one chart draws (the rest are summed into a last "other" bar by the caller). */
#define CHART_BARS_MAX 12
/* Stacked parts per bar: the four sources of an open. */
#define CHART_SERIES_MAX 4
/* Drawing units of the viewBox: width, label column, bar height and gap. */
#define CHART_WIDTH_PX   640
#define CHART_LABEL_PX   150
#define CHART_VALUE_PX   60
#define CHART_BAR_PX     22
#define CHART_BAR_GAP_PX 10
#define CHART_LEGEND_PX  28
#define CHART_AXIS_PX    22
/* Largest count drawn: beyond any shop's opens, and far from int overflow in the scaling. */
#define CHART_VALUE_MAX 1000000000000LL

struct chart_bar {
  struct str label;
  int64_t values[CHART_SERIES_MAX]; /* 0..CHART_VALUE_MAX each */
};

struct chart {
  struct str title; /* read by screen readers (<title>) */
  struct str series[CHART_SERIES_MAX];
  size_t series_count;
  struct chart_bar bars[CHART_BARS_MAX];
  size_t bar_count;
  struct str empty_text; /* shown instead of bars when there are none */
};

/* Groups gathered before drawing: every client class fits; channels beyond it are summed
 * into the tally's `other`. */
#define CHART_TALLY_MAX 64

/* Counts by label and series, before the largest are chosen for drawing. */
struct chart_tally {
  struct chart_bar bars[CHART_TALLY_MAX];
  size_t count;
  struct chart_bar other; /* groups that did not fit */
};

/* Adds `count` to series `series` of the bar labelled `label` (the view must outlive the
 * tally), making the bar when new; when the tally is full the count goes to `other`.
 * HT_EINVAL for a series ≥ CHART_SERIES_MAX or a count outside 0..CHART_VALUE_MAX; sums are
 * capped at CHART_VALUE_MAX. */
int chart_tally_add(struct chart_tally *tally, struct str label, size_t series, int64_t count);

/* Fills the chart's bars from the tally: the largest totals first (ties by label), at most
 * CHART_BARS_MAX; when more exist, the last bar is `other_label` holding the rest. */
void chart_from_tally(struct chart *chart, const struct chart_tally *tally, struct str other_label);

/* The axis maximum for a largest bar of `max_value`: the smallest of 1, 2, 5 × 10^k that is
 * ≥ max_value (1 for 0 or less; CHART_VALUE_MAX caps the input). */
int64_t chart_axis_max(int64_t max_value);

/* Pixels a `value` takes on an axis of `axis_max` drawn over `width_px`: rounded to nearest,
 * never more than width_px, and at least 1 for a positive value (a single open stays
 * visible). 0 for values ≤ 0. */
int chart_scale_px(int64_t value, int64_t axis_max, int width_px);

/* Appends the chart as an inline <svg> element. HT_EINVAL when a value is outside
 * 0..CHART_VALUE_MAX or the counts exceed their maxima; buffer errors as buf_append(). */
int chart_svg(const struct chart *chart, struct buf *out);

#endif
