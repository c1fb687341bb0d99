/* utf8.c — strict UTF-8 (see utf8.h). Table-free: the ranges in RFC 3629 section 4 are
 * checked directly, which keeps the rules readable next to the spec. */
#include "core/utf8.h"

size_t utf8_decode(struct str s, uint32_t *cp) {
  if (s.len == 0) return 0;
  const unsigned char *p = (const unsigned char *)s.data;
  unsigned char b0 = p[0];
  if (b0 < 0x80) {
    *cp = b0;
    return 1;
  }
  size_t n;
  uint32_t value, min;
  if (b0 >= 0xC2 && b0 <= 0xDF)
    n = 2, value = b0 & 0x1Fu, min = 0x80;
  else if (b0 >= 0xE0 && b0 <= 0xEF)
    n = 3, value = b0 & 0x0Fu, min = 0x800;
  else if (b0 >= 0xF0 && b0 <= 0xF4)
    n = 4, value = b0 & 0x07u, min = 0x10000;
  else
    return 0; /* continuation byte, overlong lead C0/C1, or F5..FF */
  if (s.len < n) return 0;
  for (size_t i = 1; i < n; i++) {
    if ((p[i] & 0xC0) != 0x80) return 0;
    value = (value << 6) | (p[i] & 0x3Fu);
  }
  if (value < min || value > 0x10FFFF || (value >= 0xD800 && value <= 0xDFFF)) return 0;
  *cp = value;
  return n;
}

size_t utf8_invalid_offset(struct str s) {
  size_t i = 0;
  while (i < s.len) {
    if ((unsigned char)s.data[i] < 0x80) {
      i++;
      continue;
    }
    uint32_t cp;
    size_t n = utf8_decode((struct str){s.data + i, s.len - i}, &cp);
    if (n == 0) return i;
    i += n;
  }
  return s.len;
}

size_t utf8_count(struct str s) {
  size_t count = 0;
  for (size_t i = 0; i < s.len; i++)
    if (((unsigned char)s.data[i] & 0xC0) != 0x80) count++;
  return count;
}

size_t utf8_encode(uint32_t cp, char out[4]) {
  if (cp < 0x80) {
    out[0] = (char)cp;
    return 1;
  }
  if (cp < 0x800) {
    out[0] = (char)(0xC0 | (cp >> 6));
    out[1] = (char)(0x80 | (cp & 0x3F));
    return 2;
  }
  if (cp >= 0xD800 && cp <= 0xDFFF) return 0;
  if (cp < 0x10000) {
    out[0] = (char)(0xE0 | (cp >> 12));
    out[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
    out[2] = (char)(0x80 | (cp & 0x3F));
    return 3;
  }
  if (cp > 0x10FFFF) return 0;
  out[0] = (char)(0xF0 | (cp >> 18));
  out[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
  out[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
  out[3] = (char)(0x80 | (cp & 0x3F));
  return 4;
}
