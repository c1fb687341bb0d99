/* urls.c — public URL builders (see urls.h). */
#include "web/urls.h"

#include <string.h>

#include "core/buf.h"
#include "core/link_sign.h"
#include "core/status.h"

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

/* Percent-encodes everything but RFC 3986's unreserved characters. */
static int append_encoded(struct buf *out, struct str s) {
  static const char digits[] = "0123456789ABCDEF";
  int rc = HT_OK;
  for (size_t i = 0; i < s.len && rc == HT_OK; i++) {
    unsigned char c = (unsigned char)s.data[i];
    bool plain = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
                 c == '.' || c == '_' || c == '~';
    char escaped[3] = {'%', digits[c >> 4], digits[c & 15]};
    rc = plain ? buf_append(out, &c, 1) : buf_append(out, escaped, 3);
  }
  return rc;
}

char *url_outbound(const struct app *app, struct arena *arena, struct str target, const char *confirmation) {
  char signature[LINK_SIGN_TEXT_CHARS + 1];
  if (link_sign((struct str){(const char *)app->link_key, sizeof app->link_key}, target, signature) != HT_OK)
    return NULL;
  struct buf out;
  buf_init(&out, arena, 3 * target.len + 64);
  int rc = buf_append_cstr(&out, "/go?u=");
  if (rc == HT_OK) rc = append_encoded(&out, target);
  if (rc == HT_OK) rc = buf_printf(&out, "&s=%s", signature);
  if (rc == HT_OK && confirmation) rc = buf_printf(&out, "&c=%s", confirmation);
  return rc == HT_OK ? out.data : NULL;
}
