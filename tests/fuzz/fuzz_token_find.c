/* fuzz_token_find.c — the share-token finder takes any pasted bytes: it must never read out
 * of bounds, and a match must lie inside the text and carry a canonical code. */
#include <assert.h>
#include <stdint.h>
#include <string.h>

#include "core/share_token.h"
#include "core/status.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  struct str text = {(const char *)data, size};
  static const struct str hosts[] = {{"", 0}, {"hutong.example", 14}};
  for (size_t h = 0; h < 2; h++) {
    struct share_token_match m;
    int rc = share_token_find(text, hosts[h], &m);
    if (rc != HT_OK && rc != HT_ECHECKSUM) {
      assert(m.source == SHARE_TOKEN_SOURCE_NONE);
      continue;
    }
    assert(m.source != SHARE_TOKEN_SOURCE_NONE && m.offset + m.len <= size && m.len > 0);
    assert(strlen(m.code) == SHARE_TOKEN_CODE_LEN && code_is_canonical(str_from_cstr(m.code)));
    assert(rc == HT_OK || m.source != SHARE_TOKEN_SOURCE_LINK);
  }
  return 0;
}
