/*
 * html.h — writing HTML safely: one escaping helper per context, and the page frame.
 *
 * Every byte of user data reaches a page through exactly one of these helpers:
 *   html_text()  element content        (& < > " ' escaped)
 *   html_attr()  a double-quoted attribute value (same escaping; never unquoted attributes)
 *   html_url()   an href/src attribute: only http(s), relative paths and a few safe schemes
 *                pass; anything else (javascript:, data:, ...) becomes "#"
 *   html_json()  data for scripts, inside <script type="application/json"> (< > & escaped as
 *                \u003c etc., so no "</script>" can close the element)
 * A product titled <script>alert(1)</script> therefore renders as text everywhere.
 */
#ifndef HUTONG_WEB_HTML_H
#define HUTONG_WEB_HTML_H

#include <jansson.h>
#include <stdbool.h>

#include "core/buf.h"
#include "core/client.h"
#include "core/str.h"
#include "http/request.h"
#include "web/i18n.h"

/* Appends `s` escaped for element content. Invalid UTF-8 becomes U+FFFD. */
int html_text(struct buf *out, struct str s);

/* Appends `s` escaped for a double-quoted attribute value. */
int html_attr(struct buf *out, struct str s);

/* Appends a URL for an href/src attribute: http, https, mailto, tel, weixin, alipays and
 * root-relative URLs pass (attribute-escaped); anything else is replaced by "#". */
int html_url(struct buf *out, struct str url);

/* Appends `value` (reference kept by the caller) as JSON safe inside a script element. */
int html_json(struct buf *out, const json_t *value);

/* printf-style append of trusted markup (format strings are ours; never pass user data in
 * the format). */
int html_raw(struct buf *out, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* What a page is about, for <head>: title and the Open Graph / Twitter card tags that make a
 * shared link render as a card. Views may be empty. */
struct page_meta {
  struct str title;
  struct str description;
  struct str image_url;
  struct str canonical_url;
  bool noindex;
};

/* Per-request page context: the response being written, the chosen language, the client. */
struct page {
  struct request *req;
  struct response *res;
  struct buf *out;
  enum lang lang;
  struct client_info client;
  struct client_caps caps;
};

/* Prepares a page for this request: detects the client, negotiates the language (?lang=,
 * the `lang` cookie, Accept-Language) and sets a `lang` cookie when ?lang= chose one. */
void page_init(struct page *page, struct request *req, struct response *res);

/* Writes the doctype, <head> (meta, Open Graph, stylesheet) and the page header. */
void page_begin(struct page *page, const struct page_meta *meta);

/* Writes the footer (language switch) and closes the document; sets status 200 unless the
 * handler set another, and the HTML content type. */
void page_end(struct page *page, int status);

/* A whole small page with a heading and a paragraph (errors: expired, not found, ...). */
void page_message(struct request *req, struct response *res, int status, enum msg heading, enum msg body);

/* The translated string for `id` in the page's language. */
static inline const char *page_t(const struct page *page, enum msg id) { return i18n_text(page->lang, id); }

#endif
