/* wallet.c — the sandbox wallet's own page, /pay/sandbox/{trade_no}: what a buyer sees after
 * choosing "sandbox wallet", standing in for a real wallet's cashier. It shows the amount and
 * asks to approve or decline; the decision is the wallet's (it notifies the shop afterwards,
 * like a real one), and the buyer is sent back to the shop's order page. */
#include <stdio.h>

#include "app.h"
#include "core/form.h"
#include "core/money.h"
#include "core/status.h"
#include "pay/sandbox.h"
#include "web/forms.h"
#include "web/html.h"
#include "web/pages.h"

static bool load_trade(struct request *req, struct response *res, struct sandbox_trade *t) {
  char trade_no[CODE_LEN_MAX + 1];
  size_t len = 0;
  if (code_normalize(request_param(req, 0), trade_no, sizeof trade_no, &len) != HT_OK ||
      len != CODE_PRIVATE_LEN) {
    web_not_found(req, res);
    return false;
  }
  struct db *db = request_db(req, res);
  if (!db) return false;
  int rc = store_sandbox_get(db, &req->arena, str_from_cstr(trade_no), t);
  if (rc == HT_ENOTFOUND)
    web_not_found(req, res);
  else if (rc != HT_OK)
    response_status_error(req, res, rc, "trade");
  return rc == HT_OK;
}

void web_wallet_page(struct request *req, struct response *res) {
  struct sandbox_trade t;
  if (!load_trade(req, res, &t)) return;
  struct page page;
  page_init(&page, req, res);
  struct page_meta meta = {.title = str_from_cstr(page_t(&page, MSG_PAY_SANDBOX)), .noindex = true};
  page_begin(&page, &meta);
  enum currency currency = CURRENCY_DEFAULT;
  currency_from_code(t.currency, &currency);
  char amount[MONEY_DISPLAY_BYTES];
  size_t len;
  if (money_format_display(t.amount_minor, currency, amount, sizeof amount, &len) != HT_OK) amount[0] = '\0';
  struct buf *out = page.out;
  html_raw(out,
           "<header class=\"top\"><span>%s</span><span class=\"demo\">DEMO</span></header>"
           "<main class=\"wrap narrow\"><section class=\"card wallet wallet-card\"><p class=\"brand\">%s</p>",
           page_t(&page, MSG_PAY_SANDBOX), page_t(&page, MSG_PAY_SANDBOX));
  html_raw(out, "<p class=\"muted\">%s</p><p class=\"price\" data-amount>%s</p><p class=\"muted\">",
           page_t(&page, MSG_WALLET_AMOUNT), amount);
  html_text(out, t.subject);
  buf_append_cstr(out, "</p>");
  if (str_eq(t.status, STR_LIT("WAIT"))) {
    html_raw(out,
             "<form method=\"post\" class=\"stack\"><button class=\"btn block\" name=\"decision\" "
             "value=\"approve\">%s</button><button class=\"btn ghost block\" name=\"decision\" "
             "value=\"decline\">%s</button></form>",
             page_t(&page, MSG_WALLET_APPROVE), page_t(&page, MSG_WALLET_DECLINE));
  } else {
    html_raw(out, "<p>%s</p>",
             page_t(&page, str_eq(t.status, STR_LIT("SUCCESS")) ? MSG_WALLET_PAID : MSG_WALLET_CLOSED));
    if (t.return_url.len) {
      buf_append_cstr(out, "<p><a class=\"btn ghost\" href=\"");
      html_url(out, t.return_url);
      html_raw(out, "\">%s</a></p>", page_t(&page, MSG_WALLET_BACK));
    }
  }
  html_raw(out, "<p class=\"demo\">%s</p></section></main>", page_t(&page, MSG_WALLET_NOTE));
  page_end(&page, 200);
}

void web_wallet_decide(struct request *req, struct response *res) {
  struct sandbox_trade t;
  if (!web_same_origin(req)) return web_refuse_cross_site(req, res);
  if (!load_trade(req, res, &t)) return;
  struct form form;
  struct str bad, decision = {0};
  if (form_parse(buf_view(&req->body), &req->arena, &form, &bad) != HT_OK ||
      !form_get(&form, "decision", &decision) ||
      !(str_eq(decision, STR_LIT("approve")) || str_eq(decision, STR_LIT("decline"))))
    return response_error(req, res, 400, "invalid_value", "decision", "decision must be approve or decline");
  struct pay_ctx ctx = {.app = req->app, .arena = &req->arena, .db = req->db, .now_ms = req->now_ms};
  int rc = sandbox_decide(&ctx, req->db, str_from_cstr(t.trade_no), str_eq(decision, STR_LIT("approve")));
  if (rc != HT_OK && rc != HT_ECONFLICT) return response_status_error(req, res, rc, "trade");
  const char *back =
      t.return_url.len ? t.return_url.data : arena_printf(&req->arena, "/pay/sandbox/%s", t.trade_no);
  response_header(req, res, "Location", back);
  response_body(req, res, 303, "text/plain; charset=utf-8", STR_LIT(""));
}
