/*
 * dashboard.h — the merchant dashboard under /M/: sign-in, products, orders, money, stats.
 *
 * Every handler starts with dash_begin(): it finds the session from its cookie, loads the
 * merchant, and for a POST checks the Origin and the form's CSRF token; without a live
 * session a GET is sent to the sign-in page and a POST is refused. From there on every read
 * and write is scoped to d->merchant.id: another merchant's product or order id reads as "not
 * found", exactly as over the API (the same store and pay/ functions do the work).
 */
#ifndef HUTONG_WEB_DASHBOARD_H
#define HUTONG_WEB_DASHBOARD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/form.h"
#include "http/request.h"
#include "store/merchants.h"
#include "store/sessions.h"
#include "web/html.h"

/* The dashboard's sections, for the navigation bar. */
enum dash_section { DASH_OVERVIEW, DASH_PRODUCTS, DASH_ORDERS, DASH_MONEY, DASH_STATS };

struct dash {
  struct page page;
  struct merchant merchant;
  struct merchant_session session;
  struct form form; /* POST only: the parsed body */
};

/* Starts a dashboard handler. GET: false (with a 303 to /M/login written) without a live
 * session. POST: also parses the form and checks Origin and the CSRF token (403 page when
 * they fail). On true, `d` is ready and the page is initialized (not begun). */
bool dash_begin(struct request *req, struct response *res, struct dash *d);

/* Writes the head, the dashboard's top bar and navigation with `section` marked. */
void dash_page_begin(struct dash *d, const char *title, enum dash_section section);

/* Closes the main element and the page with `status`. */
void dash_page_end(struct dash *d, int status);

/* Appends the hidden CSRF field every dashboard form carries. */
void dash_csrf_field(struct dash *d);

/* The "not found" page inside the dashboard (another merchant's id lands here too). */
void dash_not_found(struct dash *d);

/* The order id in path parameter 0, or 0 when it is not a positive number. */
int64_t dash_path_id(struct request *req);

/* A merchant's money in one currency, from the ledger's cached balances. */
#define DASH_CURRENCIES_MAX 8
struct dash_balance {
  char currency[8];
  int64_t available_minor, escrow_minor, payouts_minor;
};

/* Reads the merchant's balances (at most DASH_CURRENCIES_MAX currencies) into `out`; the
 * default currency is always there, even before any money moved. */
int dash_balances(struct dash *d, struct dash_balance out[DASH_CURRENCIES_MAX], size_t *count);

/* Appends the table of `rows` (orders of this merchant) with links to each. */
struct order_row;
void dash_orders_table(struct dash *d, const struct order_row *rows, size_t count);

void web_dash_login_page(struct request *req, struct response *res);
void web_dash_login(struct request *req, struct response *res);
void web_dash_logout(struct request *req, struct response *res);
void web_dash_home(struct request *req, struct response *res);

void web_dash_products(struct request *req, struct response *res);
void web_dash_product_new(struct request *req, struct response *res);
void web_dash_product_create(struct request *req, struct response *res);
void web_dash_product(struct request *req, struct response *res);
void web_dash_product_update(struct request *req, struct response *res);
void web_dash_product_archive(struct request *req, struct response *res);
void web_dash_product_sheet(struct request *req, struct response *res);

void web_dash_orders(struct request *req, struct response *res);
void web_dash_order(struct request *req, struct response *res);
void web_dash_order_ship(struct request *req, struct response *res);
void web_dash_order_refund(struct request *req, struct response *res);
void web_dash_order_refuse(struct request *req, struct response *res);

void web_dash_money(struct request *req, struct response *res);
void web_dash_statement_csv(struct request *req, struct response *res);
void web_dash_payout(struct request *req, struct response *res);
void web_dash_stats(struct request *req, struct response *res);

#endif
