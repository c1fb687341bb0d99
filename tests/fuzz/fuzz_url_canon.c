/* fuzz_url_canon.c — the canonicalizer and expression generator must accept any bytes without
 * reading out of bounds; a canonical URL must stay within its bound, hold its views inside it,
 * start its path with '/', and canonicalize to itself again (unless its host is one no
 * browser accepts, whose bytes may re-split the URL). */
#include <assert.h>
#include <stdint.h>

#include "core/sb_expr.h"
#include "core/status.h"
#include "core/url_canon.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static bool inside(struct str view, struct str whole) {
  return view.data >= whole.data && view.data + view.len <= whole.data + whole.len;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  struct arena arena;
  arena_init(&arena, 1 << 20);
  struct url_canon u;
  enum url_canon_error error;
  int rc = url_canon((struct str){(const char *)data, size}, &arena, &u, &error);
  assert((rc == HT_OK) == (error == URL_CANON_OK));
  if (rc == HT_OK) {
    assert(u.url.len <= URL_CANON_OUTPUT_BYTES_MAX && u.url.data[u.url.len] == '\0');
    assert(inside(u.host, u.url) && inside(u.path, u.url) && inside(u.query, u.url));
    assert(u.path.len > 0 && u.path.data[0] == '/');
    struct sb_expr_list exprs;
    sb_expr_generate(&u, &exprs);
    assert(exprs.count >= 1 && exprs.count <= SB_EXPR_MAX);
    uint8_t hash[SB_HASH_BYTES];
    for (size_t i = 0; i < exprs.count; i++) sb_expr_hash(&exprs.items[i], hash);
    if (!(u.flags & URL_CANON_HOST_FORBIDDEN)) {
      struct url_canon again;
      assert(url_canon(u.url, &arena, &again, &error) == HT_OK);
      assert(str_eq(again.url, u.url));
    }
  }
  arena_free_all(&arena);
  return 0;
}
