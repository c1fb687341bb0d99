/* channels.c — a merchant's wallet credentials over the API:
 *   PUT /v1/channels/{name}   store the configuration of "wechatpay" or "alipay" (the same JSON
 *                             as `hutong channel set`, keys inline as PEM text; "_file" paths are
 *                             refused here: the server reads no file named by a request)
 *   GET /v1/channels          the non-secret view of every channel
 * Secrets go in and never come out: both answer with the view that pay/credentials.c builds
 * from the non-secret fields, and nothing of the request body is logged. */
#include <string.h>

#include "api/api.h"
#include "app.h"
#include "core/status.h"
#include "pay/credentials.h"

static const char *const channel_names[] = {"sandbox", "wechatpay", "alipay"};

/* The view of one channel; the sandbox wallet is built in and needs no credentials. */
static json_t *view_of(struct request *req, struct db *db, const char *name, int *rc) {
  *rc = HT_OK;
  if (strcmp(name, "sandbox") == 0)
    return json_pack("{s:s, s:s, s:b}", "object", "channel", "channel", name, "configured", 1);
  return credentials_view(db, &req->arena, req->merchant_id, str_from_cstr(name), rc);
}

void api_channels_list(struct request *req, struct response *res) {
  struct db *db = request_db(req, res);
  if (!db) return;
  json_t *data = json_array();
  for (size_t i = 0; i < sizeof channel_names / sizeof channel_names[0]; i++) {
    int rc;
    json_t *view = view_of(req, db, channel_names[i], &rc);
    if (!view) {
      json_decref(data);
      return response_status_error(req, res, rc, "channels");
    }
    json_array_append_new(data, view);
  }
  response_json(req, res, 200, json_pack("{s:s, s:o, s:b}", "object", "list", "data", data, "has_more", 0));
}

void api_channels_put(struct request *req, struct response *res) {
  struct str name = request_param(req, 0);
  if (!credentials_channel_known(name))
    return response_error(req, res, 404, "not_found", "name", "no configurable channel of that name");
  json_t *body = request_json_object(req, res);
  if (!body) return;
  struct db *db = request_db(req, res);
  if (!db) return;
  struct credentials_problem problem = {"", ""};
  int rc = credentials_save(db, (struct str){req->app->secret, req->app->secret_len}, req->merchant_id, name,
                            body, req->now_ms, &problem);
  if (rc == HT_EINVAL)
    return response_error(req, res, 400, "invalid_value", problem.field[0] ? problem.field : NULL, "%s",
                          problem.message);
  if (rc != HT_OK) return response_status_error(req, res, rc, "channel");
  json_t *view = credentials_view(db, &req->arena, req->merchant_id, name, &rc);
  if (!view) return response_status_error(req, res, rc, "channel");
  response_json(req, res, 200, view);
}
