/* Unit tests for core/money: the currency allowlist, the exact parser (every policy decision
 * and both sides of AMOUNT_MINOR_MAX), the formatters, checked arithmetic and the fee rule. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "core/money.h"
#include "core/status.h"

#define S(lit) ((struct str){lit, sizeof(lit) - 1})

static void test_currency_table(void **state) {
  (void)state;
  for (int i = 0; i < CURRENCY_COUNT; i++) {
    const struct currency_info *info = currency_info((enum currency)i);
    assert_non_null(info);
    enum currency back = CURRENCY_COUNT;
    assert_int_equal(currency_from_code(str_from_cstr(info->code), &back), HT_OK);
    assert_int_equal(back, i);
    assert_string_equal(currency_code((enum currency)i), info->code);
    /* MONEY_DISPLAY_BYTES assumes symbols of at most 5 bytes. */
    assert_true(strlen(info->symbol) >= 1 && strlen(info->symbol) <= 5);
  }
  assert_int_equal(CURRENCY_DEFAULT, CURRENCY_CNY);
  assert_int_equal(currency_info(CURRENCY_CNY)->exponent, 2);
  assert_int_equal(currency_info(CURRENCY_CNY)->numeric, 156);
  assert_int_equal(currency_info(CURRENCY_JPY)->exponent, 0);
  assert_int_equal(currency_info(CURRENCY_KRW)->exponent, 0);
  assert_int_equal(currency_info(CURRENCY_KWD)->exponent, 3);
  assert_int_equal(currency_info(CURRENCY_BHD)->exponent, 3);
  assert_int_equal(currency_info(CURRENCY_TWD)->exponent, 2);
  assert_null(currency_info(CURRENCY_COUNT));
  assert_null(currency_info((enum currency) - 1));
  assert_false(currency_valid(CURRENCY_COUNT));
  assert_string_equal(currency_code(CURRENCY_COUNT), "XXX");
}

static void test_currency_from_code_rejects(void **state) {
  (void)state;
  enum currency c = CURRENCY_USD;
  assert_int_equal(currency_from_code(S("cny"), &c), HT_EINVAL);
  assert_int_equal(currency_from_code(S("CN"), &c), HT_EINVAL);
  assert_int_equal(currency_from_code(S("CNYY"), &c), HT_EINVAL);
  assert_int_equal(currency_from_code(S("XXX"), &c), HT_EINVAL);
  assert_int_equal(currency_from_code(S("RMB"), &c), HT_EINVAL);
  assert_int_equal(currency_from_code(S(""), &c), HT_EINVAL);
  assert_int_equal(c, CURRENCY_USD); /* untouched on error */
}

static int64_t parse_ok(const char *text, enum currency c) {
  int64_t v = -7;
  assert_int_equal(money_parse(str_from_cstr(text), c, &v), HT_OK);
  return v;
}

static int parse_rc(struct str text, enum currency c) {
  int64_t v = -7;
  int rc = money_parse(text, c, &v);
  if (rc != HT_OK) assert_int_equal(v, -7); /* untouched on error */
  return rc;
}

static void test_parse_accepts(void **state) {
  (void)state;
  assert_int_equal(parse_ok("12.50", CURRENCY_CNY), 1250);
  assert_int_equal(parse_ok("12.5", CURRENCY_CNY), 1250);
  assert_int_equal(parse_ok("0.01", CURRENCY_CNY), 1);
  assert_int_equal(parse_ok("100.00", CURRENCY_CNY), 10000);
  assert_int_equal(parse_ok("100", CURRENCY_CNY), 10000);
  assert_int_equal(parse_ok("0", CURRENCY_CNY), 0);
  assert_int_equal(parse_ok("0.00", CURRENCY_CNY), 0);
  assert_int_equal(parse_ok("100", CURRENCY_JPY), 100);
  assert_int_equal(parse_ok("1.234", CURRENCY_KWD), 1234);
  assert_int_equal(parse_ok("1.5", CURRENCY_BHD), 1500);
}

static void test_parse_rejects(void **state) {
  (void)state;
  const char *bad[] = {"",   "1.234", "1.230", "1e3",   "+1",    "-1",   " 1", "1 ",   ".5",   "5.",  "01",
                       "00", "01.00", ".",     "1,000", "1.2.3", "0x10", "１", "1.-1", "1._0", "NaN", "inf"};
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    if (parse_rc(str_from_cstr(bad[i]), CURRENCY_CNY) != HT_EINVAL) fail_msg("accepted \"%s\"", bad[i]);
  }
  assert_int_equal(parse_rc(S("1\0"), CURRENCY_CNY), HT_EINVAL); /* an embedded NUL */
  assert_int_equal(parse_rc(S("100.0"), CURRENCY_JPY), HT_EINVAL);
  assert_int_equal(parse_rc(S("100."), CURRENCY_JPY), HT_EINVAL);
  assert_int_equal(parse_rc(S("1.2345"), CURRENCY_KWD), HT_EINVAL);
  assert_int_equal(parse_rc(S("1.00"), CURRENCY_COUNT), HT_EINVAL);
}

static void test_parse_limit_both_sides(void **state) {
  (void)state;
  assert_int_equal(parse_ok("10000000000000.00", CURRENCY_CNY), AMOUNT_MINOR_MAX);
  assert_int_equal(parse_ok("9999999999999.99", CURRENCY_CNY), AMOUNT_MINOR_MAX - 1);
  assert_int_equal(parse_rc(S("10000000000000.01"), CURRENCY_CNY), HT_ERANGE);
  assert_int_equal(parse_rc(S("10000000000001"), CURRENCY_CNY), HT_ERANGE);
  assert_int_equal(parse_ok("1000000000000000", CURRENCY_JPY), AMOUNT_MINOR_MAX);
  assert_int_equal(parse_rc(S("1000000000000001"), CURRENCY_JPY), HT_ERANGE);
  assert_int_equal(parse_ok("1000000000000.000", CURRENCY_KWD), AMOUNT_MINOR_MAX);
  assert_int_equal(parse_rc(S("1000000000000.001"), CURRENCY_KWD), HT_ERANGE);
  /* Beyond int64_t, and far beyond: a range error, never a wrapped value. */
  assert_int_equal(parse_rc(S("9223372036854775807"), CURRENCY_JPY), HT_ERANGE);
  assert_int_equal(parse_rc(S("9223372036854775808"), CURRENCY_JPY), HT_ERANGE);
  char digits[200];
  memset(digits, '9', sizeof digits);
  assert_int_equal(parse_rc((struct str){digits, sizeof digits}, CURRENCY_CNY), HT_ERANGE);
  /* Shape is checked first: a long malformed string is invalid, not out of range. */
  digits[sizeof digits - 1] = 'x';
  assert_int_equal(parse_rc((struct str){digits, sizeof digits}, CURRENCY_CNY), HT_EINVAL);
}

static void format_is(int64_t amount, enum currency c, const char *want) {
  char out[MONEY_DECIMAL_BYTES];
  size_t len = 999;
  assert_int_equal(money_format(amount, c, out, sizeof out, &len), HT_OK);
  assert_string_equal(out, want);
  assert_int_equal(len, strlen(want));
}

static void display_is(int64_t amount, enum currency c, const char *want) {
  char out[MONEY_DISPLAY_BYTES];
  size_t len = 999;
  assert_int_equal(money_format_display(amount, c, out, sizeof out, &len), HT_OK);
  assert_string_equal(out, want);
  assert_int_equal(len, strlen(want));
}

static void test_format(void **state) {
  (void)state;
  format_is(1250, CURRENCY_CNY, "12.50");
  format_is(1, CURRENCY_CNY, "0.01");
  format_is(0, CURRENCY_CNY, "0.00");
  format_is(-1, CURRENCY_CNY, "-0.01");
  format_is(10000, CURRENCY_CNY, "100.00");
  format_is(100, CURRENCY_JPY, "100");
  format_is(0, CURRENCY_JPY, "0");
  format_is(1, CURRENCY_KWD, "0.001");
  format_is(AMOUNT_MINOR_MAX, CURRENCY_CNY, "10000000000000.00");
  format_is(INT64_MAX, CURRENCY_CNY, "92233720368547758.07");
  format_is(INT64_MIN, CURRENCY_CNY, "-92233720368547758.08");
  format_is(INT64_MIN, CURRENCY_JPY, "-9223372036854775808");
}

static void test_format_buffer_both_sides(void **state) {
  (void)state;
  char out[8];
  size_t len = 5;
  assert_int_equal(money_format(1250, CURRENCY_CNY, out, 6, &len), HT_OK); /* "12.50" + NUL */
  assert_string_equal(out, "12.50");
  assert_int_equal(money_format(1250, CURRENCY_CNY, out, 5, &len), HT_ETOOBIG);
  assert_string_equal(out, "");
  assert_int_equal(len, 0);
  assert_int_equal(money_format(1250, CURRENCY_CNY, out, 0, NULL), HT_ETOOBIG);
  assert_int_equal(money_format(1250, CURRENCY_COUNT, out, sizeof out, NULL), HT_EINVAL);
  assert_string_equal(out, "");
  /* The named sizes fit the longest value of every currency. */
  char big[MONEY_DISPLAY_BYTES];
  for (int c = 0; c < CURRENCY_COUNT; c++) {
    assert_int_equal(money_format(INT64_MIN, (enum currency)c, big, MONEY_DECIMAL_BYTES, NULL), HT_OK);
    assert_int_equal(money_format_display(INT64_MIN, (enum currency)c, big, sizeof big, NULL), HT_OK);
  }
}

static void test_format_display(void **state) {
  (void)state;
  display_is(123450, CURRENCY_CNY, "¥1,234.50");
  display_is(99999, CURRENCY_CNY, "¥999.99");
  display_is(100000000, CURRENCY_CNY, "¥1,000,000.00");
  display_is(-1, CURRENCY_USD, "-US$0.01");
  display_is(1000, CURRENCY_JPY, "JP¥1,000");
  display_is(1500, CURRENCY_KWD, "KD 1.500");
  display_is(1250, CURRENCY_EUR, "€12.50");
  display_is(1250, CURRENCY_HKD, "HK$12.50");
  display_is(1250, CURRENCY_CHF, "CHF 12.50");
  display_is(0, CURRENCY_GBP, "£0.00");
}

static void test_format_parse_round_trip(void **state) {
  (void)state;
  const int64_t values[] = {0, 1, 9, 10, 99, 100, 101, 1234567, AMOUNT_MINOR_MAX - 1, AMOUNT_MINOR_MAX};
  for (int c = 0; c < CURRENCY_COUNT; c++) {
    for (size_t i = 0; i < sizeof values / sizeof values[0]; i++) {
      char text[MONEY_DECIMAL_BYTES];
      size_t len;
      assert_int_equal(money_format(values[i], (enum currency)c, text, sizeof text, &len), HT_OK);
      int64_t back = -1;
      assert_int_equal(money_parse((struct str){text, len}, (enum currency)c, &back), HT_OK);
      assert_true(back == values[i]);
    }
  }
}

static void test_checked_arithmetic(void **state) {
  (void)state;
  int64_t r = 5;
  assert_int_equal(money_add(INT64_MAX, 0, &r), HT_OK);
  assert_true(r == INT64_MAX);
  r = 5;
  assert_int_equal(money_add(INT64_MAX, 1, &r), HT_ERANGE);
  assert_int_equal(r, 5);
  assert_int_equal(money_add(INT64_MIN, -1, &r), HT_ERANGE);
  assert_int_equal(money_sub(INT64_MIN, 0, &r), HT_OK);
  assert_int_equal(money_sub(INT64_MIN, 1, &r), HT_ERANGE);
  assert_int_equal(money_sub(0, INT64_MIN, &r), HT_ERANGE);
  assert_int_equal(money_sub(-1, INT64_MIN, &r), HT_OK);
  assert_true(r == INT64_MAX);
  assert_int_equal(money_mul(INT64_MAX, 1, &r), HT_OK);
  assert_int_equal(money_mul(INT64_MAX, 2, &r), HT_ERANGE);
  assert_int_equal(money_mul(INT64_MIN, -1, &r), HT_ERANGE);
  assert_int_equal(money_mul(AMOUNT_MINOR_MAX, 9223, &r), HT_OK);
  assert_int_equal(money_mul(AMOUNT_MINOR_MAX, 9224, &r), HT_ERANGE);
}

static void test_amount_valid_both_sides(void **state) {
  (void)state;
  assert_false(money_amount_valid(-1));
  assert_false(money_amount_valid(0));
  assert_true(money_amount_valid(1));
  assert_true(money_amount_valid(AMOUNT_MINOR_MAX));
  assert_false(money_amount_valid(AMOUNT_MINOR_MAX + 1));
  assert_false(money_amount_valid(INT64_MIN));
}

static int64_t fee_of(int64_t amount, uint32_t bps) {
  int64_t fee = -1;
  assert_int_equal(money_fee(amount, bps, &fee), HT_OK);
  assert_true(fee >= 0 && fee <= amount);
  return fee;
}

static void test_fee_rounds_down(void **state) {
  (void)state;
  assert_int_equal(fee_of(10000, 60), 60); /* 0.6% of 100.00 = 0.60 */
  assert_int_equal(fee_of(9999, 60), 59);  /* 59.994 → 59 */
  assert_int_equal(fee_of(50, 100), 0);    /* 0.5 → 0: down, not half up */
  assert_int_equal(fee_of(150, 100), 1);   /* 1.5 → 1 */
  assert_int_equal(fee_of(1, 60), 0);      /* one fen pays no fee */
  assert_int_equal(fee_of(0, 60), 0);
  assert_int_equal(fee_of(12345, 0), 0);
  assert_int_equal(fee_of(12345, FEE_BPS_MAX), 12345);
  assert_true(fee_of(AMOUNT_MINOR_MAX, FEE_BPS_MAX) == AMOUNT_MINOR_MAX); /* exact at the top */
  assert_true(fee_of(AMOUNT_MINOR_MAX, 9999) == AMOUNT_MINOR_MAX / 10000 * 9999);
  assert_true(fee_of(AMOUNT_MINOR_MAX - 1, 3) == (AMOUNT_MINOR_MAX - 1) * 3 / 10000);
}

static void test_fee_limits(void **state) {
  (void)state;
  int64_t fee = -1;
  assert_int_equal(money_fee(100, FEE_BPS_MAX + 1, &fee), HT_ERANGE);
  assert_int_equal(money_fee(AMOUNT_MINOR_MAX + 1, 1, &fee), HT_ERANGE);
  assert_int_equal(money_fee(-1, 1, &fee), HT_ERANGE);
  assert_int_equal(fee, -1);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_currency_table),
      cmocka_unit_test(test_currency_from_code_rejects),
      cmocka_unit_test(test_parse_accepts),
      cmocka_unit_test(test_parse_rejects),
      cmocka_unit_test(test_parse_limit_both_sides),
      cmocka_unit_test(test_format),
      cmocka_unit_test(test_format_buffer_both_sides),
      cmocka_unit_test(test_format_display),
      cmocka_unit_test(test_format_parse_round_trip),
      cmocka_unit_test(test_checked_arithmetic),
      cmocka_unit_test(test_amount_valid_both_sides),
      cmocka_unit_test(test_fee_rounds_down),
      cmocka_unit_test(test_fee_limits),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
