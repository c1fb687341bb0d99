/* orders.c — the transaction loop over the API.
 *
 * Buyers act on an order through its 80-bit token (the order page's address is the
 * credential); merchants through their API key and the order id:
 *   POST /v1/orders                                   buyer: place an order
 *   GET  /v1/buyer/orders/{token}                     buyer: the order, timeline included
 *   POST /v1/buyer/orders/{token}/payments            buyer: pay through a channel
 *   POST /v1/buyer/orders/{token}/confirm             buyer: confirm receipt
 *   POST /v1/buyer/orders/{token}/refund-request      buyer: ask for money back
 *   POST /v1/buyer/orders/{token}/refund-request/withdraw
 *   POST /v1/buyer/orders/{token}/dispute
 *   GET  /v1/orders, GET /v1/orders/{id}              merchant
 *   POST /v1/orders/{id}/ship | refunds | refund-request/refuse | cancel | dispute
 * An event the order's state forbids answers 409 invalid_state naming the state. */
#include <stdio.h>
#include <string.h>

#include "api/api.h"
#include "api/common.h"
#include "api/order_json.h"
#include "app.h"
#include "core/client.h"
#include "core/status.h"
#include "core/utf8.h"
#include "http/validate.h"
#include "pay/orders.h"
#include "pay/payments.h"
#include "store/clicks.h"
#include "store/codes.h"

/* Buyer contact fields: a name as people write it, a phone number with its punctuation, an
 * e-mail address (RFC 5321 caps a path at 254), an address and a note for the shop. */
#define BUYER_NAME_CHARS_MAX       50
#define BUYER_PHONE_CHARS_MIN      5
#define BUYER_PHONE_CHARS_MAX      20
#define BUYER_EMAIL_CHARS_MAX      254
#define SHIPPING_ADDRESS_CHARS_MAX 300
#define ORDER_NOTE_CHARS_MAX       300
#define REFUND_REASON_CHARS_MAX    300

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

static const struct field_rule place_rules[] = {
    {"items", FIELD_ARRAY, true, false, 1, ORDER_LINES_MAX},
    {"buyer", FIELD_OBJECT, true, false, 0, 0},
    {"shipping_address", FIELD_STRING, false, true, 1, SHIPPING_ADDRESS_CHARS_MAX},
    {"note", FIELD_STRING, false, true, 0, ORDER_NOTE_CHARS_MAX},
    {"source", FIELD_OBJECT, false, true, 0, 0},
};
static const struct field_rule item_rules[] = {
    {"product_code", FIELD_STRING, true, false, 1, CODE_LEN_MAX},
    {"quantity", FIELD_INTEGER, true, false, 1, ESCROW_QUANTITY_MAX},
};
static const struct field_rule buyer_rules[] = {
    {"name", FIELD_STRING, true, false, 1, BUYER_NAME_CHARS_MAX},
    {"phone", FIELD_STRING, true, false, BUYER_PHONE_CHARS_MIN, BUYER_PHONE_CHARS_MAX},
    {"email", FIELD_STRING, false, true, 3, BUYER_EMAIL_CHARS_MAX},
};
static const struct field_rule source_rules[] = {
    {"code", FIELD_STRING, false, true, 1, CODE_LEN_MAX},
    {"channel", FIELD_STRING, false, true, 1, CLICK_CHANNEL_BYTES_MAX},
};

static bool bad(struct request *req, struct response *res, const char *code, const char *field,
                const char *message) {
  response_error(req, res, 400, code, field, "%s", message);
  return false;
}

static bool plain_text(struct str s) {
  for (size_t i = 0; i < s.len; i++)
    if ((unsigned char)s.data[i] < 0x20 && s.data[i] != '\n') return false;
  return true;
}

static bool phone_ok(struct str s) {
  size_t digits = 0;
  for (size_t i = 0; i < s.len; i++) {
    char c = s.data[i];
    if (c >= '0' && c <= '9')
      digits++;
    else if (c != ' ' && c != '+' && c != '-' && c != '(' && c != ')')
      return false;
  }
  return digits >= BUYER_PHONE_CHARS_MIN;
}

/* Validates the nested objects of an order request; field names carry their path. */
static bool check_nested(struct request *req, struct response *res, json_t *body) {
  json_t *items = json_object_get(body, "items"), *item;
  size_t i;
  json_array_foreach(items, i, item) {
    char field[32];
    snprintf(field, sizeof field, "items[%zu]", i);
    if (!json_is_object(item)) return bad(req, res, "invalid_type", field, "each item must be an object");
    if (!json_fields_check_at(req, res, item, field, item_rules, COUNT(item_rules))) return false;
  }
  json_t *buyer = json_object_get(body, "buyer");
  if (!json_fields_check_at(req, res, buyer, "buyer", buyer_rules, COUNT(buyer_rules))) return false;
  if (!plain_text(json_get_str(buyer, "name")) || str_trim(json_get_str(buyer, "name")).len == 0)
    return bad(req, res, "invalid_value", "buyer.name", "buyer.name must be visible text");
  if (!phone_ok(json_get_str(buyer, "phone")))
    return bad(req, res, "invalid_value", "buyer.phone", "buyer.phone must be a phone number");
  struct str email = json_get_str(buyer, "email");
  if (email.data && (str_find(email, STR_LIT("@"), false) <= 0 || !plain_text(email) ||
                     str_find(email, STR_LIT(" "), false) >= 0))
    return bad(req, res, "invalid_value", "buyer.email", "buyer.email must be an e-mail address");
  json_t *source = json_object_get(body, "source");
  if (json_is_object(source) &&
      !json_fields_check_at(req, res, source, "source", source_rules, COUNT(source_rules)))
    return false;
  struct str channel = json_is_object(source) ? json_get_str(source, "channel") : (struct str){0};
  if (channel.data && !click_channel_valid(channel))
    return bad(req, res, "invalid_value", "source.channel",
               "source.channel may hold letters, digits, '_' and '-'");
  if (!plain_text(json_get_str(body, "shipping_address")))
    return bad(req, res, "invalid_value", "shipping_address",
               "shipping_address must not hold control characters");
  if (!plain_text(json_get_str(body, "note")))
    return bad(req, res, "invalid_value", "note", "note must not hold control characters");
  return true;
}

static void read_request(struct request *req, json_t *body, struct order_request *r) {
  memset(r, 0, sizeof *r);
  json_t *items = json_object_get(body, "items"), *item;
  size_t i;
  json_array_foreach(items, i, item) {
    r->items[i].product_code = json_get_str(item, "product_code");
    r->items[i].quantity = json_get_i64(item, "quantity");
  }
  r->item_count = json_array_size(items);
  json_t *buyer = json_object_get(body, "buyer");
  r->buyer_name = json_get_str(buyer, "name");
  r->buyer_phone = json_get_str(buyer, "phone");
  r->buyer_email = json_get_str(buyer, "email");
  r->shipping_address = json_get_str(body, "shipping_address");
  r->note = json_get_str(body, "note");
  json_t *source = json_object_get(body, "source");
  if (json_is_object(source)) {
    r->source_code = json_get_str(source, "code");
    r->channel = json_get_str(source, "channel");
  }
  r->client_class = client_class_name(client_detect(request_header(req, "User-Agent")).cls);
}

void api_orders_place(struct request *req, struct response *res) {
  json_t *body = request_json_object(req, res);
  if (!body || !json_fields_check(req, res, body, place_rules, COUNT(place_rules)) ||
      !check_nested(req, res, body))
    return;
  struct order_request r;
  read_request(req, body, &r);
  struct pay_ctx ctx = {.app = req->app, .arena = &req->arena, .db = req->db, .now_ms = req->now_ms};
  struct order_row row;
  struct order_problem problem;
  int rc = orders_place(&ctx, req->db, &r, &row, &problem);
  if (rc == HT_EINVAL)
    return response_error(req, res, problem.status, problem.code, problem.field, "%s", problem.message);
  if (rc != HT_OK) return response_status_error(req, res, rc, "order");
  api_order_respond(req, res, 201, (int64_t)row.escrow.order_id, true);
}

/* ---- acting on an order ---- */

/* Applies `ev` to the order, answering 409/422/400 for what the state machine refuses and
 * the order (200) otherwise. Runs inside the route's transaction. */
static void act(struct request *req, struct response *res, int64_t order_id, const struct escrow_event *ev,
                struct str detail, bool buyer_view) {
  struct pay_ctx ctx = {.app = req->app, .arena = &req->arena, .db = req->db, .now_ms = req->now_ms};
  struct escrow_order after;
  bool applied;
  int rc = orders_apply(&ctx, req->db, order_id, ev, detail, &after, &applied);
  if (rc == HT_ECONFLICT)
    return response_error(req, res, 409, "invalid_state", "state", "cannot %s: the order is %s",
                          escrow_event_name(ev->kind), escrow_state_name(after.state));
  if (rc == HT_ERANGE)
    return response_error(req, res, 422, "invalid_amount", "amount_minor",
                          "the amount must be positive and at most what remains in escrow");
  if (rc == HT_EINVAL)
    return response_error(req, res, 400, "invalid_value", NULL, "the request does not fit this order (%s)",
                          escrow_event_name(ev->kind));
  if (rc != HT_OK) return response_status_error(req, res, rc, "order");
  api_order_respond(req, res, 200, order_id, buyer_view);
}

static bool buyer_order(struct request *req, struct response *res, struct order_row *row) {
  char token[CODE_LEN_MAX + 1];
  size_t len = 0;
  struct db *db = request_db(req, res);
  if (!db) return false;
  int rc =
      code_normalize(request_param(req, 0), token, sizeof token, &len) == HT_OK && len == CODE_PRIVATE_LEN
          ? store_order_by_token(db, &req->arena, str_from_cstr(token), row)
          : HT_ENOTFOUND;
  if (rc != HT_OK) response_status_error(req, res, rc, "order");
  return rc == HT_OK;
}

void api_buyer_order_get(struct request *req, struct response *res) {
  struct order_row row;
  if (buyer_order(req, res, &row)) api_order_respond(req, res, 200, (int64_t)row.escrow.order_id, true);
}

void api_buyer_confirm(struct request *req, struct response *res) {
  struct order_row row;
  struct escrow_event ev = {.kind = ESCROW_EV_CONFIRM};
  if (buyer_order(req, res, &row)) act(req, res, (int64_t)row.escrow.order_id, &ev, STR_LIT("buyer"), true);
}

static const struct field_rule refund_request_rules[] = {
    {"amount_minor", FIELD_INTEGER, false, false, 1, AMOUNT_MINOR_MAX},
    {"reason", FIELD_STRING, false, true, 0, REFUND_REASON_CHARS_MAX},
};

void api_buyer_refund_request(struct request *req, struct response *res) {
  struct order_row row;
  if (!buyer_order(req, res, &row)) return;
  json_t *body = req->body.len ? request_json_object(req, res) : json_object();
  if (!req->body.len) req->json = body;
  if (!body || !json_fields_check(req, res, body, refund_request_rules, COUNT(refund_request_rules))) return;
  struct escrow_event ev = {.kind = ESCROW_EV_REQUEST_REFUND,
                            .amount_minor = json_has(body, "amount_minor")
                                                ? json_get_i64(body, "amount_minor")
                                                : escrow_order_remaining_minor(&row.escrow)};
  act(req, res, (int64_t)row.escrow.order_id, &ev, json_get_str(body, "reason"), true);
}

void api_buyer_refund_withdraw(struct request *req, struct response *res) {
  struct order_row row;
  struct escrow_event ev = {.kind = ESCROW_EV_WITHDRAW_REFUND};
  if (buyer_order(req, res, &row)) act(req, res, (int64_t)row.escrow.order_id, &ev, STR_LIT("buyer"), true);
}

void api_buyer_dispute(struct request *req, struct response *res) {
  struct order_row row;
  struct escrow_event ev = {.kind = ESCROW_EV_OPEN_DISPUTE};
  if (buyer_order(req, res, &row)) act(req, res, (int64_t)row.escrow.order_id, &ev, STR_LIT("buyer"), true);
}

/* A WeChat openid is 28 characters; 128 leaves room for other wallets' payer ids. */
#define PAYER_ID_CHARS_MAX 128

static const struct field_rule payment_rules[] = {
    {"channel", FIELD_STRING, true, false, 1, 32},
    {"openid", FIELD_STRING, false, true, 1, PAYER_ID_CHARS_MAX},
    {"agreement", FIELD_STRING, false, true, 1, CODE_LEN_MAX},
};

void api_buyer_pay(struct request *req, struct response *res) {
  struct order_row row;
  if (!buyer_order(req, res, &row)) return;
  json_t *body = request_json_object(req, res);
  if (!body || !json_fields_check(req, res, body, payment_rules, COUNT(payment_rules))) return;
  const struct pay_channel *channel = pay_channel_find(json_get_str(body, "channel"));
  if (!channel)
    return response_error(req, res, 400, "unsupported_channel", "channel", "no such payment channel");
  struct pay_ctx ctx = {.app = req->app, .arena = &req->arena, .db = req->db, .now_ms = req->now_ms};
  struct channel_call_row payment;
  struct pay_started started;
  struct payment_options options = {.client = client_detect(request_header(req, "User-Agent")),
                                    .payer_id = json_get_str(body, "openid"),
                                    .agreement = json_get_str(body, "agreement")};
  bool password_free = false;
  int rc = payments_start_with(&ctx, req->db, &row, channel, &options, &payment, &started, &password_free);
  if (rc == HT_ECONFLICT)
    return response_error(req, res, 409, "invalid_state", "state", "the order is not awaiting payment");
  if (rc != HT_OK) return response_status_error(req, res, rc, "payment");
  json_t *out = api_payment_json(req, &payment);
  if (options.agreement.len) json_object_set_new(out, "password_free", json_boolean(password_free));
  if (payment.status == CHANNEL_CALL_FAILED && started.error[0])
    json_object_set_new(out, "error", json_string(started.error));
  response_json(req, res, payment.status == CHANNEL_CALL_FAILED ? 502 : 201, out);
}

/* ---- the merchant's side ---- */

static bool merchant_order(struct request *req, struct response *res, struct order_row *row) {
  int64_t id;
  if (!api_path_id(req, res, 0, "order", &id)) return false;
  struct db *db = request_db(req, res);
  if (!db) return false;
  int rc = store_order_get(db, &req->arena, req->merchant_id, id, row);
  if (rc != HT_OK) response_status_error(req, res, rc, "order");
  return rc == HT_OK;
}

void api_orders_get(struct request *req, struct response *res) {
  struct order_row row;
  if (merchant_order(req, res, &row)) api_order_respond(req, res, 200, (int64_t)row.escrow.order_id, false);
}

/* Both are required for physical goods only (checked below, and again by the core). */
static const struct field_rule ship_rules[] = {
    {"carrier", FIELD_STRING, false, false, 1, ESCROW_CARRIER_BYTES_MAX},
    {"tracking_number", FIELD_STRING, false, false, 1, ESCROW_TRACKING_BYTES_MAX},
};

void api_orders_ship(struct request *req, struct response *res) {
  struct order_row row;
  if (!merchant_order(req, res, &row)) return;
  json_t *body = req->body.len ? request_json_object(req, res) : json_object();
  if (!req->body.len) req->json = body;
  if (!body || !json_fields_check(req, res, body, ship_rules, COUNT(ship_rules))) return;
  struct escrow_event ev = {.kind = ESCROW_EV_SHIP,
                            .carrier = json_get_str(body, "carrier"),
                            .tracking_number = json_get_str(body, "tracking_number")};
  if (!plain_text(ev.carrier))
    return response_error(req, res, 400, "invalid_value", "carrier", "carrier must be plain text");
  if (!plain_text(ev.tracking_number))
    return response_error(req, res, 400, "invalid_value", "tracking_number",
                          "tracking_number must be plain text");
  if (row.escrow.delivery == DELIVERY_PHYSICAL && !ev.carrier.len)
    return response_error(req, res, 400, "missing_field", "carrier", "physical goods need a carrier");
  if (row.escrow.delivery == DELIVERY_PHYSICAL && !ev.tracking_number.len)
    return response_error(req, res, 400, "missing_field", "tracking_number",
                          "physical goods need a tracking number");
  act(req, res, (int64_t)row.escrow.order_id, &ev, ev.tracking_number, false);
}

static const struct field_rule approve_rules[] = {
    {"amount_minor", FIELD_INTEGER, false, false, 1, AMOUNT_MINOR_MAX},
};

void api_orders_refund(struct request *req, struct response *res) {
  struct order_row row;
  if (!merchant_order(req, res, &row)) return;
  json_t *body = req->body.len ? request_json_object(req, res) : json_object();
  if (!req->body.len) req->json = body;
  if (!body || !json_fields_check(req, res, body, approve_rules, COUNT(approve_rules))) return;
  int64_t amount = json_has(body, "amount_minor")      ? json_get_i64(body, "amount_minor")
                   : row.escrow.refund_requested_minor ? row.escrow.refund_requested_minor
                                                       : escrow_order_remaining_minor(&row.escrow);
  /* "Refund what remains" when nothing does (released or refunded already, perhaps a moment
   * ago by another request): the order's state is the reason, as for any other event. */
  if (amount == 0 && !json_has(body, "amount_minor"))
    return response_error(req, res, 409, "invalid_state", "state", "cannot approve_refund: the order is %s",
                          escrow_state_name(row.escrow.state));
  struct escrow_event ev = {.kind = ESCROW_EV_APPROVE_REFUND, .amount_minor = amount};
  act(req, res, (int64_t)row.escrow.order_id, &ev, STR_LIT("merchant"), false);
}

static void merchant_event(struct request *req, struct response *res, enum escrow_event_kind kind) {
  struct order_row row;
  struct escrow_event ev = {.kind = kind};
  if (merchant_order(req, res, &row))
    act(req, res, (int64_t)row.escrow.order_id, &ev, STR_LIT("merchant"), false);
}

void api_orders_refuse_refund(struct request *req, struct response *res) {
  merchant_event(req, res, ESCROW_EV_REFUSE_REFUND);
}
void api_orders_cancel(struct request *req, struct response *res) {
  merchant_event(req, res, ESCROW_EV_CANCEL);
}
void api_orders_dispute(struct request *req, struct response *res) {
  merchant_event(req, res, ESCROW_EV_OPEN_DISPUTE);
}

void api_orders_list(struct request *req, struct response *res) {
  size_t limit;
  int64_t before_id;
  if (!api_page_params(req, res, &limit, &before_id)) return;
  struct str state = request_query(req, "state");
  enum escrow_state parsed;
  if (state.data && escrow_state_from_name(state, &parsed) != HT_OK)
    return response_error(req, res, 400, "invalid_value", "state", "unknown order state");
  struct db *db = request_db(req, res);
  if (!db) return;
  struct order_row *rows = arena_alloc(&req->arena, sizeof *rows * (limit + 1));
  size_t count = 0;
  int rc =
      rows ? store_order_list(db, &req->arena, req->merchant_id, state, before_id, limit + 1, rows, &count)
           : HT_ENOMEM;
  if (rc != HT_OK) return response_status_error(req, res, rc, "orders");
  bool has_more = count > limit;
  if (has_more) count = limit;
  json_t *data = json_array();
  for (size_t i = 0; i < count; i++) json_array_append_new(data, api_order_summary_json(req, &rows[i]));
  response_json(
      req, res, 200,
      json_pack("{s:s, s:o, s:b, s:o}", "object", "list", "data", data, "has_more", has_more, "next_cursor",
                has_more ? api_cursor_json(req, (int64_t)rows[count - 1].escrow.order_id) : json_null()));
}
