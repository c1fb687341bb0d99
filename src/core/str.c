/* str.c — the few string-view operations that are too long to inline (see str.h). */
#include "core/str.h"

#include <limits.h>

#include "core/status.h"

static unsigned char ascii_lower(unsigned char c) {
  return (c >= 'A' && c <= 'Z') ? (unsigned char)(c + ('a' - 'A')) : c;
}

bool str_eq_nocase(struct str a, struct str b) {
  if (a.len != b.len) return false;
  for (size_t i = 0; i < a.len; i++)
    if (ascii_lower((unsigned char)a.data[i]) != ascii_lower((unsigned char)b.data[i])) return false;
  return true;
}

long str_find(struct str hay, struct str needle, bool nocase) {
  if (needle.len == 0) return 0;
  if (needle.len > hay.len) return -1;
  for (size_t i = 0; i + needle.len <= hay.len; i++) {
    struct str window = {hay.data + i, needle.len};
    if (nocase ? str_eq_nocase(window, needle) : str_eq(window, needle)) return (long)i;
  }
  return -1;
}

static bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f' || c == '\v';
}

struct str str_trim(struct str s) {
  while (s.len > 0 && is_space(s.data[0])) s.data++, s.len--;
  while (s.len > 0 && is_space(s.data[s.len - 1])) s.len--;
  return s;
}

int str_to_i64(struct str s, long long *out) {
  size_t i = 0;
  bool negative = false;
  if (s.len > 0 && s.data[0] == '-') negative = true, i = 1;
  if (i == s.len) return HT_EINVAL;
  unsigned long long magnitude = 0;
  /* Negative values may reach one past LLONG_MAX in magnitude. */
  unsigned long long limit = negative ? (unsigned long long)LLONG_MAX + 1ULL : (unsigned long long)LLONG_MAX;
  for (; i < s.len; i++) {
    char c = s.data[i];
    if (c < '0' || c > '9') return HT_EINVAL;
    unsigned digit = (unsigned)(c - '0');
    if (magnitude > (limit - digit) / 10) return HT_ERANGE;
    magnitude = magnitude * 10 + digit;
  }
  if (negative)
    *out = magnitude == (unsigned long long)LLONG_MAX + 1ULL ? LLONG_MIN : -(long long)magnitude;
  else
    *out = (long long)magnitude;
  return HT_OK;
}

void str_hex_encode(const unsigned char *in, size_t n, char *out) {
  static const char digits[] = "0123456789abcdef";
  for (size_t i = 0; i < n; i++) {
    out[2 * i] = digits[in[i] >> 4];
    out[2 * i + 1] = digits[in[i] & 15];
  }
  out[2 * n] = '\0';
}
