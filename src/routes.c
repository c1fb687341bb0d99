/* routes.c — every route hutong serves, with its flags. Order matters only between patterns
 * that could match the same path; the first match wins. */
#include "routes.h"

#include "api/api.h"
#include "http/server.h"
#include "web/assets.h"
#include "web/dashboard.h"
#include "web/pages.h"
#include "web/shop.h"
#include "web/wallet_pay.h"

#define MERCHANT       (ROUTE_AUTH)
#define MERCHANT_WRITE (ROUTE_AUTH | ROUTE_TX)
#define PUBLIC_WRITE   (ROUTE_TX)
#define CODE_ROUTE     (ROUTE_NOCASE)

const struct route hutong_routes[] = {
    {HTTP_GET, "/healthz", http_handle_healthz, 0, 0},
    {HTTP_GET, "/metrics", http_handle_metrics, 0, 0},

    {HTTP_GET, "/v1/merchant", api_merchant_get, MERCHANT, 0},
    {HTTP_POST, "/v1/products", api_products_create, MERCHANT_WRITE, 0},
    {HTTP_GET, "/v1/products", api_products_list, MERCHANT, 0},
    {HTTP_GET, "/v1/products/{id}", api_products_get, MERCHANT, 0},
    {HTTP_PATCH, "/v1/products/{id}", api_products_update, MERCHANT_WRITE, 0},
    {HTTP_DELETE, "/v1/products/{id}", api_products_archive, MERCHANT_WRITE, 0},
    {HTTP_POST, "/v1/products/{id}/archive", api_products_archive, MERCHANT_WRITE, 0},
    {HTTP_POST, "/v1/products/{id}/share", api_products_share, MERCHANT_WRITE, 0},
    {HTTP_POST, "/v1/links", api_links_create, MERCHANT_WRITE, 0},
    {HTTP_GET, "/v1/links", api_links_list, MERCHANT, 0},
    {HTTP_GET, "/v1/links/{code}", api_links_get, MERCHANT, 0},
    {HTTP_PATCH, "/v1/links/{code}", api_links_update, MERCHANT_WRITE, 0},
    {HTTP_GET, "/v1/links/{code}/stats", api_links_stats, MERCHANT, 0},
    {HTTP_POST, "/v1/tokens/resolve", api_tokens_resolve, 0, 0},
    {HTTP_POST, "/v1/handoffs", api_handoffs_create, PUBLIC_WRITE, 0},
    {HTTP_GET, "/v1/handoffs/{id}", api_handoffs_get, 0, 0},
    {HTTP_GET, "/v1/sheets.pdf", api_sheets_pdf, MERCHANT, 0},

    /* The transaction loop: buyers act through the order's token, merchants through the id. */
    {HTTP_POST, "/v1/orders", api_orders_place, PUBLIC_WRITE, 0},
    {HTTP_GET, "/v1/orders", api_orders_list, MERCHANT, 0},
    {HTTP_GET, "/v1/orders/{id}", api_orders_get, MERCHANT, 0},
    {HTTP_POST, "/v1/orders/{id}/ship", api_orders_ship, MERCHANT_WRITE, 0},
    {HTTP_POST, "/v1/orders/{id}/refunds", api_orders_refund, MERCHANT_WRITE, 0},
    {HTTP_POST, "/v1/orders/{id}/refund-request/refuse", api_orders_refuse_refund, MERCHANT_WRITE, 0},
    {HTTP_POST, "/v1/orders/{id}/cancel", api_orders_cancel, MERCHANT_WRITE, 0},
    {HTTP_POST, "/v1/orders/{id}/dispute", api_orders_dispute, MERCHANT_WRITE, 0},
    {HTTP_GET, "/v1/buyer/orders/{token}", api_buyer_order_get, CODE_ROUTE, 0},
    {HTTP_POST, "/v1/buyer/orders/{token}/payments", api_buyer_pay, CODE_ROUTE, 0},
    {HTTP_POST, "/v1/buyer/orders/{token}/confirm", api_buyer_confirm, CODE_ROUTE | ROUTE_TX, 0},
    {HTTP_POST, "/v1/buyer/orders/{token}/refund-request", api_buyer_refund_request, CODE_ROUTE | ROUTE_TX,
     0},
    {HTTP_POST, "/v1/buyer/orders/{token}/refund-request/withdraw", api_buyer_refund_withdraw,
     CODE_ROUTE | ROUTE_TX, 0},
    {HTTP_POST, "/v1/buyer/orders/{token}/dispute", api_buyer_dispute, CODE_ROUTE | ROUTE_TX, 0},
    {HTTP_GET, "/v1/balance", api_balance, MERCHANT, 0},
    {HTTP_GET, "/v1/statement", api_statement, MERCHANT, 0},
    {HTTP_POST, "/v1/payouts", api_payouts_create, MERCHANT_WRITE, 0},
    {HTTP_GET, "/v1/payouts", api_payouts_list, MERCHANT, 0},
    {HTTP_POST, "/v1/buyer/agreements", api_agreements_sign, PUBLIC_WRITE, 0},
    {HTTP_GET, "/v1/buyer/agreements/{token}", api_agreements_get, CODE_ROUTE, 0},
    {HTTP_DELETE, "/v1/buyer/agreements/{token}", api_agreements_revoke, CODE_ROUTE | ROUTE_TX, 0},
    {HTTP_GET, "/v1/channels", api_channels_list, MERCHANT, 0},
    {HTTP_PUT, "/v1/channels/{name}", api_channels_put, MERCHANT_WRITE, 0},
    {HTTP_POST, "/notify/{channel}", api_notify, 0, 0},
    {HTTP_POST, "/v1/guard/check", api_guard_check, MERCHANT, API_GUARD_BODY_BYTES_MAX},
    {HTTP_POST, "/notify/{channel}/{merchant}", api_notify, 0, 0},
    {HTTP_POST, "/_test/clock", api_test_clock, 0, 0},
    {HTTP_POST, "/_test/jobs", api_test_jobs, 0, 0},
    {HTTP_POST, "/_test/jobs/stall", api_test_jobs_stall, 0, 0},
    {HTTP_POST, "/_test/sandbox", api_test_sandbox, 0, 0},

    /* Public pages: short-code routes ignore case (people type and scan them). */
    {HTTP_GET, "/", web_home, 0, 0},
    {HTTP_GET, "/P/{code}", web_product, CODE_ROUTE, 0},
    {HTTP_GET, "/Q/{code}", web_scan, CODE_ROUTE, 0},
    {HTTP_GET, "/S/{code}", web_store, CODE_ROUTE, 0},
    {HTTP_GET, "/R/{code}", web_redirect, CODE_ROUTE, 0},
    {HTTP_GET, "/H/{id}", web_handoff, CODE_ROUTE, 0},
    {HTTP_GET, "/t", web_token_open, 0, 0},
    {HTTP_GET, "/qr/{code}.svg", web_qr_svg, CODE_ROUTE, 0},
    {HTTP_GET, "/qr/{code}.png", web_qr_png, CODE_ROUTE, 0},
    {HTTP_GET, "/static/{name}", web_static, 0, 0},
    {HTTP_GET, "/robots.txt", web_robots, 0, 0},
    {HTTP_GET, "/go", web_go, 0, 0},
    {HTTP_GET, "/pay/sandbox/{trade_no}", web_wallet_page, CODE_ROUTE, 0},
    {HTTP_POST, "/pay/sandbox/{trade_no}", web_wallet_decide, CODE_ROUTE | ROUTE_TX, 0},
    {HTTP_GET, "/pay/{channel}/{reference}", web_wallet_pay_page, CODE_ROUTE, 0},
    {HTTP_GET, "/PAY/{code}", web_pay_code, CODE_ROUTE, 0},
    {HTTP_POST, "/PAY/{code}", web_pay_code_submit, CODE_ROUTE | ROUTE_TX, 0},
    {HTTP_GET, "/qr/PAY/{code}.svg", web_pay_code_qr, CODE_ROUTE, 0},
    {HTTP_GET, "/sitemap.xml", web_sitemap, 0, 0},
    /* Cart, checkout and the buyer's order page (the token in the path is the credential). */
    {HTTP_POST, "/cart", web_cart_update, 0, 0},
    {HTTP_GET, "/checkout", web_checkout_page, 0, 0},
    {HTTP_POST, "/checkout", web_checkout_post, PUBLIC_WRITE, 0},
    {HTTP_GET, "/O/{token}", web_order_page, CODE_ROUTE, 0},
    {HTTP_GET, "/O/{token}/wait", web_order_wait, CODE_ROUTE, 0},
    {HTTP_POST, "/O/{token}/pay", web_order_pay, CODE_ROUTE, 0},
    {HTTP_POST, "/O/{token}/confirm", web_order_confirm, CODE_ROUTE | ROUTE_TX, 0},
    {HTTP_POST, "/O/{token}/refund", web_order_refund, CODE_ROUTE | ROUTE_TX, 0},
    {HTTP_POST, "/O/{token}/withdraw", web_order_withdraw, CODE_ROUTE | ROUTE_TX, 0},
    {HTTP_POST, "/O/{token}/dispute", web_order_dispute, CODE_ROUTE | ROUTE_TX, 0},

    /* The merchant dashboard: a session cookie, a CSRF token in every form (web/session.h). */
    {HTTP_GET, "/M/login", web_dash_login_page, 0, 0},
    {HTTP_POST, "/M/login", web_dash_login, 0, 0},
    {HTTP_POST, "/M/logout", web_dash_logout, 0, 0},
    {HTTP_GET, "/M", web_dash_home, 0, 0},
    {HTTP_GET, "/M/products", web_dash_products, 0, 0},
    {HTTP_POST, "/M/products", web_dash_product_create, ROUTE_TX, 0},
    {HTTP_GET, "/M/products/new", web_dash_product_new, 0, 0},
    {HTTP_GET, "/M/products/{id}", web_dash_product, 0, 0},
    {HTTP_POST, "/M/products/{id}", web_dash_product_update, ROUTE_TX, 0},
    {HTTP_POST, "/M/products/{id}/archive", web_dash_product_archive, ROUTE_TX, 0},
    {HTTP_GET, "/M/products/{id}/sheet.pdf", web_dash_product_sheet, 0, 0},
    {HTTP_GET, "/M/orders", web_dash_orders, 0, 0},
    {HTTP_GET, "/M/orders/{id}", web_dash_order, 0, 0},
    {HTTP_POST, "/M/orders/{id}/ship", web_dash_order_ship, ROUTE_TX, 0},
    {HTTP_POST, "/M/orders/{id}/refund", web_dash_order_refund, ROUTE_TX, 0},
    {HTTP_POST, "/M/orders/{id}/refuse", web_dash_order_refuse, ROUTE_TX, 0},
    {HTTP_GET, "/M/money", web_dash_money, 0, 0},
    {HTTP_GET, "/M/money/statement.csv", web_dash_statement_csv, 0, 0},
    {HTTP_POST, "/M/payouts", web_dash_payout, ROUTE_TX, 0},
    {HTTP_GET, "/M/stats", web_dash_stats, 0, 0},
};

const size_t hutong_route_count = sizeof hutong_routes / sizeof hutong_routes[0];
