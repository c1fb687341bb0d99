/* orders.c — placing orders and applying escrow events with their effects (see orders.h).
 *
 * An order holds up to ORDER_LINES_MAX lines of one merchant in one currency. The escrow core
 * sees it as one bundle: quantity 1, the total as its price; its stock effects (reserve,
 * release) apply to every line. */
#include "pay/orders.h"

#include <stdio.h>
#include <string.h>

#include "app.h"
#include "core/status.h"
#include "store/ledger.h"
#include "store/products.h"

static int problem(struct order_problem *p, int status, const char *code, const char *field,
                   const char *message) {
  p->status = status;
  p->code = code;
  snprintf(p->field, sizeof p->field, "%s", field);
  snprintf(p->message, sizeof p->message, "%s", message);
  return HT_EINVAL;
}

/* The slowest delivery among the lines decides the order's auto-confirm clock. */
static enum delivery_kind slower(enum delivery_kind a, enum delivery_kind b) {
  if (a == DELIVERY_PHYSICAL || b == DELIVERY_PHYSICAL) return DELIVERY_PHYSICAL;
  if (a == DELIVERY_VIRTUAL || b == DELIVERY_VIRTUAL) return DELIVERY_VIRTUAL;
  return DELIVERY_AUTO;
}

/* Loads item `i`'s product and checks it belongs with the others; fills its line. */
static int load_item(struct pay_ctx *ctx, struct db *db, const struct order_item *item, size_t i,
                     struct order_line *line, struct escrow_order_params *bundle, struct order_problem *p) {
  char field[64], code[CODE_LEN_MAX + 1];
  size_t len = 0;
  struct product prod;
  snprintf(field, sizeof field, "items[%zu].product_code", i);
  int rc = code_normalize(item->product_code, code, sizeof code, &len) == HT_OK && len == CODE_PUBLIC_LEN
               ? store_product_by_code(db, ctx->arena, str_from_cstr(code), &prod)
               : HT_ENOTFOUND;
  if (rc == HT_ENOTFOUND || (rc == HT_OK && !str_eq(prod.status, STR_LIT("active"))))
    return problem(p, 404, "not_found", field, "no such product for sale");
  if (rc != HT_OK) return rc;
  enum currency currency;
  enum delivery_kind delivery;
  if (currency_from_code(prod.currency, &currency) != HT_OK ||
      delivery_kind_from_name(prod.delivery, &delivery) != HT_OK)
    return HT_EIO;
  if (i == 0) {
    bundle->merchant_id = (uint64_t)prod.merchant_id;
    bundle->currency = currency;
    bundle->delivery = delivery;
  } else if ((uint64_t)prod.merchant_id != bundle->merchant_id) {
    return problem(p, 400, "merchant_mismatch", field, "all items of an order must come from one shop");
  } else if (currency != bundle->currency) {
    return problem(p, 400, "currency_mismatch", field,
                   "all items of an order must be priced in one currency");
  }
  bundle->delivery = slower(bundle->delivery, delivery);
  *line = (struct order_line){.product_id = prod.id,
                              .title = prod.title,
                              .quantity = item->quantity,
                              .unit_price_minor = prod.price_minor};
  return HT_OK;
}

/* Adds up the lines and reserves their stock (conditional updates: never oversold). */
static int reserve_lines(struct db *db, const struct order_line *lines, size_t n, int64_t *total,
                         struct order_problem *p) {
  *total = 0;
  for (size_t i = 0; i < n; i++) {
    int64_t amount;
    if (money_mul(lines[i].unit_price_minor, lines[i].quantity, &amount) != HT_OK ||
        money_add(*total, amount, total) != HT_OK || *total > AMOUNT_MINOR_MAX)
      return problem(p, 400, "out_of_range", "items", "the order total is too large");
    int rc = store_stock_reserve(db, lines[i].product_id, lines[i].quantity);
    if (rc == HT_ECONFLICT) {
      char field[64];
      snprintf(field, sizeof field, "items[%zu].quantity", i);
      return problem(p, 409, "out_of_stock", field, "not enough stock for this quantity");
    }
    if (rc != HT_OK) return rc;
  }
  return HT_OK;
}

int orders_place(struct pay_ctx *ctx, struct db *db, const struct order_request *request,
                 struct order_row *row, struct order_problem *p) {
  struct order_line lines[ORDER_LINES_MAX];
  /* The id is known only once the row is stored; the core checks just that it is set. */
  struct escrow_order_params bundle = {.order_id = UINT64_MAX, .quantity = 1, .stock_available = 1};
  for (size_t i = 0; i < request->item_count; i++) {
    int rc = load_item(ctx, db, &request->items[i], i, &lines[i], &bundle, p);
    if (rc != HT_OK) return rc;
  }
  if (bundle.delivery == DELIVERY_PHYSICAL &&
      (!request->shipping_address.data || !request->shipping_address.len))
    return problem(p, 400, "missing_field", "shipping_address",
                   "a shipping address is needed for physical goods");
  int rc = reserve_lines(db, lines, request->item_count, &bundle.unit_price_minor, p);
  if (rc != HT_OK) return rc;
  struct escrow_effects fx;
  memset(row, 0, sizeof *row);
  rc = escrow_order_open(&bundle, ctx->now_ms, &ctx->app->escrow, &row->escrow, &fx);
  if (rc != HT_OK) return problem(p, 400, "invalid_value", "items", "the order cannot be opened");
  row->buyer_name = request->buyer_name;
  row->buyer_phone = request->buyer_phone;
  row->buyer_email = request->buyer_email;
  row->shipping_address = request->shipping_address;
  row->note = request->note;
  row->source_code = request->source_code;
  row->channel = request->channel;
  row->client_class = str_from_cstr(request->client_class);
  row->created_at_ms = row->updated_at_ms = ctx->now_ms;
  rc = store_order_insert(db, row, lines, request->item_count);
  if (rc == HT_OK)
    rc = store_order_event(db, (int64_t)row->escrow.order_id, "placed", escrow_state_name(row->escrow.state),
                           row->escrow.total_minor, (struct str){0}, ctx->now_ms);
  return rc;
}

int orders_place_amount(struct pay_ctx *ctx, struct db *db, const struct amount_order_request *request,
                        struct order_row *row) {
  if (!money_amount_valid(request->amount_minor)) return HT_EINVAL;
  struct escrow_order_params params = {.order_id = UINT64_MAX, /* set once stored */
                                       .merchant_id = (uint64_t)request->merchant_id,
                                       .currency = request->currency,
                                       .delivery = DELIVERY_VIRTUAL,
                                       .unit_price_minor = request->amount_minor,
                                       .quantity = 1,
                                       .stock_available = 1};
  struct escrow_effects fx;
  memset(row, 0, sizeof *row);
  int rc = escrow_order_open(&params, ctx->now_ms, &ctx->app->escrow, &row->escrow, &fx);
  if (rc != HT_OK) return HT_EINVAL;
  row->buyer_name = STR_LIT("");
  row->buyer_phone = STR_LIT("");
  row->note = request->note;
  row->source_code = request->source_code;
  row->channel = STR_LIT("pay_code");
  row->client_class = str_from_cstr(request->client_class);
  row->created_at_ms = row->updated_at_ms = ctx->now_ms;
  rc = store_order_insert(db, row, NULL, 0);
  if (rc == HT_OK)
    rc = store_order_event(db, (int64_t)row->escrow.order_id, "placed", escrow_state_name(row->escrow.state),
                           row->escrow.total_minor, STR_LIT("pay code"), ctx->now_ms);
  return rc;
}

/* For a payment arriving after the unpaid close: can every line be reserved again? */
static int stock_for_bundle(struct pay_ctx *ctx, struct db *db, int64_t order_id, int64_t *available) {
  struct order_line lines[ORDER_LINES_MAX];
  size_t n = 0;
  int rc = store_order_lines(db, ctx->arena, order_id, lines, &n);
  *available = 1;
  for (size_t i = 0; i < n && rc == HT_OK; i++) {
    int64_t stock = 0;
    rc = store_stock_read(db, lines[i].product_id, &stock);
    if (rc == HT_OK && stock < lines[i].quantity) *available = 0;
  }
  return rc;
}

static int apply_stock(struct pay_ctx *ctx, struct db *db, int64_t order_id,
                       enum escrow_stock_change change) {
  if (change == ESCROW_STOCK_KEEP) return HT_OK;
  struct order_line lines[ORDER_LINES_MAX];
  size_t n = 0;
  int rc = store_order_lines(db, ctx->arena, order_id, lines, &n);
  for (size_t i = 0; i < n && rc == HT_OK; i++)
    rc = change == ESCROW_STOCK_RESERVE ? store_stock_reserve(db, lines[i].product_id, lines[i].quantity)
                                        : store_stock_release(db, lines[i].product_id, lines[i].quantity);
  return rc;
}

static int request_refund_call(struct pay_ctx *ctx, struct db *db, const struct escrow_order *order,
                               const struct escrow_refund_call *call) {
  struct channel_call_row refund = {.kind = CALL_REFUND,
                                    .order_id = (int64_t)order->order_id,
                                    .payment_id = (int64_t)call->payment_id,
                                    .channel_id = (int64_t)call->channel_id,
                                    .amount_minor = call->amount_minor,
                                    .currency = order->currency,
                                    .status = CHANNEL_CALL_PENDING,
                                    .created_at_ms = ctx->now_ms};
  return store_call_insert(db, &refund);
}

static int perform_effects(struct pay_ctx *ctx, struct db *db, const struct escrow_order *next,
                           const struct escrow_effects *fx, const char *event_name) {
  int64_t order_id = (int64_t)next->order_id;
  int rc = HT_OK;
  for (size_t i = 0; i < fx->posting_count && rc == HT_OK; i++)
    rc = store_ledger_post(db, &fx->postings[i], order_id, (int64_t)next->merchant_id,
                           str_from_cstr(event_name), ctx->now_ms);
  if (rc == HT_OK) rc = apply_stock(ctx, db, order_id, fx->stock);
  if (rc == HT_OK && fx->refund_call_needed) rc = request_refund_call(ctx, db, next, &fx->refund_call);
  return rc;
}

int orders_apply(struct pay_ctx *ctx, struct db *db, int64_t order_id, const struct escrow_event *event,
                 struct str detail, struct escrow_order *after, bool *applied) {
  struct escrow_order current;
  *applied = false;
  int rc = store_order_lock(db, order_id, &current);
  if (rc != HT_OK) return rc;
  struct escrow_event ev = *event;
  if (ev.kind == ESCROW_EV_PAY_SUCCEEDED && current.state == ESCROW_CLOSED) {
    rc = stock_for_bundle(ctx, db, order_id, &ev.stock_available);
    if (rc != HT_OK) return rc;
  }
  struct escrow_effects fx;
  *after = current;
  rc = escrow_apply(&current, &ev, ctx->now_ms, &ctx->app->escrow, after, &fx);
  if (rc == HT_ECONFLICT) {
    *after = current;
    return rc;
  }
  if (rc != HT_OK) return rc;
  if (fx.outcome == ESCROW_NOTHING_TO_DO) {
    *after = current;
    return HT_OK;
  }
  const char *name = escrow_event_name(ev.kind);
  rc = store_order_save_escrow(db, after, current.version, ctx->now_ms);
  if (rc == HT_OK) rc = perform_effects(ctx, db, after, &fx, name);
  if (rc == HT_OK && ev.kind == ESCROW_EV_SHIP)
    rc = store_order_set_shipping(db, order_id, ev.carrier, ev.tracking_number, ctx->now_ms);
  if (rc == HT_OK)
    rc = store_order_event(db, order_id, name, escrow_state_name(after->state), ev.amount_minor, detail,
                           ctx->now_ms);
  *applied = rc == HT_OK;
  return rc;
}
