/* interstitial.c — GET /go?u=TARGET&s=SIGNATURE: the door every outbound link of our pages
 * goes through. The guard judges the target: allow → 302 to it; warn → a page with the
 * reasons and a "continue" link; block → a page with the reasons and no way through. A link
 * our pages emitted carries an HMAC of its target (`s`); an altered or forged one is blocked
 * as `signature_invalid`. The check happens at click time, so a feed update protects links
 * already printed. */
#include <stdio.h>
#include <string.h>

#include "app.h"
#include "core/link_sign.h"
#include "core/status.h"
#include "jobs/guard_state.h"
#include "web/html.h"
#include "web/pages.h"
#include "web/urls.h"

static void reasons_list(struct page *page, const struct guard_result *r) {
  buf_append_cstr(page->out, "<ul class=\"reasons\">");
  for (size_t i = 0; i < r->reason_count; i++) {
    html_raw(page->out, "<li><code>%s</code> ", r->reasons[i].code);
    html_text(page->out, str_from_cstr(r->reasons[i].detail ? r->reasons[i].detail : ""));
    buf_append_cstr(page->out, "</li>");
  }
  buf_append_cstr(page->out, "</ul>");
}

/* The warning or block page for `target`. */
void web_guard_page(struct request *req, struct response *res, struct str target,
                    const struct guard_result *r) {
  struct page page;
  page_init(&page, req, res);
  bool blocked = r->verdict == GUARD_BLOCK;
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
  if (!blocked) {
    const char *go = url_outbound(req->app, &req->arena, target, true);
    buf_append_cstr(page.out, "<p><a class=\"btn ghost\" rel=\"noopener noreferrer nofollow\" href=\"");
    html_url(page.out, str_from_cstr(go ? go : "/"));
    html_raw(page.out, "\">%s</a></p>", page_t(&page, MSG_GUARD_CONTINUE));
  }
  html_raw(page.out, "<p><a class=\"btn\" href=\"/\">%s</a></p></section></main>",
           page_t(&page, MSG_GUARD_BACK));
  page_end(&page, blocked ? 403 : 200);
}

void web_go(struct request *req, struct response *res) {
  struct str target = request_query(req, "u"), signature = request_query(req, "s");
  struct str confirmed = request_query(req, "continue");
  struct guard_snapshot *snap = guard_acquire(req->app->guard);
  struct guard_result r;
  memset(&r, 0, sizeof r);
  int rc = target.data ? guard_check(&snap->ctx, target, signature.data ? &signature : NULL, &req->arena, &r)
                       : HT_EINVAL;
  guard_release(snap);
  if (rc != HT_OK) return page_message(req, res, 400, MSG_GUARD_BAD_TITLE, MSG_GUARD_BAD_BODY);
  bool through = r.verdict == GUARD_ALLOW || (r.verdict == GUARD_WARN && confirmed.data && signature.data);
  if (!through) return web_guard_page(req, res, target, &r);
  response_header(req, res, "Location", arena_strdup_str(&req->arena, target));
  response_header(req, res, "Referrer-Policy", "no-referrer");
  response_body(req, res, 302, "text/plain; charset=utf-8", STR_LIT(""));
}
