/*
 * str.h — a borrowed string view: a pointer and a length, never NUL-terminated by contract.
 *
 * Taken from nginx's ngx_str_t: parsers hand out views into the buffer they were given
 * instead of copying, and comparisons never depend on a terminator. A `struct str` owns
 * nothing; whoever owns `data` must keep it alive while the view is used.
 */
#ifndef HUTONG_CORE_STR_H
#define HUTONG_CORE_STR_H

#include <stdbool.h>
#include <stddef.h>
#include <string.h>

struct str {
  const char *data;
  size_t len;
};

/* A view of a string literal, length computed at compile time. */
#define STR_LIT(s) ((struct str){.data = (s), .len = sizeof(s) - 1})
/* printf helper: printf("%.*s", STR_FMT(s)). */
#define STR_FMT(s) (int)(s).len, (s).data

/* Returns a view of the NUL-terminated `cstr` (NULL gives the empty view). */
static inline struct str str_from_cstr(const char *cstr) {
  return (struct str){.data = cstr ? cstr : "", .len = cstr ? strlen(cstr) : 0};
}

/* True when `a` and `b` hold the same bytes. */
static inline bool str_eq(struct str a, struct str b) {
  return a.len == b.len && (a.len == 0 || memcmp(a.data, b.data, a.len) == 0);
}

/* True when `a` and `b` are equal ignoring ASCII case (other bytes compare exactly). */
bool str_eq_nocase(struct str a, struct str b);

/* True when `s` begins with `prefix`. */
static inline bool str_has_prefix(struct str s, struct str prefix) {
  return s.len >= prefix.len && memcmp(s.data, prefix.data, prefix.len) == 0;
}

/* Returns the first index of `needle` in `hay` or -1; ASCII case folded when `nocase`. */
long str_find(struct str hay, struct str needle, bool nocase);

/* Returns `s` without leading and trailing ASCII whitespace (space, \t, \r, \n, \f, \v). */
struct str str_trim(struct str s);

/* Parses all of `s` as a base-10 int64 (optional leading '-'); HT_EINVAL on any stray byte,
 * HT_ERANGE on overflow. `out` is written only on success. */
int str_to_i64(struct str s, long long *out);

/* Writes `n` bytes as 2n lower-case hex digits plus a NUL into `out` (2n + 1 bytes). */
void str_hex_encode(const unsigned char *in, size_t n, char *out);

#endif
