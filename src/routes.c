/* routes.c — every route hutong serves, with its flags. Order matters only between patterns
 * that could match the same path; the first match wins. */
#include "routes.h"

#include "api/api.h"
#include "http/server.h"

#define MERCHANT       (ROUTE_AUTH)
#define MERCHANT_WRITE (ROUTE_AUTH | ROUTE_TX)

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
};

const size_t hutong_route_count = sizeof hutong_routes / sizeof hutong_routes[0];
