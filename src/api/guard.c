/* guard.c — POST /v1/guard/check: the link guard for platforms and developers. Any API key
 * may call it with {"url": "..."} or {"urls": [...]} (1..1,000). Each URL gets a verdict
 * (allow, warn, block) with reasons, its canonical form and registrable domain; a URL that is
 * not checkable (empty, over 8 KB, binary, another scheme, bad punycode, ...) gets an error
 * with a stable code — a 400 for a single URL, an error entry in a batch. */
#include <string.h>

#include "api/api.h"
#include "api/common.h"
#include "app.h"
#include "core/status.h"
#include "http/validate.h"
#include "jobs/guard_state.h"

json_t *api_guard_result_json(struct str url, int rc, const struct guard_result *r) {
  json_t *out = json_pack("{s:s%}", "url", url.data ? url.data : "", url.data ? url.len : 0);
  if (!out) return NULL;
  if (rc != HT_OK) {
    json_object_set_new(out, "error",
                        json_pack("{s:s, s:s}", "code", r->error ? r->error : "url_invalid", "message",
                                  "this URL cannot be checked"));
    return out;
  }
  json_t *reasons = json_array();
  for (size_t i = 0; i < r->reason_count; i++)
    json_array_append_new(reasons, json_pack("{s:s, s:s, s:s}", "code", r->reasons[i].code, "detail",
                                             r->reasons[i].detail ? r->reasons[i].detail : "", "severity",
                                             guard_verdict_name(r->reasons[i].severity)));
  json_object_set_new(out, "verdict", json_string(guard_verdict_name(r->verdict)));
  json_object_set_new(out, "reasons", reasons);
  json_object_set_new(out, "canonical_url", api_str_json(r->canonical_url));
  json_object_set_new(out, "registrable_domain", api_str_json(r->registrable_domain));
  return out;
}

/* Checks one URL with its own scratch arena, so a batch's memory stays bounded. */
static json_t *check_one(const struct guard_snapshot *snap, struct str url, int *rc_out) {
  struct arena scratch;
  arena_init(&scratch, GUARD_ARENA_BYTES);
  struct guard_result r;
  memset(&r, 0, sizeof r);
  int rc = guard_check(&snap->ctx, url, NULL, &scratch, &r);
  json_t *out = api_guard_result_json(url, rc, &r);
  arena_free_all(&scratch);
  *rc_out = rc;
  return out;
}

static const struct field_rule check_rules[] = {
    {"url", FIELD_STRING, false, false, 0, 0},
    {"urls", FIELD_ARRAY, false, false, 0, 0},
};

void api_guard_check(struct request *req, struct response *res) {
  json_t *body = request_json_object(req, res);
  if (!body || !json_fields_check(req, res, body, check_rules, 2)) return;
  json_t *one = json_object_get(body, "url"), *many = json_object_get(body, "urls");
  if (!one == !many)
    return response_error(req, res, 400, "invalid_value", "url", "send exactly one of \"url\" or \"urls\"");
  const char *batch_error = NULL;
  if (many && guard_batch_size_check(json_array_size(many), &batch_error) != HT_OK)
    return response_error(req, res, 400, batch_error, "urls", "urls must hold 1 to %u URLs",
                          GUARD_BATCH_URLS_MAX);
  struct guard_snapshot *snap = guard_acquire(req->app->guard);
  int rc;
  if (one) {
    json_t *result = check_one(snap, json_get_str(body, "url"), &rc);
    guard_release(snap);
    if (rc != HT_OK) {
      const char *code = json_string_value(json_object_get(json_object_get(result, "error"), "code"));
      response_error(req, res, 400, code ? code : "url_invalid", "url", "the URL cannot be checked");
      json_decref(result);
      return;
    }
    return response_json(req, res, 200, result);
  }
  json_t *results = json_array(), *item;
  size_t i;
  json_array_foreach(many, i, item) {
    struct str url =
        json_is_string(item) ? (struct str){json_string_value(item), json_string_length(item)} : STR_LIT("");
    json_array_append_new(results, check_one(snap, url, &rc));
  }
  guard_release(snap);
  response_json(req, res, 200, json_pack("{s:s, s:o}", "object", "list", "results", results));
}
