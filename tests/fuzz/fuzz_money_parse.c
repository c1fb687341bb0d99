/* fuzz_money_parse.c — the decimal amount parser, for every currency: never reads out of
 * bounds, accepts only what it documents, and whatever it accepts is in range and survives a
 * format → parse round trip unchanged. The formatters and the fee run on every accepted value. */
#include <assert.h>
#include <stdint.h>
#include <string.h>

#include "core/money.h"
#include "core/status.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The documented grammar, checked independently of the parser: "0" or [1-9][0-9]*, then
 * optionally "." and 1..exponent digits. */
static int grammar_ok(const char *s, size_t n, unsigned exponent) {
  size_t i = 0;
  while (i < n && s[i] >= '0' && s[i] <= '9') i++;
  if (i == 0 || (i > 1 && s[0] == '0')) return 0;
  if (i == n) return 1;
  if (s[i] != '.') return 0;
  size_t frac = n - i - 1;
  for (size_t k = i + 1; k < n; k++)
    if (s[k] < '0' || s[k] > '9') return 0;
  return frac >= 1 && frac <= exponent;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  struct str text = {(const char *)data, size};
  for (int c = 0; c < CURRENCY_COUNT; c++) {
    int64_t amount = -1;
    int rc = money_parse(text, (enum currency)c, &amount);
    assert(rc == HT_OK || rc == HT_EINVAL || rc == HT_ERANGE);
    assert((rc == HT_EINVAL) == !grammar_ok(text.data, size, currency_info((enum currency)c)->exponent));
    if (rc != HT_OK) {
      assert(amount == -1);
      continue;
    }
    assert(amount >= 0 && amount <= AMOUNT_MINOR_MAX);
    char out[MONEY_DECIMAL_BYTES];
    size_t len = 0;
    assert(money_format(amount, (enum currency)c, out, sizeof out, &len) == HT_OK);
    assert(len == strlen(out) && len >= size);
    assert(memcmp(out, text.data, size) == 0); /* the input, with its fraction padded */
    int64_t back = -1;
    assert(money_parse((struct str){out, len}, (enum currency)c, &back) == HT_OK && back == amount);
    char display[MONEY_DISPLAY_BYTES];
    assert(money_format_display(-amount, (enum currency)c, display, sizeof display, NULL) == HT_OK);
    int64_t fee = -1;
    assert(money_fee(amount, FEE_BPS_MAX - 1, &fee) == HT_OK && fee >= 0 && fee <= amount);
  }
  return 0;
}
