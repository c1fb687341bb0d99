/*
 * orders.h — order rows, their lines and timeline, and the stock they reserve.
 *
 * The escrow state machine (core/escrow.h) decides; these functions only read and write. An
 * order's escrow fields are written with an optimistic version check, so of two racing
 * events on one order (a confirm and a refund on two nodes) exactly one applies; the other
 * sees HT_ECONFLICT, reloads, and is judged again against the new state.
 */
#ifndef HUTONG_STORE_ORDERS_H
#define HUTONG_STORE_ORDERS_H

#include <stddef.h>
#include <stdint.h>

#include "core/arena.h"
#include "core/code.h"
#include "core/escrow.h"
#include "store/db.h"

/* Lines one order may hold. */
#define ORDER_LINES_MAX 20

struct order_line {
  int64_t product_id;
  struct str title;
  int64_t quantity;
  int64_t unit_price_minor;
};

struct order_row {
  struct escrow_order escrow; /* ids, amounts, state, version, timers */
  char token[CODE_PRIVATE_LEN + 1];
  struct str buyer_name, buyer_phone, buyer_email, shipping_address, note; /* data NULL when absent */
  struct str carrier, tracking_number;
  struct str source_code, channel, client_class;
  int64_t created_at_ms;
  int64_t updated_at_ms;
};

/* Inserts `row` (escrow fields as opened, token freshly generated into row->token) and its
 * lines; stores the new id in row->escrow.order_id. */
int store_order_insert(struct db *db, struct order_row *row, const struct order_line *lines,
                       size_t line_count);

/* Reads an order by id (merchant_id > 0 restricts to that merchant) or by its buyer token. */
int store_order_get(struct db *db, struct arena *arena, int64_t merchant_id, int64_t id,
                    struct order_row *out);
int store_order_by_token(struct db *db, struct arena *arena, struct str token, struct order_row *out);

/* Locks the order's row for the rest of the transaction (PostgreSQL; a no-op on SQLite, whose
 * write transaction already excludes other writers) and re-reads its escrow fields. */
int store_order_lock(struct db *db, int64_t id, struct escrow_order *out);

/* Writes the escrow fields of `next` if the stored version is still `expected_version`:
 * HT_ECONFLICT when another event got there first. */
int store_order_save_escrow(struct db *db, const struct escrow_order *next, uint64_t expected_version,
                            int64_t now_ms);

/* Records carrier and tracking number. */
int store_order_set_shipping(struct db *db, int64_t id, struct str carrier, struct str tracking,
                             int64_t now_ms);

/* Reads the lines of an order (at most ORDER_LINES_MAX). */
int store_order_lines(struct db *db, struct arena *arena, int64_t order_id, struct order_line *out,
                      size_t *count);

/* Appends a timeline event. */
int store_order_event(struct db *db, int64_t order_id, const char *event, const char *state,
                      int64_t amount_minor, struct str detail, int64_t now_ms);

struct order_event_row {
  struct str event, state, detail;
  int64_t amount_minor;
  int64_t at_ms;
};

/* Calls `each` for every timeline event of an order, oldest first. */
int store_order_events(struct db *db, int64_t order_id, void (*each)(void *, const struct order_event_row *),
                       void *user);

/* Lists a merchant's orders (state "" for all) with id < before_id (0: newest first). */
int store_order_list(struct db *db, struct arena *arena, int64_t merchant_id, struct str state,
                     int64_t before_id, size_t limit, struct order_row *out, size_t *count);

/* Ids of orders whose timer is due at `now_ms` (at most `limit`). */
int store_orders_due(struct db *db, int64_t now_ms, size_t limit, int64_t *ids, size_t *count);

/* Takes `quantity` from a product's stock if that much is there: HT_ECONFLICT otherwise. */
int store_stock_reserve(struct db *db, int64_t product_id, int64_t quantity);

/* Gives `quantity` back to a product's stock. */
int store_stock_release(struct db *db, int64_t product_id, int64_t quantity);

/* Reads a product's stock under the row lock (FOR UPDATE on PostgreSQL). */
int store_stock_read(struct db *db, int64_t product_id, int64_t *stock);

#endif
