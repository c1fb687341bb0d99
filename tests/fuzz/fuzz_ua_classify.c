/* fuzz_ua_classify.c — client detection takes any header bytes: it must never read out of
 * bounds (the sanitizer build checks), and must always give an in-range class, OS and caps. */
#include <assert.h>
#include <stdint.h>
#include <string.h>

#include "core/client.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  struct client_info info = client_detect((struct str){(const char *)data, size});
  assert((unsigned)info.cls < CLIENT_CLASS_COUNT && (unsigned)info.os < CLIENT_OS_COUNT);
  struct client_caps caps = client_caps(info);
  assert(!(caps.is_bot && caps.is_in_app));
  assert(strcmp(client_class_name(info.cls), "unknown") != 0 || info.cls == CLIENT_UNKNOWN);
  /* Only the first CLIENT_UA_BYTES_MAX bytes count. */
  if (size > CLIENT_UA_BYTES_MAX) {
    struct client_info cut = client_detect((struct str){(const char *)data, CLIENT_UA_BYTES_MAX});
    assert(cut.cls == info.cls && cut.os == info.os);
  }
  return 0;
}
