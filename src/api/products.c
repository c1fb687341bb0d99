/* products.c — the product resource: create, read, update, archive, list.
 *
 * Validation happens here, before anything is written: field types and lengths through
 * validate.h, then the rules that need more than a type (currency allowlist, URL scheme,
 * status names, control characters in titles). The store only ever sees valid products. */
#include <string.h>

#include "api/api.h"
#include "api/common.h"
#include "core/money.h"
#include "core/status.h"
#include "core/utf8.h"
#include "http/limits.h"
#include "http/validate.h"
#include "store/products.h"
#include "web/code_cache.h"
#include "web/urls.h"

/* Product field limits (issue #2): titles 1..200 characters, descriptions up to 5,000. */
#define PRODUCT_TITLE_CHARS_MAX       200
#define PRODUCT_DESCRIPTION_CHARS_MAX 5000
/* Stock is a count of items; a billion is beyond any shop and far from overflow. */
#define PRODUCT_STOCK_MAX 1000000000LL
/* Image URLs, like every target URL we store: http/https, at most 2,048 bytes. */
#define URL_BYTES_MAX 2048

static const struct field_rule create_rules[] = {
    {"title", FIELD_STRING, true, false, 1, PRODUCT_TITLE_CHARS_MAX},
    {"description", FIELD_STRING, false, false, 0, PRODUCT_DESCRIPTION_CHARS_MAX},
    {"price_minor", FIELD_INTEGER, true, false, 1, AMOUNT_MINOR_MAX},
    {"currency", FIELD_STRING, false, false, 0, 0},
    {"stock", FIELD_INTEGER, false, false, 0, PRODUCT_STOCK_MAX},
    {"image_url", FIELD_STRING, false, true, 1, URL_BYTES_MAX},
    {"status", FIELD_STRING, false, false, 0, 0},
    {"delivery", FIELD_STRING, false, false, 0, 0},
};

/* The same fields, all optional, for PATCH. */
static const struct field_rule update_rules[] = {
    {"title", FIELD_STRING, false, false, 1, PRODUCT_TITLE_CHARS_MAX},
    {"description", FIELD_STRING, false, false, 0, PRODUCT_DESCRIPTION_CHARS_MAX},
    {"price_minor", FIELD_INTEGER, false, false, 1, AMOUNT_MINOR_MAX},
    {"currency", FIELD_STRING, false, false, 0, 0},
    {"stock", FIELD_INTEGER, false, false, 0, PRODUCT_STOCK_MAX},
    {"image_url", FIELD_STRING, false, true, 1, URL_BYTES_MAX},
    {"status", FIELD_STRING, false, false, 0, 0},
    {"delivery", FIELD_STRING, false, false, 0, 0},
};

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

static json_t *product_json(struct request *req, const struct product *p) {
  json_t *out = json_pack("{s:s, s:I, s:s, s:o, s:o, s:I, s:o, s:I, s:o, s:o, s:o, s:o, s:o}", "object",
                          "product", "id", (json_int_t)p->id, "code", p->code, "title",
                          api_str_json(p->title), "description", api_str_json(p->description), "price_minor",
                          (json_int_t)p->price_minor, "currency", api_str_json(p->currency), "stock",
                          (json_int_t)p->stock, "image_url", api_str_json(p->image_url), "status",
                          api_str_json(p->status), "delivery", api_str_json(p->delivery), "created_at",
                          api_time_json(p->created_at_ms), "updated_at", api_time_json(p->updated_at_ms));
  if (out) {
    json_object_set_new(out, "url", json_string(url_public(req->app, &req->arena, URL_PRODUCT, p->code)));
    json_object_set_new(out, "qr_url", json_string(url_qr_image(req->app, &req->arena, p->code, "svg")));
    json_object_set_new(out, "scan_url", json_string(url_qr_text(req->app, &req->arena, URL_SCAN, p->code)));
  }
  return out;
}

static bool has_control_chars(struct str s, bool allow_newlines) {
  for (size_t i = 0; i < s.len; i++) {
    unsigned char c = (unsigned char)s.data[i];
    if (allow_newlines && (c == '\n' || c == '\t' || c == '\r')) continue;
    if (c < 0x20 || c == 0x7f) return true;
  }
  return false;
}

static bool is_product_status(struct str s) {
  return str_eq(s, STR_LIT("active")) || str_eq(s, STR_LIT("draft")) || str_eq(s, STR_LIT("archived"));
}

/* Checks what types cannot express and applies every present field of `body` to `p`. */
static bool apply_fields(struct request *req, struct response *res, json_t *body, struct product *p) {
  if (json_has(body, "title")) {
    p->title = json_get_str(body, "title");
    if (str_trim(p->title).len == 0 || has_control_chars(p->title, false)) {
      response_error(req, res, 400, "invalid_value", "title",
                     "title must be visible text without control characters");
      return false;
    }
  }
  if (json_has(body, "description")) {
    p->description = json_get_str(body, "description");
    if (has_control_chars(p->description, true)) {
      response_error(req, res, 400, "invalid_value", "description", "description has control characters");
      return false;
    }
  }
  if (json_has(body, "price_minor")) p->price_minor = json_get_i64(body, "price_minor");
  if (json_has(body, "stock")) p->stock = json_get_i64(body, "stock");
  if (json_has(body, "currency")) {
    enum currency currency;
    p->currency = json_get_str(body, "currency");
    if (currency_from_code(p->currency, &currency) != HT_OK) {
      response_error(req, res, 400, "unsupported_currency", "currency",
                     "currency must be a supported ISO 4217 code such as CNY");
      return false;
    }
  }
  if (json_has(body, "image_url")) {
    p->image_url = json_is_null_field(body, "image_url") ? (struct str){0} : json_get_str(body, "image_url");
    if (p->image_url.data && !api_is_http_url(p->image_url)) {
      response_error(req, res, 400, "invalid_url", "image_url", "image_url must be an http or https URL");
      return false;
    }
  }
  if (json_has(body, "delivery")) {
    p->delivery = json_get_str(body, "delivery");
    if (!str_eq(p->delivery, STR_LIT("physical")) && !str_eq(p->delivery, STR_LIT("virtual")) &&
        !str_eq(p->delivery, STR_LIT("auto"))) {
      response_error(req, res, 400, "invalid_value", "delivery",
                     "delivery must be physical, virtual or auto");
      return false;
    }
  }
  if (json_has(body, "status")) {
    p->status = json_get_str(body, "status");
    if (!is_product_status(p->status)) {
      response_error(req, res, 400, "invalid_value", "status", "status must be active, draft or archived");
      return false;
    }
  }
  return true;
}

void api_products_create(struct request *req, struct response *res) {
  json_t *body = request_json_object(req, res);
  if (!body || !json_fields_check(req, res, body, create_rules, COUNT(create_rules))) return;
  struct product p = {.merchant_id = req->merchant_id,
                      .description = STR_LIT(""),
                      .currency = str_from_cstr(currency_code(CURRENCY_DEFAULT)),
                      .status = STR_LIT("active"),
                      .delivery = STR_LIT("physical")};
  if (!apply_fields(req, res, body, &p)) return;
  int rc = store_product_create(req->db, &p, req->now_ms);
  if (rc != HT_OK) {
    response_status_error(req, res, rc, "product");
    return;
  }
  char location[64];
  snprintf(location, sizeof location, "/v1/products/%lld", (long long)p.id);
  response_header(req, res, "Location", location);
  response_json(req, res, 201, product_json(req, &p));
}

void api_products_get(struct request *req, struct response *res) {
  int64_t id;
  if (!api_path_id(req, res, 0, "product", &id)) return;
  struct db *db = request_db(req, res);
  if (!db) return;
  struct product p;
  int rc = store_product_get(db, &req->arena, req->merchant_id, id, &p);
  if (rc != HT_OK) {
    response_status_error(req, res, rc, "product");
    return;
  }
  response_json(req, res, 200, product_json(req, &p));
}

void api_products_update(struct request *req, struct response *res) {
  int64_t id;
  if (!api_path_id(req, res, 0, "product", &id)) return;
  json_t *body = request_json_object(req, res);
  if (!body || !json_fields_check(req, res, body, update_rules, COUNT(update_rules))) return;
  struct product p;
  int rc = store_product_get(req->db, &req->arena, req->merchant_id, id, &p);
  if (rc == HT_OK && !apply_fields(req, res, body, &p)) return;
  if (rc == HT_OK) rc = store_product_update(req->db, &p, req->now_ms);
  if (rc == HT_OK) code_cache_forget(str_from_cstr(p.code)); /* the landing shows the change at once */
  if (rc != HT_OK) {
    response_status_error(req, res, rc, "product");
    return;
  }
  response_json(req, res, 200, product_json(req, &p));
}

void api_products_archive(struct request *req, struct response *res) {
  int64_t id;
  if (!api_path_id(req, res, 0, "product", &id)) return;
  struct product p;
  int rc = store_product_get(req->db, &req->arena, req->merchant_id, id, &p);
  if (rc == HT_OK && !str_eq(p.status, STR_LIT("archived"))) {
    p.status = STR_LIT("archived");
    rc = store_product_update(req->db, &p, req->now_ms);
    if (rc == HT_OK) code_cache_forget(str_from_cstr(p.code));
  }
  if (rc != HT_OK) {
    response_status_error(req, res, rc, "product");
    return;
  }
  response_json(req, res, 200, product_json(req, &p));
}

static bool parse_listing(struct request *req, struct response *res, enum product_listing *which) {
  struct str status = request_query(req, "status");
  *which = PRODUCTS_CURRENT;
  if (!status.data) return true;
  if (str_eq(status, STR_LIT("active")))
    *which = PRODUCTS_ACTIVE;
  else if (str_eq(status, STR_LIT("draft")))
    *which = PRODUCTS_DRAFT;
  else if (str_eq(status, STR_LIT("archived")))
    *which = PRODUCTS_ARCHIVED;
  else if (str_eq(status, STR_LIT("all")))
    *which = PRODUCTS_ALL;
  else {
    response_error(req, res, 400, "invalid_value", "status", "status must be active, draft, archived or all");
    return false;
  }
  return true;
}

void api_products_list(struct request *req, struct response *res) {
  size_t limit;
  int64_t before_id;
  enum product_listing which;
  if (!api_page_params(req, res, &limit, &before_id) || !parse_listing(req, res, &which)) return;
  struct db *db = request_db(req, res);
  if (!db) return;
  struct product *items = arena_alloc(&req->arena, sizeof *items * (limit + 1));
  size_t count = 0;
  int rc = items ? store_product_list(db, &req->arena, req->merchant_id, which, before_id, limit + 1, items,
                                      &count)
                 : HT_ENOMEM;
  if (rc != HT_OK) {
    response_status_error(req, res, rc, "products");
    return;
  }
  bool has_more = count > limit;
  if (has_more) count = limit;
  json_t *data = json_array();
  for (size_t i = 0; i < count; i++) json_array_append_new(data, product_json(req, &items[i]));
  json_t *next = has_more ? api_cursor_json(req, items[count - 1].id) : json_null();
  response_json(req, res, 200,
                json_pack("{s:s, s:o, s:b, s:o}", "object", "list", "data", data, "has_more", has_more,
                          "next_cursor", next));
}
