/*
 * shop.h — pieces the buyer pages share: the shop's header with its cart link, the cart
 * cookie, and the buyer handlers that are not landings (checkout, the order page).
 */
#ifndef HUTONG_WEB_SHOP_H
#define HUTONG_WEB_SHOP_H

#include <stdbool.h>

#include "core/escrow.h"
#include "store/merchants.h"
#include "web/cart.h"
#include "web/html.h"

/* The header of a shop's pages: the shop's name (to its store page), the cart with its count
 * when it holds anything, and the site's name. */
void shop_header(struct page *page, const struct merchant *m);

/* Reads the cart cookie; a malformed one reads as an empty cart. */
void shop_cart_read(struct request *req, struct cart *cart);

/* Sets the cart cookie to `cart` (deleting it when the cart is empty). */
void shop_cart_write(struct request *req, struct response *res, const struct cart *cart);

/* True when pages are served over https (cookies then get the Secure attribute). */
bool web_is_https(const struct request *req);

/* POST /cart (add, set, remove), GET /checkout, POST /checkout (buy now, or place the order). */
void web_cart_update(struct request *req, struct response *res);
void web_checkout_page(struct request *req, struct response *res);
void web_checkout_post(struct request *req, struct response *res);

/* The order page: GET /O/{token}, its long-poll GET /O/{token}/wait, and the buyer's actions
 * POST /O/{token}/pay | confirm | refund | withdraw | dispute. */
void web_order_page(struct request *req, struct response *res);
void web_order_wait(struct request *req, struct response *res);
void web_order_pay(struct request *req, struct response *res);
void web_order_confirm(struct request *req, struct response *res);
void web_order_refund(struct request *req, struct response *res);
void web_order_withdraw(struct request *req, struct response *res);
void web_order_dispute(struct request *req, struct response *res);

/* The wallets this client will be offered after ordering, as chips (the product page). */
void shop_pay_options(struct page *page);

/* The words for an order state ("待付款" / "Awaiting payment") and a timeline event name. */
enum msg order_state_msg(enum escrow_state state);
enum msg order_event_msg(struct str event);

/* The long-poll topic of an order ("order:ID"), for http_notify() after it changes. */
#define ORDER_TOPIC_BYTES 32
void order_topic(int64_t order_id, char topic[ORDER_TOPIC_BYTES]);

#endif
