/* web.c — startup and shutdown of the web layer's shared state. */
#include "web/assets.h"
#include "web/code_cache.h"
#include "web/pages.h"
#include "web/share.h"

void web_init(void) {
  assets_init();
  share_init();
  qr_images_init();
  code_cache_init();
}

void web_shutdown(void) {
  share_shutdown();
  qr_images_shutdown();
  code_cache_shutdown();
}
