/* kvcache.c — sharded open addressing with short probe runs (see kvcache.h).
 *
 * Each shard counts its deletions (`generation`). A lookup that misses remembers, per thread,
 * which key it missed and the shard's count at that moment; a put of that key on that thread
 * is dropped when the count has moved since, because the value was read from the store before
 * the change that the deletion announced (a reader racing a writer's invalidation would
 * otherwise keep the old row for a whole TTL). */
#include "platform/kvcache.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "core/hash.h"

/* Shards: a power of two well above the worker-thread count. */
#define KVCACHE_SHARDS 64
/* Slots probed per lookup; a key lives in one of these, so lookups stay O(1). */
#define KVCACHE_PROBES 8

struct slot {
  uint64_t hash; /* 0: empty */
  uint8_t key_len;
  char key[KVCACHE_KEY_BYTES_MAX];
  int64_t stored_at_ms;
  char *value;
  size_t value_len;
};

struct shard {
  pthread_mutex_t lock;
  uint64_t generation; /* deletions and clears so far */
  struct slot *slots;
  size_t mask;
};

struct kvcache {
  int64_t ttl_ms;
  size_t value_bytes_max;
  struct shard shards[KVCACHE_SHARDS];
};

/* The last miss of this thread: which cache and key, and its shard's generation then. */
static _Thread_local struct {
  const struct kvcache *cache;
  uint64_t hash;
  uint64_t generation;
} last_miss;

static uint64_t hash_key(struct str key) {
  uint64_t h = hash_fnv1a_str(HASH_FNV1A_START, key);
  return h ? h : 1;
}

struct kvcache *kvcache_create(size_t capacity, int64_t ttl_ms, size_t value_bytes_max) {
  struct kvcache *c = calloc(1, sizeof *c);
  if (!c) return NULL;
  c->ttl_ms = ttl_ms;
  c->value_bytes_max = value_bytes_max;
  size_t per_shard = 16;
  while (per_shard * KVCACHE_SHARDS < capacity) per_shard *= 2;
  for (size_t i = 0; i < KVCACHE_SHARDS; i++) {
    pthread_mutex_init(&c->shards[i].lock, NULL);
    c->shards[i].slots = calloc(per_shard, sizeof(struct slot));
    c->shards[i].mask = per_shard - 1;
    if (!c->shards[i].slots) {
      kvcache_destroy(c);
      return NULL;
    }
  }
  return c;
}

static bool slot_is(const struct slot *s, uint64_t hash, struct str key) {
  return s->hash == hash && s->key_len == key.len && memcmp(s->key, key.data, key.len) == 0;
}

static void slot_clear(struct slot *s) {
  free(s->value);
  memset(s, 0, sizeof *s);
}

bool kvcache_get(struct kvcache *c, struct str key, int64_t now_ms, struct arena *arena, struct str *value) {
  if (key.len > KVCACHE_KEY_BYTES_MAX) return false;
  uint64_t hash = hash_key(key);
  struct shard *sh = &c->shards[hash % KVCACHE_SHARDS];
  bool found = false;
  pthread_mutex_lock(&sh->lock);
  for (size_t p = 0; p < KVCACHE_PROBES; p++) {
    struct slot *s = &sh->slots[(hash / KVCACHE_SHARDS + p) & sh->mask];
    if (!slot_is(s, hash, key)) continue;
    if (now_ms - s->stored_at_ms >= c->ttl_ms) {
      slot_clear(s);
      break;
    }
    char *copy = arena_strndup(arena, s->value, s->value_len);
    if (copy) *value = (struct str){copy, s->value_len}, found = true;
    break;
  }
  if (!found) last_miss.cache = c, last_miss.hash = hash, last_miss.generation = sh->generation;
  pthread_mutex_unlock(&sh->lock);
  return found;
}

void kvcache_put(struct kvcache *c, struct str key, struct str value, int64_t now_ms) {
  if (key.len > KVCACHE_KEY_BYTES_MAX || value.len > c->value_bytes_max) return;
  char *copy = malloc(value.len + 1);
  if (!copy) return;
  memcpy(copy, value.data, value.len);
  copy[value.len] = '\0';
  uint64_t hash = hash_key(key);
  struct shard *sh = &c->shards[hash % KVCACHE_SHARDS];
  pthread_mutex_lock(&sh->lock);
  if (last_miss.cache == c && last_miss.hash == hash) {
    bool stale = last_miss.generation != sh->generation;
    last_miss.cache = NULL;
    if (stale) {
      pthread_mutex_unlock(&sh->lock);
      free(copy);
      return;
    }
  }
  struct slot *target = NULL;
  for (size_t p = 0; p < KVCACHE_PROBES; p++) {
    struct slot *s = &sh->slots[(hash / KVCACHE_SHARDS + p) & sh->mask];
    if (slot_is(s, hash, key) || s->hash == 0) {
      target = s;
      break;
    }
    if (!target || s->stored_at_ms < target->stored_at_ms) target = s; /* evict the oldest probed */
  }
  slot_clear(target);
  target->hash = hash;
  target->key_len = (uint8_t)key.len;
  memcpy(target->key, key.data, key.len);
  target->stored_at_ms = now_ms;
  target->value = copy;
  target->value_len = value.len;
  pthread_mutex_unlock(&sh->lock);
}

void kvcache_delete(struct kvcache *c, struct str key) {
  if (key.len > KVCACHE_KEY_BYTES_MAX) return;
  uint64_t hash = hash_key(key);
  struct shard *sh = &c->shards[hash % KVCACHE_SHARDS];
  pthread_mutex_lock(&sh->lock);
  for (size_t p = 0; p < KVCACHE_PROBES; p++) {
    struct slot *s = &sh->slots[(hash / KVCACHE_SHARDS + p) & sh->mask];
    if (slot_is(s, hash, key)) slot_clear(s);
  }
  sh->generation++;
  pthread_mutex_unlock(&sh->lock);
}

void kvcache_clear(struct kvcache *c) {
  for (size_t i = 0; i < KVCACHE_SHARDS; i++) {
    struct shard *sh = &c->shards[i];
    pthread_mutex_lock(&sh->lock);
    for (size_t j = 0; j <= sh->mask; j++) slot_clear(&sh->slots[j]);
    sh->generation++;
    pthread_mutex_unlock(&sh->lock);
  }
}

void kvcache_destroy(struct kvcache *c) {
  if (!c) return;
  for (size_t i = 0; i < KVCACHE_SHARDS; i++) {
    struct shard *sh = &c->shards[i];
    if (sh->slots)
      for (size_t j = 0; j <= sh->mask; j++) free(sh->slots[j].value);
    free(sh->slots);
    pthread_mutex_destroy(&sh->lock);
  }
  free(c);
}
