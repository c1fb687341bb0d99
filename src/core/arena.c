/* arena.c — bump allocation over a list of malloc'd blocks (see arena.h). */
#include "core/arena.h"

#include <assert.h>
#include <stdalign.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct arena_block {
  struct arena_block *next;
  size_t size; /* usable bytes after the header */
  size_t used;
  alignas(max_align_t) unsigned char data[];
};

void arena_init(struct arena *arena, size_t bytes_max) {
  arena->head = NULL;
  arena->used_bytes = 0;
  arena->bytes_max = bytes_max;
}

void arena_free_all(struct arena *arena) {
  struct arena_block *block = arena->head;
  while (block) {
    struct arena_block *next = block->next;
    free(block);
    block = next;
  }
  arena->head = NULL;
  arena->used_bytes = 0;
}

static size_t align_up(size_t n) {
  size_t a = alignof(max_align_t);
  return (n + a - 1) & ~(a - 1);
}

void *arena_alloc(struct arena *arena, size_t size) {
  if (size == 0) size = 1;
  if (size > arena->bytes_max) return NULL;
  size_t need = align_up(size);
  struct arena_block *block = arena->head;
  if (!block || block->size - block->used < need) {
    size_t block_size = need > ARENA_BLOCK_BYTES ? need : ARENA_BLOCK_BYTES;
    if (arena->used_bytes + block_size > arena->bytes_max) {
      block_size = need; /* a smaller last block may still fit under the maximum */
      if (arena->used_bytes + block_size > arena->bytes_max) return NULL;
    }
    block = malloc(sizeof *block + block_size);
    if (!block) return NULL;
    block->size = block_size;
    block->used = 0;
    block->next = arena->head;
    arena->head = block;
    arena->used_bytes += block_size;
  }
  void *p = block->data + block->used;
  block->used += need;
  assert(block->used <= block->size);
  memset(p, 0, size);
  return p;
}

char *arena_strndup(struct arena *arena, const char *s, size_t len) {
  char *copy = arena_alloc(arena, len + 1);
  if (!copy) return NULL;
  if (len) memcpy(copy, s, len);
  copy[len] = '\0';
  return copy;
}

char *arena_vprintf(struct arena *arena, const char *fmt, va_list ap) {
  va_list probe;
  va_copy(probe, ap);
  int n = vsnprintf(NULL, 0, fmt, probe);
  va_end(probe);
  if (n < 0) return NULL;
  char *out = arena_alloc(arena, (size_t)n + 1);
  if (!out) return NULL;
  vsnprintf(out, (size_t)n + 1, fmt, ap);
  return out;
}

char *arena_printf(struct arena *arena, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  char *out = arena_vprintf(arena, fmt, ap);
  va_end(ap);
  return out;
}
