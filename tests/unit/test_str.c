/* Unit tests for core/str (views, case-insensitive compare, search, trim, int parsing) and
 * core/hash (FNV-1a 64). */
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "core/hash.h"
#include "core/status.h"
#include "core/str.h"

static void test_eq_and_nocase(void **state) {
  (void)state;
  assert_true(str_eq(STR_LIT("abc"), str_from_cstr("abc")));
  assert_false(str_eq(STR_LIT("abc"), STR_LIT("abd")));
  assert_true(str_eq_nocase(STR_LIT("/p/7k3qx9"), STR_LIT("/P/7K3QX9")));
  assert_false(str_eq_nocase(STR_LIT("ab"), STR_LIT("abc")));
  assert_true(str_eq(str_from_cstr(NULL), STR_LIT("")));
}

static void test_find(void **state) {
  (void)state;
  assert_int_equal(str_find(STR_LIT("Mozilla MicroMessenger/8"), STR_LIT("MicroMessenger"), false), 8);
  assert_int_equal(str_find(STR_LIT("abc"), STR_LIT("ABC"), false), -1);
  assert_int_equal(str_find(STR_LIT("xxABC"), STR_LIT("abc"), true), 2);
  assert_int_equal(str_find(STR_LIT("ab"), STR_LIT("abc"), false), -1);
  assert_int_equal(str_find(STR_LIT("ab"), STR_LIT(""), false), 0);
}

static void test_trim(void **state) {
  (void)state;
  assert_true(str_eq(str_trim(STR_LIT(" \t x y \r\n")), STR_LIT("x y")));
  assert_true(str_eq(str_trim(STR_LIT("   ")), STR_LIT("")));
}

static void test_to_i64(void **state) {
  (void)state;
  long long v = 7;
  assert_int_equal(str_to_i64(STR_LIT("9223372036854775807"), &v), HT_OK);
  assert_true(v == LLONG_MAX);
  assert_int_equal(str_to_i64(STR_LIT("-9223372036854775808"), &v), HT_OK);
  assert_true(v == LLONG_MIN);
  assert_int_equal(str_to_i64(STR_LIT("9223372036854775808"), &v), HT_ERANGE);
  assert_int_equal(str_to_i64(STR_LIT("-9223372036854775809"), &v), HT_ERANGE);
  assert_int_equal(str_to_i64(STR_LIT(""), &v), HT_EINVAL);
  assert_int_equal(str_to_i64(STR_LIT("-"), &v), HT_EINVAL);
  assert_int_equal(str_to_i64(STR_LIT("12a"), &v), HT_EINVAL);
  assert_int_equal(str_to_i64(STR_LIT(" 1"), &v), HT_EINVAL);
  assert_int_equal(str_to_i64(STR_LIT("0042"), &v), HT_OK);
  assert_int_equal(v, 42);
}

/* Vectors of the FNV reference test suite (Landon Curt Noll's fnv_test.c, FNV-1a 64). */
static void test_fnv1a(void **state) {
  (void)state;
  assert_true(hash_fnv1a_cstr(HASH_FNV1A_START, "") == 0xcbf29ce484222325ULL);
  assert_true(hash_fnv1a_cstr(HASH_FNV1A_START, "a") == 0xaf63dc4c8601ec8cULL);
  assert_true(hash_fnv1a_cstr(HASH_FNV1A_START, "foobar") == 0x85944171f73967e8ULL);
  /* Continuing a hash is hashing the concatenation. */
  assert_true(hash_fnv1a_cstr(hash_fnv1a_cstr(HASH_FNV1A_START, "foo"), "bar") ==
              hash_fnv1a_str(HASH_FNV1A_START, STR_LIT("foobar")));
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_eq_and_nocase), cmocka_unit_test(test_find),  cmocka_unit_test(test_trim),
      cmocka_unit_test(test_to_i64),        cmocka_unit_test(test_fnv1a),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
