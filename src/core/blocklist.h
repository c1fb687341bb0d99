/*
 * blocklist.h — phishing and malware feeds turned into an immutable, swappable lookup table.
 *
 * Feeds arrive as file contents (the lead's code reads the files; this module never does I/O):
 * PhishTank CSV and JSON, URLhaus CSV, and plain text with one URL a line (URLhaus' text feed
 * is that, with '#' comments). Every listed URL is canonicalized (url_canon.h) and its most
 * specific Safe Browsing expression, host + path + query, is hashed with SHA-256; a listed
 * "http://evil.example/" therefore covers the whole host, and a listed page covers that page,
 * exactly as a Safe Browsing list entry would.
 *
 * A builder collects hashes from any number of feeds; blocklist_build() turns it into a
 * `struct blocklist` that never changes again: a prefix set (prefix_set.h, ~2.1 bytes a
 * prefix) answers most lookups, and a sorted array of full 32-byte hashes confirms the few
 * prefix hits, so a URL that merely shares 4 bytes of hash with a listed one is never blocked.
 * Reload = build a new list and swap one pointer; the old list is freed once no request uses
 * it. A built list is read-only, so any number of threads may look up in it at once.
 */
#ifndef HUTONG_CORE_BLOCKLIST_H
#define HUTONG_CORE_BLOCKLIST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/sb_expr.h"
#include "core/str.h"

/* Most entries one list may hold: 20 million, ten times PhishTank and URLhaus together at
 * their largest; at 33 bytes an entry that is 660 MB, the ceiling we accept for a reload. */
#define BLOCKLIST_ENTRIES_MAX 20000000u
/* Most named sources (feeds) one list may combine; a source id is one byte. */
#define BLOCKLIST_SOURCES_MAX 255u
/* Longest source name kept (e.g. "phishtank", a file name), in bytes. */
#define BLOCKLIST_SOURCE_NAME_BYTES_MAX 64u
/* Largest JSON feed parsed: 512 MiB. PhishTank's full verified dump is well under that, and
 * jansson holds the whole document in memory while it is read. */
#define FEED_JSON_BYTES_MAX (512u * 1024 * 1024)
/* Most fields read from one CSV record; PhishTank has 8 columns, URLhaus 9. */
#define FEED_CSV_FIELDS_MAX 32u

enum feed_format {
  FEED_AUTO = 0,       /* detect from the contents (feed_detect) */
  FEED_PHISHTANK_CSV,  /* header phish_id,url,...,verified,...,online,target; RFC 4180 quoting */
  FEED_PHISHTANK_JSON, /* an array of objects with "url" (and "verified"/"online") */
  FEED_URLHAUS_CSV,    /* '#' comment lines, then "id","dateadded","url",... records */
  FEED_PLAIN,          /* one URL a line; blank lines and '#' comments ignored */
};

/* What one feed contributed. */
struct feed_stats {
  size_t records;  /* records or lines that carried a URL field */
  size_t added;    /* URLs hashed into the builder */
  size_t skipped;  /* records marked unverified or offline */
  size_t rejected; /* URLs that did not canonicalize (empty, bad host, non-URL) */
};

struct blocklist_builder;
struct blocklist;

/* Result of a lookup. */
struct blocklist_match {
  size_t expr_index;       /* which expression of the list matched */
  const char *source_name; /* the feed that listed it (owned by the blocklist) */
};

/* Returns the format the contents look like: JSON when the first non-blank byte is '[' or
 * '{', PhishTank CSV when the first line starts with "phish_id", URLhaus CSV when the first
 * non-comment line is a quoted record, plain text otherwise. */
enum feed_format feed_detect(struct str data);

/* Stable name of `format` ("phishtank_csv", ...). */
const char *feed_format_name(enum feed_format format);

/* Creates an empty builder owned by the caller (free with blocklist_builder_free, or hand it
 * to blocklist_build). HT_ENOMEM when malloc refuses. */
int blocklist_builder_create(struct blocklist_builder **out);

/* Frees a builder that was not built; NULL is a no-op. */
void blocklist_builder_free(struct blocklist_builder *b);

/* Registers a source name (copied, truncated to BLOCKLIST_SOURCE_NAME_BYTES_MAX) and stores
 * its id in `*source_id`. HT_ETOOBIG past BLOCKLIST_SOURCES_MAX. */
int blocklist_builder_add_source(struct blocklist_builder *b, struct str name, uint8_t *source_id);

/* Canonicalizes `url` and adds the hash of its most specific expression under `source_id`.
 * HT_EINVAL when the URL does not canonicalize or its host is one no browser accepts;
 * HT_ETOOBIG past BLOCKLIST_ENTRIES_MAX. */
int blocklist_builder_add_url(struct blocklist_builder *b, struct str url, uint8_t source_id);

/* Adds an already computed expression hash (for lists that ship hashes). */
int blocklist_builder_add_hash(struct blocklist_builder *b, const uint8_t hash[SB_HASH_BYTES],
                               uint8_t source_id);

/* Parses the feed `data` (file contents, any bytes) in `format` (FEED_AUTO detects it) and
 * adds every listed URL under a source named `source_name`. Bad records are counted in
 * `*stats`, not fatal. Returns HT_OK; HT_EINVAL when JSON does not parse or is not an array;
 * HT_ETOOBIG past FEED_JSON_BYTES_MAX or BLOCKLIST_ENTRIES_MAX; HT_ENOMEM. */
int blocklist_builder_add_feed(struct blocklist_builder *b, struct str data, enum feed_format format,
                               struct str source_name, struct feed_stats *stats);

/* Turns the builder into an immutable list and frees the builder in all cases. On HT_OK the
 * caller owns `*out` until blocklist_free(). */
int blocklist_build(struct blocklist_builder *b, struct blocklist **out);

/* Hashes each expression of `exprs` and looks it up: prefix set first, then the full hash.
 * Returns true and fills `*match` on the first listed expression. Thread-safe. */
bool blocklist_lookup(const struct blocklist *list, const struct sb_expr_list *exprs,
                      struct blocklist_match *match);

/* Number of distinct full hashes in the list. */
size_t blocklist_count(const struct blocklist *list);

/* Heap bytes of the prefix set alone, and of the whole list (prefix set + full hashes). */
size_t blocklist_prefix_bytes(const struct blocklist *list);
size_t blocklist_memory_bytes(const struct blocklist *list);

/* Frees the list; NULL is a no-op. No lookup may be running on it. */
void blocklist_free(struct blocklist *list);

#endif
