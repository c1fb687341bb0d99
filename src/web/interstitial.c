/* interstitial.c — GET /go?u=TARGET&s=SIGNATURE[&c=CONFIRMATION]: the door every outbound link
 * of our pages goes through, and the warning and block pages that /R/ shows too. The guard
 * judges the target: allow → 302 to it; warn → a page with the reasons and a "continue" link;
 * block → a page with the reasons and no way through. A link our pages emitted carries an HMAC
 * of its target (`s`); an altered or forged one is blocked as `signature_invalid`, and a link
 * without one is still checked. The check happens at click time, so a feed update protects
 * links already printed.
 *
 * Why "continue" is bound to the browser: anyone can open /go?u=EVIL, so a continue link that
 * were merely signed would be handed to every phisher by our own warning page, ready to be
 * sent on to victims with the warning skipped. The warning page therefore gives the browser a
 * random nonce in a cookie (HttpOnly, SameSite=Lax, Path=/go) and signs the continue link for
 * that nonce and that target (`c`, under a key derived from the link key for this one use).
 * The continue link works in the browser that saw the warning and nowhere else; elsewhere the
 * warning is shown again. A browser that refuses cookies sees the warning again too: the
 * safe failure.
 *
 * The 302 carries the target as the browser would read it (WHATWG URL: leading and trailing
 * controls and spaces trimmed, tabs and newlines removed), so a CR/LF in `u` can neither split
 * the header nor make libmicrohttpd drop the Location; a target without a scheme gets the
 * http:// the guard assumed when it judged it. */
#include <stdio.h>
#include <string.h>

#include "app.h"
#include "core/crypto.h"
#include "core/link_sign.h"
#include "core/status.h"
#include "jobs/guard_state.h"
#include "platform/random.h"
#include "web/html.h"
#include "web/pages.h"
#include "web/shop.h"
#include "web/urls.h"

/* The nonce cookie that binds a continue link to the browser that saw the warning. */
#define GO_NONCE_COOKIE "hutong_go"
/* Random bytes in the nonce: 128 bits, written as 32 hex digits. */
#define GO_NONCE_BYTES 16
#define GO_NONCE_HEX   (2 * GO_NONCE_BYTES)
/* How long a warning's continue link keeps working in its browser: a day, longer than anyone
 * reads a warning page; a later click shows the warning again. */
#define GO_NONCE_MAX_AGE_S (24 * 3600)

static void reasons_list(struct page *page, const struct guard_result *r) {
  buf_append_cstr(page->out, "<ul class=\"reasons\">");
  for (size_t i = 0; i < r->reason_count; i++) {
    html_raw(page->out, "<li><code>%s</code> ", r->reasons[i].code);
    html_text(page->out, str_from_cstr(r->reasons[i].detail ? r->reasons[i].detail : ""));
    buf_append_cstr(page->out, "</li>");
  }
  buf_append_cstr(page->out, "</ul>");
}

static bool nonce_valid(struct str nonce) {
  if (!nonce.data || nonce.len != GO_NONCE_HEX) return false;
  for (size_t i = 0; i < nonce.len; i++) {
    char c = nonce.data[i];
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

/* The key that signs continue links for one nonce: HMAC(link key, label || nonce). */
static void confirm_key(const struct app *app, struct str nonce, uint8_t key[CRYPTO_SHA256_BYTES]) {
  char data[64 + GO_NONCE_HEX];
  int n = snprintf(data, sizeof data, "hutong-go-continue-v1\n%.*s", STR_FMT(nonce));
  crypto_hmac_sha256((struct str){(const char *)app->link_key, sizeof app->link_key},
                     (struct str){data, (size_t)n}, key);
}

/* True when `c` confirms `target` for the nonce in this browser's cookie. */
static bool confirmed(struct request *req, struct str target, struct str c) {
  struct str nonce = request_cookie(req, GO_NONCE_COOKIE);
  if (!c.data || !nonce_valid(nonce)) return false;
  uint8_t key[CRYPTO_SHA256_BYTES];
  confirm_key(req->app, nonce, key);
  return link_verify((struct str){(const char *)key, sizeof key}, target, c) == HT_OK;
}

/* The continue link for `target`: this browser's nonce (set now when it has none), the
 * confirmation for it, and the target's signature. NULL when the target cannot be signed. */
static const char *continue_link(struct request *req, struct response *res, struct str target) {
  struct str nonce = request_cookie(req, GO_NONCE_COOKIE);
  char fresh[GO_NONCE_HEX + 1];
  if (!nonce_valid(nonce)) {
    random_hex(fresh, GO_NONCE_BYTES);
    nonce = (struct str){fresh, GO_NONCE_HEX};
    const char *cookie =
        arena_printf(&req->arena, GO_NONCE_COOKIE "=%s; Path=/go; Max-Age=%d; HttpOnly; SameSite=Lax%s",
                     fresh, GO_NONCE_MAX_AGE_S, web_is_https(req) ? "; Secure" : "");
    if (cookie) response_header(req, res, "Set-Cookie", cookie);
  }
  uint8_t key[CRYPTO_SHA256_BYTES];
  char token[LINK_SIGN_TEXT_CHARS + 1];
  confirm_key(req->app, nonce, key);
  if (link_sign((struct str){(const char *)key, sizeof key}, target, token) != HT_OK) return NULL;
  return url_outbound(req->app, &req->arena, target, token);
}

void web_guard_page(struct request *req, struct response *res, struct str target,
                    const struct guard_result *r) {
  bool blocked = r->verdict == GUARD_BLOCK;
  const char *go = blocked ? NULL : continue_link(req, res, target);
  response_header(req, res, "Referrer-Policy", "no-referrer");
  struct page page;
  page_init(&page, req, res);
  struct page_meta meta = {
      .title = str_from_cstr(page_t(&page, blocked ? MSG_GUARD_BLOCK_TITLE : MSG_GUARD_WARN_TITLE)),
      .noindex = true};
  page_begin(&page, &meta);
  html_raw(
      page.out,
      "<header class=\"top\"><a href=\"/\">%s</a></header><main class=\"wrap\"><section class=\"card %s\">"
      "<h1>%s</h1><p>%s</p><p class=\"target\"><code>",
      page_t(&page, MSG_SITE_NAME), blocked ? "blocked" : "warning", meta.title.data,
      page_t(&page, blocked ? MSG_GUARD_BLOCK_BODY : MSG_GUARD_WARN_BODY));
  html_text(page.out, r->host_unicode.len ? r->host_unicode : target);
  buf_append_cstr(page.out, "</code></p>");
  reasons_list(&page, r);
  if (go) {
    buf_append_cstr(
        page.out,
        "<p><a class=\"btn ghost\" data-guard-continue rel=\"noopener noreferrer nofollow\" href=\"");
    html_url(page.out, str_from_cstr(go));
    html_raw(page.out, "\">%s</a></p>", page_t(&page, MSG_GUARD_CONTINUE));
  }
  html_raw(page.out, "<p><a class=\"btn\" href=\"/\">%s</a></p></section></main>",
           page_t(&page, MSG_GUARD_BACK));
  page_end(&page, blocked ? 403 : 200);
}

/* `target` as the browser will read it (see the file comment), in the arena. */
static const char *location_of(struct arena *arena, struct str target) {
  size_t start = 0, end = target.len;
  while (start < end && (unsigned char)target.data[start] <= 0x20) start++;
  while (end > start && (unsigned char)target.data[end - 1] <= 0x20) end--;
  struct str t = {target.data + start, end - start};
  bool has_scheme = (t.len >= 5 && str_eq_nocase((struct str){t.data, 5}, STR_LIT("http:"))) ||
                    (t.len >= 6 && str_eq_nocase((struct str){t.data, 6}, STR_LIT("https:")));
  struct buf out;
  buf_init(&out, arena, t.len + 8);
  int rc = has_scheme ? HT_OK : buf_append_cstr(&out, "http://");
  for (size_t i = 0; i < t.len && rc == HT_OK; i++)
    if (t.data[i] != '\t' && t.data[i] != '\r' && t.data[i] != '\n') rc = buf_append(&out, t.data + i, 1);
  return rc == HT_OK && out.data ? out.data : NULL;
}

static void go_redirect(struct request *req, struct response *res, struct str target) {
  const char *location = location_of(&req->arena, target);
  if (!location) return page_message(req, res, 400, MSG_GUARD_BAD_TITLE, MSG_GUARD_BAD_BODY);
  response_header(req, res, "Location", location);
  response_header(req, res, "Referrer-Policy", "no-referrer");
  response_body(req, res, 302, "text/plain; charset=utf-8", STR_LIT(""));
}

void web_go(struct request *req, struct response *res) {
  struct str target = request_query(req, "u"), signature = request_query(req, "s");
  struct guard_snapshot *snap = guard_acquire(req->app->guard);
  struct guard_result r;
  memset(&r, 0, sizeof r);
  int rc = target.data ? guard_check(&snap->ctx, target, signature.data ? &signature : NULL, &req->arena, &r)
                       : HT_EINVAL;
  guard_release(snap);
  if (rc != HT_OK) return page_message(req, res, 400, MSG_GUARD_BAD_TITLE, MSG_GUARD_BAD_BODY);
  bool through = r.verdict == GUARD_ALLOW ||
                 (r.verdict == GUARD_WARN && confirmed(req, target, request_query(req, "c")));
  if (!through) return web_guard_page(req, res, target, &r);
  go_redirect(req, res, target);
}
