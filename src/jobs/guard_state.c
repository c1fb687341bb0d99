/* guard_state.c — loading feeds and swapping guard snapshots (see guard_state.h). */
#include "jobs/guard_state.h"

#include <dirent.h>
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "core/hash.h"
#include "core/status.h"
#include "platform/clock.h"
#include "platform/log.h"

/* Domains that come from the configuration stay first in `extra`; merchant domains follow. */
struct guard_state {
  pthread_mutex_t swap_lock;   /* guards `current` and the reference taken on it */
  pthread_mutex_t reload_lock; /* one reload at a time (SIGHUP and the scheduler may both ask) */
  struct guard_snapshot *current;
  char feeds_dir[1024];
  unsigned char link_key[32];
  struct str *extra; /* views of extra_text: configuration + merchant domains */
  char **extra_text; /* owned copies */
  size_t extra_count;
  size_t config_count;         /* how many of `extra` came from the configuration */
  uint64_t fingerprint;        /* of the directory's listing when last loaded */
  uint64_t failed_fingerprint; /* of the listing whose load last failed (0: none) */
  uint64_t next_generation;    /* given to the next snapshot built; under reload_lock */
  _Atomic uint64_t generation; /* the current snapshot's, readable without a lock */
};

/* A fingerprint of the directory's regular files: names, sizes, modification times. */
static uint64_t directory_fingerprint(const char *dir) {
  uint64_t h = HASH_FNV1A_START;
  DIR *d = dir[0] ? opendir(dir) : NULL;
  if (!d) return h;
  struct dirent *e;
  while ((e = readdir(d))) {
    if (e->d_name[0] == '.') continue;
    char path[2048];
    struct stat st;
    snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
    if (stat(path, &st) != 0 || !S_ISREG(st.st_mode)) continue;
    uint64_t size = (uint64_t)st.st_size;
    uint64_t modified_ns = (uint64_t)st.st_mtim.tv_sec * 1000000000ULL + (uint64_t)st.st_mtim.tv_nsec;
    h = hash_fnv1a_cstr(h, e->d_name);
    h = hash_fnv1a(h, &size, sizeof size);
    h = hash_fnv1a(h, &modified_ns, sizeof modified_ns);
  }
  closedir(d);
  return h;
}

int guard_load_feed_file(struct blocklist_builder *b, const char *path, struct feed_stats *stats,
                         enum feed_format *format, char error[256]) {
  FILE *f = fopen(path, "rb");
  if (!f) return snprintf(error, 256, "%s: %s", path, strerror(errno)), HT_EIO;
  struct stat st;
  int rc = fstat(fileno(f), &st) == 0 ? HT_OK : HT_EIO;
  if (rc == HT_OK && st.st_size > GUARD_FEED_FILE_BYTES_MAX) rc = HT_ETOOBIG;
  char *data = rc == HT_OK ? malloc((size_t)st.st_size + 1) : NULL;
  if (rc == HT_OK && !data) rc = HT_ENOMEM;
  if (rc == HT_OK && fread(data, 1, (size_t)st.st_size, f) != (size_t)st.st_size) rc = HT_EIO;
  fclose(f);
  const char *name = strrchr(path, '/');
  enum feed_format detected = rc == HT_OK ? feed_detect((struct str){data, (size_t)st.st_size}) : FEED_AUTO;
  if (format) *format = detected;
  if (rc == HT_OK)
    rc = blocklist_builder_add_feed(b, (struct str){data, (size_t)st.st_size}, detected,
                                    str_from_cstr(name ? name + 1 : path), stats);
  if (rc != HT_OK) snprintf(error, 256, "%s: %s", path, ht_status_name(rc));
  free(data);
  return rc;
}

static int load_directory(const char *dir, struct blocklist **out, size_t *files, char error[256]) {
  struct blocklist_builder *b;
  int rc = blocklist_builder_create(&b);
  if (rc != HT_OK) return rc;
  *files = 0;
  DIR *d = dir[0] ? opendir(dir) : NULL;
  if (dir[0] && !d && errno != ENOENT) rc = (snprintf(error, 256, "%s: %s", dir, strerror(errno)), HT_EIO);
  struct dirent *e;
  while (rc == HT_OK && d && (e = readdir(d))) {
    if (e->d_name[0] == '.') continue;
    char path[2048];
    struct stat st;
    snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
    if (stat(path, &st) != 0 || !S_ISREG(st.st_mode)) continue;
    if (++*files > GUARD_FEED_FILES_MAX)
      rc = (snprintf(error, 256, "more than %d feed files", GUARD_FEED_FILES_MAX), HT_ETOOBIG);
    struct feed_stats stats = {0};
    if (rc == HT_OK) rc = guard_load_feed_file(b, path, &stats, NULL, error);
  }
  if (d) closedir(d);
  if (rc != HT_OK) {
    blocklist_builder_free(b);
    return rc;
  }
  return blocklist_build(b, out);
}

/* Drops merchant domain `index` (>= config_count) from the protected set. */
static void drop_extra(struct guard_state *state, size_t index) {
  free(state->extra_text[index]);
  for (size_t i = index + 1; i < state->extra_count; i++) {
    state->extra_text[i - 1] = state->extra_text[i];
    state->extra[i - 1] = state->extra[i];
  }
  state->extra_count--;
}

/* The lookalike checker over the built-in brands and `extra`. A merchant domain it refuses is
 * dropped (and logged) and the build retried, at most once per merchant domain; a configured
 * domain it refuses fails the build. */
static int build_lookalike(struct guard_state *state, struct lookalike_ctx **out, char error[256]) {
  for (;;) {
    size_t bad = SIZE_MAX;
    int rc = lookalike_ctx_create(NULL, state->extra, state->extra_count, out, &bad);
    if (rc != HT_EINVAL || bad >= state->extra_count) return rc;
    if (bad < state->config_count) {
      snprintf(error, 256, "protected domain '%.*s' (HUTONG_GUARD_DOMAINS) is not a domain",
               (int)(state->extra[bad].len < 200 ? state->extra[bad].len : 200), state->extra[bad].data);
      return rc;
    }
    log_event(LOG_ERROR, NULL, "verified merchant domain '%.*s' is not a domain; not protected",
              (int)(state->extra[bad].len < 200 ? state->extra[bad].len : 200), state->extra[bad].data);
    drop_extra(state, bad);
  }
}

/* Builds a complete snapshot from the directory and the protected domains; the caller holds
 * reload_lock (or is the only thread, at creation). */
static int build_snapshot(struct guard_state *state, struct guard_snapshot **out, char error[256]) {
  struct guard_snapshot *s = calloc(1, sizeof *s);
  if (!s) return HT_ENOMEM;
  uint64_t fingerprint = directory_fingerprint(state->feeds_dir);
  int rc = load_directory(state->feeds_dir, &s->blocklist, &s->files, error);
  if (rc == HT_OK) rc = build_lookalike(state, &s->lookalike, error);
  if (rc != HT_OK) {
    if (!error[0]) snprintf(error, 256, "%s", ht_status_name(rc));
    state->failed_fingerprint = fingerprint;
    blocklist_free(s->blocklist);
    free(s);
    return rc;
  }
  s->entries = blocklist_count(s->blocklist);
  s->loaded_at_ms = clock_now_ms();
  s->generation = ++state->next_generation;
  s->ctx = (struct guard_ctx){.blocklist = s->blocklist,
                              .lookalike = s->lookalike,
                              .link_key = {(const char *)state->link_key, sizeof state->link_key}};
  atomic_store(&s->refs, 1); /* the state's own reference */
  state->fingerprint = fingerprint;
  state->failed_fingerprint = 0;
  *out = s;
  return HT_OK;
}

static bool add_extra(struct guard_state *state, struct str domain) {
  domain = str_trim(domain);
  if (domain.len == 0) return true;
  if (state->extra_count == GUARD_EXTRA_DOMAINS_MAX) return false;
  char *copy = strndup(domain.data, domain.len);
  if (!copy) return false;
  state->extra_text[state->extra_count] = copy;
  state->extra[state->extra_count++] = (struct str){copy, domain.len};
  return true;
}

int guard_state_create(const struct guard_config *config, const struct str *merchant_domains,
                       size_t domain_count, struct guard_state **out, char error[256]) {
  struct guard_state *state = calloc(1, sizeof *state);
  if (!state || !(state->extra = calloc(GUARD_EXTRA_DOMAINS_MAX, sizeof *state->extra)) ||
      !(state->extra_text = calloc(GUARD_EXTRA_DOMAINS_MAX, sizeof *state->extra_text))) {
    if (state) free(state->extra);
    free(state);
    return HT_ENOMEM;
  }
  pthread_mutex_init(&state->swap_lock, NULL);
  pthread_mutex_init(&state->reload_lock, NULL);
  snprintf(state->feeds_dir, sizeof state->feeds_dir, "%s", config->feeds_dir ? config->feeds_dir : "");
  memcpy(state->link_key, config->link_key, sizeof state->link_key);
  struct str list = str_from_cstr(config->extra_domains);
  for (size_t start = 0, i = 0; i <= list.len; i++)
    if (i == list.len || list.data[i] == ',') {
      add_extra(state, (struct str){list.data + start, i - start});
      start = i + 1;
    }
  state->config_count = state->extra_count;
  for (size_t i = 0; i < domain_count; i++) add_extra(state, merchant_domains[i]);
  error[0] = '\0';
  int rc = build_snapshot(state, &state->current, error);
  if (rc != HT_OK) {
    guard_state_free(state);
    return rc;
  }
  atomic_store(&state->generation, state->current->generation);
  *out = state;
  return HT_OK;
}

struct guard_snapshot *guard_acquire(struct guard_state *state) {
  pthread_mutex_lock(&state->swap_lock);
  struct guard_snapshot *s = state->current;
  atomic_fetch_add(&s->refs, 1);
  pthread_mutex_unlock(&state->swap_lock);
  return s;
}

void guard_release(struct guard_snapshot *s) {
  if (!s || atomic_fetch_sub(&s->refs, 1) != 1) return;
  blocklist_free(s->blocklist);
  lookalike_ctx_free(s->lookalike);
  free(s);
}

uint64_t guard_generation(const struct guard_state *state) { return atomic_load(&state->generation); }

int guard_reload(struct guard_state *state, char error[256]) {
  struct guard_snapshot *fresh;
  error[0] = '\0';
  /* Build and swap under one lock: two reloads (SIGHUP and the scheduler) must not swap in the
   * opposite order of their builds, or the older list would win. Requests never take this
   * lock; they only meet swap_lock for the moment of the swap. */
  pthread_mutex_lock(&state->reload_lock);
  int rc = build_snapshot(state, &fresh, error);
  struct guard_snapshot *old = NULL;
  size_t entries = 0, files = 0;
  uint64_t generation = 0;
  if (rc == HT_OK) {
    entries = fresh->entries, files = fresh->files, generation = fresh->generation;
    pthread_mutex_lock(&state->swap_lock);
    old = state->current;
    state->current = fresh;
    atomic_store(&state->generation, fresh->generation);
    pthread_mutex_unlock(&state->swap_lock);
  }
  pthread_mutex_unlock(&state->reload_lock);
  if (rc != HT_OK) {
    log_event(LOG_ERROR, NULL, "guard feeds not reloaded (%s); keeping the current list", error);
    return rc;
  }
  guard_release(old); /* `fresh` may be gone too by now: another reload may have replaced it */
  log_event(LOG_INFO, NULL, "guard feeds loaded: %zu URLs from %zu files (generation %llu)", entries, files,
            (unsigned long long)generation);
  return HT_OK;
}

int guard_set_merchant_domains(struct guard_state *state, const struct str *domains, size_t count) {
  pthread_mutex_lock(&state->reload_lock);
  for (size_t i = state->config_count; i < state->extra_count; i++) free(state->extra_text[i]);
  state->extra_count = state->config_count;
  bool ok = true;
  for (size_t i = 0; i < count && ok; i++) ok = add_extra(state, domains[i]);
  pthread_mutex_unlock(&state->reload_lock);
  return ok ? HT_OK : HT_ETOOBIG;
}

bool guard_feeds_changed(struct guard_state *state) {
  pthread_mutex_lock(&state->reload_lock);
  uint64_t now = directory_fingerprint(state->feeds_dir);
  bool changed = now != state->fingerprint && now != state->failed_fingerprint;
  pthread_mutex_unlock(&state->reload_lock);
  return changed;
}

void guard_state_free(struct guard_state *state) {
  if (!state) return;
  guard_release(state->current);
  for (size_t i = 0; i < state->extra_count; i++) free(state->extra_text[i]);
  free(state->extra_text);
  free(state->extra);
  pthread_mutex_destroy(&state->swap_lock);
  pthread_mutex_destroy(&state->reload_lock);
  free(state);
}
