/* ratelimit.c — a striped table of fixed-window counters (see ratelimit.h). */
#include "http/ratelimit.h"

#include <pthread.h>
#include <string.h>

#include "core/hash.h"

#define RATELIMIT_STRIPES 64

struct counter {
  uint64_t key_hash;
  int64_t window_start_ms;
  int count;
};

static struct counter counters[RATELIMIT_SLOTS];
static pthread_mutex_t stripes[RATELIMIT_STRIPES] = {[0 ... RATELIMIT_STRIPES - 1] =
                                                         PTHREAD_MUTEX_INITIALIZER};

static uint64_t hash2(const char *a, const char *b) {
  static const unsigned char separator = 0xff; /* in no UTF-8 text: "ab"+"c" differs from "a"+"bc" */
  uint64_t h = hash_fnv1a_cstr(HASH_FNV1A_START, a);
  h = hash_fnv1a_cstr(hash_fnv1a(h, &separator, 1), b);
  return h ? h : 1;
}

bool ratelimit_allow(const char *action, const char *client, int limit, int64_t window_ms, int64_t now_ms) {
  uint64_t h = hash2(action, client);
  size_t slot = (size_t)(h % RATELIMIT_SLOTS);
  pthread_mutex_t *lock = &stripes[slot % RATELIMIT_STRIPES];
  pthread_mutex_lock(lock);
  struct counter *c = &counters[slot];
  if (c->key_hash != h || now_ms - c->window_start_ms >= window_ms) {
    if (c->key_hash != h && now_ms - c->window_start_ms < window_ms && c->count > 0) {
      /* Another client's live window: share it rather than reset it. */
    } else {
      c->key_hash = h;
      c->window_start_ms = now_ms;
      c->count = 0;
    }
  }
  bool allowed = c->count < limit;
  if (allowed) c->count++;
  pthread_mutex_unlock(lock);
  return allowed;
}

bool ratelimit_exhausted(const char *action, const char *client, int limit, int64_t window_ms,
                         int64_t now_ms) {
  uint64_t h = hash2(action, client);
  size_t slot = (size_t)(h % RATELIMIT_SLOTS);
  pthread_mutex_t *lock = &stripes[slot % RATELIMIT_STRIPES];
  pthread_mutex_lock(lock);
  const struct counter *c = &counters[slot];
  /* A live window of this key, or of a colliding one (shared, as in ratelimit_allow()). */
  bool live = now_ms - c->window_start_ms < window_ms && c->count > 0;
  bool exhausted = live && c->count >= limit;
  pthread_mutex_unlock(lock);
  return exhausted;
}

void ratelimit_reset(void) {
  for (size_t i = 0; i < RATELIMIT_STRIPES; i++) pthread_mutex_lock(&stripes[i]);
  memset(counters, 0, sizeof counters);
  for (size_t i = RATELIMIT_STRIPES; i > 0; i--) pthread_mutex_unlock(&stripes[i - 1]);
}
