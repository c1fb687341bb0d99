/* orders.c — order rows, lines, timeline and stock (see orders.h).
 *
 * An order may hold several lines; the escrow core sees it as one bundle (quantity 1, the
 * total as its price), and a stock effect of the core applies to every line. */
#include "store/orders.h"

#include <string.h>

#include "core/status.h"
#include "platform/random.h"
#include "store/codes.h"

#define ORDER_COLUMNS                                                                                        \
  "id, token, merchant_id, currency, delivery, total_minor, fee_bps, state, version, shipped, payment_id,"   \
  " channel_id, paid_minor, refunded_minor, released_minor, fee_minor, refund_requested_minor, deadline_ms," \
  " clock_remaining_ms, buyer_name, buyer_phone, buyer_email, shipping_address, note, carrier,"              \
  " tracking_number, source_code, channel, client_class, created_at_ms, updated_at_ms"
#define ESCROW_COLUMNS                                                                                       \
  "id, merchant_id, currency, delivery, total_minor, fee_bps, state, version, shipped, payment_id,"          \
  " channel_id, paid_minor, refunded_minor, released_minor, fee_minor, refund_requested_minor, deadline_ms," \
  " clock_remaining_ms"

DB_SQL(SQL_ORDER_INSERT,
       "INSERT INTO orders (token, merchant_id, currency, delivery, total_minor, fee_bps, state, version,"
       " deadline_ms, buyer_name, buyer_phone, buyer_email, shipping_address, note, source_code, channel,"
       " client_class, created_at_ms, updated_at_ms)"
       " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $18)"
       " ON CONFLICT DO NOTHING RETURNING id");
DB_SQL(SQL_LINE_INSERT,
       "INSERT INTO order_lines (order_id, line, product_id, title, quantity, unit_price_minor)"
       " VALUES ($1, $2, $3, $4, $5, $6)");
DB_SQL(SQL_ORDER_BY_ID,
       "SELECT " ORDER_COLUMNS " FROM orders WHERE id = $1 AND ($2 = 0 OR merchant_id = $2)");
DB_SQL(SQL_ORDER_BY_TOKEN, "SELECT " ORDER_COLUMNS " FROM orders WHERE token = $1");
DB_SQL(SQL_ORDER_LOCK, "SELECT " ESCROW_COLUMNS " FROM orders WHERE id = $1 FOR UPDATE");
DB_SQL(SQL_ORDER_SAVE, "UPDATE orders SET state = $2, version = $3, shipped = $4, payment_id = $5, "
                       "channel_id = $6, paid_minor = $7,"
                       " refunded_minor = $8, released_minor = $9, fee_minor = $10, refund_requested_minor = "
                       "$11, deadline_ms = $12,"
                       " clock_remaining_ms = $13, updated_at_ms = $14 WHERE id = $1 AND version = $15");
DB_SQL(SQL_ORDER_SHIPPING,
       "UPDATE orders SET carrier = $2, tracking_number = $3, updated_at_ms = $4 WHERE id = $1");
DB_SQL(SQL_ORDER_LINES,
       "SELECT product_id, title, quantity, unit_price_minor FROM order_lines WHERE order_id = $1"
       " ORDER BY line");
DB_SQL(SQL_EVENT_INSERT, "INSERT INTO order_events (order_id, event, state, amount_minor, detail, at_ms)"
                         " VALUES ($1, $2, $3, $4, $5, $6)");
DB_SQL(SQL_EVENTS,
       "SELECT event, state, amount_minor, detail, at_ms FROM order_events WHERE order_id = $1 ORDER BY id");
DB_SQL(SQL_ORDER_LIST, "SELECT " ORDER_COLUMNS " FROM orders WHERE merchant_id = $1 AND id < $2"
                       " AND ($3 = '' OR state = $3) ORDER BY id DESC LIMIT $4");
DB_SQL(SQL_ORDERS_DUE,
       "SELECT id FROM orders WHERE deadline_ms > 0 AND deadline_ms <= $1 ORDER BY deadline_ms LIMIT $2");
DB_SQL(SQL_STOCK_RESERVE, "UPDATE products SET stock = stock - $2 WHERE id = $1 AND stock >= $2");
DB_SQL(SQL_STOCK_RELEASE, "UPDATE products SET stock = stock + $2 WHERE id = $1");
DB_SQL(SQL_STOCK_READ, "SELECT stock FROM products WHERE id = $1 FOR UPDATE");

static int copy_view(struct arena *arena, const struct db_rows *rows, int column, struct str *out) {
  if (db_is_null(rows, column)) {
    *out = (struct str){0};
    return HT_OK;
  }
  struct str in = db_text(rows, column);
  char *copy = arena_strdup_str(arena, in);
  if (!copy) return HT_ENOMEM;
  *out = (struct str){copy, in.len};
  return HT_OK;
}

/* Reads the escrow columns starting at `c` (id first) in ESCROW_COLUMNS order. */
static int read_escrow(const struct db_rows *rows, int c, int skip_after_id, struct escrow_order *e) {
  memset(e, 0, sizeof *e);
  e->order_id = (uint64_t)db_i64(rows, c);
  c += 1 + skip_after_id;
  e->merchant_id = (uint64_t)db_i64(rows, c++);
  if (currency_from_code(db_text(rows, c++), &e->currency) != HT_OK) return HT_EIO;
  if (delivery_kind_from_name(db_text(rows, c++), &e->delivery) != HT_OK) return HT_EIO;
  e->quantity = 1; /* the bundle: see the file comment */
  e->total_minor = db_i64(rows, c++);
  e->fee_bps = (uint32_t)db_i64(rows, c++);
  if (escrow_state_from_name(db_text(rows, c++), &e->state) != HT_OK) return HT_EIO;
  e->version = (uint64_t)db_i64(rows, c++);
  e->shipped = db_i64(rows, c++) != 0;
  e->payment_id = (uint64_t)db_i64(rows, c++);
  e->channel_id = (uint64_t)db_i64(rows, c++);
  e->paid_minor = db_i64(rows, c++);
  e->refunded_minor = db_i64(rows, c++);
  e->released_minor = db_i64(rows, c++);
  e->fee_minor = db_i64(rows, c++);
  e->refund_requested_minor = db_i64(rows, c++);
  e->deadline_ms = db_i64(rows, c++);
  e->clock_remaining_ms = db_i64(rows, c++);
  return HT_OK;
}

static int read_order(const struct db_rows *rows, struct arena *arena, struct order_row *o) {
  int rc = read_escrow(rows, 0, 1, &o->escrow);
  struct str token = db_text(rows, 1);
  size_t len = token.len < CODE_PRIVATE_LEN ? token.len : CODE_PRIVATE_LEN;
  memcpy(o->token, token.data, len);
  o->token[len] = '\0';
  struct str *texts[] = {&o->buyer_name, &o->buyer_phone, &o->buyer_email,     &o->shipping_address,
                         &o->note,       &o->carrier,     &o->tracking_number, &o->source_code,
                         &o->channel,    &o->client_class};
  for (int i = 0; i < 10 && rc == HT_OK; i++) rc = copy_view(arena, rows, 19 + i, texts[i]);
  o->created_at_ms = db_i64(rows, 29);
  o->updated_at_ms = db_i64(rows, 30);
  return rc;
}

int store_order_insert(struct db *db, struct order_row *row, const struct order_line *lines,
                       size_t line_count) {
  const struct escrow_order *e = &row->escrow;
  int64_t id = 0;
  int rc = HT_EBUSY;
  for (int attempt = 0; attempt < CODE_ALLOCATE_ATTEMPTS_MAX && rc == HT_EBUSY; attempt++) {
    uint8_t random[CODE_RANDOM_BYTES(CODE_PRIVATE_LEN)];
    random_bytes(random, sizeof random);
    rc = code_from_random(random, sizeof random, CODE_PRIVATE_LEN, row->token, sizeof row->token);
    if (rc == HT_OK)
      rc = db_query_i64(
          db, &SQL_ORDER_INSERT,
          DB_ARGS(DB_CSTR(row->token), DB_I64(e->merchant_id), DB_CSTR(currency_code(e->currency)),
                  DB_CSTR(delivery_kind_name(e->delivery)), DB_I64(e->total_minor), DB_I64(e->fee_bps),
                  DB_CSTR(escrow_state_name(e->state)), DB_I64(e->version), DB_I64(e->deadline_ms),
                  DB_TEXT(row->buyer_name), DB_TEXT(row->buyer_phone), DB_TEXT_OR_NULL(row->buyer_email),
                  DB_TEXT_OR_NULL(row->shipping_address), DB_TEXT_OR_NULL(row->note),
                  DB_TEXT_OR_NULL(row->source_code), DB_TEXT_OR_NULL(row->channel),
                  DB_TEXT(row->client_class), DB_I64(row->created_at_ms)),
          &id);
    if (rc == HT_ENOTFOUND) rc = HT_EBUSY; /* token collision: try another */
  }
  if (rc != HT_OK) return rc;
  row->escrow.order_id = (uint64_t)id;
  for (size_t i = 0; i < line_count && rc == HT_OK; i++)
    rc = db_exec(db, &SQL_LINE_INSERT,
                 DB_ARGS(DB_I64(id), DB_I64(i + 1), DB_I64(lines[i].product_id), DB_TEXT(lines[i].title),
                         DB_I64(lines[i].quantity), DB_I64(lines[i].unit_price_minor)),
                 NULL);
  return rc;
}

static int get_one(struct db *db, struct arena *arena, const struct db_sql *sql, const struct db_arg *args,
                   size_t nargs, struct order_row *out) {
  struct db_rows rows;
  int rc = db_query(db, sql, args, nargs, &rows);
  if (rc == HT_OK) {
    int step = db_next(&rows);
    rc = step == 1 ? read_order(&rows, arena, out) : step == 0 ? HT_ENOTFOUND : step;
  }
  db_rows_done(&rows);
  return rc;
}

int store_order_get(struct db *db, struct arena *arena, int64_t merchant_id, int64_t id,
                    struct order_row *out) {
  return get_one(db, arena, &SQL_ORDER_BY_ID, DB_ARGS(DB_I64(id), DB_I64(merchant_id)), out);
}

int store_order_by_token(struct db *db, struct arena *arena, struct str token, struct order_row *out) {
  return get_one(db, arena, &SQL_ORDER_BY_TOKEN, DB_ARGS(DB_TEXT(token)), out);
}

int store_order_lock(struct db *db, int64_t id, struct escrow_order *out) {
  struct db_rows rows;
  int rc = db_query(db, &SQL_ORDER_LOCK, DB_ARGS(DB_I64(id)), &rows);
  if (rc == HT_OK) {
    int step = db_next(&rows);
    rc = step == 1 ? read_escrow(&rows, 0, 0, out) : step == 0 ? HT_ENOTFOUND : step;
  }
  db_rows_done(&rows);
  return rc;
}

int store_order_save_escrow(struct db *db, const struct escrow_order *n, uint64_t expected_version,
                            int64_t now_ms) {
  int64_t changed = 0;
  int rc = db_exec(db, &SQL_ORDER_SAVE,
                   DB_ARGS(DB_I64(n->order_id), DB_CSTR(escrow_state_name(n->state)), DB_I64(n->version),
                           DB_I64(n->shipped ? 1 : 0), DB_I64(n->payment_id), DB_I64(n->channel_id),
                           DB_I64(n->paid_minor), DB_I64(n->refunded_minor), DB_I64(n->released_minor),
                           DB_I64(n->fee_minor), DB_I64(n->refund_requested_minor), DB_I64(n->deadline_ms),
                           DB_I64(n->clock_remaining_ms), DB_I64(now_ms), DB_I64(expected_version)),
                   &changed);
  if (rc == HT_OK && changed == 0) rc = HT_ECONFLICT;
  return rc;
}

int store_order_set_shipping(struct db *db, int64_t id, struct str carrier, struct str tracking,
                             int64_t now_ms) {
  return db_exec(db, &SQL_ORDER_SHIPPING,
                 DB_ARGS(DB_I64(id), DB_TEXT_OR_NULL(carrier), DB_TEXT_OR_NULL(tracking), DB_I64(now_ms)),
                 NULL);
}

int store_order_lines(struct db *db, struct arena *arena, int64_t order_id, struct order_line *out,
                      size_t *count) {
  struct db_rows rows;
  *count = 0;
  int rc = db_query(db, &SQL_ORDER_LINES, DB_ARGS(DB_I64(order_id)), &rows);
  int step = 0;
  while (rc == HT_OK && *count < ORDER_LINES_MAX && (step = db_next(&rows)) == 1) {
    struct order_line *l = &out[*count];
    l->product_id = db_i64(&rows, 0);
    l->quantity = db_i64(&rows, 2);
    l->unit_price_minor = db_i64(&rows, 3);
    rc = copy_view(arena, &rows, 1, &l->title);
    if (rc == HT_OK) (*count)++;
  }
  if (rc == HT_OK && step < 0) rc = step;
  db_rows_done(&rows);
  return rc;
}

int store_order_event(struct db *db, int64_t order_id, const char *event, const char *state,
                      int64_t amount_minor, struct str detail, int64_t now_ms) {
  return db_exec(db, &SQL_EVENT_INSERT,
                 DB_ARGS(DB_I64(order_id), DB_CSTR(event), DB_CSTR(state), DB_I64(amount_minor),
                         DB_TEXT_OR_NULL(detail), DB_I64(now_ms)),
                 NULL);
}

int store_order_events(struct db *db, int64_t order_id, void (*each)(void *, const struct order_event_row *),
                       void *user) {
  struct db_rows rows;
  int rc = db_query(db, &SQL_EVENTS, DB_ARGS(DB_I64(order_id)), &rows);
  int step = 0;
  while (rc == HT_OK && (step = db_next(&rows)) == 1) {
    struct order_event_row e = {.event = db_text(&rows, 0),
                                .state = db_text(&rows, 1),
                                .amount_minor = db_i64(&rows, 2),
                                .detail = db_is_null(&rows, 3) ? (struct str){0} : db_text(&rows, 3),
                                .at_ms = db_i64(&rows, 4)};
    each(user, &e);
  }
  if (rc == HT_OK && step < 0) rc = step;
  db_rows_done(&rows);
  return rc;
}

int store_order_list(struct db *db, struct arena *arena, int64_t merchant_id, struct str state,
                     int64_t before_id, size_t limit, struct order_row *out, size_t *count) {
  struct db_rows rows;
  *count = 0;
  int rc = db_query(db, &SQL_ORDER_LIST,
                    DB_ARGS(DB_I64(merchant_id), DB_I64(before_id > 0 ? before_id : INT64_MAX),
                            DB_TEXT(state.data ? state : STR_LIT("")), DB_I64(limit)),
                    &rows);
  int step = 0;
  while (rc == HT_OK && *count < limit && (step = db_next(&rows)) == 1) {
    rc = read_order(&rows, arena, &out[*count]);
    if (rc == HT_OK) (*count)++;
  }
  if (rc == HT_OK && step < 0) rc = step;
  db_rows_done(&rows);
  return rc;
}

int store_orders_due(struct db *db, int64_t now_ms, size_t limit, int64_t *ids, size_t *count) {
  struct db_rows rows;
  *count = 0;
  int rc = db_query(db, &SQL_ORDERS_DUE, DB_ARGS(DB_I64(now_ms), DB_I64(limit)), &rows);
  int step = 0;
  while (rc == HT_OK && *count < limit && (step = db_next(&rows)) == 1) ids[(*count)++] = db_i64(&rows, 0);
  if (rc == HT_OK && step < 0) rc = step;
  db_rows_done(&rows);
  return rc;
}

int store_stock_reserve(struct db *db, int64_t product_id, int64_t quantity) {
  int64_t changed = 0;
  int rc = db_exec(db, &SQL_STOCK_RESERVE, DB_ARGS(DB_I64(product_id), DB_I64(quantity)), &changed);
  if (rc == HT_OK && changed == 0) rc = HT_ECONFLICT;
  return rc;
}

int store_stock_release(struct db *db, int64_t product_id, int64_t quantity) {
  return db_exec(db, &SQL_STOCK_RELEASE, DB_ARGS(DB_I64(product_id), DB_I64(quantity)), NULL);
}

int store_stock_read(struct db *db, int64_t product_id, int64_t *stock) {
  return db_query_i64(db, &SQL_STOCK_READ, DB_ARGS(DB_I64(product_id)), stock);
}
