/* money.c — the merchant's money: GET /v1/balance, GET /v1/statement (JSON or CSV),
 * POST /v1/payouts and GET /v1/payouts. Every figure comes from the ledger. */
#include <stdio.h>
#include <string.h>

#include "api/api.h"
#include "api/common.h"
#include "core/money.h"
#include "core/rfc3339.h"
#include "core/status.h"
#include "http/validate.h"
#include "pay/payments.h"
#include "platform/clock.h"
#include "store/ledger.h"

/* Statements cover at most a year per request, the last 30 days by default. */
#define STATEMENT_SPAN_MS_MAX     (366LL * 24 * 3600 * 1000)
#define STATEMENT_SPAN_MS_DEFAULT (30LL * 24 * 3600 * 1000)
/* Payouts listed. */
#define PAYOUTS_LISTED_MAX 100

static void add_balance(void *user, struct str currency, const char *what, int64_t amount) {
  json_t *by_currency = user;
  char code[8];
  snprintf(code, sizeof code, "%.*s", (int)(currency.len < 7 ? currency.len : 7), currency.data);
  json_t *entry = json_object_get(by_currency, code);
  if (!entry) {
    entry = json_pack("{s:s, s:I, s:I, s:I}", "currency", code, "available_minor", (json_int_t)0,
                      "escrow_minor", (json_int_t)0, "payouts_pending_minor", (json_int_t)0);
    json_object_set_new(by_currency, code, entry);
  }
  const char *key = strcmp(what, "available") == 0 ? "available_minor"
                    : strcmp(what, "escrow") == 0  ? "escrow_minor"
                                                   : "payouts_pending_minor";
  json_object_set_new(entry, key, json_integer(amount));
}

void api_balance(struct request *req, struct response *res) {
  struct db *db = request_db(req, res);
  if (!db) return;
  json_t *by_currency = json_object();
  int rc = store_ledger_merchant_balances(db, req->merchant_id, add_balance, by_currency);
  if (rc != HT_OK) {
    json_decref(by_currency);
    return response_status_error(req, res, rc, "balance");
  }
  json_t *list = json_array();
  const char *key;
  json_t *value;
  json_object_foreach(by_currency, key, value) json_array_append(list, value);
  json_decref(by_currency);
  response_json(req, res, 200, json_pack("{s:s, s:o}", "object", "balance", "balances", list));
}

struct statement_writer {
  struct request *req;
  json_t *lines;   /* JSON form */
  struct buf *csv; /* CSV form */
  int rc;
};

static void add_line(void *user, const struct statement_line *l) {
  struct statement_writer *w = user;
  char at[CLOCK_RFC3339_BYTES], amount[MONEY_DECIMAL_BYTES] = "";
  enum currency c;
  size_t len;
  clock_format_rfc3339(l->at_ms, at);
  if (currency_from_code(l->currency, &c) == HT_OK)
    money_format(l->amount_minor, c, amount, sizeof amount, &len);
  if (w->csv) {
    if (w->rc == HT_OK)
      w->rc = buf_printf(w->csv, "%lld,%s,%.*s,%.*s,%.*s,%s,%lld,%lld,%.*s\r\n", (long long)l->txn_id, at,
                         STR_FMT(l->kind), STR_FMT(l->account), STR_FMT(l->currency), amount,
                         (long long)l->amount_minor, (long long)l->order_id, STR_FMT(l->reference));
    return;
  }
  json_array_append_new(
      w->lines, json_pack("{s:I, s:s, s:s%, s:s%, s:s%, s:s, s:I, s:I, s:s%}", "txn_id",
                          (json_int_t)l->txn_id, "at", at, "kind", l->kind.data, l->kind.len, "account",
                          l->account.data, l->account.len, "currency", l->currency.data, l->currency.len,
                          "amount", amount, "amount_minor", (json_int_t)l->amount_minor, "order_id",
                          (json_int_t)l->order_id, "reference", l->reference.data, l->reference.len));
}

static bool statement_range(struct request *req, struct response *res, int64_t *from_ms, int64_t *to_ms) {
  struct str from = request_query(req, "from"), to = request_query(req, "to");
  *to_ms = req->now_ms + 1;
  if (to.data && rfc3339_parse(to, to_ms) != HT_OK) {
    response_error(req, res, 400, "invalid_value", "to", "to must be an RFC 3339 time");
    return false;
  }
  *from_ms = *to_ms - STATEMENT_SPAN_MS_DEFAULT;
  if (from.data && rfc3339_parse(from, from_ms) != HT_OK) {
    response_error(req, res, 400, "invalid_value", "from", "from must be an RFC 3339 time");
    return false;
  }
  if (*from_ms >= *to_ms || *to_ms - *from_ms > STATEMENT_SPAN_MS_MAX) {
    response_error(req, res, 400, "out_of_range", "from", "from must precede to by at most 366 days");
    return false;
  }
  return true;
}

void api_statement(struct request *req, struct response *res) {
  int64_t from_ms, to_ms;
  if (!statement_range(req, res, &from_ms, &to_ms)) return;
  struct str format = request_query(req, "format");
  bool csv = format.data && str_eq(format, STR_LIT("csv"));
  if (format.data && !csv && !str_eq(format, STR_LIT("json")))
    return response_error(req, res, 400, "invalid_value", "format", "format must be json or csv");
  struct db *db = request_db(req, res);
  if (!db) return;
  struct statement_writer w = {
      .req = req, .lines = csv ? NULL : json_array(), .csv = csv ? &res->body : NULL};
  res->body.len = 0;
  if (csv)
    buf_append_cstr(&res->body, "txn_id,at,kind,account,currency,amount,amount_minor,order_id,reference\r\n");
  int rc = store_ledger_statement(db, req->merchant_id, from_ms, to_ms, add_line, &w);
  if (rc == HT_OK) rc = w.rc;
  if (rc != HT_OK) {
    json_decref(w.lines);
    return response_status_error(req, res, rc, "statement");
  }
  if (csv) {
    res->status = 200;
    res->content_type = "text/csv; charset=utf-8";
    response_header(req, res, "Content-Disposition", "attachment; filename=\"statement.csv\"");
    return;
  }
  response_json(req, res, 200,
                json_pack("{s:s, s:o, s:o, s:o}", "object", "statement", "from", api_time_json(from_ms), "to",
                          api_time_json(to_ms), "lines", w.lines));
}

static json_t *payout_json(const struct channel_call_row *p) {
  return json_pack("{s:s, s:I, s:s, s:I, s:s, s:s, s:o, s:o}", "object", "payout", "id", (json_int_t)p->id,
                   "status", channel_call_status_name(p->status), "amount_minor", (json_int_t)p->amount_minor,
                   "currency", currency_code(p->currency), "reference", p->reference, "created_at",
                   api_time_json(p->created_at_ms), "updated_at", api_time_json(p->updated_at_ms));
}

static const struct field_rule payout_rules[] = {
    {"currency", FIELD_STRING, false, false, 0, 0},
    {"amount_minor", FIELD_INTEGER, false, false, 1, AMOUNT_MINOR_MAX},
};

void api_payouts_create(struct request *req, struct response *res) {
  json_t *body = req->body.len ? request_json_object(req, res) : json_object();
  if (!req->body.len) req->json = body;
  if (!body || !json_fields_check(req, res, body, payout_rules, sizeof payout_rules / sizeof payout_rules[0]))
    return;
  enum currency currency = CURRENCY_DEFAULT;
  if (json_has(body, "currency") && currency_from_code(json_get_str(body, "currency"), &currency) != HT_OK)
    return response_error(req, res, 400, "unsupported_currency", "currency",
                          "currency must be a supported ISO 4217 code");
  struct pay_ctx ctx = {.app = req->app, .arena = &req->arena, .db = req->db, .now_ms = req->now_ms};
  struct channel_call_row payout;
  int rc =
      payouts_request(&ctx, req->db, req->merchant_id, currency, json_get_i64(body, "amount_minor"), &payout);
  if (rc == HT_ERANGE)
    return response_error(req, res, 422, "insufficient_balance", "amount_minor",
                          "the amount must be positive and at most the available balance");
  if (rc != HT_OK) return response_status_error(req, res, rc, "payout");
  response_json(req, res, 201, payout_json(&payout));
}

void api_payouts_list(struct request *req, struct response *res) {
  struct db *db = request_db(req, res);
  if (!db) return;
  struct channel_call_row *rows = arena_alloc(&req->arena, sizeof *rows * PAYOUTS_LISTED_MAX);
  size_t count = 0;
  int rc = rows ? store_calls_list(db, &req->arena, CALL_PAYOUT, req->merchant_id, PAYOUTS_LISTED_MAX, rows,
                                   &count)
                : HT_ENOMEM;
  if (rc != HT_OK) return response_status_error(req, res, rc, "payouts");
  json_t *data = json_array();
  for (size_t i = 0; i < count; i++) json_array_append_new(data, payout_json(&rows[i]));
  response_json(req, res, 200, json_pack("{s:s, s:o}", "object", "list", "data", data));
}
