/* share.c — issuing, renewing and wording share tokens (see share.h). */
#include "web/share.h"

#include "app.h"
#include "core/money.h"
#include "core/status.h"
#include "platform/changes.h"
#include "platform/kvcache.h"
#include "store/links.h"
#include "web/urls.h"
#include <stdio.h>

/* Products whose token expiry is remembered, and how long a remembered expiry is trusted
 * before the database is asked again (another node may have issued a newer token). */
#define SHARE_CACHE_ENTRIES (256 * 1024)
#define SHARE_CACHE_TTL_MS  (60 * 1000)
/* An expiry is a decimal number of milliseconds. */
#define SHARE_CACHE_VALUE_BYTES 24

static struct kvcache *expiry_cache;

/* A token was issued for a code, here or on another node (store/changes.h). */
static void forget_changed(enum change_kind kind, struct str key) {
  if (!expiry_cache) return;
  if (kind == CHANGE_CODE)
    kvcache_delete(expiry_cache, key);
  else if (kind == CHANGE_ALL)
    kvcache_clear(expiry_cache);
}

void share_init(void) {
  if (!expiry_cache)
    expiry_cache = kvcache_create(SHARE_CACHE_ENTRIES, SHARE_CACHE_TTL_MS, SHARE_CACHE_VALUE_BYTES);
  changes_subscribe(forget_changed);
}

void share_shutdown(void) {
  changes_unsubscribe(forget_changed);
  kvcache_destroy(expiry_cache);
  expiry_cache = NULL;
}

static void remember(struct request *req, struct str code, int64_t expires_at_ms) {
  char text[24];
  int n = snprintf(text, sizeof text, "%lld", (long long)expires_at_ms);
  if (expiry_cache) kvcache_put(expiry_cache, code, (struct str){text, (size_t)n}, req->now_ms);
}

int share_issue_at(struct db *db, const struct product *p, struct str channel, int64_t now_ms, int64_t ttl_ms,
                   int64_t *expires_at_ms) {
  *expires_at_ms = now_ms + ttl_ms;
  int rc = store_token_create(db, p->merchant_id, p->id, p->code, channel, now_ms, *expires_at_ms);
  if (rc == HT_OK && expiry_cache) kvcache_delete(expiry_cache, str_from_cstr(p->code));
  return rc;
}

int share_issue(struct request *req, struct db *db, const struct product *p, struct str channel,
                int64_t ttl_ms, int64_t *expires_at_ms) {
  return share_issue_at(db, p, channel, req->now_ms, ttl_ms, expires_at_ms);
}

int share_latest_expiry(struct request *req, struct str code, int64_t *expires_at_ms) {
  struct str cached;
  long long value;
  if (expiry_cache && kvcache_get(expiry_cache, code, req->now_ms, &req->arena, &cached) &&
      str_to_i64(cached, &value) == HT_OK) {
    *expires_at_ms = value;
    return HT_OK;
  }
  struct db *db = request_db_try(req);
  if (!db) return HT_EBUSY;
  int rc = store_token_latest_expiry(db, code, expires_at_ms);
  if (rc == HT_OK) remember(req, code, *expires_at_ms);
  return rc;
}

int share_ensure(struct request *req, const struct product *p, int64_t *expires_at_ms) {
  int rc = share_latest_expiry(req, str_from_cstr(p->code), expires_at_ms);
  if (rc == HT_OK && share_token_fresh(*expires_at_ms, req->now_ms)) return HT_OK;
  if (rc != HT_OK && rc != HT_ENOTFOUND) return rc;
  struct db *db = request_db_try(req);
  if (!db) return HT_EBUSY;
  rc = db_begin(db, true);
  if (rc == HT_OK) rc = share_issue(req, db, p, STR_LIT("landing"), req->app->token_ttl_ms, expires_at_ms);
  if (rc == HT_OK)
    rc = db_commit(db);
  else
    db_rollback(db);
  if (rc == HT_OK) remember(req, str_from_cstr(p->code), *expires_at_ms);
  return rc;
}

const char *share_token_text(struct request *req, const char *code, enum share_token_delim delim,
                             bool digits_first) {
  char *out = arena_alloc(&req->arena, SHARE_TOKEN_FORMAT_BYTES);
  size_t len;
  if (!out) return "";
  int rc = digits_first ? share_token_format_digits_first(str_from_cstr(code), delim, out,
                                                          SHARE_TOKEN_FORMAT_BYTES, &len)
                        : share_token_format(str_from_cstr(code), delim, out, SHARE_TOKEN_FORMAT_BYTES, &len);
  return rc == HT_OK ? out : "";
}

const char *share_message(struct request *req, enum lang lang, const struct product *p, const char *token,
                          const char *url) {
  enum currency currency = CURRENCY_DEFAULT;
  currency_from_code(p->currency, &currency);
  char price[MONEY_DISPLAY_BYTES];
  size_t len;
  if (money_format_display(p->price_minor, currency, price, sizeof price, &len) != HT_OK) price[0] = '\0';
  /* The token leads, the link trails after the words: apps that strip or grey out links
   * still carry the token, and no "buy"/"click" bait words trip their filters. */
  if (lang == LANG_EN)
    return arena_printf(&req->arena, "%s %.*s %s — copy this message and open %s", token, STR_FMT(p->title),
                        price, url);
  return arena_printf(&req->arena, "%s【%.*s】%s 复制这段话，打开 %s 查看", token, STR_FMT(p->title), price,
                      url);
}

static int load_active(struct request *req, struct str code, enum share_resolution *outcome,
                       struct product *p) {
  struct db *db = request_db_try(req);
  if (!db) return HT_EBUSY;
  int rc = store_product_by_code(db, &req->arena, code, p);
  if (rc == HT_ENOTFOUND || (rc == HT_OK && !str_eq(p->status, STR_LIT("active")))) {
    *outcome = SHARE_NOT_FOUND;
    return HT_OK;
  }
  if (rc == HT_OK) *outcome = SHARE_RESOLVED;
  return rc;
}

int share_resolve(struct request *req, struct str text, enum share_resolution *outcome, struct product *p,
                  const char **source) {
  struct share_token_match match;
  int rc = share_token_find(text, url_public_host(req->app), &match);
  *source = match.source == SHARE_TOKEN_SOURCE_LINK ? "link" : "token";
  switch (rc) {
  case HT_ECHECKSUM: *outcome = SHARE_BAD_CHECKSUM; return HT_OK;
  case HT_ENOTFOUND: *outcome = SHARE_NOT_FOUND; return HT_OK;
  case HT_ETOOBIG: *outcome = SHARE_TOO_BIG; return HT_OK;
  case HT_OK: break;
  default: *outcome = SHARE_INVALID_TEXT; return HT_OK;
  }
  struct str code = str_from_cstr(match.code);
  if (match.source != SHARE_TOKEN_SOURCE_LINK) {
    int64_t expires_at_ms = 0;
    rc = share_latest_expiry(req, code, &expires_at_ms);
    if (rc == HT_ENOTFOUND) {
      *outcome = SHARE_NOT_FOUND;
      return HT_OK;
    }
    if (rc != HT_OK) return rc;
    if (expires_at_ms <= req->now_ms) {
      *outcome = SHARE_EXPIRED;
      return HT_OK;
    }
  }
  return load_active(req, code, outcome, p);
}
