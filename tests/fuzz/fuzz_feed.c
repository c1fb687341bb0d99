/* fuzz_feed.c — the feed parsers take whatever a feed file holds: every format (and the
 * detector) must parse any bytes without reading out of bounds, count what they saw
 * consistently, and produce a list that can be built and queried. */
#include <assert.h>
#include <stdint.h>

#include "core/blocklist.h"
#include "core/status.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  struct str in = {(const char *)data, size};
  struct blocklist_builder *b;
  if (blocklist_builder_create(&b) != HT_OK) return 0;
  for (int format = FEED_AUTO; format <= FEED_PLAIN; format++) {
    struct feed_stats st;
    int rc = blocklist_builder_add_feed(b, in, (enum feed_format)format, STR_LIT("fuzz"), &st);
    assert(rc == HT_OK || rc == HT_EINVAL);
    assert(st.added + st.skipped + st.rejected == st.records);
  }
  struct blocklist *list;
  if (blocklist_build(b, &list) != HT_OK) return 0;
  struct url_canon u = {.host = STR_LIT("a.example"), .path = STR_LIT("/")};
  struct sb_expr_list exprs;
  sb_expr_generate(&u, &exprs);
  struct blocklist_match m;
  (void)blocklist_lookup(list, &exprs, &m);
  blocklist_free(list);
  return 0;
}
