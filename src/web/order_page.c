/* order_page.c — the buyer's order page, /O/{token}, and what the buyer can do there.
 *
 * The 80-bit token in the address is the buyer's credential: whoever has the link sees the
 * order and acts on it, and a form on another site cannot know it (posts from another
 * Origin are refused as well). The page shows the state in words, the lines and amounts,
 * shipping, the timeline, and the actions the state allows (escrow_event_allowed()): pay,
 * confirm receipt, request a refund, withdraw it, ask the platform to step in. Each action
 * calls the same pay/ functions as the API, in the route's write transaction.
 *
 * Paying: the buyer picks a wallet from wallet_options[], filtered by what the client can use
 * (client_caps().wallet) and by which channels are registered; a wallet that cannot work in
 * this app (Alipay inside WeChat) stays visible but opens the "open in browser" overlay
 * instead. While a payment is under way the page long-polls /O/{token}/wait (app.js) and
 * reloads when the order changes; without JavaScript a <noscript> refresh does the same. */
#include <stdio.h>
#include <string.h>

#include "app.h"
#include "core/status.h"
#include "core/utf8.h"
#include "pay/orders.h"
#include "pay/payments.h"
#include "store/payments.h"
#include "web/forms.h"
#include "web/pages.h"
#include "web/shop.h"
#include "web/urls.h"

/* Timeline entries, payment attempts and refunds shown. */
#define ORDER_TIMELINE_SHOWN_MAX 100
#define ORDER_CALLS_SHOWN_MAX    20
/* Longest the order page's long-poll is held (proxies drop idle requests at 30-60 s). */
#define ORDER_WAIT_MS_MAX (25 * 1000)
/* Without JavaScript, a page waiting for a payment reloads itself this often. */
#define ORDER_REFRESH_S 5
/* A refund request's reason (the API's limit, api/orders.c). */
#define REFUND_REASON_CHARS_MAX 300

/* How a wallet fits the buyer's client. */
enum wallet_fit { WALLET_WORKS, WALLET_NEEDS_BROWSER, WALLET_HIDDEN };

struct wallet_option {
  const char *channel; /* pay_channel_find() name; shown only when registered */
  enum msg label;
  enum wallet_fit (*fit)(enum client_wallet wallet);
};

static enum wallet_fit wechat_fit(enum client_wallet w) {
  return w == CLIENT_WALLET_ALIPAY ? WALLET_NEEDS_BROWSER
         : w == CLIENT_WALLET_NONE ? WALLET_HIDDEN
                                   : WALLET_WORKS;
}
static enum wallet_fit alipay_fit(enum client_wallet w) {
  return w == CLIENT_WALLET_WECHAT_JSAPI || w == CLIENT_WALLET_WECHAT_MINIPROGRAM ? WALLET_NEEDS_BROWSER
         : w == CLIENT_WALLET_NONE                                                ? WALLET_HIDDEN
                                                                                  : WALLET_WORKS;
}
static enum wallet_fit anywhere_fit(enum client_wallet w) {
  return w == CLIENT_WALLET_NONE ? WALLET_HIDDEN : WALLET_WORKS;
}

/* The wallets a buyer may choose, the one that suits the host app first. Adding a channel
 * to the page is one line here (once pay/channels.c registers it). */
static const struct wallet_option wallet_options[] = {
    {"wechatpay", MSG_PAY_WECHAT, wechat_fit},
    {"alipay", MSG_PAY_ALIPAY, alipay_fit},
    {"sandbox", MSG_PAY_SANDBOX, anywhere_fit},
};

void shop_pay_options(struct page *page) {
  struct buf *out = page->out;
  html_raw(out, "<div class=\"pay-options\"><span>%s:</span>", page_t(page, MSG_PAY_WITH));
  for (size_t i = 0; i < sizeof wallet_options / sizeof wallet_options[0]; i++) {
    const struct wallet_option *w = &wallet_options[i];
    enum wallet_fit fit = w->fit(page->caps.wallet);
    if (fit == WALLET_HIDDEN || !pay_channel_find(str_from_cstr(w->channel))) continue;
    html_raw(out, "<span class=\"chip\">%s%s%s</span>", page_t(page, w->label),
             fit == WALLET_NEEDS_BROWSER ? " · " : "",
             fit == WALLET_NEEDS_BROWSER ? page_t(page, MSG_PAY_NEEDS_BROWSER) : "");
  }
  buf_append_cstr(out, "</div>");
}

enum msg order_state_msg(enum escrow_state state) {
  static const enum msg names[ESCROW_STATE_COUNT] = {
      [ESCROW_PENDING_PAYMENT] = MSG_STATE_PENDING_PAYMENT,
      [ESCROW_PAID] = MSG_STATE_PAID,
      [ESCROW_SHIPPED] = MSG_STATE_SHIPPED,
      [ESCROW_REFUND_REQUESTED] = MSG_STATE_REFUND_REQUESTED,
      [ESCROW_DISPUTED] = MSG_STATE_DISPUTED,
      [ESCROW_COMPLETED] = MSG_STATE_COMPLETED,
      [ESCROW_REFUNDED] = MSG_STATE_REFUNDED,
      [ESCROW_CLOSED] = MSG_STATE_CLOSED,
  };
  return (unsigned)state < ESCROW_STATE_COUNT ? names[state] : MSG_STATE_CLOSED;
}

static enum msg state_help(enum escrow_state state) {
  static const enum msg help[ESCROW_STATE_COUNT] = {
      [ESCROW_PENDING_PAYMENT] = MSG_HELP_PENDING_PAYMENT,
      [ESCROW_PAID] = MSG_HELP_PAID,
      [ESCROW_SHIPPED] = MSG_HELP_SHIPPED,
      [ESCROW_REFUND_REQUESTED] = MSG_HELP_REFUND_REQUESTED,
      [ESCROW_DISPUTED] = MSG_HELP_DISPUTED,
      [ESCROW_COMPLETED] = MSG_HELP_COMPLETED,
      [ESCROW_REFUNDED] = MSG_HELP_REFUNDED,
      [ESCROW_CLOSED] = MSG_HELP_CLOSED,
  };
  return (unsigned)state < ESCROW_STATE_COUNT ? help[state] : MSG_HELP_CLOSED;
}

enum msg order_event_msg(struct str event) {
  static const struct {
    const char *name;
    enum msg text;
  } events[] = {
      {"placed", MSG_EV_PLACED},
      {"pay_succeeded", MSG_EV_PAY_SUCCEEDED},
      {"cancel", MSG_EV_CANCEL},
      {"ship", MSG_EV_SHIP},
      {"confirm", MSG_EV_CONFIRM},
      {"timer_due", MSG_EV_TIMER_DUE},
      {"request_refund", MSG_EV_REQUEST_REFUND},
      {"withdraw_refund", MSG_EV_WITHDRAW_REFUND},
      {"approve_refund", MSG_EV_APPROVE_REFUND},
      {"refuse_refund", MSG_EV_REFUSE_REFUND},
      {"open_dispute", MSG_EV_OPEN_DISPUTE},
      {"resolve_dispute", MSG_EV_RESOLVE_DISPUTE},
      {"refund_settled", MSG_EV_REFUND_SETTLED},
  };
  for (size_t i = 0; i < sizeof events / sizeof events[0]; i++)
    if (str_eq(event, str_from_cstr(events[i].name))) return events[i].text;
  return MSG_ORDER;
}

void order_topic(int64_t order_id, char topic[ORDER_TOPIC_BYTES]) {
  snprintf(topic, ORDER_TOPIC_BYTES, "order:%lld", (long long)order_id);
}

/* ---- loading ---- */

struct timeline {
  struct order_event_row rows[ORDER_TIMELINE_SHOWN_MAX];
  size_t count;
  struct arena *arena;
};

static void collect_event(void *user, const struct order_event_row *e) {
  struct timeline *t = user;
  if (t->count == ORDER_TIMELINE_SHOWN_MAX) return;
  struct order_event_row *row = &t->rows[t->count++];
  *row = *e;
  row->event = str_from_cstr(arena_strdup_str(t->arena, e->event));
  row->state = str_from_cstr(arena_strdup_str(t->arena, e->state));
  row->detail = e->detail.data ? str_from_cstr(arena_strdup_str(t->arena, e->detail)) : (struct str){0};
}

struct order_view {
  struct order_row row;
  struct order_line lines[ORDER_LINES_MAX];
  size_t line_count;
  struct channel_call_row payments[ORDER_CALLS_SHOWN_MAX];
  size_t payment_count;
  struct timeline *timeline;
  struct merchant merchant;
};

/* Reads the order named by the path's token; writes the 404 page otherwise. */
static bool load_row(struct request *req, struct response *res, struct order_row *row) {
  char token[CODE_LEN_MAX + 1];
  size_t len = 0;
  struct db *db = request_db(req, res);
  if (!db) return false;
  int rc =
      code_normalize(request_param(req, 0), token, sizeof token, &len) == HT_OK && len == CODE_PRIVATE_LEN
          ? store_order_by_token(db, &req->arena, str_from_cstr(token), row)
          : HT_ENOTFOUND;
  if (rc == HT_ENOTFOUND)
    web_not_found(req, res);
  else if (rc != HT_OK)
    response_status_error(req, res, rc, "order");
  return rc == HT_OK;
}

static int load_view(struct request *req, struct order_view *v) {
  int64_t id = (int64_t)v->row.escrow.order_id;
  struct db *db = req->db;
  v->timeline = arena_alloc(&req->arena, sizeof *v->timeline);
  if (!v->timeline) return HT_ENOMEM;
  v->timeline->arena = &req->arena;
  int rc = store_order_lines(db, &req->arena, id, v->lines, &v->line_count);
  if (rc == HT_OK)
    rc = store_calls_list(db, &req->arena, CALL_PAYMENT, id, ORDER_CALLS_SHOWN_MAX, v->payments,
                          &v->payment_count);
  if (rc == HT_OK) rc = store_order_events(db, id, collect_event, v->timeline);
  if (rc == HT_OK) rc = store_merchant_get(db, &req->arena, (int64_t)v->row.escrow.merchant_id, &v->merchant);
  return rc;
}

/* ---- rendering ---- */

static const char *money(struct request *req, const struct order_view *v, int64_t amount) {
  return web_money(req, amount, v->row.escrow.currency);
}

/* The newest payment attempt that is still under way (pending or unknown), or NULL. */
static const struct channel_call_row *payment_under_way(const struct order_view *v) {
  for (size_t i = v->payment_count; i > 0; i--) {
    const struct channel_call_row *p = &v->payments[i - 1];
    if (p->status == CHANNEL_CALL_PENDING || p->status == CHANNEL_CALL_UNKNOWN) return p;
  }
  return NULL;
}

static void render_overlay(struct page *page, const char *order_url) {
  struct buf *out = page->out;
  html_raw(out,
           "<div class=\"overlay\" id=\"open-in-browser\" role=\"dialog\" aria-modal=\"true\" "
           "aria-labelledby=\"oib-title\"><div class=\"overlay-arrow\" aria-hidden=\"true\">↗</div>"
           "<div class=\"overlay-card\"><h2 id=\"oib-title\">%s</h2><p>%s</p><p class=\"row\">",
           page_t(page, MSG_OVERLAY_TITLE), page_t(page, MSG_OVERLAY_BODY));
  buf_append_cstr(out, "<button class=\"btn\" type=\"button\" data-copy=\"");
  html_attr(out, str_from_cstr(order_url));
  html_raw(
      out,
      "\" data-copied=\"%s\">%s</button><a class=\"btn ghost\" href=\"#\" data-close>%s</a></p></div></div>",
      page_t(page, MSG_COPIED), page_t(page, MSG_COPY_LINK), page_t(page, MSG_CLOSE));
}

static void render_pay(struct page *page, const struct order_view *v, const char *token) {
  struct buf *out = page->out;
  const struct channel_call_row *under_way = payment_under_way(v);
  if (under_way) {
    html_raw(
        out,
        "<p class=\"waiting\" role=\"status\"><span class=\"spinner\" aria-hidden=\"true\"></span>%s</p>",
        page_t(page, MSG_WAITING_PAYMENT));
    if (under_way->pay_url.len) {
      buf_append_cstr(out, "<p><a class=\"btn ghost block\" href=\"");
      html_url(out, under_way->pay_url);
      html_raw(out, "\">%s</a></p>", page_t(page, MSG_PAY_NOW));
    }
  }
  html_raw(out, "<form class=\"wallets\" method=\"post\" action=\"/O/%s/pay\"><p class=\"muted\">%s</p>",
           token, page_t(page, MSG_PAY_WITH));
  bool needs_overlay = false;
  for (size_t i = 0; i < sizeof wallet_options / sizeof wallet_options[0]; i++) {
    const struct wallet_option *w = &wallet_options[i];
    enum wallet_fit fit = w->fit(page->caps.wallet);
    if (fit == WALLET_HIDDEN || !pay_channel_find(str_from_cstr(w->channel))) continue;
    if (fit == WALLET_NEEDS_BROWSER) {
      needs_overlay = true;
      html_raw(
          out,
          "<a class=\"btn ghost block wallet wallet-%s\" href=\"#open-in-browser\" data-needs-browser>%s "
          "<small>%s</small></a>",
          w->channel, page_t(page, w->label), page_t(page, MSG_PAY_NEEDS_BROWSER));
    } else {
      html_raw(out, "<button class=\"btn block wallet wallet-%s\" name=\"channel\" value=\"%s\">%s</button>",
               w->channel, w->channel, page_t(page, w->label));
    }
  }
  buf_append_cstr(out, "</form>");
  if (needs_overlay) render_overlay(page, url_public(page->req->app, &page->req->arena, "/O/", v->row.token));
}

static bool allowed(const struct order_view *v, enum escrow_event_kind kind) {
  return escrow_event_allowed(v->row.escrow.state, kind);
}

static void render_actions(struct page *page, const struct order_view *v, const char *token,
                           const char *refund_error) {
  struct buf *out = page->out;
  if (allowed(v, ESCROW_EV_CONFIRM))
    html_raw(
        out,
        "<form method=\"post\" action=\"/O/%s/confirm\"><button class=\"btn block\" data-action=\"confirm\">"
        "%s</button></form>",
        token, page_t(page, MSG_CONFIRM_RECEIPT));
  if (allowed(v, ESCROW_EV_REQUEST_REFUND)) {
    html_raw(out,
             "<details class=\"refund\"%s><summary>%s</summary><form method=\"post\" action=\"/O/%s/refund\" "
             "class=\"stack\">",
             refund_error ? " open" : "", page_t(page, MSG_REQUEST_REFUND), token);
    html_input(out, "text", "amount", page_t(page, MSG_REFUND_AMOUNT), STR_LIT(""), refund_error,
               " inputmode=\"decimal\" placeholder=\"0.00\"");
    html_textarea(out, "reason", page_t(page, MSG_REFUND_REASON), STR_LIT(""), NULL,
                  " maxlength=\"300\" rows=\"2\"");
    html_raw(out, "<button class=\"btn ghost block\">%s</button></form></details>",
             page_t(page, MSG_REQUEST_REFUND));
  }
  if (allowed(v, ESCROW_EV_WITHDRAW_REFUND))
    html_raw(out,
             "<form method=\"post\" action=\"/O/%s/withdraw\"><button class=\"btn ghost "
             "block\">%s</button></form>",
             token, page_t(page, MSG_WITHDRAW_REFUND));
  if (allowed(v, ESCROW_EV_OPEN_DISPUTE) && v->row.escrow.state != ESCROW_PAID)
    html_raw(out,
             "<form method=\"post\" action=\"/O/%s/dispute\"><button class=\"btn link\">%s</button></form>",
             token, page_t(page, MSG_OPEN_DISPUTE));
}

static void render_lines(struct page *page, const struct order_view *v) {
  struct buf *out = page->out;
  const struct escrow_order *e = &v->row.escrow;
  html_raw(out, "<section class=\"card\"><h2>%s</h2><ul class=\"lines\">", page_t(page, MSG_ITEMS));
  for (size_t i = 0; i < v->line_count; i++) {
    const struct order_line *l = &v->lines[i];
    int64_t amount = 0;
    money_mul(l->unit_price_minor, l->quantity, &amount);
    buf_append_cstr(out, "<li class=\"line\"><div class=\"line-main\"><span>");
    html_text(out, l->title);
    html_raw(out, "</span><span class=\"muted\">%s × %lld</span><strong>%s</strong></div></li>",
             money(page->req, v, l->unit_price_minor), (long long)l->quantity, money(page->req, v, amount));
  }
  html_raw(out, "</ul><dl class=\"sums\"><dt>%s</dt><dd data-total>%s</dd>", page_t(page, MSG_TOTAL),
           money(page->req, v, e->total_minor));
  if (e->paid_minor)
    html_raw(out, "<dt>%s</dt><dd>%s</dd>", page_t(page, MSG_PAID_AMOUNT),
             money(page->req, v, e->paid_minor));
  if (e->refunded_minor)
    html_raw(out, "<dt>%s</dt><dd>%s</dd>", page_t(page, MSG_REFUNDED_AMOUNT),
             money(page->req, v, e->refunded_minor));
  if (escrow_order_remaining_minor(e) > 0 && e->state != ESCROW_COMPLETED)
    html_raw(out, "<dt>%s</dt><dd>%s</dd>", page_t(page, MSG_ESCROW_HELD),
             money(page->req, v, escrow_order_remaining_minor(e)));
  buf_append_cstr(out, "</dl></section>");
}

static void render_shipping(struct page *page, const struct order_view *v) {
  struct buf *out = page->out;
  if (!v->row.carrier.len && !v->row.tracking_number.len) return;
  html_raw(out, "<section class=\"card\"><h2>%s</h2><dl class=\"sums\"><dt>%s</dt><dd>",
           page_t(page, MSG_SHIPPING), page_t(page, MSG_CARRIER));
  html_text(out, v->row.carrier);
  html_raw(out, "</dd><dt>%s</dt><dd class=\"mono\" data-tracking>", page_t(page, MSG_TRACKING));
  html_text(out, v->row.tracking_number);
  buf_append_cstr(out, "</dd></dl></section>");
}

static void render_timeline(struct page *page, const struct order_view *v) {
  struct buf *out = page->out;
  html_raw(out, "<section class=\"card\"><h2>%s</h2><ol class=\"timeline\">", page_t(page, MSG_TIMELINE));
  for (size_t i = v->timeline->count; i > 0; i--) {
    const struct order_event_row *e = &v->timeline->rows[i - 1];
    html_raw(out, "<li><time>%s</time> %s", web_time(page->req, e->at_ms),
             page_t(page, order_event_msg(e->event)));
    if (e->amount_minor && !str_eq(e->event, STR_LIT("placed")))
      html_raw(out, " · %s", money(page->req, v, e->amount_minor));
    buf_append_cstr(out, "</li>");
  }
  buf_append_cstr(out, "</ol></section>");
}

struct order_notice {
  const char *message; /* banner over the page */
  const char *refund_error;
};

static void render_order(struct request *req, struct response *res, const struct order_view *v,
                         const struct order_notice *notice, int status) {
  struct page page;
  page_init(&page, req, res);
  const struct escrow_order *e = &v->row.escrow;
  const char *title = arena_printf(&req->arena, "%s · %s", page_t(&page, MSG_ORDER),
                                   page_t(&page, order_state_msg(e->state)));
  struct page_meta meta = {.title = str_from_cstr(title), .noindex = true};
  bool waiting = e->state == ESCROW_PENDING_PAYMENT && payment_under_way(v);
  page_begin(&page, &meta);
  struct buf *out = page.out;
  shop_header(&page, &v->merchant);
  const char *token = v->row.token;
  html_raw(out,
           "<main class=\"wrap narrow order\" data-order=\"%s\" data-version=\"%llu\" data-state=\"%s\">",
           token, (unsigned long long)e->version, escrow_state_name(e->state));
  if (waiting)
    html_raw(out, "<noscript><meta http-equiv=\"refresh\" content=\"%d\"></noscript>", ORDER_REFRESH_S);
  if (notice && notice->message)
    html_raw(out, "<p class=\"banner error\" role=\"alert\">%s</p>", notice->message);
  html_raw(
      out,
      "<section class=\"card status state-%s\"><p class=\"muted\">%s</p><h1 data-state-text>%s</h1><p>%s</p>",
      escrow_state_name(e->state), page_t(&page, MSG_ORDER), page_t(&page, order_state_msg(e->state)),
      page_t(&page, state_help(e->state)));
  if (e->deadline_ms)
    html_raw(out, "<p class=\"muted\">%s %s</p>",
             page_t(&page, e->state == ESCROW_PENDING_PAYMENT ? MSG_CLOSES_AT : MSG_AUTO_CONFIRM_AT),
             web_time(req, e->deadline_ms));
  if (e->state == ESCROW_PENDING_PAYMENT) render_pay(&page, v, token);
  render_actions(&page, v, token, notice ? notice->refund_error : NULL);
  buf_append_cstr(out, "</section>");
  render_lines(&page, v);
  render_shipping(&page, v);
  render_timeline(&page, v);
  const char *url = url_public(req->app, &req->arena, "/O/", token);
  html_raw(out,
           "<section class=\"card\"><p class=\"muted\">%s</p><p class=\"row\"><span class=\"token small\">",
           page_t(&page, MSG_ORDER_LINK_HINT));
  html_text(out, str_from_cstr(url));
  buf_append_cstr(out, "</span><button class=\"btn ghost small\" type=\"button\" data-copy=\"");
  html_attr(out, str_from_cstr(url));
  html_raw(out, "\" data-copied=\"%s\">%s</button></p></section></main>", page_t(&page, MSG_COPIED),
           page_t(&page, MSG_COPY_LINK));
  page_end(&page, status);
}

static void show(struct request *req, struct response *res, struct order_view *v,
                 const struct order_notice *notice, int status) {
  int rc = load_view(req, v);
  if (rc != HT_OK) return response_status_error(req, res, rc, "order");
  render_order(req, res, v, notice, status);
}

void web_order_page(struct request *req, struct response *res) {
  struct order_view *v = arena_alloc(&req->arena, sizeof *v);
  if (!v) return response_status_error(req, res, HT_ENOMEM, "order");
  if (!load_row(req, res, &v->row)) return;
  show(req, res, v, NULL, 200);
}

/* GET /O/{token}/wait?version=N: the order's version and state as JSON, held until the
 * version differs from N or ORDER_WAIT_MS_MAX has passed. */
void web_order_wait(struct request *req, struct response *res) {
  struct order_row row;
  if (!load_row(req, res, &row)) return;
  long long seen = -1;
  struct str version = request_query(req, "version");
  if (version.data && str_to_i64(version, &seen) != HT_OK) seen = -1;
  if (req->wait_deadline_ms == 0) req->wait_deadline_ms = req->now_ms + ORDER_WAIT_MS_MAX;
  response_json(req, res, 200,
                json_pack("{s:I, s:s}", "version", (json_int_t)row.escrow.version, "state",
                          escrow_state_name(row.escrow.state)));
  if ((long long)row.escrow.version == seen && req->now_ms < req->wait_deadline_ms) {
    char topic[ORDER_TOPIC_BYTES];
    order_topic((int64_t)row.escrow.order_id, topic);
    response_wait(req, res, topic);
  }
}

/* ---- actions ---- */

/* Common start of every action: same site, a readable form, the order. */
static bool begin_action(struct request *req, struct response *res, struct form *form,
                         struct order_view **v) {
  if (!web_same_origin(req)) {
    web_refuse_cross_site(req, res);
    return false;
  }
  if (!web_form_read(req, form)) {
    page_message(req, res, 400, MSG_ORDER, MSG_ERR_FORM);
    return false;
  }
  *v = arena_alloc(&req->arena, sizeof **v);
  if (!*v) {
    response_status_error(req, res, HT_ENOMEM, "order");
    return false;
  }
  return load_row(req, res, &(*v)->row);
}

static void back_to_order(struct request *req, struct response *res, const struct order_view *v) {
  char topic[ORDER_TOPIC_BYTES];
  order_topic((int64_t)v->row.escrow.order_id, topic);
  http_notify(req, topic);
  web_see_other(req, res, arena_printf(&req->arena, "/O/%s", v->row.token));
}

static enum lang request_lang(struct request *req) {
  return i18n_negotiate(request_query(req, "lang"), request_cookie(req, "lang"),
                        request_header(req, "Accept-Language"));
}

/* Applies `ev` and answers: back to the page, or the page with what went wrong. */
static void apply(struct request *req, struct response *res, struct order_view *v,
                  const struct escrow_event *ev, struct str detail) {
  struct pay_ctx ctx = {.app = req->app, .arena = &req->arena, .db = req->db, .now_ms = req->now_ms};
  struct escrow_order after;
  bool applied;
  int rc = orders_apply(&ctx, req->db, (int64_t)v->row.escrow.order_id, ev, detail, &after, &applied);
  if (rc == HT_OK) return back_to_order(req, res, v);
  enum lang lang = request_lang(req);
  struct order_notice notice = {0};
  if (rc == HT_ECONFLICT) {
    notice.message = i18n_text(lang, MSG_ERR_STATE);
    v->row.escrow = after;
    return show(req, res, v, &notice, 409);
  }
  if (rc == HT_ERANGE || rc == HT_EINVAL) {
    notice.refund_error = notice.message = i18n_text(lang, MSG_ERR_AMOUNT);
    return show(req, res, v, &notice, 422);
  }
  response_status_error(req, res, rc, "order");
}

void web_order_confirm(struct request *req, struct response *res) {
  struct form form;
  struct order_view *v;
  if (!begin_action(req, res, &form, &v)) return;
  struct escrow_event ev = {.kind = ESCROW_EV_CONFIRM};
  apply(req, res, v, &ev, STR_LIT("buyer"));
}

void web_order_withdraw(struct request *req, struct response *res) {
  struct form form;
  struct order_view *v;
  if (!begin_action(req, res, &form, &v)) return;
  struct escrow_event ev = {.kind = ESCROW_EV_WITHDRAW_REFUND};
  apply(req, res, v, &ev, STR_LIT("buyer"));
}

void web_order_dispute(struct request *req, struct response *res) {
  struct form form;
  struct order_view *v;
  if (!begin_action(req, res, &form, &v)) return;
  struct escrow_event ev = {.kind = ESCROW_EV_OPEN_DISPUTE};
  apply(req, res, v, &ev, STR_LIT("buyer"));
}

void web_order_refund(struct request *req, struct response *res) {
  struct form form;
  struct order_view *v;
  if (!begin_action(req, res, &form, &v)) return;
  struct str amount_text = str_trim(web_field(&form, "amount"));
  struct str reason = str_trim(web_field(&form, "reason"));
  int64_t amount = escrow_order_remaining_minor(&v->row.escrow);
  bool ok = utf8_valid(reason) && utf8_count(reason) <= REFUND_REASON_CHARS_MAX;
  if (ok && amount_text.len)
    ok = money_parse(amount_text, v->row.escrow.currency, &amount) == HT_OK && amount > 0;
  if (!ok) {
    struct order_notice notice = {.refund_error = i18n_text(request_lang(req), MSG_ERR_AMOUNT)};
    notice.message = notice.refund_error;
    return show(req, res, v, &notice, 422);
  }
  struct escrow_event ev = {.kind = ESCROW_EV_REQUEST_REFUND, .amount_minor = amount};
  apply(req, res, v, &ev, reason.len ? reason : (struct str){0});
}

void web_order_pay(struct request *req, struct response *res) {
  struct form form;
  struct order_view *v;
  if (!begin_action(req, res, &form, &v)) return;
  struct str name = web_field(&form, "channel");
  const struct pay_channel *channel = NULL;
  for (size_t i = 0; i < sizeof wallet_options / sizeof wallet_options[0] && !channel; i++)
    if (str_eq(name, str_from_cstr(wallet_options[i].channel))) channel = pay_channel_find(name);
  struct order_notice notice = {0};
  if (!channel) {
    notice.message = i18n_text(request_lang(req), MSG_ERR_FORM);
    return show(req, res, v, &notice, 400);
  }
  struct pay_ctx ctx = {.app = req->app, .arena = &req->arena, .db = req->db, .now_ms = req->now_ms};
  struct channel_call_row payment;
  struct pay_started started;
  int rc = payments_start(&ctx, req->db, &v->row, channel, client_detect(request_header(req, "User-Agent")),
                          &payment, &started);
  if (rc == HT_OK && payment.status == CHANNEL_CALL_PENDING && payment.pay_url.len) {
    response_header(req, res, "Location", arena_strdup_str(&req->arena, payment.pay_url));
    return response_body(req, res, 303, "text/plain; charset=utf-8", STR_LIT(""));
  }
  if (rc == HT_OK && payment.status == CHANNEL_CALL_UNKNOWN) return back_to_order(req, res, v);
  if (rc != HT_OK && rc != HT_ECONFLICT) return response_status_error(req, res, rc, "payment");
  struct order_row fresh;
  if (store_order_by_token(req->db, &req->arena, str_from_cstr(v->row.token), &fresh) == HT_OK)
    v->row = fresh;
  notice.message = i18n_text(request_lang(req), rc == HT_ECONFLICT ? MSG_ERR_STATE : MSG_ERR_PAYMENT);
  show(req, res, v, &notice, rc == HT_ECONFLICT ? 409 : 502);
}
