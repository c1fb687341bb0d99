/*
 * kvcache.h — a bounded, thread-safe, time-limited cache of small values by short key.
 *
 * The hot public paths (/R/ redirects, /P/ landings, token expiries) read mostly-unchanging
 * rows; this keeps them in memory. It is sharded (one mutex per shard) so the worker threads
 * rarely meet, bounded (fixed slots; a full neighbourhood evicts its oldest entry), and every
 * entry expires after the cache's TTL, which bounds how stale another node's change can look
 * when several nodes share a database (see docs/SCALING.md). Writers delete the affected keys
 * once their change has committed (platform/changes.h: this node at once, other nodes through
 * the database's notifications). A put that follows this thread's miss of the same key is
 * dropped when a delete or clear reached the key's shard in between, so a reader that raced a
 * writer cannot put back the row it read before the change.
 */
#ifndef HUTONG_PLATFORM_KVCACHE_H
#define HUTONG_PLATFORM_KVCACHE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/arena.h"
#include "core/str.h"

/* Longest key (codes are 6..16 symbols plus a short namespace prefix). */
#define KVCACHE_KEY_BYTES_MAX 47
struct kvcache;

/* Creates a cache of about `capacity` entries whose entries live `ttl_ms`; values larger than
 * `value_bytes_max` are simply not cached. NULL on ENOMEM. */
struct kvcache *kvcache_create(size_t capacity, int64_t ttl_ms, size_t value_bytes_max);

/* Copies the value for `key` into `arena` and returns true when present and fresh. */
bool kvcache_get(struct kvcache *cache, struct str key, int64_t now_ms, struct arena *arena,
                 struct str *value);

/* Stores a copy of `value` for `key` (replacing any older one), unless this thread's last
 * miss was this key and a delete or clear has reached its shard since (see above). */
void kvcache_put(struct kvcache *cache, struct str key, struct str value, int64_t now_ms);

/* Forgets `key`. */
void kvcache_delete(struct kvcache *cache, struct str key);

/* Forgets every entry (after notifications may have been missed). */
void kvcache_clear(struct kvcache *cache);

/* Frees the cache and every value. NULL is allowed. */
void kvcache_destroy(struct kvcache *cache);

#endif
