/*
 * idempotency.h — stored responses for Idempotency-Key (Stripe's semantics).
 *
 * A request with a key first *claims* it in its own short transaction: the row says
 * "in flight, owned by request R". The request's effect and the row's completion (status,
 * body) then commit together in the request's transaction, so a crash can never leave an
 * effect without its stored response. A claim whose owner died is taken over after
 * IDEMPOTENCY_LEASE_MS — safe, because a dead owner's effect never committed.
 */
#ifndef HUTONG_STORE_IDEMPOTENCY_H
#define HUTONG_STORE_IDEMPOTENCY_H

#include <stdint.h>

#include "core/arena.h"
#include "store/db.h"

/* An unfinished claim older than this is considered abandoned (its request timed out or its
 * process died). Longer than any request may run (the HTTP connection timeout is 30 s). */
#define IDEMPOTENCY_LEASE_MS (60 * 1000)
/* Keys are kept this long, then purged and reusable (Stripe keeps them 24 hours). */
#define IDEMPOTENCY_RETENTION_MS (24LL * 60 * 60 * 1000)

enum idem_claim {
  IDEM_CLAIMED,   /* new (or taken over): run the request */
  IDEM_REPLAY,    /* done before with the same request: replay `stored` */
  IDEM_IN_FLIGHT, /* another request with this key is running: 409 */
  IDEM_MISMATCH,  /* used before with a different request: 422 */
};

struct idem_response {
  int status;
  struct str content_type;
  struct str location; /* data NULL when none */
  struct str body;
};

/* Claims (`scope`, `key`) for the request identified by `owner`, whose method, path and body
 * hash to `request_hash`. Runs its own write transaction; the connection must have none open.
 * On IDEM_REPLAY `stored` is filled with copies in `arena`. */
int store_idem_claim(struct db *db, struct arena *arena, int64_t scope, struct str key,
                     struct str request_hash, struct str owner, int64_t now_ms, enum idem_claim *result,
                     struct idem_response *stored);

/* Stores the final response for a claim still owned by `owner`. Meant to run inside the
 * request's own transaction. HT_ECONFLICT when the claim was taken over meanwhile. */
int store_idem_complete(struct db *db, int64_t scope, struct str key, struct str owner,
                        const struct idem_response *response);

/* Drops a claim still owned by `owner` (after a failure nothing was stored for), so the client
 * may retry with the same key. */
int store_idem_release(struct db *db, int64_t scope, struct str key, struct str owner);

/* Deletes keys created before `before_ms`; stores the count in `*deleted` when not NULL. */
int store_idem_purge(struct db *db, int64_t before_ms, int64_t *deleted);

#endif
