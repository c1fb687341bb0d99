/*
 * urls.h — every public URL hutong prints: links, QR contents, tokens' pages, hand-offs.
 *
 * Links are built from HUTONG_PUBLIC_URL. A QR code holds the scan form of a link: the
 * scheme and host in upper case and the path `/Q/{CODE}`, all upper case, so that the whole
 * text fits QR alphanumeric mode (a smaller symbol) and a scan is told apart from a click
 * by its path, not by a lower-case query string that would break that mode.
 */
#ifndef HUTONG_WEB_URLS_H
#define HUTONG_WEB_URLS_H

#include "app.h"
#include "core/arena.h"
#include "core/str.h"

#include <stdbool.h>

/* Path prefixes of the public code routes. */
#define URL_PRODUCT  "/P/"
#define URL_STORE    "/S/"
#define URL_REDIRECT "/R/"
#define URL_SCAN     "/Q/"
#define URL_HANDOFF  "/H/"

/* PUBLIC_URL + prefix + code ("http://host/P/7K3QX9"), allocated in `arena`. */
char *url_public(const struct app *app, struct arena *arena, const char *prefix, const char *code);

/* The text a QR code for `code` holds: upper-cased scheme and host + "/Q/" + code. */
char *url_qr_text(const struct app *app, struct arena *arena, const char *prefix, const char *code);

/* PUBLIC_URL + "/qr/" + code + "." + ext: the image endpoint. */
char *url_qr_image(const struct app *app, struct arena *arena, const char *code, const char *ext);

/* "/go?u=<target>&s=<signature>", the target percent-encoded: how our pages link anywhere
 * outside hutong; the signature lets the interstitial tell our links from forged or altered
 * ones, and the interstitial checks the target again at click time. `confirmation` (NULL for
 * none) is appended as "&c=..."; only the warning page's continue link has one (see
 * web/interstitial.c). NULL when the target is longer than LINK_SIGN_URL_BYTES_MAX or the
 * arena refuses. */
char *url_outbound(const struct app *app, struct arena *arena, struct str target, const char *confirmation);

/* The host[:port] of PUBLIC_URL, for recognising our own links in pasted text. */
struct str url_public_host(const struct app *app);

#endif
