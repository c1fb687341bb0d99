/*
 * idempotency.h — Idempotency-Key for every POST, built once in the HTTP layer.
 *
 * Semantics follow Stripe: the first request with a key runs and its successful response is
 * stored; a later request with the same key and the same method, path and body gets that
 * response replayed (with `Idempotent-Replayed: true`); one with a different body gets 422;
 * one arriving while the first still runs gets 409. Responses other than 2xx are not stored,
 * so a client may correct a rejected request and retry with the same key. Keys are scoped
 * to the merchant (or to the public for unauthenticated routes) and kept 24 hours.
 */
#ifndef HUTONG_HTTP_IDEMPOTENCY_H
#define HUTONG_HTTP_IDEMPOTENCY_H

#include <stdbool.h>

#include "http/auth.h"
#include "http/request.h"

struct idem_state {
  bool active;    /* the request carries a key and claimed it */
  bool completed; /* the response has been stored */
  int64_t scope;
  struct str key;
};

/* Before the handler. Returns true when the handler should run (with or without a key);
 * false when `res` already holds the answer (a replay, 409, 422, or a 400 for a bad key). */
bool idempotency_begin(struct request *req, struct response *res, struct idem_state *state);

/* Stores a 2xx response for the claimed key. Call inside the handler's write transaction so
 * the effect and its stored response commit together. HT_ECONFLICT when the claim was lost. */
int idempotency_complete(struct request *req, const struct response *res, struct idem_state *state);

/* After the handler's transaction: stores a 2xx response not yet stored (routes that manage
 * their own transactions) or releases the claim. Never fails the request. */
void idempotency_finish(struct request *req, const struct response *res, struct idem_state *state);

#endif
