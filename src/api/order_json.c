/* order_json.c — orders as JSON (see order_json.h). */
#include "api/order_json.h"

#include "api/common.h"
#include "core/status.h"
#include "web/urls.h"

/* Payments, refunds and timeline entries shown with an order. */
#define ORDER_CALLS_SHOWN_MAX 50

json_t *api_order_summary_json(struct request *req, const struct order_row *row) {
  (void)req;
  const struct escrow_order *e = &row->escrow;
  json_t *out = json_pack(
      "{s:s, s:I, s:s, s:s, s:s, s:I, s:I, s:I, s:I, s:I, s:I, s:b, s:o, s:o}", "object", "order", "id",
      (json_int_t)e->order_id, "state", escrow_state_name(e->state), "currency", currency_code(e->currency),
      "delivery", delivery_kind_name(e->delivery), "total_minor", (json_int_t)e->total_minor, "paid_minor",
      (json_int_t)e->paid_minor, "refunded_minor", (json_int_t)e->refunded_minor, "released_minor",
      (json_int_t)e->released_minor, "fee_minor", (json_int_t)e->fee_minor, "refund_requested_minor",
      (json_int_t)e->refund_requested_minor, "shipped", e->shipped, "created_at",
      api_time_json(row->created_at_ms), "updated_at", api_time_json(row->updated_at_ms));
  if (!out) return NULL;
  json_object_set_new(out, "escrow_held_minor", json_integer(escrow_order_remaining_minor(e)));
  const char *deadline_name = e->state == ESCROW_PENDING_PAYMENT ? "closes_at" : "auto_confirm_at";
  json_object_set_new(out, deadline_name, api_time_json(e->deadline_ms));
  json_object_set_new(out, "carrier", api_str_json(row->carrier));
  json_object_set_new(out, "tracking_number", api_str_json(row->tracking_number));
  return out;
}

json_t *api_payment_json(struct request *req, const struct channel_call_row *p) {
  (void)req;
  return json_pack("{s:s, s:I, s:o, s:s, s:I, s:s, s:s, s:o, s:o}", "object", "payment", "id",
                   (json_int_t)p->id, "channel", api_str_json(p->channel), "status",
                   channel_call_status_name(p->status), "amount_minor", (json_int_t)p->amount_minor,
                   "currency", currency_code(p->currency), "reference", p->reference, "pay_url",
                   p->pay_url.len ? json_stringn(p->pay_url.data, p->pay_url.len) : json_null(), "created_at",
                   api_time_json(p->created_at_ms));
}

static json_t *refund_json(const struct channel_call_row *r) {
  return json_pack("{s:s, s:I, s:s, s:I, s:s, s:s, s:o}", "object", "refund", "id", (json_int_t)r->id,
                   "status", channel_call_status_name(r->status), "amount_minor", (json_int_t)r->amount_minor,
                   "currency", currency_code(r->currency), "reference", r->reference, "created_at",
                   api_time_json(r->created_at_ms));
}

static void add_event(void *user, const struct order_event_row *e) {
  json_array_append_new(user, json_pack("{s:s%, s:s%, s:I, s:o, s:o}", "event", e->event.data, e->event.len,
                                        "state", e->state.data, e->state.len, "amount_minor",
                                        (json_int_t)e->amount_minor, "detail", api_str_json(e->detail), "at",
                                        api_time_json(e->at_ms)));
}

static int add_details(struct request *req, struct db *db, const struct order_row *row, json_t *out) {
  int64_t id = (int64_t)row->escrow.order_id;
  struct order_line lines[ORDER_LINES_MAX];
  size_t n = 0;
  int rc = store_order_lines(db, &req->arena, id, lines, &n);
  json_t *items = json_array();
  for (size_t i = 0; i < n && rc == HT_OK; i++)
    json_array_append_new(
        items, json_pack("{s:I, s:o, s:I, s:I}", "product_id", (json_int_t)lines[i].product_id, "title",
                         api_str_json(lines[i].title), "quantity", (json_int_t)lines[i].quantity,
                         "unit_price_minor", (json_int_t)lines[i].unit_price_minor));
  json_object_set_new(out, "items", items);
  struct channel_call_row *calls = arena_alloc(&req->arena, sizeof *calls * ORDER_CALLS_SHOWN_MAX);
  json_t *payments = json_array(), *refunds = json_array(), *timeline = json_array();
  if (rc == HT_OK && !calls) rc = HT_ENOMEM;
  if (rc == HT_OK) rc = store_calls_list(db, &req->arena, CALL_PAYMENT, id, ORDER_CALLS_SHOWN_MAX, calls, &n);
  for (size_t i = 0; rc == HT_OK && i < n; i++)
    json_array_append_new(payments, api_payment_json(req, &calls[i]));
  if (rc == HT_OK) rc = store_calls_list(db, &req->arena, CALL_REFUND, id, ORDER_CALLS_SHOWN_MAX, calls, &n);
  for (size_t i = 0; rc == HT_OK && i < n; i++) json_array_append_new(refunds, refund_json(&calls[i]));
  if (rc == HT_OK) rc = store_order_events(db, id, add_event, timeline);
  json_object_set_new(out, "payments", payments);
  json_object_set_new(out, "refunds", refunds);
  json_object_set_new(out, "timeline", timeline);
  return rc;
}

void api_order_respond(struct request *req, struct response *res, int status, int64_t order_id,
                       bool buyer_view) {
  struct db *db = request_db(req, res);
  if (!db) return;
  struct order_row row;
  int rc = store_order_get(db, &req->arena, 0, order_id, &row);
  json_t *out = rc == HT_OK ? api_order_summary_json(req, &row) : NULL;
  if (rc == HT_OK && !out) rc = HT_ENOMEM;
  if (rc == HT_OK) rc = add_details(req, db, &row, out);
  if (rc != HT_OK) {
    json_decref(out);
    return response_status_error(req, res, rc, "order");
  }
  if (buyer_view) {
    json_object_set_new(out, "token", json_string(row.token));
    json_object_set_new(out, "order_url", json_string(url_public(req->app, &req->arena, "/O/", row.token)));
  } else {
    json_t *buyer = json_pack("{s:o, s:o, s:o}", "name", api_str_json(row.buyer_name), "phone",
                              api_str_json(row.buyer_phone), "email", api_str_json(row.buyer_email));
    json_object_set_new(out, "buyer", buyer);
    json_object_set_new(out, "shipping_address", api_str_json(row.shipping_address));
    json_object_set_new(out, "note", api_str_json(row.note));
    json_object_set_new(out, "source",
                        json_pack("{s:o, s:o, s:o}", "code", api_str_json(row.source_code), "channel",
                                  api_str_json(row.channel), "client", api_str_json(row.client_class)));
  }
  response_json(req, res, status, out);
}
