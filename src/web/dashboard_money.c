/* dashboard_money.c — the merchant's money and statistics in the dashboard.
 *
 *   GET  /M/money                  balances (available, in escrow, payouts in progress),
 *                                  the last 30 days' statement, payouts
 *   GET  /M/money/statement.csv    that statement as CSV
 *   POST /M/payouts                pay out everything available (payouts_request(), as the API)
 *   GET  /M/stats[?code=]          opens per client app and per channel, split by source
 *                                  (link click, QR scan, token open, hand-off), as SVG bars
 * Every figure comes from the ledger or the click table, scoped to the session's merchant. */
#include <stdio.h>
#include <string.h>

#include "app.h"
#include "core/status.h"
#include "jobs/click_queue.h"
#include "pay/payments.h"
#include "store/dashboard.h"
#include "store/ledger.h"
#include "store/products.h"
#include "web/chart.h"
#include "web/dashboard.h"
#include "web/forms.h"
#include "web/pages.h"

/* The statement and the statistics cover the last 30 days. */
#define DASH_SPAN_MS (30LL * 24 * 3600 * 1000)
/* Statement lines and payouts shown (the CSV has every line of the span). */
#define DASH_STATEMENT_SHOWN_MAX 200
#define DASH_PAYOUTS_SHOWN_MAX   50
/* Products offered in the statistics' filter. */
#define DASH_STATS_PRODUCTS_MAX 100

/* ---- balances ---- */

struct balance_reader {
  struct dash_balance *out;
  size_t count;
};

static void add_balance(void *user, struct str currency, const char *what, int64_t amount) {
  struct balance_reader *r = user;
  struct dash_balance *b = NULL;
  for (size_t i = 0; i < r->count && !b; i++)
    if (str_eq(currency, str_from_cstr(r->out[i].currency))) b = &r->out[i];
  if (!b && r->count < DASH_CURRENCIES_MAX) {
    b = &r->out[r->count++];
    memset(b, 0, sizeof *b);
    snprintf(b->currency, sizeof b->currency, "%.*s", (int)(currency.len < 7 ? currency.len : 7),
             currency.data);
  }
  if (!b) return;
  if (strcmp(what, "available") == 0)
    b->available_minor = amount;
  else if (strcmp(what, "escrow") == 0)
    b->escrow_minor = amount;
  else
    b->payouts_minor = amount;
}

int dash_balances(struct dash *d, struct dash_balance out[DASH_CURRENCIES_MAX], size_t *count) {
  struct balance_reader r = {.out = out, .count = 1};
  memset(&out[0], 0, sizeof out[0]);
  snprintf(out[0].currency, sizeof out[0].currency, "%s", currency_code(CURRENCY_DEFAULT));
  int rc = store_ledger_merchant_balances(d->page.req->db, d->merchant.id, add_balance, &r);
  *count = r.count;
  return rc;
}

/* ---- the money page ---- */

struct statement_writer {
  struct dash *d;
  size_t count;
  struct buf *csv; /* CSV form */
};

static enum msg posting_label(struct str kind) {
  if (str_has_prefix(kind, STR_LIT("payment"))) return MSG_EV_PAY_SUCCEEDED;
  if (str_has_prefix(kind, STR_LIT("escrow"))) return MSG_EV_CONFIRM;
  if (str_has_prefix(kind, STR_LIT("refund"))) return MSG_EV_APPROVE_REFUND;
  if (str_has_prefix(kind, STR_LIT("payout"))) return MSG_PAYOUTS;
  return MSG_KIND;
}

static void statement_line(void *user, const struct statement_line *l) {
  struct statement_writer *w = user;
  struct page *page = &w->d->page;
  enum currency c = CURRENCY_DEFAULT;
  currency_from_code(l->currency, &c);
  if (w->csv) {
    char amount[MONEY_DECIMAL_BYTES] = "";
    size_t len;
    money_format(l->amount_minor, c, amount, sizeof amount, &len);
    buf_printf(w->csv, "%s,%.*s,%.*s,%.*s,%s,%lld\r\n", web_time(page->req, l->at_ms), STR_FMT(l->kind),
               STR_FMT(l->account), STR_FMT(l->currency), amount, (long long)l->order_id);
    return;
  }
  if (w->count++ >= DASH_STATEMENT_SHOWN_MAX) return;
  html_raw(page->out, "<tr><td>%s</td><td>%s <span class=\"muted\">%.*s</span></td><td>",
           web_time(page->req, l->at_ms), page_t(page, posting_label(l->kind)), STR_FMT(l->account));
  if (l->order_id)
    html_raw(page->out, "<a href=\"/M/orders/%lld\">#%lld</a>", (long long)l->order_id,
             (long long)l->order_id);
  html_raw(page->out, "</td><td class=\"num\">%s</td></tr>", web_money(page->req, l->amount_minor, c));
}

static void render_balances(struct dash *d) {
  struct page *page = &d->page;
  struct dash_balance balances[DASH_CURRENCIES_MAX];
  size_t n = 0;
  dash_balances(d, balances, &n);
  buf_append_cstr(page->out, "<div class=\"tiles\">");
  for (size_t i = 0; i < n; i++) {
    enum currency c = CURRENCY_DEFAULT;
    currency_from_code(str_from_cstr(balances[i].currency), &c);
    html_raw(
        page->out,
        "<div class=\"card\"><p class=\"muted\">%s · %s</p><p class=\"figure\" "
        "data-available=\"%s\">%s</p></div>"
        "<div class=\"card\"><p class=\"muted\">%s</p><p class=\"figure\" data-escrow=\"%s\">%s</p></div>"
        "<div class=\"card\"><p class=\"muted\">%s</p><p class=\"figure\">%s</p></div>",
        page_t(page, MSG_BALANCE_AVAILABLE), balances[i].currency, balances[i].currency,
        web_money(page->req, balances[i].available_minor, c), page_t(page, MSG_ESCROW_HELD),
        balances[i].currency, web_money(page->req, balances[i].escrow_minor, c),
        page_t(page, MSG_BALANCE_PAYOUTS), web_money(page->req, balances[i].payouts_minor, c));
  }
  buf_append_cstr(page->out, "</div>");
}

static void render_payouts(struct dash *d) {
  struct page *page = &d->page;
  struct request *req = page->req;
  struct buf *out = page->out;
  html_raw(out, "<section class=\"card\"><h2>%s</h2><form method=\"post\" action=\"/M/payouts\">",
           page_t(page, MSG_PAYOUTS));
  dash_csrf_field(d);
  html_raw(out, "<button class=\"btn small\">%s</button></form>", page_t(page, MSG_REQUEST_PAYOUT));
  struct channel_call_row *rows = arena_alloc(&req->arena, sizeof *rows * DASH_PAYOUTS_SHOWN_MAX);
  size_t count = 0;
  if (rows)
    store_calls_list(req->db, &req->arena, CALL_PAYOUT, d->merchant.id, DASH_PAYOUTS_SHOWN_MAX, rows, &count);
  if (!count)
    html_raw(out, "<p class=\"muted\">%s</p>", page_t(page, MSG_NOTHING_YET));
  else {
    html_raw(
        out,
        "<div class=\"table-wrap\"><table><thead><tr><th>%s</th><th>%s</th><th class=\"num\">%s</th></tr>"
        "</thead><tbody>",
        page_t(page, MSG_DATE), page_t(page, MSG_STATUS), page_t(page, MSG_AMOUNT));
    for (size_t i = count; i > 0; i--)
      html_raw(out, "<tr><td>%s</td><td>%s</td><td class=\"num\">%s</td></tr>",
               web_time(req, rows[i - 1].created_at_ms), channel_call_status_name(rows[i - 1].status),
               web_money(req, rows[i - 1].amount_minor, rows[i - 1].currency));
    buf_append_cstr(out, "</tbody></table></div>");
  }
  buf_append_cstr(out, "</section>");
}

static void render_money(struct dash *d, const char *problem, int status) {
  struct page *page = &d->page;
  struct request *req = page->req;
  struct buf *out = page->out;
  dash_page_begin(d, page_t(page, MSG_NAV_MONEY), DASH_MONEY);
  if (problem) html_raw(out, "<p class=\"banner error\" role=\"alert\">%s</p>", problem);
  render_balances(d);
  render_payouts(d);
  html_raw(out,
           "<section class=\"card\"><h2>%s</h2><p><a class=\"btn ghost small\" "
           "href=\"/M/money/statement.csv\">%s</a></p>"
           "<div class=\"table-wrap\"><table><thead><tr><th>%s</th><th>%s</th><th>%s</th><th "
           "class=\"num\">%s</th></tr>"
           "</thead><tbody>",
           page_t(page, MSG_STATEMENT), page_t(page, MSG_DOWNLOAD_CSV), page_t(page, MSG_DATE),
           page_t(page, MSG_KIND), page_t(page, MSG_ORDER), page_t(page, MSG_AMOUNT));
  struct statement_writer w = {.d = d};
  store_ledger_statement(req->db, d->merchant.id, req->now_ms - DASH_SPAN_MS, req->now_ms + 1, statement_line,
                         &w);
  if (!w.count)
    html_raw(out, "<tr><td colspan=\"4\" class=\"muted\">%s</td></tr>", page_t(page, MSG_NOTHING_YET));
  buf_append_cstr(out, "</tbody></table></div></section>");
  dash_page_end(d, status);
}

void web_dash_money(struct request *req, struct response *res) {
  struct dash d;
  if (!dash_begin(req, res, &d)) return;
  render_money(&d, NULL, 200);
}

void web_dash_statement_csv(struct request *req, struct response *res) {
  struct dash d;
  if (!dash_begin(req, res, &d)) return;
  res->body.len = 0;
  buf_append_cstr(&res->body, "time,kind,account,currency,amount,order_id\r\n");
  struct statement_writer w = {.d = &d, .csv = &res->body};
  int rc = store_ledger_statement(req->db, d.merchant.id, req->now_ms - DASH_SPAN_MS, req->now_ms + 1,
                                  statement_line, &w);
  if (rc != HT_OK) return response_status_error(req, res, rc, "statement");
  res->status = 200;
  res->content_type = "text/csv; charset=utf-8";
  response_header(req, res, "Content-Disposition", "attachment; filename=\"statement.csv\"");
}

void web_dash_payout(struct request *req, struct response *res) {
  struct dash d;
  if (!dash_begin(req, res, &d)) return;
  struct pay_ctx ctx = {.app = req->app, .arena = &req->arena, .db = req->db, .now_ms = req->now_ms};
  struct channel_call_row payout;
  int rc = payouts_request(&ctx, req->db, d.merchant.id, CURRENCY_DEFAULT, 0, &payout);
  if (rc == HT_ERANGE) return render_money(&d, page_t(&d.page, MSG_ERR_PAYOUT), 422);
  if (rc != HT_OK) return response_status_error(req, res, rc, "payout");
  web_see_other(req, res, "/M/money");
}

/* ---- statistics ---- */

/* The chart's series, in the order of the sources. */
static const char *const sources[CHART_SERIES_MAX] = {"link", "qr", "token", "handoff"};

struct stats_reader {
  struct request *req;
  enum lang lang;
  enum click_grouping grouping;
  struct chart_tally *tally;
};

static void add_group(void *user, struct str key, struct str source, int64_t count) {
  struct stats_reader *r = user;
  size_t series = 0;
  while (series < CHART_SERIES_MAX && !str_eq(source, str_from_cstr(sources[series]))) series++;
  if (series == CHART_SERIES_MAX) return;
  const char *label;
  if (r->grouping == CLICKS_BY_CLIENT) {
    enum client_class cls = CLIENT_UNKNOWN;
    client_class_parse(key, &cls);
    label = i18n_client_name(r->lang, cls);
  } else {
    label = key.len ? arena_strdup_str(&r->req->arena, key) : i18n_text(r->lang, MSG_NO_CHANNEL);
  }
  if (label) chart_tally_add(r->tally, str_from_cstr(label), series, count);
}

static int draw_chart(struct dash *d, struct str code, enum click_grouping grouping, enum msg title) {
  struct page *page = &d->page;
  struct request *req = page->req;
  struct chart_tally *tally = arena_alloc(&req->arena, sizeof *tally);
  struct chart *chart = arena_alloc(&req->arena, sizeof *chart);
  if (!tally || !chart) return HT_ENOMEM;
  struct stats_reader r = {.req = req, .lang = page->lang, .grouping = grouping, .tally = tally};
  int rc = store_clicks_breakdown(req->db, d->merchant.id, code, grouping, req->now_ms - DASH_SPAN_MS,
                                  req->now_ms + 1, add_group, &r);
  if (rc != HT_OK) return rc;
  chart->title = str_from_cstr(page_t(page, title));
  chart->series_count = CHART_SERIES_MAX;
  chart->series[0] = str_from_cstr(page_t(page, MSG_SOURCE_LINK));
  chart->series[1] = str_from_cstr(page_t(page, MSG_SOURCE_QR));
  chart->series[2] = str_from_cstr(page_t(page, MSG_SOURCE_TOKEN));
  chart->series[3] = str_from_cstr(page_t(page, MSG_SOURCE_HANDOFF));
  chart->empty_text = str_from_cstr(page_t(page, MSG_STATS_EMPTY));
  chart_from_tally(chart, tally, str_from_cstr(page_t(page, MSG_OTHER)));
  html_raw(page->out, "<section class=\"card\" data-chart=\"%s\"><h2>%s</h2>",
           grouping == CLICKS_BY_CLIENT ? "client" : "channel", page_t(page, title));
  rc = chart_svg(chart, page->out);
  buf_append_cstr(page->out, "</section>");
  return rc;
}

void web_dash_stats(struct request *req, struct response *res) {
  struct dash d;
  if (!dash_begin(req, res, &d)) return;
  struct page *page = &d.page;
  struct product *items = arena_alloc(&req->arena, sizeof *items * DASH_STATS_PRODUCTS_MAX);
  size_t count = 0;
  int rc = items ? store_product_list(req->db, &req->arena, d.merchant.id, PRODUCTS_ALL, 0,
                                      DASH_STATS_PRODUCTS_MAX, items, &count)
                 : HT_ENOMEM;
  if (rc != HT_OK) return response_status_error(req, res, rc, "products");
  struct str chosen = request_query(req, "code"), code = STR_LIT("");
  for (size_t i = 0; chosen.data && i < count; i++)
    if (str_eq(chosen, str_from_cstr(items[i].code))) code = chosen;
  if (req->app->clicks) click_queue_sync(req->app->clicks); /* the merchant's own opens, up to now */
  dash_page_begin(&d, page_t(page, MSG_NAV_STATS), DASH_STATS);
  html_raw(page->out,
           "<form method=\"get\" action=\"/M/stats\" class=\"row\"><select name=\"code\"><option "
           "value=\"\">%s</option>",
           page_t(page, MSG_ALL_PRODUCTS));
  for (size_t i = 0; i < count; i++) {
    html_raw(page->out, "<option value=\"%s\"%s>", items[i].code,
             str_eq(code, str_from_cstr(items[i].code)) ? " selected" : "");
    html_text(page->out, items[i].title);
    buf_append_cstr(page->out, "</option>");
  }
  html_raw(page->out, "</select><button class=\"btn ghost small\">%s</button></form>",
           page_t(page, MSG_SHOW));
  rc = draw_chart(&d, code, CLICKS_BY_CLIENT, MSG_STATS_BY_CLIENT);
  if (rc == HT_OK) rc = draw_chart(&d, code, CLICKS_BY_CHANNEL, MSG_STATS_BY_CHANNEL);
  if (rc != HT_OK) return response_status_error(req, res, rc, "stats");
  dash_page_end(&d, 200);
}
