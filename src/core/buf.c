/* buf.c — bounded growable buffer (see buf.h). Grows by doubling inside the arena; the old
 * storage is simply abandoned to the arena, which frees everything at once. */
#include "core/buf.h"

#include <stdio.h>
#include <string.h>

#include "core/status.h"

/* First capacity: most JSON responses and SQL fragments fit without a regrow. */
#define BUF_INITIAL_CAP 256

void buf_init(struct buf *b, struct arena *arena, size_t len_max) {
  b->arena = arena;
  b->data = NULL;
  b->len = 0;
  b->cap = 0;
  b->len_max = len_max;
}

static int buf_reserve(struct buf *b, size_t extra) {
  if (extra > b->len_max - b->len) return HT_ETOOBIG;
  size_t need = b->len + extra + 1;
  if (need <= b->cap) return HT_OK;
  size_t cap = b->cap ? b->cap : BUF_INITIAL_CAP;
  while (cap < need) cap *= 2;
  if (cap > b->len_max + 1) cap = b->len_max + 1;
  char *grown = arena_alloc(b->arena, cap);
  if (!grown) return HT_ENOMEM;
  if (b->len) memcpy(grown, b->data, b->len);
  grown[b->len] = '\0';
  b->data = grown;
  b->cap = cap;
  return HT_OK;
}

int buf_append(struct buf *b, const void *data, size_t len) {
  int rc = buf_reserve(b, len);
  if (rc) return rc;
  if (len) memcpy(b->data + b->len, data, len);
  b->len += len;
  b->data[b->len] = '\0';
  return HT_OK;
}

int buf_append_cstr(struct buf *b, const char *s) { return buf_append(b, s, strlen(s)); }

int buf_printf(struct buf *b, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  va_list probe;
  va_copy(probe, ap);
  int n = vsnprintf(NULL, 0, fmt, probe);
  va_end(probe);
  int rc = n < 0 ? HT_EINVAL : buf_reserve(b, (size_t)n);
  if (rc == HT_OK) {
    vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
    b->len += (size_t)n;
  }
  va_end(ap);
  return rc;
}
