/*
 * share.h — share tokens (淘口令) as the pages and the API hand them out.
 *
 * A token is a server-side record (share_tokens) naming a product for a lifetime; its text
 * is `￥CODE CHECK￥`. Merchants issue tokens through the API with a channel tag and a
 * lifetime; the landing page shows the product's current token and issues a fresh one (at
 * most once per SHARE_RENEW_MARGIN_MS per product, so a busy page does not write on every
 * view) when none is valid for long enough. Latest expiries are cached in memory.
 */
#ifndef HUTONG_WEB_SHARE_H
#define HUTONG_WEB_SHARE_H

#include <stdint.h>

#include "core/share_token.h"
#include "http/request.h"
#include "store/products.h"
#include "web/i18n.h"

/* A page re-issues the product's token when the current one has less than a week left. */
#define SHARE_RENEW_MARGIN_MS (7LL * 24 * 3600 * 1000)
/* Token lifetimes a merchant may ask for: one hour to one year. */
#define SHARE_TTL_SECONDS_MIN 3600
#define SHARE_TTL_SECONDS_MAX (366LL * 24 * 3600)

/* Prepares the expiry cache; call once at startup (web_init does). */
void share_init(void);

/* Frees the expiry cache (web_shutdown does). */
void share_shutdown(void);

/* The renewal rule every holder of a product's token follows (landing page, print sheets):
 * a token expiring at `expires_at_ms` (0: none issued) is kept while it has more than
 * SHARE_RENEW_MARGIN_MS left at `now_ms`; otherwise a fresh one is issued. */
static inline bool share_token_fresh(int64_t expires_at_ms, int64_t now_ms) {
  return expires_at_ms > now_ms + SHARE_RENEW_MARGIN_MS;
}

/* Issues a token for `p` with `channel` (may be empty) from `now_ms` for `ttl_ms`, inside the
 * caller's write transaction on `db`, and forgets the cached expiry of `p`. For callers
 * without a request (the sheet command); share_issue() is the request's form. */
int share_issue_at(struct db *db, const struct product *p, struct str channel, int64_t now_ms, int64_t ttl_ms,
                   int64_t *expires_at_ms);

/* Issues a token for `p` with `channel` (may be empty) living `ttl_ms`, inside the caller's
 * write transaction; stores its expiry in `*expires_at_ms`. */
int share_issue(struct request *req, struct db *db, const struct product *p, struct str channel,
                int64_t ttl_ms, int64_t *expires_at_ms);

/* Makes sure `p` has a token valid for at least SHARE_RENEW_MARGIN_MS, issuing one in its own
 * transaction when needed. Stores the valid token's expiry in `*expires_at_ms`. */
int share_ensure(struct request *req, const struct product *p, int64_t *expires_at_ms);

/* The latest expiry of tokens issued for `code` (cached). HT_ENOTFOUND when none. */
int share_latest_expiry(struct request *req, struct str code, int64_t *expires_at_ms);

/* The token text for a product code with `delim`, allocated in the request arena. */
const char *share_token_text(struct request *req, const char *code, enum share_token_delim delim,
                             bool digits_first);

/* The ready-to-send share message: title, price, token and link, worded so that in-app keyword
 * filters (which flag 淘宝/链接/点击购买 and bare URLs) do not trip. */
const char *share_message(struct request *req, enum lang lang, const struct product *p, const char *token,
                          const char *url);

enum share_resolution {
  SHARE_RESOLVED,     /* found a valid token (or one of our product links) naming a product */
  SHARE_NOT_FOUND,    /* no token in the text, or it names nothing we sell */
  SHARE_BAD_CHECKSUM, /* a token whose check symbol is wrong: a typo */
  SHARE_EXPIRED,      /* a token that existed but whose lifetime is over */
  SHARE_TOO_BIG,      /* more text than SHARE_TOKEN_TEXT_BYTES_MAX */
  SHARE_INVALID_TEXT, /* not valid UTF-8 */
};

/* Finds the token in pasted `text` and resolves it to an active product (read into `p` and
 * copied into the request arena). Storage errors are returned as negative HT_E*; otherwise
 * HT_OK with `*outcome` set. `*source` says where the code came from ("token" or "link"). */
int share_resolve(struct request *req, struct str text, enum share_resolution *outcome, struct product *p,
                  const char **source);

#endif
