/* Unit tests for core/json_prescan: depth limit both sides, UTF-8 errors located by field. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <cmocka.h>

#include "core/json_prescan.h"
#include "core/status.h"

#define S(lit) ((struct str){lit, sizeof(lit) - 1})

static void test_ok(void **state) {
  (void)state;
  struct json_prescan_result r;
  assert_int_equal(json_prescan(S("{\"title\":\"\xe4\xba\x92\xe9\x80\x9a\",\"n\":[1,2]}"), 8, &r), HT_OK);
  assert_int_equal(json_prescan(S("{\"e\":\"\\ud83d\\ude00 \\u00e9\"}"), 8, &r), HT_OK); /* pair */
}

static void test_depth_both_sides(void **state) {
  (void)state;
  struct json_prescan_result r;
  assert_int_equal(json_prescan(S("[[[1]]]"), 3, &r), HT_OK);
  assert_int_equal(json_prescan(S("[[[[1]]]]"), 3, &r), HT_EINVAL);
  assert_int_equal(r.problem, JSON_PRESCAN_TOO_DEEP);
  assert_int_equal(r.offset, 3);
}

static void test_invalid_utf8_names_field(void **state) {
  (void)state;
  struct json_prescan_result r;
  assert_int_equal(json_prescan(S("{\"id\":1,\"title\":\"ab\xff\"}"), 8, &r), HT_EINVAL);
  assert_int_equal(r.problem, JSON_PRESCAN_INVALID_UTF8);
  assert_string_equal(r.field, "title");
  assert_int_equal(r.offset, 19);
  assert_int_equal(json_prescan(S("{\"items\":[{\"q\":1},{\"name\":\"\xc0\xaf\"}]}"), 8, &r), HT_EINVAL);
  assert_string_equal(r.field, "items[1].name");
  assert_int_equal(json_prescan(S("{\"ok\":\"x\",\"k\xed\xa0\x80\":1}"), 8, &r), HT_EINVAL);
  assert_string_equal(r.field, "k"); /* a bad key is reported by its readable prefix */
}

static void test_bad_escapes(void **state) {
  (void)state;
  struct json_prescan_result r;
  assert_int_equal(json_prescan(S("{\"a\":\"\\ud800x\"}"), 8, &r), HT_EINVAL);
  assert_int_equal(r.problem, JSON_PRESCAN_BAD_ESCAPE);
  assert_string_equal(r.field, "a");
  assert_int_equal(json_prescan(S("{\"a\":\"\\udc00\"}"), 8, &r), HT_EINVAL);
  assert_int_equal(json_prescan(S("{\"a\":\"\\u0000\"}"), 8, &r), HT_EINVAL);
}

static void test_integer_range_names_field(void **state) {
  (void)state;
  struct json_prescan_result r;
  assert_int_equal(json_prescan(S("{\"p\":9223372036854775807,\"q\":-9223372036854775808}"), 8, &r), HT_OK);
  assert_int_equal(json_prescan(S("{\"p\":1.5e300,\"q\":99999999999999999999.0}"), 8, &r), HT_OK); /* reals */
  assert_int_equal(json_prescan(S("{\"title\":\"x\",\"price_minor\":9223372036854775808}"), 8, &r),
                   HT_EINVAL);
  assert_int_equal(r.problem, JSON_PRESCAN_INT_RANGE);
  assert_string_equal(r.field, "price_minor");
  assert_int_equal(json_prescan(S("{\"items\":[1,-9223372036854775809]}"), 8, &r), HT_EINVAL);
  assert_string_equal(r.field, "items[1]");
  assert_int_equal(json_prescan(S("{\"s\":\"99999999999999999999\"}"), 8, &r), HT_OK); /* in a string */
}

static void test_long_path_is_cut(void **state) {
  (void)state;
  char text[600] = {0};
  memcpy(text, "{\"", 2);
  memset(text + 2, 'k', 300);
  memcpy(text + 302, "\":\"\xff\"}", 7);
  struct json_prescan_result r;
  assert_int_equal(json_prescan((struct str){text, strlen(text)}, 8, &r), HT_EINVAL);
  assert_int_equal(strlen(r.field), JSON_PRESCAN_FIELD_BYTES - 1);
  assert_string_equal(r.field + JSON_PRESCAN_FIELD_BYTES - 4, "...");
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_ok),
      cmocka_unit_test(test_depth_both_sides),
      cmocka_unit_test(test_invalid_utf8_names_field),
      cmocka_unit_test(test_bad_escapes),
      cmocka_unit_test(test_integer_range_names_field),
      cmocka_unit_test(test_long_path_is_cut),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
