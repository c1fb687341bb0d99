/* urls.c — public URL builders (see urls.h). */
#include "web/urls.h"

#include <string.h>

char *url_public(const struct app *app, struct arena *arena, const char *prefix, const char *code) {
  return arena_printf(arena, "%s%s%s", app->public_url, prefix, code);
}

/* Length of "scheme://host[:port]" at the start of the public URL. */
static size_t origin_len(const char *url) {
  const char *host = strstr(url, "://");
  host = host ? host + 3 : url;
  const char *path = strchr(host, '/');
  return path ? (size_t)(path - url) : strlen(url);
}

char *url_qr_text(const struct app *app, struct arena *arena, const char *prefix, const char *code) {
  char *text = arena_printf(arena, "%s%s%s", app->public_url, prefix, code);
  if (!text) return NULL;
  size_t n = origin_len(app->public_url);
  for (size_t i = 0; i < n; i++)
    if (text[i] >= 'a' && text[i] <= 'z') text[i] = (char)(text[i] - 'a' + 'A');
  return text;
}

char *url_qr_image(const struct app *app, struct arena *arena, const char *code, const char *ext) {
  return arena_printf(arena, "%s/qr/%s.%s", app->public_url, code, ext);
}

struct str url_public_host(const struct app *app) {
  const char *host = strstr(app->public_url, "://");
  host = host ? host + 3 : app->public_url;
  const char *path = strchr(host, '/');
  return (struct str){host, path ? (size_t)(path - host) : strlen(host)};
}
