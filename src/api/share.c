/* share.c — share tokens and hand-offs over the API:
 *   POST /v1/products/{id}/share   (merchant) issue a token with a channel and a lifetime
 *   POST /v1/tokens/resolve        (anyone)   find the token in pasted text → the product
 *   POST /v1/handoffs              (anyone)   a single-use desktop→phone hand-off
 *   GET  /v1/handoffs/{id}?wait=N  (anyone)   its status, long-polled up to N seconds */
#include <stdio.h>

#include "api/api.h"
#include "api/common.h"
#include "app.h"
#include "core/client.h"
#include "core/qr.h"
#include "core/status.h"
#include "http/ratelimit.h"
#include "http/validate.h"
#include "jobs/click_queue.h"
#include "store/links.h"
#include "store/products.h"
#include "web/share.h"
#include "web/urls.h"

/* Hand-offs live ten minutes (issue #3) and carry at most this many items. */
#define HANDOFF_TTL_MS       (10 * 60 * 1000)
#define HANDOFF_QUANTITY_MAX 99
/* Longest a status request may be held (most proxies time out idle requests at 30-60 s). */
#define HANDOFF_WAIT_S_MAX 25
/* Pixels of the hand-off QR returned inline. */
#define HANDOFF_QR_PX 180
/* Anyone may create hand-offs, so each address may create at most this many a minute. */
#define HANDOFF_CREATE_PER_MINUTE 30

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

static const struct field_rule share_rules[] = {
    {"channel", FIELD_STRING, false, true, 1, CLICK_CHANNEL_BYTES_MAX},
    {"ttl_seconds", FIELD_INTEGER, false, false, SHARE_TTL_SECONDS_MIN, SHARE_TTL_SECONDS_MAX},
    {"delimiter", FIELD_STRING, false, false, 1, 32},
};

static enum lang api_lang(struct request *req) {
  return i18n_negotiate(request_query(req, "lang"), (struct str){0}, request_header(req, "Accept-Language"));
}

void api_products_share(struct request *req, struct response *res) {
  int64_t id;
  if (!api_path_id(req, res, 0, "product", &id)) return;
  json_t *body = request_json_object(req, res);
  if (!body || !json_fields_check(req, res, body, share_rules, COUNT(share_rules))) return;
  struct str channel = json_get_str(body, "channel");
  if (channel.data && !click_channel_valid(channel))
    return response_error(req, res, 400, "invalid_value", "channel",
                          "channel may hold letters, digits, '_' and '-'");
  enum share_token_delim delim = SHARE_TOKEN_DELIM_YEN_FULLWIDTH;
  if (json_has(body, "delimiter") &&
      share_token_delim_parse(json_get_str(body, "delimiter"), &delim) != HT_OK)
    return response_error(
        req, res, 400, "invalid_value", "delimiter",
        "delimiter must be one of ￥ ¥ € $ ＄ (or yen_fullwidth, yen, euro, dollar, dollar_fullwidth)");
  int64_t ttl_ms =
      json_has(body, "ttl_seconds") ? json_get_i64(body, "ttl_seconds") * 1000 : req->app->token_ttl_ms;
  struct product p;
  int rc = store_product_get(req->db, &req->arena, req->merchant_id, id, &p);
  if (rc == HT_OK && !str_eq(p.status, STR_LIT("active")))
    return response_error(req, res, 409, "invalid_state", NULL,
                          "only active products can be shared (this one is %.*s)", STR_FMT(p.status));
  int64_t expires_at_ms = 0;
  if (rc == HT_OK) rc = share_issue(req, req->db, &p, channel, ttl_ms, &expires_at_ms);
  if (rc != HT_OK) return response_status_error(req, res, rc, "product");
  const char *token = share_token_text(req, p.code, delim, false);
  const char *url = url_public(req->app, &req->arena, URL_PRODUCT, p.code);
  json_t *out = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:o, s:o}", "object", "share", "code",
                          p.code, "token", token, "text", share_message(req, api_lang(req), &p, token, url),
                          "digits_first", share_token_text(req, p.code, delim, true), "url", url, "qr_url",
                          url_qr_image(req->app, &req->arena, p.code, "svg"), "scan_url",
                          url_qr_text(req->app, &req->arena, URL_SCAN, p.code), "channel",
                          api_str_json(channel), "expires_at", api_time_json(expires_at_ms));
  response_json(req, res, 201, out);
}

static const struct field_rule resolve_rules[] = {
    {"text", FIELD_STRING, true, false, 0, SHARE_TOKEN_TEXT_BYTES_MAX},
};

static void record_token_open(struct request *req, const struct product *p) {
  if (!req->app->clicks) return;
  struct client_info client = client_detect(request_header(req, "User-Agent"));
  struct click_event e = {.merchant_id = p->merchant_id,
                          .source = "token",
                          .client_class = client_class_name(client.cls),
                          .os = client_os_name(client.os),
                          .at_ms = req->now_ms};
  snprintf(e.code, sizeof e.code, "%s", p->code);
  click_queue_push(req->app->clicks, &e);
}

void api_tokens_resolve(struct request *req, struct response *res) {
  json_t *body = request_json_object(req, res);
  if (!body || !json_fields_check(req, res, body, resolve_rules, COUNT(resolve_rules))) return;
  enum share_resolution outcome;
  struct product p;
  const char *source;
  int rc = share_resolve(req, json_get_str(body, "text"), &outcome, &p, &source);
  if (rc != HT_OK) return response_status_error(req, res, rc, "token");
  switch (outcome) {
  case SHARE_BAD_CHECKSUM:
    return response_error(req, res, 422, "token_checksum", "text",
                          "the token's check symbol is wrong (a typo?)");
  case SHARE_EXPIRED: return response_error(req, res, 410, "token_expired", "text", "this token has expired");
  case SHARE_NOT_FOUND:
    return response_error(req, res, 404, "token_not_found", "text", "no valid token in the text");
  case SHARE_TOO_BIG:
    return response_error(req, res, 400, "too_long", "text", "text must be at most %d bytes",
                          SHARE_TOKEN_TEXT_BYTES_MAX);
  case SHARE_INVALID_TEXT:
    return response_error(req, res, 400, "invalid_value", "text", "text is not readable");
  default: break;
  }
  record_token_open(req, &p);
  json_t *product = json_pack("{s:s, s:o, s:I, s:o, s:o}", "code", p.code, "title", api_str_json(p.title),
                              "price_minor", (json_int_t)p.price_minor, "currency", api_str_json(p.currency),
                              "image_url", api_str_json(p.image_url));
  response_json(req, res, 200,
                json_pack("{s:s, s:s, s:s, s:s, s:o}", "object", "token_resolution", "code", p.code, "source",
                          source, "url", url_public(req->app, &req->arena, URL_PRODUCT, p.code), "product",
                          product));
}

static const struct field_rule handoff_rules[] = {
    {"product_code", FIELD_STRING, true, false, 1, CODE_LEN_MAX},
    {"quantity", FIELD_INTEGER, false, false, 1, HANDOFF_QUANTITY_MAX},
};

static const char *handoff_status(const struct handoff *h, int64_t now_ms) {
  return h->claimed_at_ms ? "claimed" : h->expires_at_ms <= now_ms ? "expired" : "pending";
}

static json_t *handoff_json(struct request *req, const struct handoff *h, bool with_qr) {
  json_t *out =
      json_pack("{s:s, s:s, s:s, s:s, s:o, s:o}", "object", "handoff", "id", h->id, "status",
                handoff_status(h, req->now_ms), "url", url_public(req->app, &req->arena, URL_HANDOFF, h->id),
                "expires_at", api_time_json(h->expires_at_ms), "claimed_at", api_time_json(h->claimed_at_ms));
  if (out && with_qr) {
    const char *text = url_qr_text(req->app, &req->arena, URL_HANDOFF, h->id);
    struct qr_options opts = qr_options_default();
    opts.size_px = HANDOFF_QR_PX;
    struct buf svg;
    buf_init(&svg, &req->arena, 64 * 1024);
    if (text && qr_render_text(str_from_cstr(text), &opts, QR_FORMAT_SVG, &svg) == HT_OK)
      json_object_set_new(out, "qr_svg", json_stringn(svg.data, svg.len));
    json_object_set_new(out, "qr_text", json_string(text ? text : ""));
  }
  return out;
}

void api_handoffs_create(struct request *req, struct response *res) {
  if (!ratelimit_allow("handoff", request_peer_ip(req), HANDOFF_CREATE_PER_MINUTE, 60 * 1000, req->now_ms))
    return response_error(req, res, 429, "rate_limited", NULL,
                          "too many hand-offs from this address; wait a minute");
  json_t *body = request_json_object(req, res);
  if (!body || !json_fields_check(req, res, body, handoff_rules, COUNT(handoff_rules))) return;
  char code[CODE_LEN_MAX + 1];
  size_t len = 0;
  struct product p;
  int rc = code_normalize(json_get_str(body, "product_code"), code, sizeof code, &len) == HT_OK &&
                   len == CODE_PUBLIC_LEN
               ? store_product_by_code(req->db, &req->arena, str_from_cstr(code), &p)
               : HT_ENOTFOUND;
  if (rc == HT_OK && !str_eq(p.status, STR_LIT("active"))) rc = HT_ENOTFOUND;
  if (rc == HT_ENOTFOUND)
    return response_error(req, res, 404, "not_found", "product_code", "no such product");
  struct handoff h = {.merchant_id = p.merchant_id,
                      .product_id = p.id,
                      .quantity = json_has(body, "quantity") ? json_get_i64(body, "quantity") : 1,
                      .created_at_ms = req->now_ms,
                      .expires_at_ms = req->now_ms + HANDOFF_TTL_MS};
  if (rc == HT_OK) rc = store_handoff_create(req->db, &h);
  if (rc != HT_OK) return response_status_error(req, res, rc, "handoff");
  response_json(req, res, 201, handoff_json(req, &h, true));
}

void api_handoffs_get(struct request *req, struct response *res) {
  char id[CODE_LEN_MAX + 1];
  size_t len = 0;
  if (code_normalize(request_param(req, 0), id, sizeof id, &len) != HT_OK || len != CODE_PRIVATE_LEN)
    return response_error(req, res, 404, "not_found", NULL, "handoff not found");
  struct str wait = request_query(req, "wait");
  long long wait_s = 0;
  if (wait.data && (str_to_i64(wait, &wait_s) != HT_OK || wait_s < 0 || wait_s > HANDOFF_WAIT_S_MAX))
    return response_error(req, res, 400, "out_of_range", "wait", "wait must be 0..%d seconds",
                          HANDOFF_WAIT_S_MAX);
  if (req->wait_deadline_ms == 0) req->wait_deadline_ms = req->now_ms + wait_s * 1000;
  struct db *db = request_db(req, res);
  if (!db) return;
  struct handoff h;
  int rc = store_handoff_get(db, str_from_cstr(id), &h);
  if (rc != HT_OK) return response_status_error(req, res, rc, "handoff");
  response_json(req, res, 200, handoff_json(req, &h, false));
  bool pending = !h.claimed_at_ms && h.expires_at_ms > req->now_ms;
  if (pending && req->now_ms < req->wait_deadline_ms) response_wait(req, res, h.id);
}
