/*
 * prefix_set.c — delta-coded prefix set (see prefix_set.h). Sorting is an LSD radix sort (four
 * byte-wide passes), linear in the number of prefixes, so building a million-prefix set after
 * a feed reload costs milliseconds rather than a comparison sort's twenty million calls.
 */
#include "core/prefix_set.h"

#include <stdlib.h>
#include <string.h>

#include "core/status.h"

/* Largest LEB128 encoding of a 32-bit delta: ceil(32 / 7) bytes. */
#define VARINT32_BYTES_MAX 5

struct index_entry {
  uint32_t first;  /* the block's first prefix */
  uint32_t offset; /* where the block's deltas start in `deltas` */
};

struct prefix_set {
  size_t count;
  size_t index_count;
  struct index_entry *index;
  uint8_t *deltas;
  size_t deltas_bytes;
};

int prefix_sort_unique(uint32_t *values, size_t count, size_t *unique_count) {
  *unique_count = 0;
  if (count == 0) return HT_OK;
  uint32_t *tmp = malloc(count * sizeof *tmp);
  if (!tmp) return HT_ENOMEM;
  uint32_t *src = values, *dst = tmp;
  for (unsigned shift = 0; shift < 32; shift += 8) {
    size_t bucket[257] = {0};
    for (size_t i = 0; i < count; i++) bucket[((src[i] >> shift) & 255) + 1]++;
    for (size_t b = 1; b < 257; b++) bucket[b] += bucket[b - 1];
    for (size_t i = 0; i < count; i++) dst[bucket[(src[i] >> shift) & 255]++] = src[i];
    uint32_t *swap = src;
    src = dst, dst = swap;
  }
  free(tmp); /* after an even number of passes the sorted data is back in `values` */
  size_t n = 1;
  for (size_t i = 1; i < count; i++)
    if (values[i] != values[n - 1]) values[n++] = values[i];
  *unique_count = n;
  return HT_OK;
}

static size_t varint_put(uint8_t *out, uint32_t v) {
  size_t n = 0;
  while (v >= 0x80) {
    out[n++] = (uint8_t)(v | 0x80);
    v >>= 7;
  }
  out[n++] = (uint8_t)v;
  return n;
}

static uint32_t varint_get(const uint8_t **p) {
  uint32_t v = 0;
  for (unsigned shift = 0;; shift += 7) {
    uint8_t b = *(*p)++;
    v |= (uint32_t)(b & 0x7F) << shift;
    if (!(b & 0x80)) return v;
  }
}

/* Encodes sorted, distinct `prefixes` into the set's index and deltas. */
static void encode(struct prefix_set *set, const uint32_t *prefixes, size_t count) {
  size_t used = 0;
  for (size_t i = 0; i < count; i++) {
    if (i % PREFIX_SET_BLOCK_PREFIXES == 0) {
      set->index[i / PREFIX_SET_BLOCK_PREFIXES] = (struct index_entry){prefixes[i], (uint32_t)used};
      continue;
    }
    used += varint_put(set->deltas + used, prefixes[i] - prefixes[i - 1]);
  }
  set->deltas_bytes = used;
}

int prefix_set_build(uint32_t *prefixes, size_t count, struct prefix_set **out) {
  *out = NULL;
  if (count > PREFIX_SET_COUNT_MAX) return HT_ETOOBIG;
  size_t n;
  int rc = prefix_sort_unique(prefixes, count, &n);
  if (rc != HT_OK) return rc;
  struct prefix_set *set = calloc(1, sizeof *set);
  if (!set) return HT_ENOMEM;
  set->count = n;
  set->index_count = (n + PREFIX_SET_BLOCK_PREFIXES - 1) / PREFIX_SET_BLOCK_PREFIXES;
  set->index = malloc(set->index_count * sizeof *set->index + 1);
  uint8_t *scratch = malloc(n * VARINT32_BYTES_MAX + 1);
  if (!set->index || !scratch) {
    free(scratch);
    prefix_set_free(set); /* frees the index; deltas is still NULL */
    return HT_ENOMEM;
  }
  set->deltas = scratch;
  encode(set, prefixes, n);
  /* Keep only the bytes used: about 2 a prefix instead of the worst case of 5. */
  uint8_t *shrunk = realloc(scratch, set->deltas_bytes + 1);
  if (shrunk) set->deltas = shrunk;
  *out = set;
  return HT_OK;
}

bool prefix_set_contains(const struct prefix_set *set, uint32_t prefix) {
  if (set->count == 0 || prefix < set->index[0].first) return false;
  /* The last block whose first prefix is <= prefix. */
  size_t lo = 0, hi = set->index_count;
  while (hi - lo > 1) {
    size_t mid = lo + (hi - lo) / 2;
    if (set->index[mid].first <= prefix)
      lo = mid;
    else
      hi = mid;
  }
  uint32_t value = set->index[lo].first;
  if (value == prefix) return true;
  size_t in_block = set->count - lo * PREFIX_SET_BLOCK_PREFIXES;
  if (in_block > PREFIX_SET_BLOCK_PREFIXES) in_block = PREFIX_SET_BLOCK_PREFIXES;
  const uint8_t *p = set->deltas + set->index[lo].offset;
  for (size_t i = 1; i < in_block; i++) {
    value += varint_get(&p);
    if (value >= prefix) return value == prefix;
  }
  return false;
}

size_t prefix_set_count(const struct prefix_set *set) { return set->count; }

size_t prefix_set_memory_bytes(const struct prefix_set *set) {
  return sizeof *set + set->index_count * sizeof *set->index + set->deltas_bytes;
}

void prefix_set_free(struct prefix_set *set) {
  if (!set) return;
  free(set->index);
  free(set->deltas);
  free(set);
}
