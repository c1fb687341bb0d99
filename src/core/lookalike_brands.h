/*
 * lookalike_brands.h — the built-in data of the lookalike checker: the brands Chinese shoppers
 * are phished with, and the lure words phishing hosts put next to a brand.
 *
 * Kept apart from the algorithm (lookalike.c) so that the list can be reviewed and extended
 * as data. Every domain here is a genuine domain of its brand: it and all its subdomains are
 * never flagged. The lead adds verified merchant domains and configured domains at run time
 * (lookalike_ctx_create's `extra` argument); those join this list with the same rules.
 */
#ifndef HUTONG_CORE_LOOKALIKE_BRANDS_H
#define HUTONG_CORE_LOOKALIKE_BRANDS_H

#include <stddef.h>

/* Brand flags. */
enum lookalike_brand_flag {
  /* The brand name is also an everyday word or a common part of words ("apple" in
   * "pineapple", "trip"): only homographs, the whole domain embedded in another host, and the
   * name next to a lure word are flagged; no substring, edit-distance or other-TLD match. */
  BRAND_WORD = 1 << 0,
};

struct lookalike_builtin_brand {
  const char *domain; /* ASCII (punycode) lower-case domain */
  unsigned flags;     /* enum lookalike_brand_flag */
};

extern const struct lookalike_builtin_brand lookalike_builtin_brands[];
extern const size_t lookalike_builtin_brand_count;

/* Words phishing hosts combine with a brand ("taobao-login", "alipay-secure"), lower case. */
extern const char *const lookalike_lure_words[];
extern const size_t lookalike_lure_word_count;

#endif
