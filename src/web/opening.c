/* opening.c — GET /t?text=...: the landing page's paste box without JavaScript. A found
 * token sends the buyer to its product (303, recorded as a token open); anything else shows
 * what went wrong next to a fresh paste box. */
#include "core/status.h"
#include "jobs/click_queue.h"
#include "web/html.h"
#include "web/pages.h"
#include "web/share.h"

static void problem_page(struct request *req, struct response *res, int status, enum msg problem) {
  struct page page;
  page_init(&page, req, res);
  struct page_meta meta = {.title = str_from_cstr(page_t(&page, MSG_PASTE_TOKEN)), .noindex = true};
  page_begin(&page, &meta);
  html_raw(page.out,
           "<header class=\"top\"><a href=\"/\">%s</a></header><main class=\"wrap\"><section class=\"card\">"
           "<p class=\"error\">%s</p><form action=\"/t\" method=\"get\"><textarea name=\"text\" "
           "placeholder=\"%s\">",
           page_t(&page, MSG_SITE_NAME), page_t(&page, problem), page_t(&page, MSG_PASTE_TOKEN_HINT));
  struct str text = request_query(req, "text");
  if (text.data && text.len <= SHARE_TOKEN_TEXT_BYTES_MAX) html_text(page.out, text);
  html_raw(page.out, "</textarea><p><button class=\"btn ghost\">%s</button></p></form></section></main>",
           page_t(&page, MSG_FIND));
  page_end(&page, status);
}

void web_token_open(struct request *req, struct response *res) {
  struct str text = request_query(req, "text");
  if (!text.data) text = STR_LIT("");
  enum share_resolution outcome;
  struct product p;
  const char *source;
  int rc = share_resolve(req, text, &outcome, &p, &source);
  if (rc != HT_OK) return response_status_error(req, res, rc, "token");
  switch (outcome) {
  case SHARE_RESOLVED: {
    const char *location = arena_printf(&req->arena, "/P/%s?src=token", p.code);
    response_header(req, res, "Location", location ? location : "/");
    response_body(req, res, 303, "text/plain; charset=utf-8", STR_LIT(""));
    return;
  }
  case SHARE_BAD_CHECKSUM: return problem_page(req, res, 422, MSG_TOKEN_CHECKSUM);
  case SHARE_EXPIRED: return problem_page(req, res, 410, MSG_TOKEN_EXPIRED);
  case SHARE_NOT_FOUND: return problem_page(req, res, 404, MSG_TOKEN_NOT_FOUND);
  default: return problem_page(req, res, 400, MSG_TOKEN_NOT_FOUND);
  }
}
