/*
 * products.h — a merchant's catalogue rows.
 *
 * Every query is scoped by merchant: another merchant's product id reads as not found.
 * Records returned here copy their strings into the caller's arena.
 */
#ifndef HUTONG_STORE_PRODUCTS_H
#define HUTONG_STORE_PRODUCTS_H

#include <stddef.h>
#include <stdint.h>

#include "core/arena.h"
#include "core/code.h"
#include "store/db.h"

struct product {
  int64_t id;
  int64_t merchant_id;
  char code[CODE_PUBLIC_LEN + 1]; /* public short code, assigned on creation */
  struct str title;
  struct str description;
  int64_t price_minor;
  struct str currency;
  int64_t stock;
  struct str image_url; /* data == NULL when there is none */
  struct str status;    /* "active", "draft" or "archived" */
  struct str delivery;  /* "physical", "virtual" or "auto" (auto-delivered): sets escrow timers */
  int64_t created_at_ms;
  int64_t updated_at_ms;
};

/* Which statuses a listing includes. */
enum product_listing { PRODUCTS_CURRENT, PRODUCTS_ACTIVE, PRODUCTS_DRAFT, PRODUCTS_ARCHIVED, PRODUCTS_ALL };

/* Inserts `p`, reserving its public code (id, code and timestamps are filled in). Must run
 * inside a write transaction. */
int store_product_create(struct db *db, struct product *p, int64_t now_ms);

/* Reads product `id` of `merchant_id`. HT_ENOTFOUND when absent or another merchant's. */
int store_product_get(struct db *db, struct arena *arena, int64_t merchant_id, int64_t id,
                      struct product *out);

/* Reads the product named by public code `code` (any merchant). HT_ENOTFOUND when absent. */
int store_product_by_code(struct db *db, struct arena *arena, struct str code, struct product *out);

/* Writes every mutable field of `p` (matched by id and merchant), bumps updated_at and
 * announces the change of its code (store/changes.h) at commit. HT_ENOTFOUND when no such row. */
int store_product_update(struct db *db, struct product *p, int64_t now_ms);

/* Lists up to `limit` products of `merchant_id` with id < `before_id` (0: from the newest),
 * newest first, into `out`; stores how many in `*count`. */
int store_product_list(struct db *db, struct arena *arena, int64_t merchant_id, enum product_listing which,
                       int64_t before_id, size_t limit, struct product *out, size_t *count);

/* Counts the products of `merchant_id` that a listing of `which` would return (the total a
 * progress bar needs before streaming them). */
int store_product_count(struct db *db, int64_t merchant_id, enum product_listing which, int64_t *count);

/* Calls `each` for up to `limit` active products of every merchant (code, updated_at), most
 * recently updated first: the sitemap. */
int store_product_sitemap(struct db *db, size_t limit,
                          void (*each)(void *user, struct str code, int64_t updated_at_ms), void *user);

#endif
