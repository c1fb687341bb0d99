/*
 * forms.h — what every server-rendered form handler needs: reading the urlencoded body,
 * refusing cross-site posts, answering "see other", and writing money, times and hidden
 * fields into pages.
 *
 * Cross-site checks: a buyer's order is reached through an unguessable token in its URL, so a
 * form on another site cannot name it; the dashboard's forms carry a CSRF token. Both also
 * refuse a POST whose Origin (or, when a browser sends none, Referer) names another site:
 * a second, cheap wall that costs nothing to honest browsers.
 */
#ifndef HUTONG_WEB_FORMS_H
#define HUTONG_WEB_FORMS_H

#include <stdbool.h>
#include <stdint.h>

#include "core/form.h"
#include "core/money.h"
#include "web/html.h"

/* True unless the request's Origin, or its Referer when it has no Origin, names a site other
 * than this server (its Host header or the public URL's host). A request with neither header
 * (curl, old browsers) passes; "Origin: null" does not. */
bool web_same_origin(struct request *req);

/* The host[:port] of an Origin or Referer value ("https://a.example:8443/x" → "a.example:8443");
 * empty when it has no "scheme://". Pure. */
struct str web_origin_host(struct str origin);

/* Parses the request body as application/x-www-form-urlencoded into `form`; false when it is
 * malformed (duplicate names, bad escapes, invalid UTF-8, too many fields). */
bool web_form_read(struct request *req, struct form *form);

/* A field's value, or the empty view when absent. */
struct str web_field(const struct form *form, const char *name);

/* Answers 303 See Other to `location` (a path of ours). */
void web_see_other(struct request *req, struct response *res, const char *location);

/* The page for a refused cross-site post (403). */
void web_refuse_cross_site(struct request *req, struct response *res);

/* "¥1,234.50" in the request arena ("" when it cannot be formatted). */
const char *web_money(struct request *req, int64_t amount_minor, enum currency currency);

/* "2026-11-23 15:22 UTC" in the request arena; "" for 0. */
const char *web_time(struct request *req, int64_t ms);

/* Appends <input type="hidden" name="NAME" value="VALUE"> with the value attribute-escaped. */
void html_hidden(struct buf *out, const char *name, struct str value);

/* Appends a text-like input with its label and, when `error` is set, the message next to it.
 * `type` is "text", "tel", "password", "number", ...; `attrs` is trusted extra markup. */
void html_input(struct buf *out, const char *type, const char *name, const char *label, struct str value,
                const char *error, const char *attrs);

/* Appends a <textarea> with its label and error message, like html_input(). */
void html_textarea(struct buf *out, const char *name, const char *label, struct str value, const char *error,
                   const char *attrs);

#endif
