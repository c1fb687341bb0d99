/* qr_images.c — GET /qr/{code}.svg and .png: the QR code of any product, store or link code.
 *
 * The image holds the code's scan link (urls.h) and depends only on the code, the options
 * and the public URL, so it is immutable: answered with a year of caching and an ETag derived
 * from those (a revalidation never renders), and kept rendered in memory. Options: size (px
 * of the whole image) or scale (px per module), ec (L, M, Q, H) and margin (quiet-zone
 * modules, 4 by default). A bad option is a 400 naming it. */
#include <stdio.h>
#include <string.h>

#include "app.h"
#include "core/hash.h"
#include "core/code.h"
#include "core/qr.h"
#include "core/status.h"
#include "platform/kvcache.h"
#include "store/codes.h"
#include "web/code_cache.h"
#include "web/pages.h"
#include "web/urls.h"

/* Rendered images kept: a catalogue's worth of codes in their common sizes. */
#define QR_CACHE_ENTRIES 16384
/* Images are immutable; the TTL only bounds how long a code that was since removed from
 * another node's database could still be drawn. */
#define QR_CACHE_TTL_MS (10 * 60 * 1000)
/* Bigger images are rendered each time (they are rare: posters). */
#define QR_CACHE_VALUE_BYTES_MAX (64 * 1024)
#define QR_CACHE_CONTROL         "public, max-age=31536000, immutable"

static struct kvcache *image_cache;

static bool parse_unsigned(struct request *req, struct response *res, const char *name, unsigned min,
                           unsigned max, unsigned *out) {
  struct str text = request_query(req, name);
  if (!text.data) return true;
  long long v;
  if (str_to_i64(text, &v) != HT_OK) {
    response_error(req, res, 400, "invalid_value", name, "%s must be an integer", name);
    return false;
  }
  if (v < min || v > max) {
    response_error(req, res, 400, "out_of_range", name, "%s must be between %u and %u", name, min, max);
    return false;
  }
  *out = (unsigned)v;
  return true;
}

static bool parse_options(struct request *req, struct response *res, struct qr_options *opts) {
  *opts = qr_options_default();
  struct str ec = request_query(req, "ec");
  if (ec.data && qr_ec_parse(ec, &opts->ec) != HT_OK) {
    response_error(req, res, 400, "invalid_value", "ec", "ec must be L, M, Q or H");
    return false;
  }
  return parse_unsigned(req, res, "scale", QR_SCALE_PX_MIN, QR_SCALE_PX_MAX, &opts->scale_px) &&
         parse_unsigned(req, res, "size", QR_SIZE_PX_MIN, QR_SIZE_PX_MAX, &opts->size_px) &&
         parse_unsigned(req, res, "margin", 0, QR_MARGIN_MODULES_MAX, &opts->margin_modules);
}

static bool code_exists(struct request *req, struct response *res, const char *code) {
  struct code_ref ref;
  int rc = code_cache_lookup(req, str_from_cstr(code), &ref);
  if (rc == HT_ENOTFOUND)
    web_not_found(req, res);
  else if (rc != HT_OK)
    response_status_error(req, res, rc, "code");
  return rc == HT_OK;
}

/* The image cache's key for `code` drawn as `format` with `opts`. */
static void image_key(const char *code, enum qr_format format, const struct qr_options *opts,
                      char key[KVCACHE_KEY_BYTES_MAX + 1]) {
  snprintf(key, KVCACHE_KEY_BYTES_MAX + 1, "%c%s%d.%u.%u.%u", format == QR_FORMAT_SVG ? 's' : 'p', code,
           (int)opts->ec, opts->scale_px, opts->size_px, opts->margin_modules);
}

/* Draws `code`'s image (not looking in the cache) onto `out` and keeps it in the cache. */
static int render_image(struct request *req, const char *code, const char *key, const struct qr_options *opts,
                        enum qr_format format, struct buf *out) {
  const char *text = url_qr_text(req->app, &req->arena, URL_SCAN, code);
  size_t start = out->len;
  struct qr_code symbol;
  int rc = text ? code_cache_symbol(req, str_from_cstr(text), opts->ec, &symbol) : HT_ENOMEM;
  if (rc == HT_OK)
    rc = format == QR_FORMAT_SVG ? qr_render_svg(&symbol, opts, out) : qr_render_png(&symbol, opts, out);
  if (rc == HT_OK && image_cache)
    kvcache_put(image_cache, str_from_cstr(key),
                (struct str){.data = out->data + start, .len = out->len - start}, req->now_ms);
  return rc;
}

int qr_image_append(struct request *req, const char *code, const struct qr_options *opts,
                    enum qr_format format, struct buf *out) {
  char key[KVCACHE_KEY_BYTES_MAX + 1];
  image_key(code, format, opts, key);
  struct str cached;
  if (image_cache && kvcache_get(image_cache, str_from_cstr(key), req->now_ms, &req->arena, &cached))
    return buf_append(out, cached.data, cached.len);
  return render_image(req, code, key, opts, format, out);
}

static void serve_qr(struct request *req, struct response *res, enum qr_format format) {
  char code[CODE_LEN_MAX + 1];
  size_t len = 0;
  struct qr_options opts;
  if (code_normalize(request_param(req, 0), code, sizeof code, &len) != HT_OK || len != CODE_PUBLIC_LEN)
    return web_not_found(req, res);
  if (!parse_options(req, res, &opts)) return;
  const char *content_type = format == QR_FORMAT_SVG ? "image/svg+xml" : "image/png";
  char key[KVCACHE_KEY_BYTES_MAX + 1], etag[24];
  image_key(code, format, &opts, key);
  snprintf(etag, sizeof etag, "\"q%016llx\"",
           (unsigned long long)hash_fnv1a_cstr(hash_fnv1a_cstr(HASH_FNV1A_START, key), req->app->public_url));
  response_header(req, res, "Cache-Control", QR_CACHE_CONTROL);
  response_header(req, res, "ETag", etag);
  struct str cached;
  bool hit = image_cache && kvcache_get(image_cache, str_from_cstr(key), req->now_ms, &req->arena, &cached);
  if (!hit && !code_exists(req, res, code)) return;
  /* A revalidation of a code that exists is answered 304 whether or not the image is still
   * in this node's cache: the ETag depends only on the request. */
  struct str match = request_header(req, "If-None-Match");
  if (match.data && str_find(match, str_from_cstr(etag), false) >= 0)
    return response_body(req, res, 304, content_type, STR_LIT(""));
  if (hit) return response_body(req, res, 200, content_type, cached);
  res->body.len = 0;
  int rc = render_image(req, code, key, &opts, format, &res->body);
  if (rc == HT_ERANGE)
    return response_error(req, res, 400, "out_of_range", "size", "size is too small for this code");
  if (rc != HT_OK) return response_status_error(req, res, rc, "QR image");
  res->status = 200;
  res->content_type = content_type;
}

void qr_images_init(void) {
  if (!image_cache) image_cache = kvcache_create(QR_CACHE_ENTRIES, QR_CACHE_TTL_MS, QR_CACHE_VALUE_BYTES_MAX);
}

void qr_images_shutdown(void) {
  kvcache_destroy(image_cache);
  image_cache = NULL;
}

void web_qr_svg(struct request *req, struct response *res) { serve_qr(req, res, QR_FORMAT_SVG); }
void web_qr_png(struct request *req, struct response *res) { serve_qr(req, res, QR_FORMAT_PNG); }
