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

/* Applies `event` to order `order_id` with every effect. `*after` receives the order as it now
 * is. HT_ECONFLICT when the event is not allowed in the current state (after->state names it);
 * `*applied` is false when it was a duplicate or stale event with nothing to do. `detail` goes
 * into the timeline (may be empty). */
int orders_apply(struct pay_ctx *ctx, struct db *db, int64_t order_id, const struct escrow_event *event,
                 struct str detail, struct escrow_order *after, bool *applied);

#endif
