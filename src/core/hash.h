/*
 * hash.h — FNV-1a (64-bit), the one non-cryptographic hash of the in-memory tables, cache keys
 * and ETags: fast on short keys, not collision-resistant, so only where a crafted collision
 * costs no more than a longer probe.
 */
#ifndef HUTONG_CORE_HASH_H
#define HUTONG_CORE_HASH_H

#include <stddef.h>
#include <stdint.h>

#include "core/str.h"

/* Where every FNV-1a hash starts (the FNV-1a 64 offset basis). */
#define HASH_FNV1A_START 14695981039346656037ULL

/* Continues the hash `h` over `len` bytes at `data` (pass HASH_FNV1A_START to begin). */
static inline uint64_t hash_fnv1a(uint64_t h, const void *data, size_t len) {
  const unsigned char *p = data;
  for (size_t i = 0; i < len; i++) h = (h ^ p[i]) * 1099511628211ULL;
  return h;
}

/* hash_fnv1a() over a view. */
static inline uint64_t hash_fnv1a_str(uint64_t h, struct str s) { return hash_fnv1a(h, s.data, s.len); }

/* hash_fnv1a() over a NUL-terminated string (without its NUL). */
static inline uint64_t hash_fnv1a_cstr(uint64_t h, const char *s) {
  return hash_fnv1a_str(h, str_from_cstr(s));
}

#endif
