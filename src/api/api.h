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

/* orders.c */
void api_orders_place(struct request *req, struct response *res);
void api_buyer_order_get(struct request *req, struct response *res);
void api_buyer_pay(struct request *req, struct response *res);
void api_buyer_confirm(struct request *req, struct response *res);
void api_buyer_refund_request(struct request *req, struct response *res);
void api_buyer_refund_withdraw(struct request *req, struct response *res);
void api_buyer_dispute(struct request *req, struct response *res);
void api_orders_list(struct request *req, struct response *res);
void api_orders_get(struct request *req, struct response *res);
void api_orders_ship(struct request *req, struct response *res);
void api_orders_refund(struct request *req, struct response *res);
void api_orders_refuse_refund(struct request *req, struct response *res);
void api_orders_cancel(struct request *req, struct response *res);
void api_orders_dispute(struct request *req, struct response *res);

/* money.c */
void api_balance(struct request *req, struct response *res);
void api_statement(struct request *req, struct response *res);
void api_payouts_create(struct request *req, struct response *res);
void api_payouts_list(struct request *req, struct response *res);

/* notify.c */
void api_notify(struct request *req, struct response *res);

/* test_hooks.c (HUTONG_TEST_HOOKS=1 only) */
void api_test_clock(struct request *req, struct response *res);
void api_test_jobs(struct request *req, struct response *res);
void api_test_jobs_stall(struct request *req, struct response *res);
void api_test_sandbox(struct request *req, struct response *res);

/* guard.c */
/* A batch body: 1,000 URLs of up to 8 KB each, plus JSON punctuation. A client that escapes
 * every character as \uXXXX sends fewer at a time. The request arena (32 MiB) holds the body
 * twice over while it grows, plus the answer; this and the answer's limit keep both inside. */
#define API_GUARD_BODY_BYTES_MAX (1000u * (8192u + 16u) + 4096u)
/* Largest answer to a batch: 4 MiB, about 4 KB a URL for a full batch (a typical URL's answer
 * is 300 to 600 bytes). Long URLs canonicalize to up to three times their length and are
 * echoed, so 1,000 URLs of 8 KB would answer with 32 MB; past this limit the batch is refused
 * with 413 batch_too_large, asking for fewer or shorter URLs. */
#define API_GUARD_ANSWER_BYTES_MAX (4u * 1024u * 1024u)
void api_guard_check(struct request *req, struct response *res);
struct guard_result;
/* Appends one URL's answer (its verdict, or its error when rc is not HT_OK) to `out` as the API
 * writes it, JSON text on one line; also the CLI's --json. HT_ETOOBIG when `out` is full. */
int api_guard_result_write(struct buf *out, struct str url, int rc, const struct guard_result *r);
/* The reasons of a verdict: [{"code", "detail", "severity"}, ...], most severe first. */
json_t *api_guard_reasons_json(const struct guard_result *r);
/* agreements.c */
void api_agreements_sign(struct request *req, struct response *res);
void api_agreements_get(struct request *req, struct response *res);
void api_agreements_revoke(struct request *req, struct response *res);

/* channels.c */
void api_channels_list(struct request *req, struct response *res);
void api_channels_put(struct request *req, struct response *res);
/* sheets.c */
void api_sheets_pdf(struct request *req, struct response *res);

/* merchant.c */
void api_merchant_get(struct request *req, struct response *res);

#endif
