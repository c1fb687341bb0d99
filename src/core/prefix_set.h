/*
 * prefix_set.h — a compact, immutable set of 4-byte hash prefixes.
 *
 * A blocklist of a million URLs must answer "is this prefix listed?" from memory that stays
 * small and hot in cache, in a few dozen instructions. The sorted prefixes are split by their
 * top 16 bits into 65,536 buckets: a table of bucket offsets (4 bytes each, 256 KiB in all)
 * points into one array that stores only the low 16 bits of each prefix. At a million random
 * prefixes that is 2 bytes a prefix plus 0.26 for the table, about 2.26 bytes a prefix
 * (measured in test_prefix_set); a lookup reads one table pair and binary-searches a bucket of
 * about 15 entries. (A first version stored varint deltas with an index of every 64th prefix:
 * 2.09 bytes a prefix, but decoding up to 63 varints made each lookup cost ~1,400
 * instructions, most of the verdict budget.)
 *
 * The set is exact for 32-bit prefixes; the false positives a blocklist sees come from
 * different URLs sharing a prefix, and are resolved against full hashes (blocklist.h).
 * Immutable after prefix_set_build(), so any number of threads may query it at once.
 */
#ifndef HUTONG_CORE_PREFIX_SET_H
#define HUTONG_CORE_PREFIX_SET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Bits of the prefix that select its bucket; the other 16 are stored. */
#define PREFIX_SET_BUCKET_BITS 16u
/* Most prefixes a set may hold: 100 million, a hundred times the benchmark's million (bucket
 * offsets are 32-bit). */
#define PREFIX_SET_COUNT_MAX 100000000u

struct prefix_set;

/* Builds a set from `prefixes[0..count)`, which it sorts and de-duplicates in place (the
 * caller keeps ownership of the array). On HT_OK `*out` owns its memory until
 * prefix_set_free(). HT_ETOOBIG above PREFIX_SET_COUNT_MAX, HT_ENOMEM when malloc refuses. */
int prefix_set_build(uint32_t *prefixes, size_t count, struct prefix_set **out);

/* True when `prefix` is in the set. Thread-safe on a built set. */
bool prefix_set_contains(const struct prefix_set *set, uint32_t prefix);

/* Number of distinct prefixes. */
size_t prefix_set_count(const struct prefix_set *set);

/* Bytes of heap the set occupies (structure, bucket table and low halves). */
size_t prefix_set_memory_bytes(const struct prefix_set *set);

/* Frees the set; NULL is a no-op. */
void prefix_set_free(struct prefix_set *set);

/* Sorts `values[0..count)` ascending and removes duplicates, storing the new count in
 * `*unique_count`. HT_ENOMEM when the scratch array cannot be had (values unchanged). */
int prefix_sort_unique(uint32_t *values, size_t count, size_t *unique_count);

#endif
