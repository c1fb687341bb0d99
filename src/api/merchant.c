/* merchant.c — the authenticated merchant's own record (GET /v1/merchant), with its store's
 * public code, page and QR image. */
#include "api/api.h"
#include "api/common.h"
#include "app.h"
#include "core/status.h"
#include "store/merchants.h"
#include "web/urls.h"

void api_merchant_get(struct request *req, struct response *res) {
  struct db *db = request_db(req, res);
  if (!db) return;
  struct merchant m;
  int rc = store_merchant_get(db, &req->arena, req->merchant_id, &m);
  if (rc != HT_OK) {
    response_status_error(req, res, rc, "merchant");
    return;
  }
  json_t *out = json_pack("{s:s, s:I, s:s, s:s, s:s, s:o, s:o}", "object", "merchant", "id", (json_int_t)m.id,
                          "code", m.code, "store_url", url_public(req->app, &req->arena, URL_STORE, m.code),
                          "qr_url", url_qr_image(req->app, &req->arena, m.code, "svg"), "name",
                          api_str_json(m.name), "created_at", api_time_json(m.created_at_ms));
  /* The static pay code of the store (web/aggregate.c), for printing. */
  json_object_set_new(out, "pay_code_url",
                      json_string(arena_printf(&req->arena, "%s/PAY/%s", req->app->public_url, m.code)));
  json_object_set_new(
      out, "pay_code_qr",
      json_string(arena_printf(&req->arena, "%s/qr/PAY/%s.svg", req->app->public_url, m.code)));
  response_json(req, res, 200, out);
}
