/* html.c — context-specific escaping and the page frame (see html.h). */
#include "web/html.h"

#include <stdarg.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#include "core/status.h"
#include "core/utf8.h"
#include "web/assets.h"

/* The lang cookie lasts a year, like most sites' language choice. */
#define LANG_COOKIE_MAX_AGE_S (365 * 24 * 3600)

static int escape(struct buf *out, struct str s) {
  int rc = HT_OK;
  size_t run = 0; /* bytes copied as they are, flushed before each escape */
  for (size_t i = 0; i < s.len && rc == HT_OK;) {
    unsigned char c = (unsigned char)s.data[i];
    const char *entity = NULL;
    size_t advance = 1;
    switch (c) {
    case '&': entity = "&amp;"; break;
    case '<': entity = "&lt;"; break;
    case '>': entity = "&gt;"; break;
    case '"': entity = "&quot;"; break;
    case '\'': entity = "&#39;"; break;
    default:
      if (c >= 0x80) {
        uint32_t cp;
        advance = utf8_decode((struct str){s.data + i, s.len - i}, &cp);
        if (advance == 0) entity = "\xef\xbf\xbd", advance = 1; /* U+FFFD for invalid bytes */
      } else if (c < 0x20 && c != '\n' && c != '\t') {
        entity = ""; /* control characters never reach a page */
      }
    }
    if (entity) {
      rc = buf_append(out, s.data + i - run, run);
      if (rc == HT_OK) rc = buf_append_cstr(out, entity);
      run = 0;
    } else {
      run += advance;
    }
    i += advance;
  }
  if (rc == HT_OK && run) rc = buf_append(out, s.data + s.len - run, run);
  return rc;
}

int html_text(struct buf *out, struct str s) { return escape(out, s); }
int html_attr(struct buf *out, struct str s) { return escape(out, s); }

static bool has_scheme(struct str url, const char *scheme) {
  size_t n = strlen(scheme);
  return url.len > n && url.data[n] == ':' &&
         str_eq_nocase((struct str){url.data, n}, (struct str){scheme, n});
}

int html_url(struct buf *out, struct str url) {
  static const char *const safe_schemes[] = {"http", "https", "mailto", "tel", "weixin", "alipays", "alipay"};
  bool ok = url.len > 0 && url.data[0] == '/' && (url.len == 1 || url.data[1] != '/'); /* root-relative */
  for (size_t i = 0; !ok && i < sizeof safe_schemes / sizeof safe_schemes[0]; i++)
    ok = has_scheme(url, safe_schemes[i]);
  for (size_t i = 0; ok && i < url.len; i++)
    if ((unsigned char)url.data[i] <= 0x20 || url.data[i] == 0x7f) ok = false;
  return ok ? escape(out, url) : buf_append_cstr(out, "#");
}

int html_json(struct buf *out, const json_t *value) {
  char *text = json_dumps(value, JSON_COMPACT);
  if (!text) return HT_ENOMEM;
  int rc = HT_OK;
  for (const char *p = text; *p && rc == HT_OK; p++) {
    if (*p == '<')
      rc = buf_append_cstr(out, "\\u003c");
    else if (*p == '>')
      rc = buf_append_cstr(out, "\\u003e");
    else if (*p == '&')
      rc = buf_append_cstr(out, "\\u0026");
    else
      rc = buf_append(out, p, 1);
  }
  free(text);
  return rc;
}

int html_raw(struct buf *out, const char *fmt, ...) {
  char chunk[1024];
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(chunk, sizeof chunk, fmt, ap);
  va_end(ap);
  if (n < 0 || (size_t)n >= sizeof chunk) return HT_ETOOBIG;
  return buf_append(out, chunk, (size_t)n);
}

void page_init(struct page *page, struct request *req, struct response *res) {
  page->req = req;
  page->res = res;
  page->out = &res->body;
  page->client = client_detect(request_header(req, "User-Agent"));
  page->caps = client_caps(page->client);
  struct str query = request_query(req, "lang");
  page->lang = i18n_negotiate(query, request_cookie(req, "lang"), request_header(req, "Accept-Language"));
  if (query.data && (str_eq(query, STR_LIT("zh")) || str_eq(query, STR_LIT("en")))) {
    char cookie[96];
    snprintf(cookie, sizeof cookie, "lang=%s; Path=/; Max-Age=%d; SameSite=Lax", i18n_code(page->lang),
             LANG_COOKIE_MAX_AGE_S);
    response_header(req, res, "Set-Cookie", cookie);
  }
  res->body.len = 0;
}

static void meta_tag(struct buf *out, const char *attr, const char *name, struct str content) {
  if (!content.len) return;
  html_raw(out, "<meta %s=\"%s\" content=\"", attr, name);
  html_attr(out, content);
  buf_append_cstr(out, "\">");
}

void page_begin(struct page *page, const struct page_meta *meta) {
  struct buf *out = page->out;
  html_raw(out, "<!doctype html><html lang=\"%s\"><head><meta charset=\"utf-8\">",
           i18n_html_lang(page->lang));
  buf_append_cstr(out, "<meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">");
  buf_append_cstr(out, "<title>");
  html_text(out, meta->title);
  buf_append_cstr(out, "</title>");
  if (meta->noindex) buf_append_cstr(out, "<meta name=\"robots\" content=\"noindex\">");
  meta_tag(out, "name", "description", meta->description);
  meta_tag(out, "property", "og:title", meta->title);
  meta_tag(out, "property", "og:description", meta->description);
  meta_tag(out, "property", "og:image", meta->image_url);
  meta_tag(out, "property", "og:url", meta->canonical_url);
  if (meta->title.len) buf_append_cstr(out, "<meta property=\"og:type\" content=\"product\">");
  html_raw(out, "<meta name=\"twitter:card\" content=\"%s\">",
           meta->image_url.len ? "summary_large_image" : "summary");
  meta_tag(out, "name", "twitter:title", meta->title);
  meta_tag(out, "name", "twitter:description", meta->description);
  meta_tag(out, "name", "twitter:image", meta->image_url);
  if (meta->canonical_url.len) {
    buf_append_cstr(out, "<link rel=\"canonical\" href=\"");
    html_url(out, meta->canonical_url);
    buf_append_cstr(out, "\">");
  }
  html_raw(out, "<link rel=\"stylesheet\" href=\"%s\"></head><body class=\"client-%s\">",
           assets_url("app.css"), client_class_name(page->client.cls));
}

void page_end(struct page *page, int status) {
  struct buf *out = page->out;
  enum lang other = page->lang == LANG_EN ? LANG_ZH : LANG_EN;
  html_raw(out,
           "<footer class=\"foot\"><a href=\"?lang=%s\" rel=\"nofollow\">%s</a> · <span>%s</span></footer>",
           i18n_code(other), page_t(page, MSG_LANGUAGE_SWITCH), page_t(page, MSG_SITE_NAME));
  html_raw(out, "<script src=\"%s\" defer></script></body></html>", assets_url("app.js"));
  page->res->status = status;
  page->res->content_type = "text/html; charset=utf-8";
  if (page->res->body.len == 0)
    response_error(page->req, page->res, 500, "internal_error", NULL, "page too large");
}

void page_message(struct request *req, struct response *res, int status, enum msg heading, enum msg body) {
  struct page page;
  page_init(&page, req, res);
  struct page_meta meta = {.title = str_from_cstr(page_t(&page, heading)), .noindex = true};
  page_begin(&page, &meta);
  html_raw(page.out, "<main class=\"message\"><h1>%s</h1><p>%s</p><p><a href=\"/\">%s</a></p></main>",
           page_t(&page, heading), page_t(&page, body), page_t(&page, MSG_SITE_NAME));
  page_end(&page, status);
}
