/*
 * sb_expr.h — Safe Browsing host-suffix / path-prefix expressions and their SHA-256 hashes.
 *
 * A blocklist entry such as "evil.example/phish/" must match every URL below it, so a URL is
 * looked up not once but as a set of expressions: "Safe Browsing v4: URLs and Hashing", section
 * Suffix/Prefix Expressions. Hosts: the exact host and up to four more formed from the last
 * five labels by removing the leading label one at a time (never the top-level domain alone;
 * none for an IP address). Paths: the exact path with the query, the exact path without it,
 * and up to four more from the root "/" adding one component at a time with a trailing slash.
 * Each expression is hashed with SHA-256; its first four bytes are the prefix lists store.
 *
 * Expressions are views (host suffix + path prefix) into a canonical URL: generating them
 * copies and allocates nothing, and hashing feeds the two views to SHA-256 one after another.
 */
#ifndef HUTONG_CORE_SB_EXPR_H
#define HUTONG_CORE_SB_EXPR_H

#include <stddef.h>
#include <stdint.h>

#include "core/str.h"
#include "core/url_canon.h"

/* The spec's limits: at most 5 host forms and 6 path forms, so 30 expressions a URL. */
#define SB_EXPR_HOSTS_MAX 5
#define SB_EXPR_PATHS_MAX 6
#define SB_EXPR_MAX       (SB_EXPR_HOSTS_MAX * SB_EXPR_PATHS_MAX)
/* Host forms other than the exact host are built from the last 5 labels (the spec). */
#define SB_EXPR_HOST_LABELS_MAX 5
/* Path prefixes from the root: "/" plus up to 3 components (4 in all, the spec). */
#define SB_EXPR_PATH_PREFIXES_MAX 4
/* SHA-256 output, and the 4-byte prefix (the shortest prefix length Safe Browsing uses). */
#define SB_HASH_BYTES   32
#define SB_PREFIX_BYTES 4

/* One expression: host followed directly by path, e.g. "b.c" + "/1/". */
struct sb_expr {
  struct str host; /* a suffix of the canonical host */
  struct str path; /* a prefix of the canonical path-and-query, starting with '/' */
};

struct sb_expr_list {
  size_t count;
  struct sb_expr items[SB_EXPR_MAX];
};

/* Fills `out` with the expressions of the canonical URL `u` (host-major order: every path of
 * the exact host first). The views point into u->url, which must outlive `out`. */
void sb_expr_generate(const struct url_canon *u, struct sb_expr_list *out);

/* Writes the SHA-256 of the expression (host bytes then path bytes) to `hash`. */
void sb_expr_hash(const struct sb_expr *e, uint8_t hash[SB_HASH_BYTES]);

/* Writes the SHA-256 of `s` to `hash`. */
void sb_hash(struct str s, uint8_t hash[SB_HASH_BYTES]);

/* The 4-byte prefix of `hash` as a big-endian integer, so that integer order is byte order. */
static inline uint32_t sb_hash_prefix(const uint8_t hash[SB_HASH_BYTES]) {
  return (uint32_t)hash[0] << 24 | (uint32_t)hash[1] << 16 | (uint32_t)hash[2] << 8 | (uint32_t)hash[3];
}

#endif
