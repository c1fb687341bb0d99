/* code.c — Crockford base32 codes and their Luhn mod 32 check symbol (see code.h). */
#include "core/code.h"

#include <assert.h>

#include "core/status.h"

static const char code_alphabet[CODE_RADIX + 1] = CODE_ALPHABET;

int code_symbol_value(uint32_t c) {
  if (c >= '0' && c <= '9') return (int)(c - '0');
  if (c >= 'a' && c <= 'z') c -= 'a' - 'A';
  if (c < 'A' || c > 'Z') return -1;
  switch (c) {
  case 'O': return 0;
  case 'I':
  case 'L': return 1;
  case 'U': return -1;
  default: break;
  }
  /* Letters after each skipped one shift down by one value: A=10 .. H=17, J=18, K=19,
   * M=20, N=21, P=22 .. T=26, V=27 .. Z=31. */
  int value = 10 + (int)(c - 'A');
  if (c > 'I') value--;
  if (c > 'L') value--;
  if (c > 'O') value--;
  if (c > 'U') value--;
  return value;
}

/* The value of a canonical symbol, or -1: the forgiving mapping minus its forgiveness. */
static int canonical_value(char c) {
  int v = code_symbol_value((unsigned char)c);
  return (v >= 0 && code_alphabet[v] == c) ? v : -1;
}

bool code_is_canonical(struct str s) {
  if (s.len == 0) return false;
  for (size_t i = 0; i < s.len; i++)
    if (canonical_value(s.data[i]) < 0) return false;
  return true;
}

int code_from_random(const uint8_t *random, size_t random_len, size_t code_len, char *out, size_t out_size) {
  if (code_len == 0 || code_len > CODE_LEN_MAX) return HT_ERANGE;
  if (random_len < CODE_RANDOM_BYTES(code_len)) return HT_EINVAL;
  if (out_size < code_len + 1) return HT_ENOMEM;
  uint32_t acc = 0; /* bit reservoir: at most 7 + 8 bits live at once */
  unsigned bits = 0;
  size_t next = 0;
  for (size_t i = 0; i < code_len; i++) {
    if (bits < CODE_BITS_PER_SYMBOL) {
      acc = (acc << 8) | random[next++];
      bits += 8;
    }
    bits -= CODE_BITS_PER_SYMBOL;
    out[i] = code_alphabet[(acc >> bits) & (CODE_RADIX - 1)];
  }
  assert(next <= random_len);
  out[code_len] = '\0';
  return HT_OK;
}

int code_encode_u64(uint64_t value, size_t code_len, char *out, size_t out_size) {
  if (code_len == 0 || code_len > CODE_U64_LEN_MAX) return HT_ERANGE;
  if (code_len * CODE_BITS_PER_SYMBOL < 64 && (value >> (code_len * CODE_BITS_PER_SYMBOL)) != 0)
    return HT_ERANGE;
  if (out_size < code_len + 1) return HT_ENOMEM;
  for (size_t i = code_len; i-- > 0;) {
    out[i] = code_alphabet[value & (CODE_RADIX - 1)];
    value >>= CODE_BITS_PER_SYMBOL;
  }
  out[code_len] = '\0';
  return HT_OK;
}

int code_decode_u64(struct str code, uint64_t *value) {
  if (!code_is_canonical(code)) return HT_EINVAL;
  uint64_t v = 0;
  for (size_t i = 0; i < code.len; i++) {
    if (v > (UINT64_MAX >> CODE_BITS_PER_SYMBOL)) return HT_ERANGE;
    v = (v << CODE_BITS_PER_SYMBOL) | (uint64_t)canonical_value(code.data[i]);
  }
  *value = v;
  return HT_OK;
}

int code_normalize(struct str in, char *out, size_t out_size, size_t *out_len) {
  if (in.len > CODE_INPUT_BYTES_MAX) return HT_ETOOBIG;
  size_t n = 0;
  for (size_t i = 0; i < in.len; i++) {
    unsigned char c = (unsigned char)in.data[i];
    if (c == '-') continue;
    int v = code_symbol_value(c);
    if (v < 0) return HT_EINVAL;
    if (n == CODE_LEN_MAX) return HT_ETOOBIG;
    if (n + 1 >= out_size) return HT_ENOMEM;
    out[n++] = code_alphabet[v];
  }
  if (n == 0) return HT_EINVAL;
  out[n] = '\0';
  *out_len = n;
  return HT_OK;
}

/* Luhn mod N: walking from the right, every second value (starting with the rightmost when
 * computing, the one left of it when verifying) is doubled and its two base-N digits
 * summed; the total is 0 mod N for a valid code. */
static unsigned luhn_sum(struct str code, bool double_rightmost) {
  unsigned sum = 0;
  bool dbl = double_rightmost;
  for (size_t i = code.len; i-- > 0;) {
    unsigned v = (unsigned)canonical_value(code.data[i]);
    if (dbl) {
      v *= 2;
      v = v / CODE_RADIX + v % CODE_RADIX;
    }
    sum += v;
    dbl = !dbl;
  }
  return sum % CODE_RADIX;
}

int code_check_symbol(struct str code, char *check) {
  if (code.len > CODE_LEN_MAX) return HT_ERANGE;
  if (!code_is_canonical(code)) return HT_EINVAL;
  unsigned rem = luhn_sum(code, true);
  *check = code_alphabet[(CODE_RADIX - rem) % CODE_RADIX];
  return HT_OK;
}

int code_check_verify(struct str code_with_check) {
  if (code_with_check.len > CODE_LEN_MAX) return HT_ERANGE;
  if (code_with_check.len < 2 || !code_is_canonical(code_with_check)) return HT_EINVAL;
  return luhn_sum(code_with_check, false) == 0 ? HT_OK : HT_ECHECKSUM;
}
