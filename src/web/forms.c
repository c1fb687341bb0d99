/* forms.c — shared helpers of the form handlers (see forms.h). */
#include "web/forms.h"

#include <stdio.h>

#include "app.h"
#include "core/status.h"
#include "platform/clock.h"
#include "web/urls.h"

struct str web_origin_host(struct str origin) {
  long scheme = str_find(origin, STR_LIT("://"), false);
  if (scheme <= 0) return (struct str){"", 0};
  struct str rest = {origin.data + scheme + 3, origin.len - (size_t)scheme - 3};
  size_t len = 0;
  while (len < rest.len && rest.data[len] != '/' && rest.data[len] != '?' && rest.data[len] != '#') len++;
  return (struct str){rest.data, len};
}

static bool ours(struct request *req, struct str host) {
  if (host.len == 0) return false;
  struct str own = request_header(req, "Host");
  return (own.data && str_eq_nocase(host, own)) || str_eq_nocase(host, url_public_host(req->app));
}

bool web_same_origin(struct request *req) {
  struct str origin = request_header(req, "Origin");
  if (origin.data) return ours(req, web_origin_host(origin)); /* "null" has no host: refused */
  struct str referer = request_header(req, "Referer");
  if (referer.data) return ours(req, web_origin_host(referer));
  return true;
}

bool web_form_read(struct request *req, struct form *form) {
  struct str bad;
  return form_parse(buf_view(&req->body), &req->arena, form, &bad) == HT_OK;
}

struct str web_field(const struct form *form, const char *name) {
  struct str value = {"", 0};
  if (!form_get(form, name, &value)) value = (struct str){"", 0};
  return value;
}

void web_see_other(struct request *req, struct response *res, const char *location) {
  response_header(req, res, "Location", location ? location : "/");
  response_body(req, res, 303, "text/plain; charset=utf-8", STR_LIT(""));
}

void web_refuse_cross_site(struct request *req, struct response *res) {
  page_message(req, res, 403, MSG_CROSS_SITE_TITLE, MSG_CROSS_SITE_BODY);
}

const char *web_money(struct request *req, int64_t amount_minor, enum currency currency) {
  char *out = arena_alloc(&req->arena, MONEY_DISPLAY_BYTES);
  size_t len;
  if (!out || money_format_display(amount_minor, currency, out, MONEY_DISPLAY_BYTES, &len) != HT_OK)
    return "";
  return out;
}

const char *web_time(struct request *req, int64_t ms) {
  if (ms == 0) return "";
  char text[CLOCK_RFC3339_BYTES];
  clock_format_rfc3339(ms, text);
  /* "2026-11-23T15:22:07.123Z" → "2026-11-23 15:22 UTC" */
  const char *out = arena_printf(&req->arena, "%.10s %.5s UTC", text, text + 11);
  return out ? out : "";
}

void html_hidden(struct buf *out, const char *name, struct str value) {
  html_raw(out, "<input type=\"hidden\" name=\"%s\" value=\"", name);
  html_attr(out, value);
  buf_append_cstr(out, "\">");
}

static void field_open(struct buf *out, const char *name, const char *label, const char *error) {
  html_raw(out, "<div class=\"field%s\"><label for=\"f-%s\">%s</label>", error ? " invalid" : "", name,
           label);
}

static void field_close(struct buf *out, const char *name, const char *error) {
  if (error) html_raw(out, "<p class=\"error\" id=\"e-%s\">%s</p>", name, error);
  buf_append_cstr(out, "</div>");
}

void html_input(struct buf *out, const char *type, const char *name, const char *label, struct str value,
                const char *error, const char *attrs) {
  field_open(out, name, label, error);
  html_raw(out, "<input type=\"%s\" id=\"f-%s\" name=\"%s\" value=\"", type, name, name);
  html_attr(out, value);
  html_raw(out, "\"%s", attrs ? attrs : "");
  if (error) html_raw(out, " aria-invalid=\"true\" aria-describedby=\"e-%s\"", name);
  buf_append_cstr(out, ">");
  field_close(out, name, error);
}

void html_textarea(struct buf *out, const char *name, const char *label, struct str value, const char *error,
                   const char *attrs) {
  field_open(out, name, label, error);
  html_raw(out, "<textarea id=\"f-%s\" name=\"%s\"%s", name, name, attrs ? attrs : "");
  if (error) html_raw(out, " aria-invalid=\"true\" aria-describedby=\"e-%s\"", name);
  buf_append_cstr(out, ">");
  html_text(out, value);
  buf_append_cstr(out, "</textarea>");
  field_close(out, name, error);
}
