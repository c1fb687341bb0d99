/* landing.c — what a buyer sees after a click, a scan or a pasted token: the product
 * landing, the store page, campaign redirects, hand-offs, the home page with its paste box.
 *
 * The product page is one page for every client; client detection (core/client.h) decides
 * what it offers: the wallet that works in the host app, an "open in browser" hint only next
 * to an action that needs one, a deep link into the merchant's app where schemes are allowed,
 * a "continue on your phone" QR on desktops, Open Graph tags for link-preview bots. It works
 * without JavaScript; app.js only enhances it. */
#include <stdio.h>
#include <string.h>

#include "app.h"
#include "core/code.h"
#include "core/money.h"
#include "core/qr.h"
#include "core/share_token.h"
#include "core/status.h"
#include "jobs/click_queue.h"
#include "jobs/guard_state.h"
#include "store/codes.h"
#include "store/links.h"
#include "store/merchants.h"
#include "store/products.h"
#include "web/code_cache.h"
#include "web/html.h"
#include "web/pages.h"
#include "web/share.h"
#include "web/shop.h"
#include "web/urls.h"

/* Products shown on a store page. */
#define STORE_PAGE_PRODUCTS_MAX 60
/* Largest quantity the buy form offers (a buyer wanting more writes to the shop). */
#define BUY_QUANTITY_MAX 99
/* Pixels of the inline desktop QR. */
#define HANDOFF_QR_PX 180

/* Normalizes path parameter `index` as a code of exactly `len` symbols. */
static bool param_code(struct request *req, size_t index, size_t len, char out[CODE_LEN_MAX + 1]) {
  size_t out_len = 0;
  if (code_normalize(request_param(req, index), out, CODE_LEN_MAX + 1, &out_len) != HT_OK) return false;
  return out_len == len;
}

/* ?ch= when it is a plausible campaign tag, else empty. */
static struct str channel_param(struct request *req) {
  struct str ch = request_query(req, "ch");
  return ch.data && click_channel_valid(ch) ? ch : (struct str){0};
}

static void record_click(struct request *req, struct client_info client, int64_t merchant_id,
                         const char *code, const char *source, struct str channel) {
  if (!req->app->clicks) return;
  struct click_event e = {.merchant_id = merchant_id,
                          .source = source,
                          .client_class = client_class_name(client.cls),
                          .os = client_os_name(client.os),
                          .at_ms = req->now_ms};
  snprintf(e.code, sizeof e.code, "%s", code);
  if (channel.len) snprintf(e.channel, sizeof e.channel, "%.*s", STR_FMT(channel));
  click_queue_push(req->app->clicks, &e);
}

static const char *price_text(struct request *req, const struct product *p) {
  enum currency currency = CURRENCY_DEFAULT;
  currency_from_code(p->currency, &currency);
  char *out = arena_alloc(&req->arena, MONEY_DISPLAY_BYTES);
  size_t len;
  if (!out || money_format_display(p->price_minor, currency, out, MONEY_DISPLAY_BYTES, &len) != HT_OK)
    return "";
  return out;
}

static void render_header(struct page *page, const struct merchant *m) { shop_header(page, m); }

/* In an app that allows only its own wallet, the other wallet needs the page opened in a
 * browser: the hint stands next to that wallet, with a button that copies the share token
 * (pasting it in the browser's paste box, or in the other app, opens this product). */
static void render_other_wallet_hint(struct page *page, const struct product *p, enum msg other_wallet) {
  struct buf *out = page->out;
  const char *token = share_token_text(page->req, p->code, SHARE_TOKEN_DELIM_YEN_FULLWIDTH, false);
  html_raw(
      out,
      "<p class=\"hint open-in-browser\">%s: %s <button class=\"btn ghost\" type=\"button\" data-copy=\"",
      page_t(page, other_wallet), page_t(page, MSG_OPEN_IN_BROWSER_HINT));
  html_attr(out, str_from_cstr(token));
  html_raw(out, "\" data-copied=\"%s\">%s ", page_t(page, MSG_COPIED), page_t(page, MSG_COPY));
  html_text(out, str_from_cstr(token));
  buf_append_cstr(out, "</button></p>");
}

/* The wallets the order page will offer this client (only channels that are set up), and in an
 * app that allows only its own wallet, the hint next to the other one. */
static void render_pay_options(struct page *page, const struct product *p) {
  shop_pay_options(page);
  if (!page->caps.needs_open_in_browser_hint) return;
  if (page->caps.wallet == CLIENT_WALLET_WECHAT_JSAPI) render_other_wallet_hint(page, p, MSG_PAY_ALIPAY);
  if (page->caps.wallet == CLIENT_WALLET_ALIPAY) render_other_wallet_hint(page, p, MSG_PAY_WECHAT);
}

static void render_buy_box(struct page *page, const struct product *p, int64_t quantity) {
  struct buf *out = page->out;
  bool in_stock = p->stock > 0;
  int64_t max = p->stock < BUY_QUANTITY_MAX ? p->stock : BUY_QUANTITY_MAX;
  if (quantity > max) quantity = max > 0 ? max : 1;
  html_raw(out, "<p class=\"stock%s\">%s</p>", in_stock ? "" : " out",
           page_t(page, in_stock ? MSG_IN_STOCK : MSG_OUT_OF_STOCK));
  const char *button = page->caps.wallet == CLIENT_WALLET_WECHAT_JSAPI ? "wechat"
                       : page->caps.wallet == CLIENT_WALLET_ALIPAY     ? "alipay"
                                                                       : "";
  html_raw(out,
           "<form class=\"buy\" method=\"post\" action=\"/checkout\"><input type=\"hidden\" name=\"code\" "
           "value=\"%s\"><div class=\"row\"><label>%s <input type=\"number\" name=\"quantity\" min=\"1\" "
           "max=\"%lld\" "
           "value=\"%lld\"%s></label><button class=\"btn block %s\"%s>%s</button></div>",
           p->code, page_t(page, MSG_QUANTITY), (long long)(max > 0 ? max : 1), (long long)quantity,
           in_stock ? "" : " disabled", button, in_stock ? "" : " disabled", page_t(page, MSG_BUY_NOW));
  html_raw(
      out,
      "<button class=\"btn ghost block\" formaction=\"/cart\" name=\"action\" value=\"add\"%s>%s</button>"
      "</form>",
      in_stock ? "" : " disabled", page_t(page, MSG_ADD_TO_CART));
  struct str added = request_query(page->req, "added");
  if (added.data && in_stock)
    html_raw(out, "<p class=\"notice\" role=\"status\">%s · <a href=\"/checkout\">%s</a></p>",
             page_t(page, MSG_ADDED_TO_CART), page_t(page, MSG_CHECKOUT));
  render_pay_options(page, p);
}

/* A deep link into the merchant's own app, where the host app lets schemes through; where it
 * does not, the hint to open the page in a browser stands in the button's place. */
static void render_app_link(struct page *page, const struct merchant *m, const struct product *p) {
  if (!m->app_link.data || page->caps.is_desktop || page->caps.is_bot) return;
  struct buf *out = page->out;
  if (page->caps.blocks_custom_schemes || page->caps.needs_open_in_browser_hint) {
    html_raw(out, "<p class=\"hint\">%s · %s</p>", page_t(page, MSG_OPEN_IN_APP),
             page_t(page, MSG_OPEN_IN_BROWSER_HINT));
    return;
  }
  struct buf link;
  buf_init(&link, &page->req->arena, 2048);
  for (size_t i = 0; i < m->app_link.len; i++) {
    if (i + 6 <= m->app_link.len && memcmp(m->app_link.data + i, "{code}", 6) == 0) {
      buf_append_cstr(&link, p->code);
      i += 5;
    } else {
      buf_append(&link, m->app_link.data + i, 1);
    }
  }
  /* A custom scheme opens the merchant's app and is no link to a web site; an http(s) app
   * link (a universal link) leaves hutong like any other and goes through the guard. */
  struct str target = buf_view(&link);
  if (str_find(target, STR_LIT("http://"), true) == 0 || str_find(target, STR_LIT("https://"), true) == 0) {
    const char *go = url_outbound(page->req->app, &page->req->arena, target, NULL);
    if (!go) return;
    target = str_from_cstr(go);
  }
  buf_append_cstr(out, "<p><a class=\"btn ghost block\" href=\"");
  html_url(out, target);
  buf_append_cstr(out, "\" data-app-link=\"");
  html_attr(out, target);
  html_raw(out, "\">%s</a></p>", page_t(page, MSG_OPEN_IN_APP));
}

static void render_share_box(struct page *page, const struct product *p) {
  struct request *req = page->req;
  int64_t expires_at_ms = 0;
  if (share_ensure(req, p, &expires_at_ms) != HT_OK) return; /* the page still works without */
  const char *token = share_token_text(req, p->code, SHARE_TOKEN_DELIM_YEN_FULLWIDTH, false);
  const char *url = url_public(req->app, &req->arena, URL_PRODUCT, p->code);
  const char *message = share_message(req, page->lang, p, token, url ? url : "");
  struct buf *out = page->out;
  html_raw(out, "<section class=\"card share\"><h2>%s</h2><div class=\"row\"><span class=\"token\">",
           page_t(page, MSG_SHARE_TOKEN));
  html_text(out, str_from_cstr(token));
  buf_append_cstr(out, "</span><button class=\"btn ghost\" type=\"button\" data-copy=\"");
  html_attr(out, str_from_cstr(message ? message : token));
  html_raw(out, "\" data-copied=\"%s\">%s</button></div><p class=\"muted\">%s</p>", page_t(page, MSG_COPIED),
           page_t(page, MSG_COPY), page_t(page, MSG_SHARE_TOKEN_HINT));
  buf_append_cstr(out, "</section>");
}

static void render_handoff_box(struct page *page, const struct product *p) {
  if (!page->caps.is_desktop) return;
  struct request *req = page->req;
  struct buf *out = page->out;
  html_raw(out, "<section class=\"card handoff\" data-handoff-product=\"%s\"><h2>%s</h2><div class=\"qr\">",
           p->code, page_t(page, MSG_CONTINUE_ON_PHONE));
  struct qr_options opts = qr_options_default();
  opts.size_px = HANDOFF_QR_PX;
  size_t before = out->len;
  if (qr_image_append(req, p->code, &opts, QR_FORMAT_SVG, out) != HT_OK) out->len = before;
  html_raw(out, "</div><p class=\"muted\">%s</p><p class=\"done\">%s</p></section>",
           page_t(page, MSG_CONTINUE_ON_PHONE_HINT), page_t(page, MSG_CONTINUED_ON_PHONE));
}

static void render_paste_box(struct page *page) {
  html_raw(
      page->out,
      "<section class=\"card\"><h2>%s</h2><form action=\"/t\" method=\"get\"><textarea name=\"text\" "
      "maxlength=\"%d\" placeholder=\"%s\"></textarea><p><button class=\"btn ghost\">%s</button></p></form>"
      "</section>",
      page_t(page, MSG_PASTE_TOKEN), SHARE_TOKEN_TEXT_BYTES_MAX, page_t(page, MSG_PASTE_TOKEN_HINT),
      page_t(page, MSG_FIND));
}

static void render_product_page(struct page *page, const struct product *p, const struct merchant *m,
                                int64_t quantity) {
  struct request *req = page->req;
  struct buf *out = page->out;
  const char *price = price_text(req, p);
  const char *url = url_public(req->app, &req->arena, URL_PRODUCT, p->code);
  const char *description = arena_printf(&req->arena, "%s · %.*s", price, STR_FMT(m->name));
  struct page_meta meta = {.title = p->title,
                           .description = str_from_cstr(description),
                           .image_url = p->image_url,
                           .canonical_url = str_from_cstr(url)};
  page_begin(page, &meta);
  render_header(page, m);
  buf_append_cstr(out, "<main class=\"wrap product\"><div>");
  if (p->image_url.data) {
    buf_append_cstr(out, "<img class=\"photo\" alt=\"\" src=\"");
    html_url(out, p->image_url);
    buf_append_cstr(out, "\">");
  } else {
    buf_append_cstr(out, "<div class=\"placeholder\" aria-hidden=\"true\">互</div>");
  }
  buf_append_cstr(out, "</div><div class=\"card\"><h1>");
  html_text(out, p->title);
  html_raw(out, "</h1><p class=\"price\">%s</p>", price);
  if (!page->caps.is_bot) render_buy_box(page, p, quantity);
  if (p->description.len) {
    buf_append_cstr(out, "<p class=\"desc\">");
    html_text(out, p->description);
    buf_append_cstr(out, "</p>");
  }
  render_app_link(page, m, p);
  buf_append_cstr(out, "</div>");
  if (!page->caps.is_bot) {
    render_share_box(page, p);
    render_handoff_box(page, p);
  }
  buf_append_cstr(out, "</main>");
  page_end(page, 200);
}

/* Loads a publicly visible product and its merchant; answers the page itself otherwise. */
static bool load_public_product(struct request *req, struct response *res, struct str code, struct product *p,
                                struct merchant *m) {
  int rc = code_cache_product(req, code, p);
  if (rc == HT_OK && str_eq(p->status, STR_LIT("draft"))) rc = HT_ENOTFOUND;
  if (rc == HT_OK && str_eq(p->status, STR_LIT("archived"))) {
    page_message(req, res, 410, MSG_UNAVAILABLE_TITLE, MSG_UNAVAILABLE_BODY);
    return false;
  }
  if (rc == HT_OK) rc = code_cache_merchant(req, p->merchant_id, m);
  if (rc == HT_ENOTFOUND)
    web_not_found(req, res);
  else if (rc != HT_OK)
    response_status_error(req, res, rc, "product");
  return rc == HT_OK;
}

static void show_product(struct request *req, struct response *res, const char *code, const char *source,
                         int64_t quantity) {
  struct product p;
  struct merchant m;
  if (!load_public_product(req, res, str_from_cstr(code), &p, &m)) return;
  struct page page;
  page_init(&page, req, res);
  record_click(req, page.client, p.merchant_id, p.code, source, channel_param(req));
  render_product_page(&page, &p, &m, quantity);
}

void web_product(struct request *req, struct response *res) {
  char code[CODE_LEN_MAX + 1];
  if (!param_code(req, 0, CODE_PUBLIC_LEN, code)) return web_not_found(req, res);
  struct str src = request_query(req, "src");
  show_product(req, res, code, src.data && str_eq(src, STR_LIT("token")) ? "token" : "link", 1);
}

static void render_store_page(struct page *page, const struct merchant *m, const struct product *items,
                              size_t count) {
  struct request *req = page->req;
  struct buf *out = page->out;
  const char *url = url_public(req->app, &req->arena, URL_STORE, m->code);
  struct page_meta meta = {.title = m->name, .canonical_url = str_from_cstr(url)};
  page_begin(page, &meta);
  render_header(page, m);
  html_raw(out, "<main class=\"wrap\"><h1>%s</h1><div class=\"grid\">", page_t(page, MSG_STORE_PRODUCTS));
  for (size_t i = 0; i < count; i++) {
    const struct product *p = &items[i];
    if (!str_eq(p->status, STR_LIT("active"))) continue;
    html_raw(out, "<a class=\"tile\" href=\"/P/%s\">", p->code);
    if (p->image_url.data) {
      buf_append_cstr(out, "<img class=\"photo\" alt=\"\" loading=\"lazy\" src=\"");
      html_url(out, p->image_url);
      buf_append_cstr(out, "\">");
    } else {
      buf_append_cstr(out, "<span class=\"placeholder\" aria-hidden=\"true\">互</span>");
    }
    buf_append_cstr(out, "<div>");
    html_text(out, p->title);
    html_raw(out, "<p class=\"price\">%s</p></div></a>", price_text(req, p));
  }
  buf_append_cstr(out, "</div>");
  render_paste_box(page);
  buf_append_cstr(out, "</main>");
  page_end(page, 200);
}

static void show_store(struct request *req, struct response *res, int64_t merchant_id, const char *source) {
  struct db *db = request_db(req, res);
  if (!db) return;
  struct merchant m;
  struct product *items = arena_alloc(&req->arena, sizeof *items * STORE_PAGE_PRODUCTS_MAX);
  size_t count = 0;
  int rc = items ? code_cache_merchant(req, merchant_id, &m) : HT_ENOMEM;
  if (rc == HT_OK)
    rc = store_product_list(db, &req->arena, merchant_id, PRODUCTS_ACTIVE, 0, STORE_PAGE_PRODUCTS_MAX, items,
                            &count);
  if (rc == HT_ENOTFOUND) return web_not_found(req, res);
  if (rc != HT_OK) return response_status_error(req, res, rc, "store");
  struct page page;
  page_init(&page, req, res);
  record_click(req, page.client, merchant_id, m.code, source, channel_param(req));
  render_store_page(&page, &m, items, count);
}

void web_store(struct request *req, struct response *res) {
  char code[CODE_LEN_MAX + 1];
  struct code_ref ref;
  if (!param_code(req, 0, CODE_PUBLIC_LEN, code)) return web_not_found(req, res);
  int rc = code_cache_lookup(req, str_from_cstr(code), &ref);
  if (rc == HT_OK && ref.kind != CODE_KIND_STORE) rc = HT_ENOTFOUND;
  if (rc == HT_ENOTFOUND) return web_not_found(req, res);
  if (rc != HT_OK) return response_status_error(req, res, rc, "store");
  show_store(req, res, ref.merchant_id, "link");
}

/* The link guard on a campaign link's target, at click time, so a feed update protects links
 * already shared. The verdict is remembered with the link per guard generation (code_cache.h):
 * a warm allowed link costs one cache lookup, and a reload or a protected-domain change is
 * seen at the next click. A warned or blocked target is judged again to show its reasons on
 * the interstitial's page (warn: 200 with a continue link; block: 403). Returns true when the
 * redirect may go ahead; otherwise the page has been written. */
static bool link_target_passes(struct request *req, struct response *res, const struct link *l) {
  struct guard_state *guard = req->app->guard;
  if (!guard) return true; /* handler tests without a guard */
  struct str code = str_from_cstr(l->code);
  enum guard_verdict verdict;
  if (code_cache_verdict(req, code, l->target_url, guard_generation(guard), &verdict) &&
      verdict == GUARD_ALLOW)
    return true;
  struct guard_snapshot *snap = guard_acquire(guard);
  struct guard_result r;
  int rc = guard_check(&snap->ctx, l->target_url, NULL, &req->arena, &r);
  uint64_t generation = snap->generation;
  guard_release(snap);
  if (rc != HT_OK) { /* stored before targets were checked on the way in */
    page_message(req, res, 400, MSG_GUARD_BAD_TITLE, MSG_GUARD_BAD_BODY);
    return false;
  }
  code_cache_verdict_keep(req, code, l->target_url, generation, r.verdict);
  if (r.verdict == GUARD_ALLOW) return true;
  web_guard_page(req, res, l->target_url, &r);
  return false;
}

static void follow_link(struct request *req, struct response *res, const char *code, const char *source) {
  struct link l;
  int rc = code_cache_link(req, str_from_cstr(code), &l);
  if (rc == HT_ENOTFOUND) return web_not_found(req, res);
  if (rc != HT_OK) return response_status_error(req, res, rc, "link");
  if (l.expires_at_ms && l.expires_at_ms <= req->now_ms)
    return page_message(req, res, 410, MSG_EXPIRED_TITLE, MSG_LINK_EXPIRED_BODY);
  struct str channel = channel_param(req);
  record_click(req, client_detect(request_header(req, "User-Agent")), l.merchant_id, l.code, source,
               channel.len ? channel : l.channel);
  if (!link_target_passes(req, res, &l)) return;
  /* 302, never 301: a campaign link's target stays editable, so nothing may cache it. */
  /* A copy: a link read from the code cache is a view into its packed row, not a C string. */
  const char *location = arena_strdup_str(&req->arena, l.target_url);
  if (!location) return response_status_error(req, res, HT_ENOMEM, "link");
  response_header(req, res, "Location", location);
  response_body(req, res, 302, "text/plain; charset=utf-8", STR_LIT(""));
}

void web_redirect(struct request *req, struct response *res) {
  char code[CODE_LEN_MAX + 1];
  if (!param_code(req, 0, CODE_PUBLIC_LEN, code)) return web_not_found(req, res);
  follow_link(req, res, code, "link");
}

void web_scan(struct request *req, struct response *res) {
  char code[CODE_LEN_MAX + 1];
  struct code_ref ref;
  if (!param_code(req, 0, CODE_PUBLIC_LEN, code)) return web_not_found(req, res);
  int rc = code_cache_lookup(req, str_from_cstr(code), &ref);
  if (rc == HT_ENOTFOUND) return web_not_found(req, res);
  if (rc != HT_OK) return response_status_error(req, res, rc, "code");
  if (ref.kind == CODE_KIND_PRODUCT)
    show_product(req, res, code, "qr", 1);
  else if (ref.kind == CODE_KIND_STORE)
    show_store(req, res, ref.merchant_id, "qr");
  else
    follow_link(req, res, code, "qr");
}

void web_handoff(struct request *req, struct response *res) {
  char id[CODE_LEN_MAX + 1];
  if (!param_code(req, 0, CODE_PRIVATE_LEN, id)) return web_not_found(req, res);
  struct db *db = request_db(req, res);
  if (!db) return;
  struct handoff h;
  int rc = store_handoff_get(db, str_from_cstr(id), &h);
  if (rc == HT_ENOTFOUND) return page_message(req, res, 404, MSG_HANDOFF_USED_TITLE, MSG_HANDOFF_USED_BODY);
  if (rc == HT_OK) {
    struct client_info client = client_detect(request_header(req, "User-Agent"));
    rc =
        store_handoff_claim(db, str_from_cstr(id), str_from_cstr(client_class_name(client.cls)), req->now_ms);
  }
  if (rc == HT_ECONFLICT) return page_message(req, res, 410, MSG_HANDOFF_USED_TITLE, MSG_HANDOFF_USED_BODY);
  if (rc != HT_OK) return response_status_error(req, res, rc, "handoff");
  http_notify(req, h.id); /* the desktop's long-poll answers now, not at its next recheck */
  struct product p;
  rc = store_product_get(db, &req->arena, h.merchant_id, h.product_id, &p);
  if (rc != HT_OK) return web_not_found(req, res);
  show_product(req, res, p.code, "handoff", h.quantity);
}

void web_home(struct request *req, struct response *res) {
  struct page page;
  page_init(&page, req, res);
  struct page_meta meta = {.title = str_from_cstr(page_t(&page, MSG_SITE_NAME))};
  page_begin(&page, &meta);
  html_raw(page.out, "<header class=\"top\"><a href=\"/\">%s</a></header><main class=\"wrap\">",
           page_t(&page, MSG_SITE_NAME));
  render_paste_box(&page);
  buf_append_cstr(page.out, "</main>");
  page_end(&page, 200);
}

/* An API client (Accept names JSON and prefers it to HTML) gets the one JSON error; a browser,
 * a scanner's web view or a client that says nothing gets the friendly page. */
static bool prefers_json(const struct request *req) {
  struct str accept = request_header(req, "Accept");
  return accept.data && str_find(accept, STR_LIT("json"), true) >= 0 && !request_wants_html(req);
}

void web_not_found(struct request *req, struct response *res) {
  if (prefers_json(req)) return response_error(req, res, 404, "not_found", NULL, "no such code or page");
  page_message(req, res, 404, MSG_NOT_FOUND_TITLE, MSG_NOT_FOUND_BODY);
}
