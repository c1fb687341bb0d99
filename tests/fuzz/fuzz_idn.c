/* fuzz_idn.c — the IDN and lookalike path: any bytes as a host go through url_canon (libidn2),
 * the lookalike checker (libpsl, ICU skeletons, mixed-script checks) and the userinfo brand
 * search, and through the whole guard. Nothing may crash, and every result must be sane. */
#include <assert.h>
#include <stdint.h>
#include <stdlib.h>

#include "core/guard.h"
#include "core/status.h"
#include "core/url_canon.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct lookalike_ctx *shared_ctx(void) {
  /* Built once per process: building is the expensive part, checking is what is fuzzed. */
  static struct lookalike_ctx *ctx;
  if (!ctx) {
    size_t bad;
    const struct str extra[] = {STR_LIT("shop.example"), STR_LIT("\xE4\xB8\xAD\xE5\x9B\xBD.cn")};
    if (lookalike_ctx_create(NULL, extra, 2, &ctx, &bad) != HT_OK) abort();
  }
  return ctx;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  struct lookalike_ctx *ctx = shared_ctx();
  struct str in = {(const char *)data, size};
  struct arena arena;
  arena_init(&arena, GUARD_ARENA_BYTES);
  struct url_canon u;
  enum url_canon_error error;
  if (url_canon(in, &arena, &u, &error) == HT_OK && u.host.len <= LOOKALIKE_HOST_BYTES_MAX) {
    struct lookalike_result r;
    if (lookalike_check(ctx, u.host, &arena, &r) == HT_OK) {
      assert(r.count <= LOOKALIKE_FINDINGS_MAX);
      assert(!(r.genuine && r.count > 0));
      for (size_t i = 0; i < r.count; i++) assert(r.findings[i].code && r.findings[i].brand_domain);
    }
  }
  const char *brand;
  (void)lookalike_mentions_brand(ctx, in, &brand);
  struct guard_ctx g = {NULL, ctx, STR_LIT("0123456789abcdef0123456789abcdef")};
  struct guard_result gr;
  int rc = guard_check(&g, in, &in, &arena, &gr);
  assert(rc == HT_OK ? gr.error == NULL : (rc == HT_ENOMEM || gr.error != NULL));
  arena_free_all(&arena);
  return 0;
}
