/*
 * prefix_set.c — bucketed prefix set (see prefix_set.h). Sorting is an LSD radix sort (four
 * byte-wide passes), linear in the number of prefixes, so building a million-prefix set after
 * a feed reload costs milliseconds rather than a comparison sort's twenty million calls.
 */
#include "core/prefix_set.h"

#include <stdlib.h>
#include <string.h>

#include "core/status.h"

#define BUCKETS (1u << PREFIX_SET_BUCKET_BITS)

struct prefix_set {
  size_t count;
  uint32_t *bucket_start; /* BUCKETS + 1 offsets into `low` */
  uint16_t *low;          /* low 16 bits of each prefix, sorted within each bucket */
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

int prefix_set_build(uint32_t *prefixes, size_t count, struct prefix_set **out) {
  *out = NULL;
  if (count > PREFIX_SET_COUNT_MAX) return HT_ETOOBIG;
  size_t n;
  int rc = prefix_sort_unique(prefixes, count, &n);
  if (rc != HT_OK) return rc;
  struct prefix_set *set = calloc(1, sizeof *set);
  if (!set) return HT_ENOMEM;
  set->count = n;
  set->bucket_start = calloc(BUCKETS + 1, sizeof *set->bucket_start);
  set->low = malloc(n * sizeof *set->low + 1);
  if (!set->bucket_start || !set->low) {
    prefix_set_free(set);
    return HT_ENOMEM;
  }
  for (size_t i = 0; i < n; i++) {
    set->bucket_start[(prefixes[i] >> 16) + 1]++;
    set->low[i] = (uint16_t)prefixes[i];
  }
  for (size_t b = 1; b <= BUCKETS; b++) set->bucket_start[b] += set->bucket_start[b - 1];
  *out = set;
  return HT_OK;
}

bool prefix_set_contains(const struct prefix_set *set, uint32_t prefix) {
  if (set->count == 0) return false;
  size_t lo = set->bucket_start[prefix >> 16], hi = set->bucket_start[(prefix >> 16) + 1];
  uint16_t want = (uint16_t)prefix;
  while (lo < hi) {
    size_t mid = lo + (hi - lo) / 2;
    if (set->low[mid] < want)
      lo = mid + 1;
    else
      hi = mid;
  }
  return lo < set->bucket_start[(prefix >> 16) + 1] && set->low[lo] == want;
}

size_t prefix_set_count(const struct prefix_set *set) { return set->count; }

size_t prefix_set_memory_bytes(const struct prefix_set *set) {
  return sizeof *set + (BUCKETS + 1) * sizeof *set->bucket_start + set->count * sizeof *set->low;
}

void prefix_set_free(struct prefix_set *set) {
  if (!set) return;
  free(set->bucket_start);
  free(set->low);
  free(set);
}
