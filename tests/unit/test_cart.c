/* Unit tests for web/cart: the cart cookie's grammar on both sides of every limit. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "core/status.h"
#include "web/cart.h"

static void test_parse_and_format_round_trip(void **state) {
  (void)state;
  struct cart c;
  assert_int_equal(cart_parse(STR_LIT("7K3QX9:2.ABCDEF:99"), &c), HT_OK);
  assert_int_equal(c.count, 2);
  assert_string_equal(c.lines[0].code, "7K3QX9");
  assert_int_equal(c.lines[0].quantity, 2);
  assert_int_equal(c.lines[1].quantity, 99);
  assert_int_equal(cart_units(&c), 101);
  char out[CART_COOKIE_BYTES_MAX + 1];
  assert_int_equal(cart_format(&c, out, sizeof out), HT_OK);
  assert_string_equal(out, "7K3QX9:2.ABCDEF:99");
}

static void test_empty_and_absent(void **state) {
  (void)state;
  struct cart c = {.count = 3};
  assert_int_equal(cart_parse((struct str){0}, &c), HT_OK);
  assert_int_equal(c.count, 0);
  assert_int_equal(cart_parse(STR_LIT(""), &c), HT_OK);
  assert_int_equal(c.count, 0);
  char out[4];
  assert_int_equal(cart_format(&c, out, sizeof out), HT_OK);
  assert_string_equal(out, "");
}

static void test_malformed_reads_as_empty(void **state) {
  (void)state;
  static const char *const bad[] = {
      "7K3QX9",            /* no quantity */
      "7K3QX9:",           /* empty quantity */
      "7K3QX9:0",          /* below 1 */
      "7K3QX9:100",        /* above CART_QUANTITY_MAX */
      "7K3QX9:01",         /* leading zero */
      "7K3QX9:-1",         /* sign */
      "7k3qx9:1",          /* not canonical: the cookie is ours, never typed */
      "7K3QX:1",           /* short code */
      "7K3QX9U:1",         /* long code */
      "7K3QX9:1.7K3QX9:2", /* repeated code */
      "7K3QX9:1.",         /* trailing separator */
      ".7K3QX9:1",         /* leading separator */
      "7K3QX9:1;x",        /* stray byte */
  };
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    struct cart c;
    assert_int_equal(cart_parse(str_from_cstr(bad[i]), &c), HT_EINVAL);
    assert_int_equal(c.count, 0);
  }
}

/* A cookie with `lines` distinct lines "00000N:1". */
static void many_lines(char *out, size_t size, size_t lines) {
  size_t len = 0;
  out[0] = '\0';
  for (size_t i = 0; i < lines; i++)
    len += (size_t)snprintf(out + len, size - len, "%s%06zu:1", i ? "." : "", i);
}

static void test_lines_limit(void **state) {
  (void)state;
  char text[CART_COOKIE_BYTES_MAX * 2];
  struct cart c;
  many_lines(text, sizeof text, CART_LINES_MAX);
  assert_int_equal(cart_parse(str_from_cstr(text), &c), HT_OK);
  assert_int_equal(c.count, CART_LINES_MAX);
  many_lines(text, sizeof text, CART_LINES_MAX + 1);
  assert_int_equal(cart_parse(str_from_cstr(text), &c), HT_ETOOBIG);
  assert_int_equal(c.count, 0);
  /* Longer than the byte limit whatever it holds. */
  char big[CART_COOKIE_BYTES_MAX + 2];
  memset(big, 'A', sizeof big - 1);
  big[sizeof big - 1] = '\0';
  assert_int_equal(cart_parse(str_from_cstr(big), &c), HT_ETOOBIG);
}

static void test_set_add_remove(void **state) {
  (void)state;
  struct cart c = {0};
  assert_int_equal(cart_set(&c, STR_LIT("7k3qx9"), 2), HT_OK); /* typed forms are normalized */
  assert_string_equal(c.lines[0].code, "7K3QX9");
  assert_int_equal(cart_add(&c, STR_LIT("7K3QX9"), 3), HT_OK);
  assert_int_equal(c.lines[0].quantity, 5);
  assert_int_equal(cart_add(&c, STR_LIT("7K3QX9"), CART_QUANTITY_MAX), HT_OK); /* capped */
  assert_int_equal(c.lines[0].quantity, CART_QUANTITY_MAX);
  assert_int_equal(cart_set(&c, STR_LIT("ABCDEF"), 1), HT_OK);
  assert_int_equal(c.count, 2);
  assert_int_equal(cart_set(&c, STR_LIT("7K3QX9"), 0), HT_OK); /* 0 removes */
  assert_int_equal(c.count, 1);
  assert_string_equal(c.lines[0].code, "ABCDEF");
  assert_int_equal(cart_set(&c, STR_LIT("NOPE"), 1), HT_EINVAL);
  assert_int_equal(cart_set(&c, STR_LIT("U00000"), 1), HT_EINVAL);
  assert_int_equal(cart_set(&c, STR_LIT("ABCDEF"), CART_QUANTITY_MAX + 1), HT_ERANGE);
  assert_int_equal(cart_set(&c, STR_LIT("ABCDEF"), -1), HT_ERANGE);
  assert_int_equal(cart_add(&c, STR_LIT("ABCDEF"), 0), HT_ERANGE);
}

static void test_full_cart(void **state) {
  (void)state;
  struct cart c = {0};
  char code[8];
  for (int i = 0; i < CART_LINES_MAX; i++) {
    snprintf(code, sizeof code, "%06d", i);
    assert_int_equal(cart_set(&c, str_from_cstr(code), 1), HT_OK);
  }
  assert_int_equal(cart_set(&c, STR_LIT("ZZZZZZ"), 1), HT_ETOOBIG);
  assert_int_equal(cart_set(&c, STR_LIT("000001"), 7), HT_OK); /* an existing line still changes */
  char out[CART_COOKIE_BYTES_MAX + 1];
  assert_int_equal(cart_format(&c, out, sizeof out), HT_OK);
  struct cart back;
  assert_int_equal(cart_parse(str_from_cstr(out), &back), HT_OK);
  assert_int_equal(back.count, CART_LINES_MAX);
  assert_int_equal(cart_format(&c, out, 10), HT_ENOMEM);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_parse_and_format_round_trip),
      cmocka_unit_test(test_empty_and_absent),
      cmocka_unit_test(test_malformed_reads_as_empty),
      cmocka_unit_test(test_lines_limit),
      cmocka_unit_test(test_set_add_remove),
      cmocka_unit_test(test_full_cart),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
