/* agreements.c — password-free (免密) agreements over the API (pay/agreements.h):
 *   POST   /v1/buyer/agreements           sign one with a shop (its store code) for a wallet,
 *                                         with caps (default and at most ¥200 per payment and
 *                                         ¥1,000 per day, configurable); answers its token
 *   GET    /v1/buyer/agreements/{token}   the agreement and today's usage
 *   DELETE /v1/buyer/agreements/{token}   revoke it (again: no change)
 * The token is the buyer's credential (80 random bits), as an order's token is; a payment
 * presents it as "agreement" in POST /v1/buyer/orders/{token}/payments. */
#include <stdio.h>
#include <string.h>

#include "api/api.h"
#include "api/common.h"
#include "app.h"
#include "core/code.h"
#include "core/rfc3339.h"
#include "core/status.h"
#include "http/validate.h"
#include "pay/agreements.h"
#include "store/codes.h"
#include "store/merchants.h"

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

static const struct field_rule sign_rules[] = {
    {"store_code", FIELD_STRING, true, false, 1, CODE_LEN_MAX},
    {"channel", FIELD_STRING, true, false, 1, 32},
    {"currency", FIELD_STRING, false, false, 3, 3},
    {"per_payment_cap_minor", FIELD_INTEGER, false, false, 1, AMOUNT_MINOR_MAX},
    {"daily_cap_minor", FIELD_INTEGER, false, false, 1, AMOUNT_MINOR_MAX},
};

static json_t *agreement_json(struct request *req, struct db *db, const struct agreement_row *a, int *rc) {
  int64_t day = pay_day_beijing(req->now_ms), used = 0, count = 0, year;
  unsigned month, mday;
  *rc = store_agreement_usage(db, a->id, day, &used, &count);
  if (*rc != HT_OK) return NULL;
  struct merchant m;
  *rc = store_merchant_get(db, &req->arena, a->merchant_id, &m);
  if (*rc != HT_OK) return NULL;
  rfc3339_civil_from_days(day, &year, &month, &mday);
  char date[16];
  snprintf(date, sizeof date, "%04lld-%02u-%02u", (long long)year, month, mday);
  int64_t left = a->daily_cap_minor - used;
  json_t *today =
      json_pack("{s:s, s:I, s:I, s:I}", "day", date, "used_minor", (json_int_t)used, "remaining_minor",
                (json_int_t)(left > 0 ? left : 0), "payments", (json_int_t)count);
  return json_pack("{s:s, s:s, s:s, s:s%, s:s, s:I, s:I, s:s, s:o, s:o, s:o}", "object", "agreement", "token",
                   a->token, "store_code", m.code, "channel", a->channel.data, a->channel.len, "currency",
                   currency_code(a->currency), "per_payment_cap_minor", (json_int_t)a->per_payment_cap_minor,
                   "daily_cap_minor", (json_int_t)a->daily_cap_minor, "status",
                   a->active ? "active" : "revoked", "today", today, "created_at",
                   api_time_json(a->created_at_ms), "revoked_at", api_time_json(a->revoked_at_ms));
}

static void respond(struct request *req, struct response *res, struct db *db, int status,
                    const struct agreement_row *a) {
  int rc;
  json_t *out = agreement_json(req, db, a, &rc);
  if (!out) return response_status_error(req, res, rc, "agreement");
  response_json(req, res, status, out);
}

void api_agreements_sign(struct request *req, struct response *res) {
  json_t *body = request_json_object(req, res);
  if (!body || !json_fields_check(req, res, body, sign_rules, COUNT(sign_rules))) return;
  const struct pay_channel *channel = pay_channel_find(json_get_str(body, "channel"));
  if (!channel)
    return response_error(req, res, 400, "unsupported_channel", "channel", "no such payment channel");
  enum currency currency = CURRENCY_DEFAULT;
  if (json_has(body, "currency") && currency_from_code(json_get_str(body, "currency"), &currency) != HT_OK)
    return response_error(req, res, 400, "invalid_value", "currency", "unknown currency");
  char code[CODE_LEN_MAX + 1];
  size_t len = 0;
  struct code_ref ref = {0};
  struct db *db = request_db(req, res);
  if (!db) return;
  int rc = code_normalize(json_get_str(body, "store_code"), code, sizeof code, &len) == HT_OK &&
                   len == CODE_PUBLIC_LEN
               ? store_code_lookup(db, str_from_cstr(code), &ref)
               : HT_ENOTFOUND;
  if (rc == HT_OK && ref.kind != CODE_KIND_STORE) rc = HT_ENOTFOUND;
  if (rc == HT_ENOTFOUND) return response_error(req, res, 404, "not_found", "store_code", "no such store");
  if (rc != HT_OK) return response_status_error(req, res, rc, "store");
  struct pay_ctx ctx = {.app = req->app, .arena = &req->arena, .db = db, .now_ms = req->now_ms};
  struct agreement_row a;
  struct agreement_problem problem;
  rc = agreements_sign(&ctx, db, ref.merchant_id, channel, currency,
                       json_get_i64(body, "per_payment_cap_minor"), json_get_i64(body, "daily_cap_minor"), &a,
                       &problem);
  if (rc == HT_EINVAL)
    return response_error(req, res, problem.status, problem.code, problem.field, "%s", problem.message);
  if (rc != HT_OK) return response_status_error(req, res, rc, "agreement");
  respond(req, res, db, 201, &a);
}

static bool load(struct request *req, struct response *res, bool lock, struct agreement_row *a) {
  char token[CODE_LEN_MAX + 1];
  size_t len = 0;
  struct db *db = request_db(req, res);
  if (!db) return false;
  int rc =
      code_normalize(request_param(req, 0), token, sizeof token, &len) == HT_OK && len == CODE_PRIVATE_LEN
          ? store_agreement_by_token(db, &req->arena, str_from_cstr(token), lock, a)
          : HT_ENOTFOUND;
  if (rc != HT_OK) response_status_error(req, res, rc, "agreement");
  return rc == HT_OK;
}

void api_agreements_get(struct request *req, struct response *res) {
  struct agreement_row a;
  if (load(req, res, false, &a)) respond(req, res, req->db, 200, &a);
}

void api_agreements_revoke(struct request *req, struct response *res) {
  struct agreement_row a;
  if (!load(req, res, true, &a)) return;
  if (a.active) {
    int rc = store_agreement_revoke(req->db, a.id, req->now_ms);
    if (rc != HT_OK) return response_status_error(req, res, rc, "agreement");
    a.active = false;
    a.revoked_at_ms = req->now_ms;
  }
  respond(req, res, req->db, 200, &a);
}
