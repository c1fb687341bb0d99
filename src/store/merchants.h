/*
 * merchants.h — merchants and their API keys.
 *
 * An API key is 32 random bytes shown to the merchant once; the store keeps only its
 * SHA-256 (hex) and a short printable prefix for listings. Authentication looks the hash up;
 * a revoked key stops working at once.
 */
#ifndef HUTONG_STORE_MERCHANTS_H
#define HUTONG_STORE_MERCHANTS_H

#include <stdint.h>

#include "core/arena.h"
#include "core/code.h"
#include "store/db.h"

struct merchant {
  int64_t id;
  struct str name;
  char code[CODE_PUBLIC_LEN + 1]; /* the store's public code (/S/{code}) */
  struct str app_link;            /* deep link template with {code}; data NULL when none */
  int64_t created_at_ms;
};

struct api_key_info {
  int64_t id;
  int64_t merchant_id;
  struct str prefix;
  int64_t created_at_ms;
  int64_t revoked_at_ms; /* 0 while active */
};

/* Creates a merchant with a fresh store code; stores its id in `*id`. Must run inside a
 * write transaction (or alone, when it opens its own). */
int store_merchant_create(struct db *db, struct str name, int64_t now_ms, int64_t *id);

/* Reads merchant `id`, copying strings into `arena`. HT_ENOTFOUND when absent. */
int store_merchant_get(struct db *db, struct arena *arena, int64_t id, struct merchant *out);

/* Sets (or with an empty view clears) merchant `id`'s verified domain. HT_ENOTFOUND when absent. */
int store_merchant_set_domain(struct db *db, int64_t id, struct str domain);

/* Calls `each` for every verified merchant domain. */
int store_merchant_domains(struct db *db, void (*each)(void *, struct str domain), void *user);

/* Records a new key for `merchant_id` by its hash and display prefix. HT_ENOTFOUND when the
 * merchant does not exist. */
int store_apikey_create(struct db *db, int64_t merchant_id, struct str key_hash_hex, struct str prefix,
                        int64_t now_ms, int64_t *key_id);

/* Finds the merchant owning an active key with this hash. HT_ENOTFOUND for unknown or
 * revoked keys. */
int store_apikey_authenticate(struct db *db, struct str key_hash_hex, int64_t *merchant_id);

/* Revokes key `key_id`. HT_ENOTFOUND when no active key has that id. */
int store_apikey_revoke(struct db *db, int64_t key_id, int64_t now_ms);

/* Calls `each` for every key of `merchant_id` (active and revoked), oldest first. */
int store_apikey_list(struct db *db, int64_t merchant_id, void (*each)(const struct api_key_info *, void *),
                      void *user);

#endif
