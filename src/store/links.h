/*
 * links.h — campaign links, share tokens and desktop→phone handoffs: the rows behind
 * /R/{code}, ￥CODE￥ and /H/{id}.
 */
#ifndef HUTONG_STORE_LINKS_H
#define HUTONG_STORE_LINKS_H

#include <stddef.h>
#include <stdint.h>

#include "core/arena.h"
#include "core/code.h"
#include "store/db.h"

struct link {
  int64_t id;
  int64_t merchant_id;
  char code[CODE_PUBLIC_LEN + 1];
  struct str target_url;
  struct str channel;    /* data NULL when none */
  int64_t expires_at_ms; /* 0 when it never expires */
  int64_t created_at_ms;
  int64_t updated_at_ms;
};

/* Inserts `l` with a fresh code (inside a write transaction); fills id, code, timestamps. */
int store_link_create(struct db *db, struct link *l, int64_t now_ms);

/* Reads link `code`; when merchant_id > 0 only that merchant's. HT_ENOTFOUND when absent. */
int store_link_get(struct db *db, struct arena *arena, int64_t merchant_id, struct str code,
                   struct link *out);

/* Writes target, channel and expiry of link `l->code` owned by `l->merchant_id`, and announces
 * the change of the code (store/changes.h) at commit. */
int store_link_update(struct db *db, struct link *l, int64_t now_ms);

/* Lists up to `limit` links of a merchant with id < before_id (0: newest first). */
int store_link_list(struct db *db, struct arena *arena, int64_t merchant_id, int64_t before_id, size_t limit,
                    struct link *out, size_t *count);

/* Records a share token for product `product_id` (whose public code is `code`) and announces
 * the change of the code (store/changes.h) at commit. */
int store_token_create(struct db *db, int64_t merchant_id, int64_t product_id, const char *code,
                       struct str channel, int64_t now_ms, int64_t expires_at_ms);

/* The latest expiry among tokens issued for `code`. HT_ENOTFOUND when none was issued. */
int store_token_latest_expiry(struct db *db, struct str code, int64_t *expires_at_ms);

struct handoff {
  char id[CODE_PRIVATE_LEN + 1];
  int64_t merchant_id;
  int64_t product_id;
  int64_t quantity;
  int64_t created_at_ms;
  int64_t expires_at_ms;
  int64_t claimed_at_ms; /* 0 while unclaimed */
};

/* Inserts a handoff with a fresh 80-bit id (written into h->id). */
int store_handoff_create(struct db *db, struct handoff *h);

/* Reads handoff `id`. HT_ENOTFOUND when absent. */
int store_handoff_get(struct db *db, struct str id, struct handoff *out);

/* Marks handoff `id` claimed if it is unclaimed and unexpired at `now_ms`: HT_OK when this
 * call claimed it, HT_ECONFLICT when it was already claimed or has expired (single use). */
int store_handoff_claim(struct db *db, struct str id, struct str claimed_by, int64_t now_ms);

/* Deletes handoffs that expired before `before_ms`. */
int store_handoff_purge(struct db *db, int64_t before_ms, int64_t *deleted);

#endif
