/*
 * orders.h — placing orders and moving them through the escrow state machine.
 *
 * Each function runs inside the caller's write transaction and performs, in it, every effect
 * the core decided: the order row (with its version check), the ledger postings, the stock,
 * the refund call to make, the timeline. Either all of it commits or none of it does.
 */
#ifndef HUTONG_PAY_ORDERS_H
#define HUTONG_PAY_ORDERS_H

#include "core/escrow.h"
#include "pay/channel.h"
#include "store/orders.h"

struct order_item {
  struct str product_code;
  int64_t quantity;
};

struct order_request {
  struct order_item items[ORDER_LINES_MAX];
  size_t item_count;
  struct str buyer_name, buyer_phone, buyer_email, shipping_address, note; /* data NULL when absent */
  struct str source_code, channel;
  const char *client_class;
};

/* Why an order could not be placed, for a 4xx naming the field. */
struct order_problem {
  int status;       /* 400, 404 or 409 */
  const char *code; /* "not_found", "out_of_stock", "currency_mismatch", ... */
  char field[64];   /* "items[2].quantity" */
  char message[160];
};

/* Places an order: checks every item, reserves stock atomically (never oversold), opens the
 * escrow order with the app's policy, and writes it. HT_EINVAL with `problem` filled for the
 * buyer's mistakes; other errors are storage failures. */
int orders_place(struct pay_ctx *ctx, struct db *db, const struct order_request *request,
                 struct order_row *row, struct order_problem *problem);

/* What a buyer asks to pay a shop through its static pay code: an amount, no product. */
struct amount_order_request {
  int64_t merchant_id;
  int64_t amount_minor;
  enum currency currency;
  struct str note;        /* the buyer's note to the shop, data NULL when none */
  struct str source_code; /* the store code that was scanned */
  const char *client_class;
};

/* Places an order for an amount without any product: no lines, no stock, delivery
 * "virtual" (the merchant marks it delivered; escrow and its timers work as for any order),
 * no buyer contact (the wallet knows the payer). HT_EINVAL for an amount outside
 * 1..AMOUNT_MINOR_MAX; storage errors otherwise. Runs in the caller's write transaction. */
int orders_place_amount(struct pay_ctx *ctx, struct db *db, const struct amount_order_request *request,
                        struct order_row *row);

/* Applies `event` to order `order_id` with every effect. `*after` receives the order as it now
 * is. HT_ECONFLICT when the event is not allowed in the current state (after->state names it);
 * `*applied` is false when it was a duplicate or stale event with nothing to do. `detail` goes
 * into the timeline (may be empty). */
int orders_apply(struct pay_ctx *ctx, struct db *db, int64_t order_id, const struct escrow_event *event,
                 struct str detail, struct escrow_order *after, bool *applied);

#endif
