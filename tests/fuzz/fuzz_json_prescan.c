/* fuzz_json_prescan.c — the JSON pre-scanner must never read out of bounds, whatever the
 * bytes, and its reported offset must lie inside the input. */
#include <assert.h>
#include <stdint.h>

#include "core/json_prescan.h"
#include "core/status.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  struct json_prescan_result result;
  for (size_t depth_max = 0; depth_max <= JSON_PRESCAN_DEPTH_LIMIT; depth_max += 16) {
    int rc = json_prescan((struct str){(const char *)data, size}, depth_max, &result);
    if (rc != HT_OK) assert(result.offset <= size);
  }
  return 0;
}
