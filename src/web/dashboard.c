/* dashboard.c — the dashboard's frame, sign-in and sign-out, and its overview page (see
 * dashboard.h and session.h).
 *
 *   GET  /M/login   the sign-in form (sets the double-submit cookie of its CSRF token)
 *   POST /M/login   rate-limited per address and per merchant (429), argon2id check, new session
 *   POST /M/logout  deletes the session and its cookie
 *   GET  /M/        balances, orders to ship and refund requests, recent orders, the store link */
#include <stdio.h>
#include <string.h>

#include "app.h"
#include "core/qr.h"
#include "core/status.h"
#include "http/ratelimit.h"
#include "platform/random.h"
#include "store/orders.h"
#include "store/sessions.h"
#include "web/dashboard.h"
#include "web/forms.h"
#include "web/pages.h"
#include "web/session.h"
#include "web/shop.h"
#include "web/urls.h"

/* Orders on the overview page, and how many are counted for the "to ship" tiles. */
#define DASH_RECENT_ORDERS      8
#define DASH_COUNTED_ORDERS_MAX 100
/* Pixels of the store's QR code on the overview. */
#define DASH_STORE_QR_PX 132

/* ---- the frame ---- */

static void set_cookie(struct request *req, struct response *res, const char *name, const char *value,
                       const char *path, long max_age_s) {
  const char *cookie = arena_printf(&req->arena, "%s=%s; Path=%s; Max-Age=%ld; HttpOnly; SameSite=Lax%s",
                                    name, value, path, max_age_s, web_is_https(req) ? "; Secure" : "");
  if (cookie) response_header(req, res, "Set-Cookie", cookie);
}

static bool refuse(struct request *req, struct response *res, int status, enum msg title, enum msg body) {
  page_message(req, res, status, title, body);
  return false;
}

bool dash_begin(struct request *req, struct response *res, struct dash *d) {
  memset(d, 0, sizeof *d);
  page_init(&d->page, req, res);
  struct db *db = request_db(req, res);
  if (!db) return false;
  struct str id = request_cookie(req, SESSION_COOKIE);
  char hash[SESSION_ID_HEX_CHARS + 1] = "";
  int rc = HT_ENOTFOUND;
  if (id.data && session_id_valid(id)) {
    session_id_hash(id, hash);
    rc = store_session_get(db, str_from_cstr(hash), &d->session);
  }
  if (rc != HT_OK && rc != HT_ENOTFOUND) {
    response_status_error(req, res, rc, "session");
    return false;
  }
  if (rc != HT_OK || !session_alive(&d->session, req->now_ms)) {
    web_see_other(req, res, "/M/login");
    return false;
  }
  if (req->method == HTTP_POST) {
    if (!web_same_origin(req)) return refuse(req, res, 403, MSG_CROSS_SITE_TITLE, MSG_CROSS_SITE_BODY);
    if (!web_form_read(req, &d->form)) return refuse(req, res, 400, MSG_DASHBOARD, MSG_ERR_FORM);
    if (!secret_equal(str_from_cstr(d->session.csrf_token), web_field(&d->form, "csrf")))
      return refuse(req, res, 403, MSG_CSRF_TITLE, MSG_CSRF_BODY);
  }
  if (req->now_ms - d->session.last_seen_ms >= SESSION_TOUCH_INTERVAL_MS)
    store_session_touch(db, str_from_cstr(hash), req->now_ms); /* best effort: only extends idle time */
  rc = store_merchant_get(db, &req->arena, d->session.merchant_id, &d->merchant);
  if (rc != HT_OK) {
    response_status_error(req, res, rc, "merchant");
    return false;
  }
  return true;
}

void dash_csrf_field(struct dash *d) {
  html_hidden(d->page.out, "csrf", str_from_cstr(d->session.csrf_token));
}

void dash_page_begin(struct dash *d, const char *title, enum dash_section section) {
  static const struct {
    const char *path;
    enum msg label;
  } nav[] = {{"/M/", MSG_NAV_OVERVIEW},
             {"/M/products", MSG_NAV_PRODUCTS},
             {"/M/orders", MSG_NAV_ORDERS},
             {"/M/money", MSG_NAV_MONEY},
             {"/M/stats", MSG_NAV_STATS}};
  struct page *page = &d->page;
  struct buf *out = page->out;
  struct page_meta meta = {
      .title = str_from_cstr(arena_printf(&page->req->arena, "%s · %s", title, page_t(page, MSG_DASHBOARD))),
      .noindex = true};
  page_begin(page, &meta);
  html_raw(out, "<div class=\"dash\"><header class=\"top\"><a href=\"/M/\">%s · ",
           page_t(page, MSG_DASHBOARD));
  html_text(out, d->merchant.name);
  html_raw(out, "</a><form method=\"post\" action=\"/M/logout\">");
  dash_csrf_field(d);
  html_raw(out, "<button class=\"btn ghost small\" style=\"color:#fff\">%s</button></form></header>",
           page_t(page, MSG_SIGN_OUT));
  buf_append_cstr(out, "<nav class=\"dash-nav\">");
  for (size_t i = 0; i < sizeof nav / sizeof nav[0]; i++)
    html_raw(out, "<a href=\"%s\"%s>%s</a>", nav[i].path,
             i == (size_t)section ? " class=\"on\" aria-current=\"page\"" : "", page_t(page, nav[i].label));
  html_raw(out, "</nav><main class=\"wrap\"><h1>%s</h1>", title);
}

void dash_page_end(struct dash *d, int status) {
  buf_append_cstr(d->page.out, "</main></div>");
  page_end(&d->page, status);
}

void dash_not_found(struct dash *d) {
  page_message(d->page.req, d->page.res, 404, MSG_NOT_FOUND_TITLE, MSG_NOT_FOUND_BODY);
}

int64_t dash_path_id(struct request *req) {
  long long id = 0;
  if (str_to_i64(request_param(req, 0), &id) != HT_OK || id <= 0) return 0;
  return id;
}

/* ---- signing in and out ---- */

static void render_login(struct request *req, struct response *res, const char *token, struct str merchant,
                         enum msg problem, int status) {
  struct page page;
  page_init(&page, req, res);
  struct page_meta meta = {.title = str_from_cstr(page_t(&page, MSG_DASHBOARD)), .noindex = true};
  page_begin(&page, &meta);
  struct buf *out = page.out;
  html_raw(
      out,
      "<div class=\"dash\"><header class=\"top\"><a href=\"/M/\">%s</a></header><main class=\"wrap login\">"
      "<section class=\"card\"><h1>%s</h1>",
      page_t(&page, MSG_DASHBOARD), page_t(&page, MSG_SIGN_IN));
  if (problem != MSG_COUNT)
    html_raw(out, "<p class=\"banner error\" role=\"alert\">%s</p>", page_t(&page, problem));
  buf_append_cstr(out, "<form method=\"post\" action=\"/M/login\" class=\"stack\">");
  html_hidden(out, "login_token", str_from_cstr(token));
  html_input(out, "text", "merchant", page_t(&page, MSG_MERCHANT_ID), merchant, NULL,
             " inputmode=\"numeric\" autocomplete=\"username\" required");
  html_input(out, "password", "password", page_t(&page, MSG_PASSWORD), STR_LIT(""), NULL,
             " autocomplete=\"current-password\" required");
  html_raw(out, "<button class=\"btn block\">%s</button></form></section></main></div>",
           page_t(&page, MSG_SIGN_IN));
  page_end(&page, status);
}

/* The sign-in form's token: the cookie's when it has a well-formed one, else a fresh one. */
static const char *login_token(struct request *req, struct response *res) {
  struct str cookie = request_cookie(req, LOGIN_COOKIE);
  if (cookie.data && cookie.len == 2 * LOGIN_TOKEN_BYTES) return arena_strdup_str(&req->arena, cookie);
  char *token = arena_alloc(&req->arena, 2 * LOGIN_TOKEN_BYTES + 1);
  if (!token) return "";
  random_hex(token, LOGIN_TOKEN_BYTES);
  set_cookie(req, res, LOGIN_COOKIE, token, "/M", LOGIN_COOKIE_MAX_AGE_S);
  return token;
}

void web_dash_login_page(struct request *req, struct response *res) {
  render_login(req, res, login_token(req, res), STR_LIT(""), MSG_COUNT, 200);
}

static void start_session(struct request *req, struct response *res, struct db *db, int64_t merchant_id) {
  unsigned char id_bytes[SESSION_ID_BYTES];
  char id[SESSION_ID_HEX_CHARS + 1], hash[SESSION_ID_HEX_CHARS + 1];
  random_bytes(id_bytes, sizeof id_bytes);
  static const char digits[] = "0123456789abcdef";
  for (size_t i = 0; i < sizeof id_bytes; i++)
    id[2 * i] = digits[id_bytes[i] >> 4], id[2 * i + 1] = digits[id_bytes[i] & 15];
  id[SESSION_ID_HEX_CHARS] = '\0';
  session_id_hash(str_from_cstr(id), hash);
  struct merchant_session s = {.merchant_id = merchant_id,
                               .created_at_ms = req->now_ms,
                               .last_seen_ms = req->now_ms,
                               .expires_at_ms = req->now_ms + SESSION_LIFETIME_MS};
  random_hex(s.csrf_token, SESSION_CSRF_BYTES);
  store_sessions_purge(db, req->now_ms, req->now_ms - SESSION_IDLE_MS); /* housekeeping, best effort */
  int rc = store_session_create(db, str_from_cstr(hash), &s);
  if (rc != HT_OK) return response_status_error(req, res, rc, "session");
  set_cookie(req, res, SESSION_COOKIE, id, "/M", SESSION_LIFETIME_MS / 1000);
  set_cookie(req, res, LOGIN_COOKIE, "", "/M", 0);
  web_see_other(req, res, "/M/");
}

void web_dash_login(struct request *req, struct response *res) {
  struct form form;
  if (!web_same_origin(req)) return web_refuse_cross_site(req, res);
  if (!web_form_read(req, &form)) return page_message(req, res, 400, MSG_DASHBOARD, MSG_ERR_FORM);
  struct str token = web_field(&form, "login_token"), cookie = request_cookie(req, LOGIN_COOKIE);
  if (!cookie.data || !secret_equal(cookie, token))
    return page_message(req, res, 403, MSG_CSRF_TITLE, MSG_CSRF_BODY);
  const char *next_token = arena_strdup_str(&req->arena, cookie);
  struct str merchant_text = str_trim(web_field(&form, "merchant")), password = web_field(&form, "password");
  long long merchant_id = 0;
  if (str_to_i64(merchant_text, &merchant_id) != HT_OK || merchant_id <= 0) merchant_id = 0;
  char merchant_key[24];
  snprintf(merchant_key, sizeof merchant_key, "%lld", merchant_id);
  const char *ip = request_peer_ip(req);
  if (ratelimit_exhausted("login-ip", ip, LOGIN_FAILURES_PER_IP_MAX, LOGIN_WINDOW_MS, req->now_ms) ||
      ratelimit_exhausted("login-merchant", merchant_key, LOGIN_FAILURES_PER_MERCHANT_MAX, LOGIN_WINDOW_MS,
                          req->now_ms)) {
    response_header(req, res, "Retry-After", LOGIN_RETRY_AFTER_S);
    return render_login(req, res, next_token, merchant_text, MSG_TOO_MANY_ATTEMPTS, 429);
  }
  struct db *db = request_db(req, res);
  if (!db) return;
  struct str hash = {0};
  int rc = merchant_id > 0 ? store_password_get(db, &req->arena, merchant_id, &hash) : HT_ENOTFOUND;
  if (rc != HT_OK && rc != HT_ENOTFOUND) return response_status_error(req, res, rc, "password");
  if (rc == HT_ENOTFOUND) password_burn(password);
  if (rc != HT_OK || password_verify(hash, password) != HT_OK) {
    ratelimit_allow("login-ip", ip, LOGIN_FAILURES_PER_IP_MAX, LOGIN_WINDOW_MS, req->now_ms);
    ratelimit_allow("login-merchant", merchant_key, LOGIN_FAILURES_PER_MERCHANT_MAX, LOGIN_WINDOW_MS,
                    req->now_ms);
    return render_login(req, res, next_token, merchant_text, MSG_SIGN_IN_FAILED, 401);
  }
  start_session(req, res, db, merchant_id);
}

void web_dash_logout(struct request *req, struct response *res) {
  struct dash d;
  if (!dash_begin(req, res, &d)) return;
  char hash[SESSION_ID_HEX_CHARS + 1];
  session_id_hash(request_cookie(req, SESSION_COOKIE), hash);
  int rc = store_session_delete(req->db, str_from_cstr(hash));
  if (rc != HT_OK) return response_status_error(req, res, rc, "session");
  set_cookie(req, res, SESSION_COOKIE, "", "/M", 0);
  web_see_other(req, res, "/M/login");
}

/* ---- the overview ---- */

static void render_tiles(struct dash *d, size_t to_ship, size_t refunds) {
  struct page *page = &d->page;
  struct dash_balance balances[DASH_CURRENCIES_MAX];
  size_t n = 0;
  dash_balances(d, balances, &n);
  buf_append_cstr(page->out, "<div class=\"tiles\">");
  for (size_t i = 0; i < n; i++) {
    enum currency c = CURRENCY_DEFAULT;
    currency_from_code(str_from_cstr(balances[i].currency), &c);
    html_raw(page->out,
             "<a class=\"card\" href=\"/M/money\"><p class=\"muted\">%s</p><p class=\"figure\" "
             "data-available>%s</p></a>"
             "<a class=\"card\" href=\"/M/money\"><p class=\"muted\">%s</p><p class=\"figure\">%s</p></a>",
             page_t(page, MSG_BALANCE_AVAILABLE), web_money(page->req, balances[i].available_minor, c),
             page_t(page, MSG_ESCROW_HELD), web_money(page->req, balances[i].escrow_minor, c));
  }
  html_raw(page->out,
           "<a class=\"card\" href=\"/M/orders?state=paid\"><p class=\"muted\">%s</p><p "
           "class=\"figure\">%zu</p></a>"
           "<a class=\"card\" href=\"/M/orders?state=refund_requested\"><p class=\"muted\">%s</p><p "
           "class=\"figure\">%zu</p></a></div>",
           page_t(page, MSG_TO_SHIP), to_ship, page_t(page, MSG_STATE_REFUND_REQUESTED), refunds);
}

static void render_store_card(struct dash *d) {
  struct request *req = d->page.req;
  struct buf *out = d->page.out;
  const char *url = url_public(req->app, &req->arena, URL_STORE, d->merchant.code);
  html_raw(out, "<section class=\"card row\"><div class=\"qr-box\">");
  struct qr_options opts = qr_options_default();
  opts.size_px = DASH_STORE_QR_PX;
  const char *text = url_qr_text(req->app, &req->arena, URL_SCAN, d->merchant.code);
  if (text) qr_render_text(str_from_cstr(text), &opts, QR_FORMAT_SVG, out);
  html_raw(out, "</div><div><h2>%s</h2><p><a href=\"", page_t(&d->page, MSG_STORE_LINK));
  html_url(out, str_from_cstr(url));
  buf_append_cstr(out, "\">");
  html_text(out, str_from_cstr(url));
  html_raw(out, "</a></p><p><a class=\"btn ghost small\" href=\"/M/products/new\">%s</a></p></div></section>",
           page_t(&d->page, MSG_NEW_PRODUCT));
}

static size_t count_state(struct dash *d, const char *state) {
  struct request *req = d->page.req;
  struct order_row *rows = arena_alloc(&req->arena, sizeof *rows * DASH_COUNTED_ORDERS_MAX);
  size_t count = 0;
  if (!rows || store_order_list(req->db, &req->arena, d->merchant.id, str_from_cstr(state), 0,
                                DASH_COUNTED_ORDERS_MAX, rows, &count) != HT_OK)
    return 0;
  return count;
}

void web_dash_home(struct request *req, struct response *res) {
  struct dash d;
  if (!dash_begin(req, res, &d)) return;
  struct order_row rows[DASH_RECENT_ORDERS];
  size_t count = 0;
  int rc =
      store_order_list(req->db, &req->arena, d.merchant.id, STR_LIT(""), 0, DASH_RECENT_ORDERS, rows, &count);
  if (rc != HT_OK) return response_status_error(req, res, rc, "orders");
  dash_page_begin(&d, page_t(&d.page, MSG_NAV_OVERVIEW), DASH_OVERVIEW);
  render_tiles(&d, count_state(&d, "paid"), count_state(&d, "refund_requested"));
  render_store_card(&d);
  html_raw(d.page.out, "<section class=\"card\"><h2>%s</h2>", page_t(&d.page, MSG_RECENT_ORDERS));
  dash_orders_table(&d, rows, count);
  html_raw(d.page.out, "<p><a href=\"/M/orders\">%s →</a></p></section>", page_t(&d.page, MSG_VIEW_ALL));
  dash_page_end(&d, 200);
}
