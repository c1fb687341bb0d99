/*
 * guard_state.h — the link guard's live state: the loaded blocklist feeds, the lookalike
 * checker and the link-signing key, swapped atomically when the feeds change.
 *
 * Feeds are files in a directory (HUTONG_GUARD_FEEDS_DIR): PhishTank CSV/JSON, URLhaus CSV,
 * or one URL per line, detected by content. A reload (SIGHUP, or the scheduler noticing a
 * changed directory) builds a complete new snapshot off to the side and then swaps one
 * pointer; a request holds the snapshot it started with (reference counted) until it ends, so
 * no request ever sees a half-loaded list and the old one is freed by whoever lets go last.
 *
 * Every snapshot has a generation, one more than the one it replaced. Callers that remember a
 * verdict (the /R/ verdict cache) key it by generation: a reload makes every remembered verdict
 * stale at once, and guard_generation() tells them so without taking a lock.
 *
 * A reload that fails (a feed file that cannot be read or parsed, a JSON feed that is not an
 * array) keeps the current snapshot and logs why; the scheduler then leaves that state of the
 * directory alone (one log line, not one every five seconds) until the directory changes again.
 * A verified merchant domain that is not a usable domain is left out of the protected set and
 * logged, so one merchant's bad row cannot stop the guard; a bad configured domain is an error.
 */
#ifndef HUTONG_JOBS_GUARD_STATE_H
#define HUTONG_JOBS_GUARD_STATE_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/guard.h"

/* Feed files read from the directory (larger directories are a configuration mistake). */
#define GUARD_FEED_FILES_MAX 64
/* Largest feed file read (a full PhishTank JSON dump is about 100 MB). */
#define GUARD_FEED_FILE_BYTES_MAX (256LL * 1024 * 1024)
/* Extra protected domains (configuration plus verified merchant domains). */
#define GUARD_EXTRA_DOMAINS_MAX 4096

struct guard_snapshot {
  struct guard_ctx ctx;
  size_t entries; /* distinct listed URLs */
  size_t files;   /* feed files loaded */
  int64_t loaded_at_ms;
  uint64_t generation; /* 1 for the first snapshot, +1 for each one swapped in after it */
  _Atomic int refs;
  struct blocklist *blocklist;
  struct lookalike_ctx *lookalike;
};

struct guard_state;

struct guard_config {
  const char *feeds_dir;         /* NULL or "": no feeds */
  const char *extra_domains;     /* comma-separated protected domains, may be NULL */
  const unsigned char *link_key; /* 32 bytes */
};

/* Loads the feeds and builds the checker. On failure `error` (256 bytes) says why. */
int guard_state_create(const struct guard_config *config, const struct str *merchant_domains,
                       size_t domain_count, struct guard_state **out, char error[256]);

/* The current snapshot, held until guard_release(). Never NULL once created. */
struct guard_snapshot *guard_acquire(struct guard_state *state);
void guard_release(struct guard_snapshot *snapshot);

/* The current snapshot's generation, read without a lock (it may change right after). */
uint64_t guard_generation(const struct guard_state *state);

/* Rebuilds from the feeds directory and swaps; the old snapshot stays valid for its holders.
 * Reloads are serialized and swap in the order they were built, so the newest build wins.
 * On failure the current snapshot is kept, the failure is logged and `error` says why. */
int guard_reload(struct guard_state *state, char error[256]);

/* Replaces the merchant part of the protected domains (takes effect at the next reload). */
int guard_set_merchant_domains(struct guard_state *state, const struct str *domains, size_t count);

/* True when the feeds directory changed (file set, sizes or mtimes) since the last load and
 * since the last failed load. */
bool guard_feeds_changed(struct guard_state *state);

/* Frees everything; no snapshot may still be held. NULL is allowed. */
void guard_state_free(struct guard_state *state);

/* Loads one feed file's bytes into `b` under its file name (used by reloads and the CLI); the
 * format is detected from the contents and stored in `*format` (may be NULL). On failure
 * `error` names the file and the problem. */
int guard_load_feed_file(struct blocklist_builder *b, const char *path, struct feed_stats *stats,
                         enum feed_format *format, char error[256]);

#endif
