/* fuzz_code_decode.c — forgiving code decoding must never read or write out of bounds, and
 * whatever it accepts must be canonical, within CODE_LEN_MAX, and survive the check-symbol
 * and integer round trips unchanged. */
#include <assert.h>
#include <stdint.h>
#include <string.h>

#include "core/code.h"
#include "core/status.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  struct str in = {(const char *)data, size};
  char out[CODE_LEN_MAX + 1];
  size_t n = 0;
  if (code_normalize(in, out, sizeof out, &n) != HT_OK) return 0;
  struct str code = {out, n};
  assert(n >= 1 && n <= CODE_LEN_MAX && out[n] == '\0' && code_is_canonical(code));
  char again[CODE_LEN_MAX + 1];
  size_t m = 0;
  assert(code_normalize(code, again, sizeof again, &m) == HT_OK && m == n && memcmp(again, out, n) == 0);
  if (n < CODE_LEN_MAX) {
    char check;
    assert(code_check_symbol(code, &check) == HT_OK);
    out[n] = check;
    assert(code_check_verify((struct str){out, n + 1}) == HT_OK);
    out[n] = '\0';
  }
  /* Leading zeros may make a long code decode to a small value: round-trip at its length
   * only when that length is encodable. */
  uint64_t value;
  if (code_decode_u64(code, &value) == HT_OK && n <= CODE_U64_LEN_MAX) {
    char back[CODE_U64_LEN_MAX + 1];
    assert(code_encode_u64(value, n, back, sizeof back) == HT_OK && memcmp(back, out, n) == 0);
  }
  return 0;
}
