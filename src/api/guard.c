/* guard.c — POST /v1/guard/check: the link guard for platforms and developers. Any API key
 * may call it with {"url": "..."} or {"urls": [...]} (1..1,000). Each URL gets a verdict
 * (allow, warn, block) with reasons, its canonical form and registrable domain; a URL that is
 * not checkable (empty, over 8 KB, binary, another scheme, bad punycode, ...) gets an error
 * with a stable code — a 400 for a single URL, an error entry in a batch (a non-string entry:
 * url_not_string). A whole batch is judged against one guard snapshot, so a reload in the
 * middle never gives it answers from two lists. An answer above API_GUARD_ANSWER_BYTES_MAX is
 * refused with 413 rather than built. */
#include <string.h>

#include "api/api.h"
#include "api/common.h"
#include "app.h"
#include "core/status.h"
#include "core/utf8.h"
#include "http/validate.h"
#include "jobs/guard_state.h"

json_t *api_guard_reasons_json(const struct guard_result *r) {
  json_t *reasons = json_array();
  for (size_t i = 0; reasons && i < r->reason_count; i++)
    json_array_append_new(reasons, json_pack("{s:s, s:s, s:s}", "code", r->reasons[i].code, "detail",
                                             r->reasons[i].detail ? r->reasons[i].detail : "", "severity",
                                             guard_verdict_name(r->reasons[i].severity)));
  return reasons;
}

/* The URL as a JSON string. JSON cannot carry bytes that are not UTF-8, which only the CLI's
 * arguments and /go's query can bring; each invalid byte is echoed as U+FFFD. */
static json_t *url_echo_json(struct str url) {
  if (!url.data) return json_string("");
  if (utf8_valid(url)) return json_stringn(url.data, url.len);
  struct arena scratch;
  arena_init(&scratch, 3 * url.len + 64);
  struct buf out;
  buf_init(&out, &scratch, 3 * url.len + 1);
  for (size_t at = 0; at < url.len;) {
    uint32_t cp;
    size_t n = utf8_decode((struct str){url.data + at, url.len - at}, &cp);
    buf_append(&out, n ? url.data + at : "\xEF\xBF\xBD", n ? n : 3);
    at += n ? n : 1;
  }
  json_t *echo = json_stringn(buf_view(&out).data, out.len);
  arena_free_all(&scratch);
  return echo;
}

json_t *api_guard_result_json(struct str url, int rc, const struct guard_result *r) {
  json_t *out = json_pack("{s:o}", "url", url_echo_json(url));
  if (!out) return NULL;
  if (rc != HT_OK) {
    json_object_set_new(out, "error",
                        json_pack("{s:s, s:s}", "code", r->error ? r->error : "url_invalid", "message",
                                  "this URL cannot be checked"));
    return out;
  }
  json_object_set_new(out, "verdict", json_string(guard_verdict_name(r->verdict)));
  json_object_set_new(out, "reasons", api_guard_reasons_json(r));
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
  size_t i, answer_bytes = 0;
  json_array_foreach(many, i, item) {
    json_t *result =
        json_is_string(item)
            ? check_one(snap, (struct str){json_string_value(item), json_string_length(item)}, &rc)
            : json_pack("{s:O, s:{s:s, s:s}}", "url", item, "error", "code", "url_not_string", "message",
                        "each entry of urls must be a string");
    answer_bytes += json_dumpb(result, NULL, 0, JSON_COMPACT) + 1;
    json_array_append_new(results, result);
    if (answer_bytes > API_GUARD_ANSWER_BYTES_MAX) break;
  }
  guard_release(snap);
  if (answer_bytes > API_GUARD_ANSWER_BYTES_MAX) {
    json_decref(results);
    return response_error(req, res, 413, "batch_too_large", "urls",
                          "the answer would exceed %u bytes: send fewer or shorter URLs",
                          API_GUARD_ANSWER_BYTES_MAX);
  }
  response_json(req, res, 200, json_pack("{s:s, s:o}", "object", "list", "results", results));
}
