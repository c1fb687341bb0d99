/*
 * api.h — the REST handlers, one group per resource file, registered in src/routes.c.
 *
 * Every handler answers JSON. Merchant-scoped handlers run behind ROUTE_AUTH, so
 * req->merchant_id is set; writes run behind ROUTE_TX, so they see one transaction that
 * commits only when they answer 2xx/3xx.
 */
#ifndef HUTONG_API_API_H
#define HUTONG_API_API_H

#include "http/request.h"

/* products.c */
void api_products_create(struct request *req, struct response *res);
void api_products_list(struct request *req, struct response *res);
void api_products_get(struct request *req, struct response *res);
void api_products_update(struct request *req, struct response *res);
void api_products_archive(struct request *req, struct response *res);

/* links.c */
void api_links_create(struct request *req, struct response *res);
void api_links_list(struct request *req, struct response *res);
void api_links_get(struct request *req, struct response *res);
void api_links_update(struct request *req, struct response *res);
void api_links_stats(struct request *req, struct response *res);

/* share.c */
void api_products_share(struct request *req, struct response *res);
void api_tokens_resolve(struct request *req, struct response *res);
void api_handoffs_create(struct request *req, struct response *res);
void api_handoffs_get(struct request *req, struct response *res);

/* sheets.c */
void api_sheets_pdf(struct request *req, struct response *res);

/* merchant.c */
void api_merchant_get(struct request *req, struct response *res);

#endif
