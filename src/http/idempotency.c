/* idempotency.c — claim, replay, complete (see idempotency.h). */
#include "http/idempotency.h"

#include <string.h>

#include "core/status.h"
#include "http/limits.h"
#include "platform/log.h"
#include "store/idempotency.h"
#include "store/pool.h"

static bool key_is_valid(struct str key) {
  if (key.len == 0 || key.len > IDEMPOTENCY_KEY_BYTES_MAX) return false;
  for (size_t i = 0; i < key.len; i++)
    if ((unsigned char)key.data[i] < 0x21 || (unsigned char)key.data[i] > 0x7e) return false;
  return true;
}

static void request_hash(struct request *req, char hash[SHA256_HEX_BYTES]) {
  struct buf material;
  buf_init(&material, &req->arena, req->body.len + req->path.len + 16);
  buf_append_str(&material, req->method_name);
  buf_append_cstr(&material, "\n");
  buf_append_str(&material, req->path);
  buf_append_cstr(&material, "\n");
  buf_append_str(&material, buf_view(&req->body));
  sha256_hex(buf_view(&material), hash);
}

static void replay(struct request *req, struct response *res, const struct idem_response *stored) {
  char *content_type = arena_strdup_str(&req->arena, stored->content_type);
  response_body(req, res, stored->status, content_type ? content_type : "application/json", stored->body);
  if (stored->location.data) response_header(req, res, "Location", stored->location.data);
  response_header(req, res, "Idempotent-Replayed", "true");
}

bool idempotency_begin(struct request *req, struct response *res, struct idem_state *state) {
  memset(state, 0, sizeof *state);
  struct str key = request_header(req, "Idempotency-Key");
  if (req->method != HTTP_POST || !key.data) return true;
  if (!key_is_valid(key)) {
    response_error(req, res, 400, "invalid_idempotency_key", "Idempotency-Key",
                   "Idempotency-Key must be 1 to %d printable ASCII characters", IDEMPOTENCY_KEY_BYTES_MAX);
    return false;
  }
  struct db *db = request_db(req, res);
  if (!db) return false;
  char hash[SHA256_HEX_BYTES];
  request_hash(req, hash);
  enum idem_claim claim;
  struct idem_response stored;
  int rc = store_idem_claim(db, &req->arena, req->merchant_id, key, str_from_cstr(hash),
                            str_from_cstr(req->id), req->now_ms, &claim, &stored);
  if (rc != HT_OK) {
    response_status_error(req, res, rc, "idempotency key");
    return false;
  }
  switch (claim) {
  case IDEM_CLAIMED:
    *state = (struct idem_state){.active = true, .scope = req->merchant_id, .key = key};
    return true;
  case IDEM_REPLAY: replay(req, res, &stored); return false;
  case IDEM_IN_FLIGHT:
    response_error(req, res, 409, "idempotency_key_in_use", "Idempotency-Key",
                   "a request with this Idempotency-Key is still being processed; retry later");
    return false;
  default:
    response_error(req, res, 422, "idempotency_key_reused", "Idempotency-Key",
                   "this Idempotency-Key was used with a different request");
    return false;
  }
}

static struct idem_response stored_form(const struct request *req, const struct response *res) {
  struct idem_response r = {
      .status = res->status, .content_type = str_from_cstr(res->content_type), .body = buf_view(&res->body)};
  (void)req;
  for (size_t i = 0; i < res->header_count; i++)
    if (strcmp(res->headers[i].name, "Location") == 0) r.location = str_from_cstr(res->headers[i].value);
  return r;
}

int idempotency_complete(struct request *req, const struct response *res, struct idem_state *state) {
  if (!state->active || state->completed || res->status < 200 || res->status > 299) return HT_OK;
  struct idem_response r = stored_form(req, res);
  int rc = store_idem_complete(req->db, state->scope, state->key, str_from_cstr(req->id), &r);
  if (rc == HT_OK) state->completed = true;
  return rc;
}

void idempotency_finish(struct request *req, const struct response *res, struct idem_state *state) {
  if (!state->active || state->completed || !req->db) return;
  int rc;
  if (res->status >= 200 && res->status <= 299) {
    struct idem_response r = stored_form(req, res);
    rc = store_idem_complete(req->db, state->scope, state->key, str_from_cstr(req->id), &r);
  } else {
    rc = store_idem_release(req->db, state->scope, state->key, str_from_cstr(req->id));
  }
  if (rc != HT_OK) log_event(LOG_WARN, req->id, "idempotency key bookkeeping failed: %s", ht_status_name(rc));
  state->completed = true;
}
