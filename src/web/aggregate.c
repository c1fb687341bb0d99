/* aggregate.c — one code, any wallet: the aggregated pay codes at /PAY/{code}.
 *
 * A merchant prints one static code, HTTP://HOST/PAY/{store code}, and every order has a
 * dynamic one, /PAY/{order token}; both paths are upper case so the printed QR stays in
 * alphanumeric mode (smaller). Whoever scans lands here and is routed by the app they scanned
 * with (core/client.h):
 *
 *   WeChat (and its mini-program web view) → WeChat Pay: JSAPI when the merchant configured
 *     web authorisation (app_secret; the buyer's openid comes back from WeChat's snsapi_base
 *     redirect), else the Native code shown as a QR (WeChat reads it by long press)
 *   Alipay, Taobao, Tmall → Alipay's mobile cashier (wap.pay)
 *   a desktop browser → one QR per wallet the shop accepts (Native code_url, precreate qr_code)
 *   UnionPay's app, other apps and phone browsers → a choice of wallets
 *   link-preview bots → the page without any payment
 * A wallet the merchant has not configured is skipped (a choice instead); ?via= picks one.
 *
 * The static code first asks for the amount. The order it creates has no product (pay/orders.c
 * orders_place_amount: no lines, delivery virtual, escrow as usual), and each buyer may ask at
 * most the static-code cap per shop per day (¥500 by default, HUTONG_PAY_CODE_DAILY_CAP_MINOR).
 * Before paying, a buyer is known only by their browser: a device id in a cookie signed with
 * the server secret (HMAC), so it cannot be forged or chosen, only discarded — clearing cookies
 * starts a new buyer, which is why the cap is a risk limit on what one device asks, and the
 * wallets' own per-payer limits still apply after it. The cap is consumed by a conditional
 * UPDATE in the same transaction that creates the order.
 *
 * A GET may start a payment (scanning is a GET): an open attempt of the same kind from the last
 * PAY_ATTEMPT_REUSE_MS is reused, so reloading the page does not create wallet orders. */
#include <stdio.h>
#include <string.h>

#include "app.h"
#include "core/code.h"
#include "core/crypto.h"
#include "core/form.h"
#include "core/money.h"
#include "core/qr.h"
#include "core/status.h"
#include "core/utf8.h"
#include "pay/agreements.h"
#include "pay/alipay.h"
#include "pay/orders.h"
#include "pay/payments.h"
#include "pay/sandbox.h"
#include "pay/wechatpay.h"
#include "platform/random.h"
#include "store/codes.h"
#include "store/merchants.h"
#include "store/wallets.h"
#include "web/pages.h"
#include "web/urls.h"
#include "web/wallet_pay.h"

#define PAY_PATH "/PAY/"
/* The buyer's device cookie: a private code and the first bytes of its HMAC, in hex. */
#define PAY_DEVICE_COOKIE         "hutong_buyer"
#define PAY_DEVICE_MAC_BYTES      10
#define PAY_DEVICE_COOKIE_MAX_AGE (365 * 24 * 3600)
/* An open payment attempt younger than this is shown again rather than a new one started
 * (Alipay refuses a signed wap.pay request whose timestamp is too old, so keep it short). */
#define PAY_ATTEMPT_REUSE_MS (5 * 60 * 1000)
/* Attempts of one order looked at for reuse (the order page shows as many). */
#define PAY_ATTEMPTS_SCANNED_MAX 50
/* The amount field: "100000000.00" is 12 characters; spaces around are trimmed. */
#define PAY_AMOUNT_TEXT_BYTES_MAX 32
/* A buyer's note to the shop on a static payment. */
#define PAY_NOTE_CHARS_MAX 100
/* A WeChat authorisation code is 32 characters. */
#define PAY_OAUTH_CODE_BYTES_MAX 128

enum pay_route {
  ROUTE_NONE,      /* a bot: no payment */
  ROUTE_CHOOSE,    /* a choice of wallets */
  ROUTE_DESKTOP,   /* one QR per wallet */
  ROUTE_WECHATPAY, /* WeChat Pay: JSAPI or Native */
  ROUTE_ALIPAY,    /* Alipay: wap.pay, or precreate on a desktop */
  ROUTE_SANDBOX,   /* the sandbox wallet's page */
};

struct wallets_on {
  bool wechatpay, alipay, jsapi;
};

/* Decides the flow for the client and the shop's wallets; ?via= names one explicitly. */
static enum pay_route route_for(const struct page *page, struct str via, const struct wallets_on *on) {
  if (page->caps.is_bot) return ROUTE_NONE;
  if (str_eq(via, STR_LIT("wechatpay")) && on->wechatpay) return ROUTE_WECHATPAY;
  if (str_eq(via, STR_LIT("alipay")) && on->alipay) return ROUTE_ALIPAY;
  if (str_eq(via, STR_LIT("sandbox"))) return ROUTE_SANDBOX;
  if (page->caps.is_desktop) return ROUTE_DESKTOP;
  enum client_wallet w = page->caps.wallet;
  if (w == CLIENT_WALLET_WECHAT_JSAPI || w == CLIENT_WALLET_WECHAT_MINIPROGRAM)
    return on->wechatpay ? ROUTE_WECHATPAY : ROUTE_CHOOSE;
  if (w == CLIENT_WALLET_ALIPAY) return on->alipay ? ROUTE_ALIPAY : ROUTE_CHOOSE;
  return ROUTE_CHOOSE;
}

static bool in_wechat(const struct page *page) {
  return !page->caps.is_desktop && (page->caps.wallet == CLIENT_WALLET_WECHAT_JSAPI ||
                                    page->caps.wallet == CLIENT_WALLET_WECHAT_MINIPROGRAM);
}

/* ---- the buyer's device ---- */

static void device_mac(const struct app *app, const char *id, char hex[2 * PAY_DEVICE_MAC_BYTES + 1]) {
  uint8_t mac[CRYPTO_SHA256_BYTES];
  char message[64];
  snprintf(message, sizeof message, "hutong pay-code device %s", id);
  crypto_hmac_sha256((struct str){app->secret, app->secret_len}, str_from_cstr(message), mac);
  static const char digits[] = "0123456789abcdef";
  for (size_t i = 0; i < PAY_DEVICE_MAC_BYTES; i++)
    hex[2 * i] = digits[mac[i] >> 4], hex[2 * i + 1] = digits[mac[i] & 15];
  hex[2 * PAY_DEVICE_MAC_BYTES] = '\0';
}

/* The device id of a valid cookie into `id`; false when absent or forged. */
static bool device_of(struct request *req, char id[CODE_PRIVATE_LEN + 1]) {
  struct str cookie = request_cookie(req, PAY_DEVICE_COOKIE);
  if (!cookie.data || cookie.len != CODE_PRIVATE_LEN + 1 + 2 * PAY_DEVICE_MAC_BYTES ||
      cookie.data[CODE_PRIVATE_LEN] != '.' || !code_is_canonical((struct str){cookie.data, CODE_PRIVATE_LEN}))
    return false;
  memcpy(id, cookie.data, CODE_PRIVATE_LEN);
  id[CODE_PRIVATE_LEN] = '\0';
  char mac[2 * PAY_DEVICE_MAC_BYTES + 1];
  device_mac(req->app, id, mac);
  return crypto_str_equal_ct(str_from_cstr(mac),
                             (struct str){cookie.data + CODE_PRIVATE_LEN + 1, 2 * PAY_DEVICE_MAC_BYTES});
}

/* Makes sure the browser carries a device cookie (issuing one when it has none). */
static void device_ensure(struct request *req, struct response *res) {
  char id[CODE_PRIVATE_LEN + 1];
  if (device_of(req, id)) return;
  uint8_t random[CODE_RANDOM_BYTES(CODE_PRIVATE_LEN)];
  random_bytes(random, sizeof random);
  code_from_random(random, sizeof random, CODE_PRIVATE_LEN, id, sizeof id);
  char mac[2 * PAY_DEVICE_MAC_BYTES + 1], cookie[160];
  device_mac(req->app, id, mac);
  snprintf(cookie, sizeof cookie, PAY_DEVICE_COOKIE "=%s.%s; Path=/; Max-Age=%d; HttpOnly; SameSite=Lax", id,
           mac, PAY_DEVICE_COOKIE_MAX_AGE);
  response_header(req, res, "Set-Cookie", cookie);
}

/* ---- page pieces ---- */

static const char *money_text(struct request *req, int64_t amount_minor, enum currency currency) {
  char *out = arena_alloc(&req->arena, MONEY_DISPLAY_BYTES);
  size_t len;
  if (!out || money_format_display(amount_minor, currency, out, MONEY_DISPLAY_BYTES, &len) != HT_OK)
    return "";
  return out;
}

static void open_page(struct page *page, const char *route, const struct merchant *m) {
  struct page_meta meta = {.title = str_from_cstr(wallet_text(page->lang, WT_PAY_TITLE)), .noindex = true};
  page_begin(page, &meta);
  buf_append_cstr(page->out, "<header class=\"top\"><span>");
  if (m) html_text(page->out, m->name);
  html_raw(page->out, "</span></header><main class=\"wrap pay\" data-route=\"%s\">", route);
}

static void close_page(struct page *page, int status) {
  buf_append_cstr(page->out, "</main>");
  page_end(page, status);
}

static void render_amount(struct page *page, int64_t amount_minor, enum currency currency) {
  html_raw(page->out,
           "<section class=\"card\"><p class=\"muted\">%s</p><p class=\"price\" data-amount>%s</p></section>",
           wallet_text(page->lang, WT_AMOUNT), money_text(page->req, amount_minor, currency));
}

static void render_choice(struct page *page, const char *token, const struct wallets_on *on) {
  struct buf *out = page->out;
  html_raw(out, "<section class=\"card choose\"><h2>%s</h2>", wallet_text(page->lang, WT_CHOOSE_WALLET));
  if (on->wechatpay)
    html_raw(out,
             "<p><a class=\"btn block wechat\" data-wallet=\"wechatpay\" href=\"" PAY_PATH
             "%s?via=wechatpay\">%s</a></p>",
             token, wallet_text(page->lang, WT_WECHATPAY));
  if (on->alipay)
    html_raw(out,
             "<p><a class=\"btn block alipay\" data-wallet=\"alipay\" href=\"" PAY_PATH
             "%s?via=alipay\">%s</a></p>",
             token, wallet_text(page->lang, WT_ALIPAY));
  html_raw(out,
           "<p><a class=\"btn ghost block\" data-wallet=\"sandbox\" href=\"" PAY_PATH
           "%s?via=sandbox\">%s</a></p>",
           token, wallet_text(page->lang, WT_SANDBOX));
  html_raw(out, "<p class=\"muted\" data-wallet=\"unionpay\">%s</p></section>",
           wallet_text(page->lang, WT_UNIONPAY_UNAVAILABLE));
}

static void render_back(struct page *page, const char *token) {
  html_raw(page->out, "<p><a class=\"btn ghost\" href=\"/O/%s\">%s</a></p>", token,
           wallet_text(page->lang, WT_BACK_TO_ORDER));
}

static void redirect(struct request *req, struct response *res, const char *location) {
  response_header(req, res, "Location", location);
  response_header(req, res, "Cache-Control", "no-store");
  response_body(req, res, 302, "text/plain; charset=utf-8", STR_LIT(""));
}

/* ---- starting (or reusing) a payment ---- */

struct attempt {
  struct channel_call_row payment;
  struct payment_page page; /* kind empty when the attempt has no page (wap.pay, sandbox) */
};

/* The newest open attempt of `channel` whose page is of `want_kind` ("" for none). */
static bool reusable(struct request *req, struct db *db, const struct order_row *order, const char *channel,
                     const char *want_kind, struct attempt *out) {
  struct channel_call_row *calls = arena_alloc(&req->arena, sizeof *calls * PAY_ATTEMPTS_SCANNED_MAX);
  size_t n = 0;
  if (!calls || store_calls_list(db, &req->arena, CALL_PAYMENT, (int64_t)order->escrow.order_id,
                                 PAY_ATTEMPTS_SCANNED_MAX, calls, &n) != HT_OK)
    return false;
  for (size_t i = n; i-- > 0;) {
    const struct channel_call_row *c = &calls[i];
    if (!str_eq(c->channel, str_from_cstr(channel)) || c->status != CHANNEL_CALL_PENDING || !c->pay_url.len ||
        req->now_ms - c->created_at_ms >= PAY_ATTEMPT_REUSE_MS)
      continue;
    struct payment_page page = {0};
    int rc = store_payment_page_get(db, &req->arena, str_from_cstr(c->reference), &page);
    if (rc != HT_OK && rc != HT_ENOTFOUND) return false;
    if (!str_eq(page.kind, str_from_cstr(want_kind))) continue;
    out->payment = *c;
    out->page = page;
    return true;
  }
  return false;
}

static int start(struct request *req, struct db *db, const struct order_row *order,
                 const struct pay_channel *channel, struct client_info client, struct str openid,
                 const char *want_kind, struct attempt *out) {
  memset(out, 0, sizeof *out);
  if (!openid.len && reusable(req, db, order, channel->name, want_kind, out)) return HT_OK;
  struct pay_ctx ctx = {.app = req->app, .arena = &req->arena, .db = db, .now_ms = req->now_ms};
  struct payment_options options = {.client = client, .payer_id = openid};
  struct pay_started started;
  int rc = payments_start_with(&ctx, db, order, channel, &options, &out->payment, &started, NULL);
  if (rc != HT_OK) return rc;
  if (out->payment.status != CHANNEL_CALL_PENDING || !out->payment.pay_url.len) return HT_EIO;
  rc = store_payment_page_get(db, &req->arena, str_from_cstr(out->payment.reference), &out->page);
  return rc == HT_ENOTFOUND ? HT_OK : rc;
}

/* ---- the dynamic code: one order ---- */

static const struct client_info desktop_client = {CLIENT_DESKTOP_BROWSER, CLIENT_OS_WINDOWS};

static void flow_desktop(struct page *page, struct db *db, const struct order_row *order,
                         const struct wallets_on *on) {
  struct attempt a;
  if (on->wechatpay &&
      start(page->req, db, order, &pay_channel_wechatpay, desktop_client, STR_LIT(""), "qr", &a) == HT_OK)
    wallet_pay_render_qr(page, "wechatpay", a.page.data);
  if (on->alipay &&
      start(page->req, db, order, &pay_channel_alipay, desktop_client, STR_LIT(""), "qr", &a) == HT_OK)
    wallet_pay_render_qr(page, "alipay", a.page.data);
  html_raw(page->out,
           "<p><a class=\"btn ghost\" data-wallet=\"sandbox\" href=\"" PAY_PATH "%s?via=sandbox\">%s</a></p>",
           order->token, wallet_text(page->lang, WT_SANDBOX));
}

/* WeChat Pay: JSAPI inside WeChat when web authorisation is configured, Native otherwise.
 * Returns false when it answered with a redirect instead of page content. */
static bool flow_wechatpay(struct page *page, struct db *db, const struct order_row *order,
                           const struct wallets_on *on, const char **route) {
  struct request *req = page->req;
  struct str openid = {0};
  if (in_wechat(page) && on->jsapi) {
    struct pay_ctx ctx = {.app = req->app,
                          .arena = &req->arena,
                          .db = db,
                          .now_ms = req->now_ms,
                          .merchant_id = (int64_t)order->escrow.merchant_id};
    struct str code = request_query(req, "code");
    if (!code.data || !code.len || code.len > PAY_OAUTH_CODE_BYTES_MAX) {
      const char *back =
          arena_printf(&req->arena, "%s" PAY_PATH "%s?via=wechatpay", req->app->public_url, order->token);
      const char *url = NULL;
      if (back && wechatpay_oauth_url(&ctx, back, "hutong", &url) == HT_OK) {
        redirect(req, page->res, url);
        return false;
      }
    } else if (wechatpay_oauth_openid(&ctx, code, &openid) != HT_OK) {
      openid = (struct str){0}; /* authorisation failed: the Native code still works */
    }
  }
  struct attempt a;
  int rc =
      start(req, db, order, &pay_channel_wechatpay, page->client, openid, openid.len ? "jsapi" : "qr", &a);
  *route = openid.len ? "wechat_jsapi" : "wechat_native";
  if (rc != HT_OK)
    html_raw(page->out, "<p>%s</p>", wallet_text(page->lang, WT_FAILED));
  else if (str_eq(a.page.kind, STR_LIT("jsapi")))
    wallet_pay_render_jsapi(page, a.page.data, arena_printf(&req->arena, "/O/%s", order->token));
  else
    wallet_pay_render_qr(page, "wechatpay", a.page.data);
  return true;
}

static void show_order_state(struct page *page, const struct order_row *order) {
  enum wallet_text what = order->escrow.state == ESCROW_CLOSED ? WT_CLOSED : WT_PAID;
  html_raw(page->out, "<p class=\"done\" data-state=\"%s\">%s</p>", escrow_state_name(order->escrow.state),
           wallet_text(page->lang, what));
  render_back(page, order->token);
}

static void pay_order(struct request *req, struct response *res, struct db *db, const char *token) {
  struct order_row order;
  struct merchant m;
  int rc = store_order_by_token(db, &req->arena, str_from_cstr(token), &order);
  if (rc == HT_OK) rc = store_merchant_get(db, &req->arena, (int64_t)order.escrow.merchant_id, &m);
  if (rc == HT_ENOTFOUND) return web_not_found(req, res);
  if (rc != HT_OK) return response_status_error(req, res, rc, "order");
  struct page page;
  page_init(&page, req, res);
  struct pay_ctx ctx = {
      .app = req->app, .arena = &req->arena, .db = db, .now_ms = req->now_ms, .merchant_id = m.id};
  struct wallets_on on = {.wechatpay = wechatpay_configured(&ctx), .alipay = alipay_configured(&ctx)};
  on.jsapi = on.wechatpay && wechatpay_jsapi_ready(&ctx);
  enum pay_route route = order.escrow.state == ESCROW_PENDING_PAYMENT
                             ? route_for(&page, request_query(req, "via"), &on)
                             : ROUTE_NONE;
  struct attempt a;
  if (route == ROUTE_SANDBOX || (route == ROUTE_ALIPAY && !page.caps.is_desktop)) {
    const struct pay_channel *channel = route == ROUTE_SANDBOX ? &pay_channel_sandbox : &pay_channel_alipay;
    if (start(req, db, &order, channel, page.client, STR_LIT(""), "", &a) == HT_OK)
      return redirect(req, res, a.payment.pay_url.data);
  }
  static const char *const names[] = {"none", "choose", "desktop", "wechatpay", "alipay_qr", "sandbox"};
  const char *name = names[route];
  if (route == ROUTE_WECHATPAY) {
    /* decided inside: JSAPI (after WeChat's authorisation redirect) or Native */
    struct buf body;
    buf_init(&body, &req->arena, 256 * 1024);
    struct page inner = page;
    inner.out = &body;
    if (!flow_wechatpay(&inner, db, &order, &on, &name)) return;
    open_page(&page, name, &m);
    render_amount(&page, order.escrow.total_minor, order.escrow.currency);
    buf_append_str(page.out, buf_view(&body));
    render_back(&page, order.token);
    return close_page(&page, 200);
  }
  open_page(&page, order.escrow.state == ESCROW_PENDING_PAYMENT ? name : "done", &m);
  render_amount(&page, order.escrow.total_minor, order.escrow.currency);
  if (order.escrow.state != ESCROW_PENDING_PAYMENT)
    show_order_state(&page, &order);
  else if (route == ROUTE_NONE)
    html_raw(page.out, "<p>%s</p>", wallet_text(page.lang, WT_OPEN_IN_WALLET));
  else if (route == ROUTE_DESKTOP)
    flow_desktop(&page, db, &order, &on);
  else if (route == ROUTE_ALIPAY && page.caps.is_desktop &&
           start(req, db, &order, &pay_channel_alipay, page.client, STR_LIT(""), "qr", &a) == HT_OK)
    wallet_pay_render_qr(&page, "alipay", a.page.data);
  else if (route == ROUTE_CHOOSE)
    render_choice(&page, order.token, &on);
  else
    html_raw(page.out, "<p>%s</p>", wallet_text(page.lang, WT_FAILED));
  close_page(&page, 200);
}

/* ---- the static code: a shop, an amount ---- */

static bool load_store(struct request *req, struct response *res, struct db *db, const char *code,
                       struct merchant *m) {
  struct code_ref ref;
  int rc = store_code_lookup(db, str_from_cstr(code), &ref);
  if (rc == HT_OK && ref.kind != CODE_KIND_STORE) rc = HT_ENOTFOUND;
  if (rc == HT_OK) rc = store_merchant_get(db, &req->arena, ref.merchant_id, m);
  if (rc == HT_ENOTFOUND)
    web_not_found(req, res);
  else if (rc != HT_OK)
    response_status_error(req, res, rc, "store");
  return rc == HT_OK;
}

static void static_page(struct request *req, struct response *res, const struct merchant *m, const char *code,
                        enum wallet_text problem, int status) {
  struct page page;
  page_init(&page, req, res);
  if (status == 200 || problem == WT_RELOAD) device_ensure(req, res); /* so that the next try works */
  open_page(&page, "static", m);
  struct buf *out = page.out;
  if (page.caps.is_bot) {
    html_raw(out, "<p>%s</p>", wallet_text(page.lang, WT_OPEN_IN_WALLET));
    return close_page(&page, status);
  }
  if (problem != WT_COUNT)
    html_raw(out, "<p class=\"error\" data-problem>%s</p>", wallet_text(page.lang, problem));
  html_raw(out,
           "<section class=\"card\"><form method=\"post\" action=\"" PAY_PATH "%s\"><label>%s "
           "<input name=\"amount\" inputmode=\"decimal\" autocomplete=\"off\" required maxlength=\"%d\" "
           "pattern=\"[0-9]+(\\.[0-9]{1,2})?\"></label><p><button class=\"btn block\">%s</button></p></form>",
           code, wallet_text(page.lang, WT_ENTER_AMOUNT), PAY_AMOUNT_TEXT_BYTES_MAX,
           wallet_text(page.lang, WT_NEXT));
  html_raw(out, "<p class=\"muted\" data-cap=\"%lld\">%s %s</p></section>",
           (long long)pay_code_daily_max(req->app), wallet_text(page.lang, WT_DAILY_CAP),
           money_text(req, pay_code_daily_max(req->app), CURRENCY_CNY));
  close_page(&page, status);
}

static void pay_store(struct request *req, struct response *res, struct db *db, const char *code) {
  struct merchant m;
  if (load_store(req, res, db, code, &m)) static_page(req, res, &m, code, WT_COUNT, 200);
}

void web_pay_code(struct request *req, struct response *res) {
  char code[CODE_LEN_MAX + 1];
  size_t len = 0;
  if (code_normalize(request_param(req, 0), code, sizeof code, &len) != HT_OK ||
      (len != CODE_PUBLIC_LEN && len != CODE_PRIVATE_LEN))
    return web_not_found(req, res);
  struct db *db = request_db(req, res);
  if (!db) return;
  if (len == CODE_PUBLIC_LEN) return pay_store(req, res, db, code);
  pay_order(req, res, db, code);
}

/* Reads the amount field: "12", "12.5" or "12.50" yuan, spaces around ignored. */
static bool amount_of(struct str text, int64_t *amount_minor) {
  struct str t = str_trim(text);
  return t.len && t.len <= PAY_AMOUNT_TEXT_BYTES_MAX && money_parse(t, CURRENCY_CNY, amount_minor) == HT_OK &&
         money_amount_valid(*amount_minor);
}

void web_pay_code_submit(struct request *req, struct response *res) {
  char code[CODE_LEN_MAX + 1];
  size_t len = 0;
  if (code_normalize(request_param(req, 0), code, sizeof code, &len) != HT_OK || len != CODE_PUBLIC_LEN)
    return web_not_found(req, res);
  struct db *db = request_db(req, res);
  struct merchant m;
  if (!db || !load_store(req, res, db, code, &m)) return;
  struct form form;
  struct str bad, amount_text = {0}, note = {0};
  int64_t amount = 0;
  char device[CODE_PRIVATE_LEN + 1];
  if (form_parse(buf_view(&req->body), &req->arena, &form, &bad) != HT_OK ||
      !form_get(&form, "amount", &amount_text) || !amount_of(amount_text, &amount))
    return static_page(req, res, &m, code, WT_BAD_AMOUNT, 400);
  if (form_get(&form, "note", &note) && (utf8_count(note) > PAY_NOTE_CHARS_MAX || !note.len))
    note = (struct str){0};
  if (!device_of(req, device)) return static_page(req, res, &m, code, WT_RELOAD, 400);
  int64_t cap = pay_code_daily_max(req->app);
  const char *buyer = arena_printf(&req->arena, "device:%s", device);
  int rc = amount > cap ? HT_ERANGE
                        : store_pay_code_consume(db, m.id, str_from_cstr(buyer), pay_day_beijing(req->now_ms),
                                                 amount, cap);
  if (rc == HT_ERANGE) return static_page(req, res, &m, code, WT_OVER_CAP, 422);
  struct order_row row;
  struct pay_ctx ctx = {
      .app = req->app, .arena = &req->arena, .db = db, .now_ms = req->now_ms, .merchant_id = m.id};
  struct amount_order_request r = {
      .merchant_id = m.id,
      .amount_minor = amount,
      .currency = CURRENCY_CNY,
      .note = note,
      .source_code = str_from_cstr(code),
      .client_class = client_class_name(client_detect(request_header(req, "User-Agent")).cls)};
  if (rc == HT_OK) rc = orders_place_amount(&ctx, db, &r, &row);
  if (rc != HT_OK) return response_status_error(req, res, rc, "order");
  response_header(req, res, "Location", arena_printf(&req->arena, PAY_PATH "%s", row.token));
  response_body(req, res, 303, "text/plain; charset=utf-8", STR_LIT(""));
}

/* GET /qr/PAY/{code}.svg: the printable pay code, its whole text upper case. */
void web_pay_code_qr(struct request *req, struct response *res) {
  char code[CODE_LEN_MAX + 1];
  size_t len = 0;
  if (code_normalize(request_param(req, 0), code, sizeof code, &len) != HT_OK ||
      (len != CODE_PUBLIC_LEN && len != CODE_PRIVATE_LEN))
    return web_not_found(req, res);
  const char *text = url_qr_text(req->app, &req->arena, PAY_PATH, code);
  struct qr_options opts = qr_options_default();
  if (!text || qr_render_text(str_from_cstr(text), &opts, QR_FORMAT_SVG, &res->body) != HT_OK)
    return response_error(req, res, 500, "internal_error", NULL, "cannot draw the code");
  res->status = 200;
  res->content_type = "image/svg+xml";
}
