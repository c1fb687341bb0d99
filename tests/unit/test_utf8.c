/* Unit tests for core/utf8: the RFC 3629 boundaries (overlongs, surrogates, > U+10FFFF). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "core/utf8.h"

#define S(lit) ((struct str){lit, sizeof(lit) - 1})

static void test_valid(void **state) {
  (void)state;
  assert_true(utf8_valid(S("")));
  assert_true(utf8_valid(S("plain ascii")));
  assert_true(utf8_valid(S("\xe4\xba\x92\xe9\x80\x9a"))); /* 互通 */
  assert_true(utf8_valid(S("\xef\xbf\xa5")));             /* ￥ U+FFE5 */
  assert_true(utf8_valid(S("\xf0\x9f\x98\x80")));         /* U+1F600 */
  assert_true(utf8_valid(S("\xf4\x8f\xbf\xbf")));         /* U+10FFFF, the last */
  assert_true(utf8_valid(S("\xed\x9f\xbf")));             /* U+D7FF, just below surrogates */
}

static void test_invalid(void **state) {
  (void)state;
  assert_int_equal(utf8_invalid_offset(S("ab\xff")), 2);
  assert_int_equal(utf8_invalid_offset(S("\xc0\x80")), 0);         /* overlong NUL */
  assert_int_equal(utf8_invalid_offset(S("\xe0\x80\xaf")), 0);     /* overlong '/' */
  assert_int_equal(utf8_invalid_offset(S("\xed\xa0\x80")), 0);     /* U+D800 surrogate */
  assert_int_equal(utf8_invalid_offset(S("\xf4\x90\x80\x80")), 0); /* U+110000 */
  assert_int_equal(utf8_invalid_offset(S("x\xe4\xba")), 1);        /* truncated */
  assert_int_equal(utf8_invalid_offset(S("\x80")), 0);             /* lone continuation */
}

static void test_count_and_encode(void **state) {
  (void)state;
  assert_int_equal(utf8_count(S("\xe4\xba\x92\xe9\x80\x9a ok")), 5);
  char out[4];
  assert_int_equal(utf8_encode(0x41, out), 1);
  assert_int_equal(utf8_encode(0xFFE5, out), 3);
  assert_memory_equal(out, "\xef\xbf\xa5", 3);
  assert_int_equal(utf8_encode(0xD800, out), 0);
  assert_int_equal(utf8_encode(0x110000, out), 0);
  assert_int_equal(utf8_encode(0x10FFFF, out), 4);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_valid),
      cmocka_unit_test(test_invalid),
      cmocka_unit_test(test_count_and_encode),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
