/*
 * order_json.h — how an order looks over the API (and to the order page's script): its
 * state and amounts, lines, payments, refunds and timeline. Private to src/api.
 */
#ifndef HUTONG_API_ORDER_JSON_H
#define HUTONG_API_ORDER_JSON_H

#include <jansson.h>
#include <stdbool.h>

#include "http/request.h"
#include "store/orders.h"
#include "store/payments.h"

/* Reads order `order_id` in full and answers it with `status`. The buyer's view carries the
 * order page URL; the merchant's the buyer's contact and shipping details. */
void api_order_respond(struct request *req, struct response *res, int status, int64_t order_id,
                       bool buyer_view);

/* The order without lines, payments or timeline (listings). */
json_t *api_order_summary_json(struct request *req, const struct order_row *row);

/* A payment attempt. */
json_t *api_payment_json(struct request *req, const struct channel_call_row *payment);

#endif
