/*
 * prefix_set.h — a compact, immutable set of 4-byte hash prefixes.
 *
 * A blocklist of a million URLs must answer "is this prefix listed?" from memory that stays
 * small and hot in cache. Like Chromium's Safe Browsing PrefixSet, the sorted prefixes are
 * stored as deltas: every PREFIX_SET_BLOCK_PREFIXES-th prefix goes into an index (its value and
 * the byte offset of its block), and the prefixes between are LEB128 varints of their distance
 * from the one before. Random 32-bit prefixes at a million entries are ~4,300 apart, so most
 * deltas take two bytes: about 2.1 bytes a prefix in all (measured in test_prefix_set). A
 * lookup is a binary search of the index plus at most PREFIX_SET_BLOCK_PREFIXES - 1 varints.
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

/* Prefixes per index entry: 64 keeps the index at 8/64 = 0.125 bytes a prefix while a lookup
 * decodes at most 63 varints (the same trade-off as Chromium's PrefixSet, which uses 100). */
#define PREFIX_SET_BLOCK_PREFIXES 64
/* Most prefixes a set may hold: 100 million, a hundred times the benchmark's million. With at
 * most 5 varint bytes a prefix the block offsets stay below 2^32. */
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

/* Bytes of heap the set occupies (structure, index and deltas). */
size_t prefix_set_memory_bytes(const struct prefix_set *set);

/* Frees the set; NULL is a no-op. */
void prefix_set_free(struct prefix_set *set);

/* Sorts `values[0..count)` ascending and removes duplicates, storing the new count in
 * `*unique_count`. HT_ENOMEM when the scratch array cannot be had (values unchanged). */
int prefix_sort_unique(uint32_t *values, size_t count, size_t *unique_count);

#endif
