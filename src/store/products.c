/* products.c — product rows (see products.h). */
#include "store/products.h"

#include <string.h>

#include "core/status.h"
#include "store/changes.h"
#include "store/codes.h"

#define PRODUCT_COLUMNS                                                                                      \
  "id, merchant_id, title, description, price_minor, currency, stock, image_url, status, created_at_ms,"     \
  " updated_at_ms, code, delivery"

DB_SQL(
    SQL_PRODUCT_INSERT,
    "INSERT INTO products (merchant_id, title, description, price_minor, currency, stock, image_url, status,"
    " created_at_ms, updated_at_ms, code, delivery) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9, $10, $11)"
    " RETURNING id");
DB_SQL(SQL_PRODUCT_BY_CODE, "SELECT " PRODUCT_COLUMNS " FROM products WHERE code = $1");
DB_SQL(SQL_PRODUCT_GET, "SELECT " PRODUCT_COLUMNS " FROM products WHERE id = $1 AND merchant_id = $2");
DB_SQL(SQL_PRODUCT_UPDATE,
       "UPDATE products SET title = $3, description = $4, price_minor = $5, currency = $6,"
       " stock = $7, image_url = $8, status = $9, updated_at_ms = $10, delivery = $11"
       " WHERE id = $1 AND merchant_id = $2");
/* $3 and $4 pick the statuses: equal values select one status, 'active'/'draft' the current
 * catalogue, and '*' everything. */
DB_SQL(SQL_PRODUCT_LIST, "SELECT " PRODUCT_COLUMNS " FROM products WHERE merchant_id = $1 AND id < $2"
                         " AND ($3 = '*' OR status = $3 OR status = $4) ORDER BY id DESC LIMIT $5");

DB_SQL(SQL_PRODUCT_COUNT, "SELECT COUNT(*) FROM products WHERE merchant_id = $1"
                          " AND ($2 = '*' OR status = $2 OR status = $3)");
DB_SQL(SQL_PRODUCT_SITEMAP, "SELECT code, updated_at_ms FROM products WHERE status = 'active'"
                            " ORDER BY updated_at_ms DESC LIMIT $1");

static int copy_str(struct arena *arena, struct str in, struct str *out) {
  char *copy = arena_strdup_str(arena, in);
  if (!copy) return HT_ENOMEM;
  *out = (struct str){copy, in.len};
  return HT_OK;
}

static int read_product(const struct db_rows *rows, struct arena *arena, struct product *p) {
  p->id = db_i64(rows, 0);
  p->merchant_id = db_i64(rows, 1);
  p->price_minor = db_i64(rows, 4);
  p->stock = db_i64(rows, 6);
  p->created_at_ms = db_i64(rows, 9);
  p->updated_at_ms = db_i64(rows, 10);
  p->image_url = (struct str){0};
  struct str code = db_text(rows, 11);
  if (code.len > CODE_PUBLIC_LEN) return HT_EIO;
  memcpy(p->code, code.data, code.len);
  p->code[code.len] = '\0';
  int rc = copy_str(arena, db_text(rows, 2), &p->title);
  if (!rc) rc = copy_str(arena, db_text(rows, 3), &p->description);
  if (!rc) rc = copy_str(arena, db_text(rows, 5), &p->currency);
  if (!rc && !db_is_null(rows, 7)) rc = copy_str(arena, db_text(rows, 7), &p->image_url);
  if (!rc) rc = copy_str(arena, db_text(rows, 8), &p->status);
  if (!rc) rc = copy_str(arena, db_text(rows, 12), &p->delivery);
  return rc;
}

int store_product_create(struct db *db, struct product *p, int64_t now_ms) {
  p->created_at_ms = p->updated_at_ms = now_ms;
  if (!p->delivery.data) p->delivery = STR_LIT("physical");
  int rc = store_code_reserve(db, CODE_KIND_PRODUCT, p->code);
  if (rc == HT_OK)
    rc = db_query_i64(db, &SQL_PRODUCT_INSERT,
                      DB_ARGS(DB_I64(p->merchant_id), DB_TEXT(p->title), DB_TEXT(p->description),
                              DB_I64(p->price_minor), DB_TEXT(p->currency), DB_I64(p->stock),
                              DB_TEXT_OR_NULL(p->image_url), DB_TEXT(p->status), DB_I64(now_ms),
                              DB_CSTR(p->code), DB_TEXT(p->delivery)),
                      &p->id);
  if (rc == HT_OK) rc = store_code_bind(db, p->code, p->merchant_id, p->id);
  return rc;
}

int store_product_by_code(struct db *db, struct arena *arena, struct str code, struct product *out) {
  struct db_rows rows;
  int rc = db_query(db, &SQL_PRODUCT_BY_CODE, DB_ARGS(DB_TEXT(code)), &rows);
  if (rc == HT_OK) {
    int step = db_next(&rows);
    rc = step == 1 ? read_product(&rows, arena, out) : step == 0 ? HT_ENOTFOUND : step;
  }
  db_rows_done(&rows);
  return rc;
}

int store_product_get(struct db *db, struct arena *arena, int64_t merchant_id, int64_t id,
                      struct product *out) {
  struct db_rows rows;
  int rc = db_query(db, &SQL_PRODUCT_GET, DB_ARGS(DB_I64(id), DB_I64(merchant_id)), &rows);
  if (rc == HT_OK) {
    int step = db_next(&rows);
    rc = step == 1 ? read_product(&rows, arena, out) : step == 0 ? HT_ENOTFOUND : step;
  }
  db_rows_done(&rows);
  return rc;
}

int store_product_update(struct db *db, struct product *p, int64_t now_ms) {
  int64_t changed = 0;
  int rc = db_exec(db, &SQL_PRODUCT_UPDATE,
                   DB_ARGS(DB_I64(p->id), DB_I64(p->merchant_id), DB_TEXT(p->title), DB_TEXT(p->description),
                           DB_I64(p->price_minor), DB_TEXT(p->currency), DB_I64(p->stock),
                           DB_TEXT_OR_NULL(p->image_url), DB_TEXT(p->status), DB_I64(now_ms),
                           DB_TEXT(p->delivery)),
                   &changed);
  if (rc == HT_OK && changed == 0) return HT_ENOTFOUND;
  if (rc == HT_OK) p->updated_at_ms = now_ms;
  if (rc == HT_OK)
    rc = store_changed(db, CHANGE_CODE, str_from_cstr(p->code)); /* nodes show it from memory */
  return rc;
}

static void listing_statuses(enum product_listing which, const char **a, const char **b) {
  switch (which) {
  case PRODUCTS_ACTIVE: *a = *b = "active"; break;
  case PRODUCTS_DRAFT: *a = *b = "draft"; break;
  case PRODUCTS_ARCHIVED: *a = *b = "archived"; break;
  case PRODUCTS_ALL: *a = *b = "*"; break;
  default: *a = "active", *b = "draft";
  }
}

int store_product_list(struct db *db, struct arena *arena, int64_t merchant_id, enum product_listing which,
                       int64_t before_id, size_t limit, struct product *out, size_t *count) {
  const char *status_a, *status_b;
  listing_statuses(which, &status_a, &status_b);
  if (before_id <= 0) before_id = INT64_MAX;
  struct db_rows rows;
  *count = 0;
  int rc = db_query(
      db, &SQL_PRODUCT_LIST,
      DB_ARGS(DB_I64(merchant_id), DB_I64(before_id), DB_CSTR(status_a), DB_CSTR(status_b), DB_I64(limit)),
      &rows);
  int step = 0;
  while (rc == HT_OK && *count < limit && (step = db_next(&rows)) == 1) {
    rc = read_product(&rows, arena, &out[*count]);
    if (rc == HT_OK) (*count)++;
  }
  if (rc == HT_OK && step < 0) rc = step;
  db_rows_done(&rows);
  return rc;
}

int store_product_sitemap(struct db *db, size_t limit,
                          void (*each)(void *user, struct str code, int64_t updated_at_ms), void *user) {
  struct db_rows rows;
  int rc = db_query(db, &SQL_PRODUCT_SITEMAP, DB_ARGS(DB_I64(limit)), &rows);
  int step = 0;
  while (rc == HT_OK && (step = db_next(&rows)) == 1) each(user, db_text(&rows, 0), db_i64(&rows, 1));
  if (rc == HT_OK && step < 0) rc = step;
  db_rows_done(&rows);
  return rc;
}

int store_product_count(struct db *db, int64_t merchant_id, enum product_listing which, int64_t *count) {
  const char *status_a, *status_b;
  listing_statuses(which, &status_a, &status_b);
  return db_query_i64(db, &SQL_PRODUCT_COUNT,
                      DB_ARGS(DB_I64(merchant_id), DB_CSTR(status_a), DB_CSTR(status_b)), count);
}
