/* dashboard_orders.c — the merchant's orders in the dashboard.
 *
 *   GET  /M/orders[?state=]            list, filtered by state
 *   GET  /M/orders/{id}                one order: buyer, lines, amounts, shipping, timeline
 *   POST /M/orders/{id}/ship           carrier and tracking number
 *   POST /M/orders/{id}/refund         approve a refund (the amount asked for, or one given)
 *   POST /M/orders/{id}/refuse         refuse the buyer's refund request
 * Every action goes through orders_apply() like the API's, and wakes the buyer's order page. */
#include <stdio.h>
#include <string.h>

#include "app.h"
#include "core/status.h"
#include "pay/orders.h"
#include "store/orders.h"
#include "web/dashboard.h"
#include "web/forms.h"
#include "web/pages.h"
#include "web/shop.h"

/* Orders on one page of the list. */
#define DASH_ORDERS_LISTED_MAX 50
/* Timeline entries shown on an order. */
#define DASH_TIMELINE_MAX 100

void dash_orders_table(struct dash *d, const struct order_row *rows, size_t count) {
  struct page *page = &d->page;
  struct buf *out = page->out;
  if (count == 0) {
    html_raw(out, "<p class=\"muted\">%s</p>", page_t(page, MSG_NO_ORDERS));
    return;
  }
  html_raw(
      out,
      "<div class=\"table-wrap\"><table><thead><tr><th>%s</th><th>%s</th><th>%s</th><th class=\"num\">%s</th>"
      "<th>%s</th></tr></thead><tbody>",
      page_t(page, MSG_ORDER), page_t(page, MSG_ORDER_PLACED_AT), page_t(page, MSG_BUYER),
      page_t(page, MSG_TOTAL), page_t(page, MSG_STATUS));
  for (size_t i = 0; i < count; i++) {
    const struct order_row *r = &rows[i];
    html_raw(out, "<tr data-order-id=\"%llu\"><td><a href=\"/M/orders/%llu\">#%llu</a></td><td>%s</td><td>",
             (unsigned long long)r->escrow.order_id, (unsigned long long)r->escrow.order_id,
             (unsigned long long)r->escrow.order_id, web_time(page->req, r->created_at_ms));
    html_text(out, r->buyer_name);
    html_raw(out, "</td><td class=\"num\">%s</td><td><span class=\"badge %s\">%s</span></td></tr>",
             web_money(page->req, r->escrow.total_minor, r->escrow.currency),
             escrow_state_name(r->escrow.state), page_t(page, order_state_msg(r->escrow.state)));
  }
  buf_append_cstr(out, "</tbody></table></div>");
}

void web_dash_orders(struct request *req, struct response *res) {
  struct dash d;
  if (!dash_begin(req, res, &d)) return;
  static const enum escrow_state shown[] = {ESCROW_PENDING_PAYMENT,  ESCROW_PAID,     ESCROW_SHIPPED,
                                            ESCROW_REFUND_REQUESTED, ESCROW_DISPUTED, ESCROW_COMPLETED,
                                            ESCROW_REFUNDED,         ESCROW_CLOSED};
  struct str state = request_query(req, "state");
  enum escrow_state parsed;
  if (state.data && escrow_state_from_name(state, &parsed) != HT_OK) state = (struct str){0};
  struct order_row *rows = arena_alloc(&req->arena, sizeof *rows * DASH_ORDERS_LISTED_MAX);
  size_t count = 0;
  int rc = rows ? store_order_list(req->db, &req->arena, d.merchant.id, state.data ? state : STR_LIT(""), 0,
                                   DASH_ORDERS_LISTED_MAX, rows, &count)
                : HT_ENOMEM;
  if (rc != HT_OK) return response_status_error(req, res, rc, "orders");
  struct page *page = &d.page;
  dash_page_begin(&d, page_t(page, MSG_NAV_ORDERS), DASH_ORDERS);
  html_raw(page->out, "<nav class=\"filters\"><a class=\"btn small %s\" href=\"/M/orders\">%s</a>",
           state.data ? "ghost" : "", page_t(page, MSG_ALL));
  for (size_t i = 0; i < sizeof shown / sizeof shown[0]; i++) {
    const char *name = escrow_state_name(shown[i]);
    html_raw(page->out, "<a class=\"btn small %s\" href=\"/M/orders?state=%s\">%s</a>",
             state.data && str_eq(state, str_from_cstr(name)) ? "" : "ghost", name,
             page_t(page, order_state_msg(shown[i])));
  }
  buf_append_cstr(page->out, "</nav><section class=\"card\">");
  dash_orders_table(&d, rows, count);
  buf_append_cstr(page->out, "</section>");
  dash_page_end(&d, 200);
}

/* ---- one order ---- */

static bool load_order(struct dash *d, struct order_row *row) {
  int64_t id = dash_path_id(d->page.req);
  int rc = id ? store_order_get(d->page.req->db, &d->page.req->arena, d->merchant.id, id, row) : HT_ENOTFOUND;
  if (rc == HT_ENOTFOUND)
    dash_not_found(d);
  else if (rc != HT_OK)
    response_status_error(d->page.req, d->page.res, rc, "order");
  return rc == HT_OK;
}

struct timeline_writer {
  struct dash *d;
  enum currency currency;
  size_t count;
};

static void timeline_entry(void *user, const struct order_event_row *e) {
  struct timeline_writer *w = user;
  struct page *page = &w->d->page;
  if (w->count++ >= DASH_TIMELINE_MAX) return;
  html_raw(page->out, "<li><time>%s</time> %s", web_time(page->req, e->at_ms),
           page_t(page, order_event_msg(e->event)));
  if (e->amount_minor && !str_eq(e->event, STR_LIT("placed")))
    html_raw(page->out, " · %s", web_money(page->req, e->amount_minor, w->currency));
  if (e->detail.len) {
    buf_append_cstr(page->out, " · <span class=\"muted\">");
    html_text(page->out, e->detail);
    buf_append_cstr(page->out, "</span>");
  }
  buf_append_cstr(page->out, "</li>");
}

static void detail_row(struct buf *out, const char *label, struct str value) {
  if (!value.len) return;
  html_raw(out, "<dt>%s</dt><dd>", label);
  html_text(out, value);
  buf_append_cstr(out, "</dd>");
}

struct ship_errors {
  const char *carrier, *tracking, *banner;
};

static void render_ship(struct dash *d, const struct order_row *row, const struct ship_errors *e) {
  struct page *page = &d->page;
  struct buf *out = page->out;
  html_raw(out, "<form method=\"post\" action=\"/M/orders/%llu/ship\" class=\"stack\"><h2>%s</h2>",
           (unsigned long long)row->escrow.order_id, page_t(page, MSG_SHIP));
  dash_csrf_field(d);
  html_input(out, "text", "carrier", page_t(page, MSG_CARRIER), web_field(&d->form, "carrier"),
             e ? e->carrier : NULL, " maxlength=\"64\" placeholder=\"SF Express 顺丰\" required");
  html_input(out, "text", "tracking_number", page_t(page, MSG_TRACKING),
             web_field(&d->form, "tracking_number"), e ? e->tracking : NULL,
             " maxlength=\"40\" pattern=\"[A-Za-z0-9-]+\"");
  html_raw(out, "<button class=\"btn block\">%s</button></form>", page_t(page, MSG_SHIP));
}

static void render_refund_answer(struct dash *d, const struct order_row *row) {
  struct page *page = &d->page;
  struct buf *out = page->out;
  const struct escrow_order *e = &row->escrow;
  unsigned long long id = (unsigned long long)e->order_id;
  if (e->state == ESCROW_REFUND_REQUESTED)
    html_raw(out, "<p>%s: <strong>%s</strong></p>", page_t(page, MSG_REFUND_ASKED),
             web_money(page->req, e->refund_requested_minor, e->currency));
  if (e->state == ESCROW_REFUND_REQUESTED && escrow_event_allowed(e->state, ESCROW_EV_APPROVE_REFUND)) {
    html_raw(out, "<form method=\"post\" action=\"/M/orders/%llu/refund\" class=\"row\">", id);
    dash_csrf_field(d);
    html_raw(out, "<button class=\"btn\">%s</button></form>", page_t(page, MSG_APPROVE_REFUND));
  }
  if (escrow_event_allowed(e->state, ESCROW_EV_REFUSE_REFUND)) {
    html_raw(out, "<form method=\"post\" action=\"/M/orders/%llu/refuse\">", id);
    dash_csrf_field(d);
    html_raw(out, "<button class=\"btn ghost\">%s</button></form>", page_t(page, MSG_REFUSE_REFUND));
  }
}

static void render_order(struct dash *d, const struct order_row *row, const struct ship_errors *errors,
                         int status) {
  struct page *page = &d->page;
  struct request *req = page->req;
  struct buf *out = page->out;
  const struct escrow_order *e = &row->escrow;
  const char *title =
      arena_printf(&req->arena, "%s #%llu", page_t(page, MSG_ORDER), (unsigned long long)e->order_id);
  dash_page_begin(d, title, DASH_ORDERS);
  if (errors && errors->banner)
    html_raw(out, "<p class=\"banner error\" role=\"alert\">%s</p>", errors->banner);
  html_raw(out,
           "<div class=\"product\"><section class=\"card\"><p><span class=\"badge %s\" "
           "data-state=\"%s\">%s</span></p>",
           escrow_state_name(e->state), escrow_state_name(e->state), page_t(page, order_state_msg(e->state)));
  struct order_line lines[ORDER_LINES_MAX];
  size_t n = 0;
  if (store_order_lines(req->db, &req->arena, (int64_t)e->order_id, lines, &n) != HT_OK) n = 0;
  buf_append_cstr(out, "<ul class=\"lines\">");
  for (size_t i = 0; i < n; i++) {
    buf_append_cstr(out, "<li class=\"line\"><div class=\"line-main\"><span>");
    html_text(out, lines[i].title);
    html_raw(out, "</span><span class=\"muted\">%s × %lld</span></div></li>",
             web_money(req, lines[i].unit_price_minor, e->currency), (long long)lines[i].quantity);
  }
  html_raw(out, "</ul><dl class=\"sums\"><dt>%s</dt><dd>%s</dd><dt>%s</dt><dd>%s</dd>",
           page_t(page, MSG_TOTAL), web_money(req, e->total_minor, e->currency),
           page_t(page, MSG_PAID_AMOUNT), web_money(req, e->paid_minor, e->currency));
  if (e->refunded_minor)
    html_raw(out, "<dt>%s</dt><dd>%s</dd>", page_t(page, MSG_REFUNDED_AMOUNT),
             web_money(req, e->refunded_minor, e->currency));
  html_raw(out, "</dl><h2>%s</h2><dl class=\"sums\">", page_t(page, MSG_BUYER));
  detail_row(out, page_t(page, MSG_BUYER_NAME), row->buyer_name);
  detail_row(out, page_t(page, MSG_BUYER_PHONE), row->buyer_phone);
  detail_row(out, page_t(page, MSG_SHIPPING_ADDRESS), row->shipping_address);
  detail_row(out, page_t(page, MSG_NOTE), row->note);
  detail_row(out, page_t(page, MSG_CARRIER), row->carrier);
  detail_row(out, page_t(page, MSG_TRACKING), row->tracking_number);
  buf_append_cstr(out, "</dl></section><section class=\"card\">");
  if (escrow_event_allowed(e->state, ESCROW_EV_SHIP)) render_ship(d, row, errors);
  render_refund_answer(d, row);
  html_raw(out, "<h2>%s</h2><ol class=\"timeline\">", page_t(page, MSG_TIMELINE));
  struct timeline_writer w = {.d = d, .currency = e->currency};
  store_order_events(req->db, (int64_t)e->order_id, timeline_entry, &w);
  buf_append_cstr(out, "</ol></section></div>");
  dash_page_end(d, status);
}

void web_dash_order(struct request *req, struct response *res) {
  struct dash d;
  struct order_row row;
  if (!dash_begin(req, res, &d) || !load_order(&d, &row)) return;
  render_order(&d, &row, NULL, 200);
}

/* Applies `ev`; on success wakes the buyer's page and goes back to the order. */
static void apply(struct dash *d, struct order_row *row, const struct escrow_event *ev, struct str detail) {
  struct request *req = d->page.req;
  struct pay_ctx ctx = {.app = req->app, .arena = &req->arena, .db = req->db, .now_ms = req->now_ms};
  struct escrow_order after;
  bool applied;
  int rc = orders_apply(&ctx, req->db, (int64_t)row->escrow.order_id, ev, detail, &after, &applied);
  if (rc == HT_OK) {
    char topic[ORDER_TOPIC_BYTES];
    order_topic((int64_t)row->escrow.order_id, topic);
    http_notify(req, topic);
    return web_see_other(
        req, d->page.res,
        arena_printf(&req->arena, "/M/orders/%llu", (unsigned long long)row->escrow.order_id));
  }
  if (rc == HT_ECONFLICT || rc == HT_ERANGE || rc == HT_EINVAL) {
    struct ship_errors errors = {.banner =
                                     page_t(&d->page, rc == HT_ECONFLICT ? MSG_ERR_STATE : MSG_ERR_AMOUNT)};
    if (rc == HT_ECONFLICT) row->escrow = after;
    return render_order(d, row, &errors, rc == HT_ECONFLICT ? 409 : 422);
  }
  response_status_error(req, d->page.res, rc, "order");
}

static bool carrier_ok(struct str s) {
  if (!s.len || s.len > ESCROW_CARRIER_BYTES_MAX) return false;
  for (size_t i = 0; i < s.len; i++)
    if ((unsigned char)s.data[i] < 0x20 || s.data[i] == 0x7f) return false;
  return true;
}

static bool tracking_ok(struct str s, bool required) {
  if (!s.len) return !required;
  if (s.len > ESCROW_TRACKING_BYTES_MAX) return false;
  for (size_t i = 0; i < s.len; i++) {
    char c = s.data[i];
    if (!((c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '-'))
      return false;
  }
  return true;
}

void web_dash_order_ship(struct request *req, struct response *res) {
  struct dash d;
  struct order_row row;
  if (!dash_begin(req, res, &d) || !load_order(&d, &row)) return;
  struct str carrier = str_trim(web_field(&d.form, "carrier"));
  struct str tracking = str_trim(web_field(&d.form, "tracking_number"));
  struct ship_errors errors = {0};
  if (!carrier_ok(carrier)) errors.carrier = page_t(&d.page, MSG_ERR_CARRIER);
  if (!tracking_ok(tracking, row.escrow.delivery == DELIVERY_PHYSICAL))
    errors.tracking = page_t(&d.page, MSG_ERR_TRACKING);
  if (errors.carrier || errors.tracking) return render_order(&d, &row, &errors, 422);
  struct escrow_event ev = {.kind = ESCROW_EV_SHIP, .carrier = carrier, .tracking_number = tracking};
  apply(&d, &row, &ev, tracking);
}

void web_dash_order_refund(struct request *req, struct response *res) {
  struct dash d;
  struct order_row row;
  if (!dash_begin(req, res, &d) || !load_order(&d, &row)) return;
  int64_t amount = row.escrow.refund_requested_minor ? row.escrow.refund_requested_minor
                                                     : escrow_order_remaining_minor(&row.escrow);
  struct escrow_event ev = {.kind = ESCROW_EV_APPROVE_REFUND, .amount_minor = amount};
  apply(&d, &row, &ev, STR_LIT("merchant"));
}

void web_dash_order_refuse(struct request *req, struct response *res) {
  struct dash d;
  struct order_row row;
  if (!dash_begin(req, res, &d) || !load_order(&d, &row)) return;
  struct escrow_event ev = {.kind = ESCROW_EV_REFUSE_REFUND};
  apply(&d, &row, &ev, STR_LIT("merchant"));
}
