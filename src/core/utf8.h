/*
 * utf8.h — strict UTF-8 validation and code-point counting (RFC 3629).
 *
 * Strict means: no overlong forms, no UTF-16 surrogates (U+D800..U+DFFF), nothing above
 * U+10FFFF, no truncated sequences. Length limits on user text (a title of 1..200
 * characters) count code points, not bytes, so a Chinese title is not cut at a third.
 */
#ifndef HUTONG_CORE_UTF8_H
#define HUTONG_CORE_UTF8_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/str.h"

/* Decodes one code point at the start of `s`. On success stores it in `*cp`, returns its
 * byte length (1..4). Returns 0 when the bytes are not a valid, shortest-form sequence. */
size_t utf8_decode(struct str s, uint32_t *cp);

/* Returns the byte offset of the first invalid sequence in `s`, or s.len when all valid. */
size_t utf8_invalid_offset(struct str s);

/* True when all of `s` is valid UTF-8. */
static inline bool utf8_valid(struct str s) { return utf8_invalid_offset(s) == s.len; }

/* Number of code points in `s`, which must be valid UTF-8. */
size_t utf8_count(struct str s);

/* Writes the UTF-8 encoding of `cp` (≤ 4 bytes) to `out`; returns the byte count, or 0 for
 * surrogates and values above U+10FFFF. */
size_t utf8_encode(uint32_t cp, char out[4]);

#endif
