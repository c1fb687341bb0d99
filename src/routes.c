/* routes.c — every route hutong serves, with its flags. Order matters only between patterns
 * that could match the same path; the first match wins. */
#include "routes.h"

#include "api/api.h"
#include "http/server.h"
#include "web/assets.h"
#include "web/pages.h"

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
    {HTTP_GET, "/sitemap.xml", web_sitemap, 0, 0},
};

const size_t hutong_route_count = sizeof hutong_routes / sizeof hutong_routes[0];
