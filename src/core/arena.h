/*
 * arena.h — a bump allocator freed in one place.
 *
 * Every HTTP request owns one arena (nginx's per-request pool): parsers, handlers and the
 * response writer allocate from it and nothing is freed one by one; the server frees the
 * whole arena when the response has been sent. Each arena has a byte maximum so that no
 * request can grow without bound; an allocation past it returns NULL.
 */
#ifndef HUTONG_CORE_ARENA_H
#define HUTONG_CORE_ARENA_H

#include <stdarg.h>
#include <stddef.h>

#include "core/str.h"

/* Size of the first block, and of each later block unless one allocation needs more. */
#define ARENA_BLOCK_BYTES 8192

struct arena_block;

struct arena {
  struct arena_block *head; /* newest block first */
  size_t used_bytes;        /* sum of block sizes, checked against bytes_max */
  size_t bytes_max;
};

/* Prepares an empty arena that may hold at most `bytes_max` bytes. Allocates nothing. */
void arena_init(struct arena *arena, size_t bytes_max);

/* Frees every block; the arena is empty and reusable afterwards. Views into it die. */
void arena_free_all(struct arena *arena);

/* Returns `size` bytes aligned for any type, zeroed, or NULL when the maximum or malloc
 * refuses. The memory lives until arena_free_all(). */
void *arena_alloc(struct arena *arena, size_t size);

/* Copies `s` into the arena and NUL-terminates it; NULL when out of room. */
char *arena_strndup(struct arena *arena, const char *s, size_t len);

/* Copies the view `s` into the arena as a NUL-terminated string; NULL when out of room. */
static inline char *arena_strdup_str(struct arena *arena, struct str s) {
  return arena_strndup(arena, s.data, s.len);
}

/* printf into the arena; returns the NUL-terminated result or NULL when out of room. */
char *arena_printf(struct arena *arena, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* vprintf form of arena_printf(). */
char *arena_vprintf(struct arena *arena, const char *fmt, va_list ap) __attribute__((format(printf, 2, 0)));

#endif
