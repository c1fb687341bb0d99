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

/* Protected domains: ASCII (punycode), lower case. */
extern const char *const lookalike_builtin_domains[];
extern const size_t lookalike_builtin_domain_count;

/* Words phishing hosts combine with a brand ("taobao-login", "alipay-secure"), lower case. */
extern const char *const lookalike_lure_words[];
extern const size_t lookalike_lure_word_count;

#endif
