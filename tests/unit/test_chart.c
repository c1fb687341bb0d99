/* Unit tests for web/chart: axis scaling, bar widths, tallies, and the SVG's escaping. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "core/status.h"
#include "web/chart.h"

static void test_axis_max(void **state) {
  (void)state;
  assert_int_equal(chart_axis_max(-5), 1);
  assert_int_equal(chart_axis_max(0), 1);
  assert_int_equal(chart_axis_max(1), 1);
  assert_int_equal(chart_axis_max(2), 2);
  assert_int_equal(chart_axis_max(3), 5);
  assert_int_equal(chart_axis_max(5), 5);
  assert_int_equal(chart_axis_max(6), 10);
  assert_int_equal(chart_axis_max(11), 20);
  assert_int_equal(chart_axis_max(21), 50);
  assert_int_equal(chart_axis_max(51), 100);
  assert_int_equal(chart_axis_max(999), 1000);
  assert_true(chart_axis_max(CHART_VALUE_MAX) == CHART_VALUE_MAX);
  assert_true(chart_axis_max(CHART_VALUE_MAX + 1) == CHART_VALUE_MAX); /* capped input */
}

static void test_scale(void **state) {
  (void)state;
  assert_int_equal(chart_scale_px(0, 10, 400), 0);
  assert_int_equal(chart_scale_px(-1, 10, 400), 0);
  assert_int_equal(chart_scale_px(5, 10, 400), 200);
  assert_int_equal(chart_scale_px(10, 10, 400), 400);
  assert_int_equal(chart_scale_px(11, 10, 400), 400);   /* never past the axis */
  assert_int_equal(chart_scale_px(1, 1000000, 400), 1); /* a single open stays visible */
  assert_int_equal(chart_scale_px(1, 3, 400), 133);     /* rounded to nearest */
  assert_int_equal(chart_scale_px(2, 3, 400), 267);
  assert_int_equal(chart_scale_px(CHART_VALUE_MAX - 1, CHART_VALUE_MAX, 430), 430);
  assert_int_equal(chart_scale_px(5, 0, 400), 0);
}

static void test_tally_orders_and_caps(void **state) {
  (void)state;
  struct chart_tally *t = calloc(1, sizeof *t);
  struct chart *c = calloc(1, sizeof *c);
  char labels[CHART_TALLY_MAX + 5][8];
  for (int i = 0; i < CHART_TALLY_MAX + 5; i++) {
    snprintf(labels[i], sizeof labels[i], "k%02d", i);
    assert_int_equal(chart_tally_add(t, str_from_cstr(labels[i]), (size_t)i % CHART_SERIES_MAX, i + 1),
                     HT_OK);
  }
  assert_int_equal(t->count, CHART_TALLY_MAX);
  int64_t other = 0;
  for (size_t v = 0; v < CHART_SERIES_MAX; v++) other += t->other.values[v];
  assert_int_equal(other, 65 + 66 + 67 + 68 + 69); /* the five that did not fit */
  assert_int_equal(chart_tally_add(t, STR_LIT("k00"), CHART_SERIES_MAX, 1), HT_EINVAL);
  assert_int_equal(chart_tally_add(t, STR_LIT("k00"), 0, -1), HT_EINVAL);
  chart_from_tally(c, t, STR_LIT("other"));
  assert_int_equal(c->bar_count, CHART_BARS_MAX);
  assert_true(str_eq(c->bars[0].label, STR_LIT("k63"))); /* the largest first */
  assert_true(str_eq(c->bars[CHART_BARS_MAX - 1].label, STR_LIT("other")));
  int64_t drawn = 0, counted = 0;
  for (size_t b = 0; b < c->bar_count; b++)
    for (size_t s = 0; s < CHART_SERIES_MAX; s++) drawn += c->bars[b].values[s];
  for (int i = 0; i < CHART_TALLY_MAX + 5; i++) counted += i + 1;
  assert_true(drawn == counted); /* nothing lost in "other" */
  free(t);
  free(c);
}

static void test_tally_small_and_ties(void **state) {
  (void)state;
  struct chart_tally t = {0};
  struct chart c = {0};
  chart_tally_add(&t, STR_LIT("b"), 0, 2);
  chart_tally_add(&t, STR_LIT("a"), 1, 2);
  chart_tally_add(&t, STR_LIT("c"), 0, 5);
  chart_tally_add(&t, STR_LIT("c"), 2, 1);
  chart_from_tally(&c, &t, STR_LIT("other"));
  assert_int_equal(c.bar_count, 3);
  assert_true(str_eq(c.bars[0].label, STR_LIT("c")));
  assert_int_equal(c.bars[0].values[0], 5);
  assert_int_equal(c.bars[0].values[2], 1);
  assert_true(str_eq(c.bars[1].label, STR_LIT("a"))); /* equal totals: by label */
  assert_true(str_eq(c.bars[2].label, STR_LIT("b")));
}

static void test_svg_escapes_and_checks(void **state) {
  (void)state;
  struct arena arena;
  arena_init(&arena, 1 << 20);
  struct buf out;
  buf_init(&out, &arena, 1 << 18);
  struct chart c = {.title = STR_LIT("Opens <by> app"), .series_count = 2, .bar_count = 2};
  c.series[0] = STR_LIT("Link & clicks");
  c.series[1] = STR_LIT("QR");
  c.bars[0] = (struct chart_bar){.label = STR_LIT("<script>alert(1)</script>"), .values = {3, 4}};
  c.bars[1] = (struct chart_bar){.label = STR_LIT("微信"), .values = {1, 0}};
  assert_int_equal(chart_svg(&c, &out), HT_OK);
  const char *svg = out.data;
  assert_non_null(strstr(svg, "<svg "));
  assert_non_null(strstr(svg, "&lt;script&gt;alert(1)&lt;/script&gt;"));
  assert_null(strstr(svg, "<script>"));
  assert_non_null(strstr(svg, "Opens &lt;by&gt; app"));
  assert_non_null(strstr(svg, "Link &amp; clicks"));
  assert_non_null(strstr(svg, "微信"));
  assert_non_null(strstr(svg, ">7</text>"));  /* the bar's total */
  assert_non_null(strstr(svg, ">10</text>")); /* the axis maximum for 7 */
  assert_true(strstr(svg, "</svg>") == svg + out.len - 6);

  struct chart bad = c;
  bad.bars[0].values[0] = -1;
  size_t before = out.len;
  assert_int_equal(chart_svg(&bad, &out), HT_EINVAL);
  assert_int_equal(out.len, before);
  bad = c;
  bad.series_count = CHART_SERIES_MAX + 1;
  assert_int_equal(chart_svg(&bad, &out), HT_EINVAL);

  struct chart empty = {.title = STR_LIT("t"), .series_count = 1, .empty_text = STR_LIT("No opens <yet>")};
  out.len = 0;
  assert_int_equal(chart_svg(&empty, &out), HT_OK);
  assert_non_null(strstr(out.data, "No opens &lt;yet&gt;"));
  arena_free_all(&arena);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_axis_max),
      cmocka_unit_test(test_scale),
      cmocka_unit_test(test_tally_orders_and_caps),
      cmocka_unit_test(test_tally_small_and_ties),
      cmocka_unit_test(test_svg_escapes_and_checks),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
