/*
 * buf.h — a growable byte buffer with a hard maximum, allocated from an arena.
 *
 * After curl's dynbuf: every buffer that grows with input has a ceiling, so hostile input
 * ends in a clean HT_ETOOBIG instead of an exhausted machine. The contents are always
 * NUL-terminated (the terminator is not counted in `len`) so they can be passed to C APIs.
 */
#ifndef HUTONG_CORE_BUF_H
#define HUTONG_CORE_BUF_H

#include <stdarg.h>
#include <stddef.h>

#include "core/arena.h"
#include "core/str.h"

struct buf {
  struct arena *arena;
  char *data; /* NULL until the first append */
  size_t len;
  size_t cap;
  size_t len_max;
};

/* Prepares an empty buffer over `arena` that may hold up to `len_max` bytes. */
void buf_init(struct buf *b, struct arena *arena, size_t len_max);

/* Appends `len` bytes. HT_ETOOBIG past len_max, HT_ENOMEM when the arena refuses; on error
 * the buffer keeps its previous contents. */
int buf_append(struct buf *b, const void *data, size_t len);

/* Appends a view. Same errors as buf_append(). */
static inline int buf_append_str(struct buf *b, struct str s) { return buf_append(b, s.data, s.len); }

/* Appends a NUL-terminated string. Same errors as buf_append(). */
int buf_append_cstr(struct buf *b, const char *s);

/* Appends printf output. Same errors as buf_append(). */
int buf_printf(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Returns a view of the contents (valid until the next append). */
static inline struct str buf_view(const struct buf *b) {
  return (struct str){.data = b->data ? b->data : "", .len = b->len};
}

#endif
