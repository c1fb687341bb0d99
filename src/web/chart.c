/* chart.c — stacked horizontal bar charts as SVG (see chart.h). */
#include "web/chart.h"

#include <string.h>

#include "core/status.h"
#include "web/html.h"

/* One colour per series, readable on white and told apart by people with the common forms of
 * colour blindness (blue, orange, green-teal, purple: the Okabe–Ito palette's order). */
static const char *const series_colors[CHART_SERIES_MAX] = {"#0072b2", "#e69f00", "#009e73", "#cc79a7"};

int64_t chart_axis_max(int64_t max_value) {
  if (max_value <= 1) return 1;
  if (max_value > CHART_VALUE_MAX) max_value = CHART_VALUE_MAX;
  for (int64_t power = 1;; power *= 10) {
    static const int steps[] = {1, 2, 5};
    for (size_t i = 0; i < 3; i++)
      if (steps[i] * power >= max_value) return steps[i] * power;
  }
}

int chart_scale_px(int64_t value, int64_t axis_max, int width_px) {
  if (value <= 0 || axis_max <= 0 || width_px <= 0) return 0;
  if (value >= axis_max) return width_px;
  /* value < axis_max ≤ CHART_VALUE_MAX·5 and width ≤ a few thousand: no overflow. */
  int64_t px = (value * width_px + axis_max / 2) / axis_max;
  return px < 1 ? 1 : (int)px;
}

static int64_t capped_sum(int64_t a, int64_t b) { return a > CHART_VALUE_MAX - b ? CHART_VALUE_MAX : a + b; }

int chart_tally_add(struct chart_tally *t, struct str label, size_t series, int64_t count) {
  if (series >= CHART_SERIES_MAX || count < 0 || count > CHART_VALUE_MAX) return HT_EINVAL;
  struct chart_bar *bar = NULL;
  for (size_t i = 0; i < t->count && !bar; i++)
    if (str_eq(t->bars[i].label, label)) bar = &t->bars[i];
  if (!bar && t->count < CHART_TALLY_MAX) {
    bar = &t->bars[t->count++];
    *bar = (struct chart_bar){.label = label};
  }
  if (!bar) bar = &t->other;
  bar->values[series] = capped_sum(bar->values[series], count);
  return HT_OK;
}

static int64_t total_of(const struct chart_bar *bar) {
  int64_t total = 0;
  for (size_t s = 0; s < CHART_SERIES_MAX; s++) total = capped_sum(total, bar->values[s]);
  return total;
}

/* Orders bars by total, largest first; equal totals by label, so the chart is stable. */
static bool before(const struct chart_bar *a, const struct chart_bar *b) {
  int64_t ta = total_of(a), tb = total_of(b);
  if (ta != tb) return ta > tb;
  size_t n = a->label.len < b->label.len ? a->label.len : b->label.len;
  int c = n ? memcmp(a->label.data, b->label.data, n) : 0;
  return c < 0 || (c == 0 && a->label.len < b->label.len);
}

void chart_from_tally(struct chart *chart, const struct chart_tally *t, struct str other_label) {
  struct chart_bar sorted[CHART_TALLY_MAX];
  size_t n = t->count;
  for (size_t i = 0; i < n; i++) { /* insertion sort: at most CHART_TALLY_MAX bars */
    size_t j = i;
    while (j > 0 && before(&t->bars[i], &sorted[j - 1])) {
      sorted[j] = sorted[j - 1];
      j--;
    }
    sorted[j] = t->bars[i];
  }
  bool overflow = n > CHART_BARS_MAX || total_of(&t->other) > 0;
  size_t keep = overflow ? CHART_BARS_MAX - 1 : n;
  for (size_t i = 0; i < keep; i++) chart->bars[i] = sorted[i];
  chart->bar_count = keep;
  if (!overflow) return;
  struct chart_bar *rest = &chart->bars[chart->bar_count++];
  *rest = t->other;
  rest->label = other_label;
  for (size_t i = keep; i < n; i++)
    for (size_t s = 0; s < CHART_SERIES_MAX; s++)
      rest->values[s] = capped_sum(rest->values[s], sorted[i].values[s]);
}

static int64_t bar_total(const struct chart_bar *bar, size_t series_count) {
  int64_t total = 0;
  for (size_t s = 0; s < series_count; s++) total += bar->values[s];
  return total;
}

static int check(const struct chart *c) {
  if (c->series_count == 0 || c->series_count > CHART_SERIES_MAX || c->bar_count > CHART_BARS_MAX)
    return HT_EINVAL;
  for (size_t b = 0; b < c->bar_count; b++)
    for (size_t s = 0; s < c->series_count; s++)
      if (c->bars[b].values[s] < 0 || c->bars[b].values[s] > CHART_VALUE_MAX) return HT_EINVAL;
  return HT_OK;
}

static void legend(const struct chart *c, struct buf *out) {
  int x = 0;
  for (size_t s = 0; s < c->series_count; s++) {
    buf_printf(out, "<rect x=\"%d\" y=\"6\" width=\"12\" height=\"12\" rx=\"2\" fill=\"%s\"/>", x,
               series_colors[s]);
    buf_printf(out, "<text x=\"%d\" y=\"17\" class=\"legend\">", x + 17);
    html_text(out, c->series[s]);
    buf_append_cstr(out, "</text>");
    x += 150;
  }
}

static void axis(int64_t axis_max, int top, int height, struct buf *out) {
  int ticks = axis_max % 4 == 0 ? 4 : axis_max % 2 == 0 ? 2 : 1;
  int bars_px = CHART_WIDTH_PX - CHART_LABEL_PX - CHART_VALUE_PX;
  for (int t = 0; t <= ticks; t++) {
    int64_t value = axis_max / ticks * t;
    int x = CHART_LABEL_PX + chart_scale_px(value, axis_max, bars_px);
    buf_printf(out, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" class=\"grid\"/>", x, top, x,
               top + height);
    buf_printf(out, "<text x=\"%d\" y=\"%d\" class=\"tick\" text-anchor=\"middle\">%lld</text>", x,
               top + height + 16, (long long)value);
  }
}

static void bar(const struct chart *c, const struct chart_bar *b, int64_t axis_max, int y, struct buf *out) {
  int bars_px = CHART_WIDTH_PX - CHART_LABEL_PX - CHART_VALUE_PX;
  buf_printf(out, "<text x=\"%d\" y=\"%d\" class=\"label\" text-anchor=\"end\">", CHART_LABEL_PX - 8,
             y + CHART_BAR_PX / 2 + 5);
  html_text(out, b->label);
  buf_append_cstr(out, "</text>");
  int64_t running = 0;
  int x0 = 0;
  for (size_t s = 0; s < c->series_count; s++) {
    if (b->values[s] == 0) continue;
    running += b->values[s];
    int x1 = chart_scale_px(running, axis_max, bars_px);
    if (x1 <= x0) x1 = x0 + 1;
    buf_printf(out, "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"%s\"><title>",
               CHART_LABEL_PX + x0, y, x1 - x0, CHART_BAR_PX, series_colors[s]);
    html_text(out, c->series[s]);
    buf_printf(out, ": %lld</title></rect>", (long long)b->values[s]);
    x0 = x1;
  }
  buf_printf(out, "<text x=\"%d\" y=\"%d\" class=\"value\">%lld</text>", CHART_LABEL_PX + x0 + 6,
             y + CHART_BAR_PX / 2 + 5, (long long)running);
}

int chart_svg(const struct chart *c, struct buf *out) {
  int rc = check(c);
  if (rc != HT_OK) return rc;
  int64_t largest = 0;
  for (size_t b = 0; b < c->bar_count; b++) {
    int64_t total = bar_total(&c->bars[b], c->series_count);
    if (total > largest) largest = total;
  }
  int64_t axis_max = chart_axis_max(largest);
  size_t rows = c->bar_count ? c->bar_count : 1;
  int bars_height = (int)rows * (CHART_BAR_PX + CHART_BAR_GAP_PX);
  int height = CHART_LEGEND_PX + bars_height + CHART_AXIS_PX;
  size_t mark = out->len;
  buf_printf(out,
             "<svg class=\"chart\" xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 %d %d\" role=\"img\" "
             "width=\"100%%\"><title>",
             CHART_WIDTH_PX, height);
  html_text(out, c->title);
  buf_append_cstr(out, "</title>");
  legend(c, out);
  axis(axis_max, CHART_LEGEND_PX, bars_height, out);
  for (size_t b = 0; b < c->bar_count; b++)
    bar(c, &c->bars[b], axis_max,
        CHART_LEGEND_PX + (int)b * (CHART_BAR_PX + CHART_BAR_GAP_PX) + CHART_BAR_GAP_PX / 2, out);
  if (c->bar_count == 0) {
    buf_printf(out, "<text x=\"%d\" y=\"%d\" class=\"empty\" text-anchor=\"middle\">", CHART_WIDTH_PX / 2,
               CHART_LEGEND_PX + bars_height / 2 + 5);
    html_text(out, c->empty_text);
    buf_append_cstr(out, "</text>");
  }
  rc = buf_append_cstr(out, "</svg>");
  if (rc != HT_OK) out->len = mark; /* never half a chart */
  return rc;
}
