/*
 * share_token.h — share tokens (淘口令): a product code that survives being pasted as text.
 *
 * Apps that ban each other's links still let text through, so a product also travels as a
 * token inside shareable text: `￥7K3QX9H￥`, the delimiter, the product's public code
 * (code.h), its Luhn mod 32 check symbol, the delimiter again. The token is a pointer to a
 * server-side record; this module only writes and finds its text.
 *
 * Writing. share_token_format() produces `DELIM CODE CHECK DELIM` with one of five
 * delimiters (full-width ￥ U+FFE5 by default, ¥ U+00A5, € U+20AC, $ and full-width ＄
 * U+FF04). share_token_format_digits_first() puts a two-digit number block in front:
 * `17￥7K3QX9H￥`, the digits being the check symbol's value 00..31 in decimal. Why: phone
 * systems let an app ask whether the clipboard *probably holds a number* without reading it
 * (iOS 14+ UIPasteboard detectPatterns(for: [.number]) raises no paste banner and no
 * permission prompt; Android's ClipDescription MIME types can be inspected likewise), so a
 * hutong-aware app can skip reading the clipboard unless it starts like a token. A number
 * derived from the code keeps the text deterministic for a given product, and a finder
 * that ignores the block (as ours does) loses nothing when a chat app eats or splits it.
 *
 * Finding. share_token_find() takes any pasted text: a whole chat message with a title,
 * emoji, a link, the token and marketing words. It folds full-width ASCII (０-９ Ａ-Ｚ ａ-ｚ)
 * to ASCII, lower case to upper, O to 0 and I/L to 1, and considers three kinds of
 * candidate, in this order of precedence:
 *
 *   1. delimited: any two of the five delimiters around exactly CODE_PUBLIC_LEN + 1
 *      symbols, whose check symbol matches;
 *   2. link: an `://HOST/P/CODE` link (HOST as configured, or any host when none is given)
 *      whose last segment is exactly CODE_PUBLIC_LEN symbols; links carry no check symbol,
 *      but they are copied byte for byte, so they are trusted above a bare run of letters;
 *   3. bare: a run of exactly CODE_PUBLIC_LEN + 1 symbols standing alone as a word, with
 *      a matching check symbol. To keep ordinary words and numbers out, a bare run must
 *      hold at least one digit and at least one letter (an English word has no digit, a
 *      price or phone number no letter; a random 7-symbol code lacks either with
 *      probability (22/32)^7 + (10/32)^7 < 8 %, and those codes still travel delimited or
 *      as links), must not touch an ASCII letter or digit, and must not be glued to URL or
 *      e-mail punctuation (`/ @ _ - = & % # + ~ \`, or `. : ?` between two alphanumerics),
 *      so the pieces of `m.tb.cn/h.U3oBBe9` or `a1b2c3d@qq.com` never count;
 *   4. then, only when nothing above matched, a delimited and then a bare candidate whose
 *      check symbol is wrong: reported as HT_ECHECKSUM so that the API can answer
 *      `token_checksum` (a mistyped token) rather than "no token".
 *
 * Within each kind the first candidate in the text wins. Input must be valid UTF-8 and at
 * most SHARE_TOKEN_TEXT_BYTES_MAX bytes; anything else is a clean error.
 */
#ifndef HUTONG_CORE_SHARE_TOKEN_H
#define HUTONG_CORE_SHARE_TOKEN_H

#include <stdbool.h>
#include <stddef.h>

#include "core/code.h"
#include "core/str.h"

/* Symbols of the code a token carries: tokens name products and stores (public codes). */
#define SHARE_TOKEN_CODE_LEN CODE_PUBLIC_LEN
/* Longest pasted text searched. A share message is a title (at most 200 characters, 600
 * bytes of UTF-8), a link, the token and some marketing words; 4 KiB holds several forwarded
 * messages while keeping one search bounded (measured: about 1 us for a typical 120-byte
 * share message, 35 us for 4 KiB of CJK text without a token). */
#define SHARE_TOKEN_TEXT_BYTES_MAX 4096
/* Longest delimiter in UTF-8 (￥, ＄ and € take 3 bytes). */
#define SHARE_TOKEN_DELIM_BYTES_MAX 3
/* Digits of the number block of the digits-first form (check value 00..31). */
#define SHARE_TOKEN_DIGITS_LEN 2
/* Room for any formatted token plus its NUL: digits, two delimiters, code, check. */
#define SHARE_TOKEN_FORMAT_BYTES                                                                             \
  (SHARE_TOKEN_DIGITS_LEN + 2 * SHARE_TOKEN_DELIM_BYTES_MAX + SHARE_TOKEN_CODE_LEN + 1 + 1)

enum share_token_delim {
  SHARE_TOKEN_DELIM_YEN_FULLWIDTH,    /* ￥ U+FFE5, the classic 淘口令 delimiter; default */
  SHARE_TOKEN_DELIM_YEN,              /* ¥ U+00A5 */
  SHARE_TOKEN_DELIM_EURO,             /* € U+20AC */
  SHARE_TOKEN_DELIM_DOLLAR,           /* $ U+0024 */
  SHARE_TOKEN_DELIM_DOLLAR_FULLWIDTH, /* ＄ U+FF04 */
  SHARE_TOKEN_DELIM_COUNT,
};

enum share_token_source {
  SHARE_TOKEN_SOURCE_NONE,
  SHARE_TOKEN_SOURCE_DELIMITED, /* ￥CODECHECK￥ */
  SHARE_TOKEN_SOURCE_LINK,      /* ://host/P/CODE */
  SHARE_TOKEN_SOURCE_BARE,      /* CODECHECK standing alone */
};

struct share_token_match {
  enum share_token_source source;
  char code[SHARE_TOKEN_CODE_LEN + 1]; /* canonical code without check symbol, NUL-ended */
  char check;                          /* check symbol as written ('\0' for a link) */
  size_t offset;                       /* byte span of the candidate in the text */
  size_t len;
};

/* Returns the stable config name of `delim` ("yen_fullwidth", "yen", "euro", "dollar",
 * "dollar_fullwidth"), or NULL when out of range. */
const char *share_token_delim_name(enum share_token_delim delim);

/* Parses a configured delimiter given either by name (see share_token_delim_name) or as the
 * character itself (`￥`, `¥`, `€`, `$`, `＄`). HT_EINVAL for anything else. */
int share_token_delim_parse(struct str s, enum share_token_delim *delim);

/* Writes the token text `DELIM CODE CHECK DELIM` for a canonical code of
 * SHARE_TOKEN_CODE_LEN symbols, NUL-terminated, its byte length in `*out_len`. HT_EINVAL
 * for a code that is not canonical or not SHARE_TOKEN_CODE_LEN long, or a delimiter out of
 * range; HT_ENOMEM when out_size is too small (SHARE_TOKEN_FORMAT_BYTES always suffices). */
int share_token_format(struct str code, enum share_token_delim delim, char *out, size_t out_size,
                       size_t *out_len);

/* Same as share_token_format(), prefixed by the two-digit number block (the check value
 * 00..31 in decimal): `17￥7K3QX9H￥`. Same errors. */
int share_token_format_digits_first(struct str code, enum share_token_delim delim, char *out, size_t out_size,
                                    size_t *out_len);

/* Finds the token in pasted `text` (see the file comment for the rules and precedence).
 * `link_host` is the host[:port] of our links, compared case-insensitively; an empty view
 * accepts a `/P/CODE` link on any host. Returns HT_OK with `*match` filled when a valid
 * candidate is found; HT_ECHECKSUM with `*match` filled when the only candidates have a
 * wrong check symbol; HT_ENOTFOUND when there is none; HT_ETOOBIG when text is longer than
 * SHARE_TOKEN_TEXT_BYTES_MAX; HT_EINVAL when it is not valid UTF-8. `*match` is zeroed
 * first in every case. Pure; the text is only read. Uses about 24 KiB of stack (one 6-byte
 * entry per code point of a maximal text). */
int share_token_find(struct str text, struct str link_host, struct share_token_match *match);

#endif
