/* guard.c — POST /v1/guard/check: the link guard for platforms and developers. Any API key
 * may call it with {"url": "..."} or {"urls": [...]} (1..1,000). Each URL gets a verdict
 * (allow, warn, block) with reasons, its canonical form and registrable domain; a URL that is
 * not checkable (empty, over 8 KB, binary, another scheme, bad punycode, ...) gets an error
 * with a stable code — a 400 for a single URL, an error entry in a batch (a non-string entry:
 * url_not_string). A whole batch is judged against one guard snapshot, so a reload in the
 * middle never gives it answers from two lists. An answer above API_GUARD_ANSWER_BYTES_MAX is
 * refused with 413 rather than built.
 *
 * The answers are written as JSON text directly (api_guard_result_write), not built as jansson
 * values and dumped: with jansson, building and dumping a batch's answer cost as much as
 * judging its URLs (perf of the batch benchmark: 37 % of the server's CPU in json_dumpb, 36 %
 * in guard_check). The CLI's --json prints the same text. */
#include <stdlib.h>
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

/* The JSON escape of byte `c` below 0x20, '"' or '\\' into `out` (7 bytes); its length. */
static size_t json_escape(unsigned char c, char out[7]) {
  static const char hex[] = "0123456789abcdef";
  const char *short_form = c == '"'    ? "\\\""
                           : c == '\\' ? "\\\\"
                           : c == '\b' ? "\\b"
                           : c == '\f' ? "\\f"
                           : c == '\n' ? "\\n"
                           : c == '\r' ? "\\r"
                           : c == '\t' ? "\\t"
                                       : NULL;
  if (short_form) return (size_t)snprintf(out, 7, "%s", short_form);
  return (size_t)snprintf(out, 7, "\\u00%c%c", hex[c >> 4], hex[c & 15]);
}

/* Appends `s` as a JSON string, escaped as jansson escapes it (", \, control characters; every
 * other byte as it is). JSON cannot carry bytes that are not UTF-8, which only the CLI's
 * arguments and /go's query can bring: each invalid byte is written as U+FFFD. */
static int json_text(struct buf *out, struct str s) {
  bool valid = utf8_valid(s);
  int rc = buf_append(out, "\"", 1);
  size_t run = 0; /* the first byte not yet written */
  for (size_t at = 0; at < s.len && rc == HT_OK;) {
    unsigned char c = (unsigned char)s.data[at];
    uint32_t cp;
    size_t n = c >= 0x80 && !valid ? utf8_decode((struct str){s.data + at, s.len - at}, &cp) : 1;
    if (c >= 0x20 && c != '"' && c != '\\' && n) {
      at += n;
      continue;
    }
    rc = buf_append(out, s.data + run, at - run);
    char escaped[7];
    if (rc == HT_OK)
      rc = n ? buf_append(out, escaped, json_escape(c, escaped)) : buf_append(out, "\xEF\xBF\xBD", 3);
    run = ++at;
  }
  if (rc == HT_OK) rc = buf_append(out, s.data + run, s.len - run);
  return rc == HT_OK ? buf_append(out, "\"", 1) : rc;
}

int api_guard_result_write(struct buf *out, struct str url, int rc, const struct guard_result *r) {
  int w = buf_append_cstr(out, "{\"url\":");
  if (w == HT_OK) w = json_text(out, url.data ? url : STR_LIT(""));
  if (rc != HT_OK)
    return w == HT_OK
               ? buf_printf(out, ",\"error\":{\"code\":\"%s\",\"message\":\"this URL cannot be checked\"}}",
                            r->error ? r->error : "url_invalid")
               : w;
  if (w == HT_OK) w = buf_printf(out, ",\"verdict\":\"%s\",\"reasons\":[", guard_verdict_name(r->verdict));
  for (size_t i = 0; i < r->reason_count && w == HT_OK; i++) {
    w = buf_printf(out, "%s{\"code\":\"%s\",\"detail\":", i ? "," : "", r->reasons[i].code);
    if (w == HT_OK) w = json_text(out, str_from_cstr(r->reasons[i].detail ? r->reasons[i].detail : ""));
    if (w == HT_OK) w = buf_printf(out, ",\"severity\":\"%s\"}", guard_verdict_name(r->reasons[i].severity));
  }
  if (w == HT_OK) w = buf_append_cstr(out, "],\"canonical_url\":");
  if (w == HT_OK) w = json_text(out, r->canonical_url);
  if (w == HT_OK) w = buf_append_cstr(out, ",\"registrable_domain\":");
  if (w == HT_OK) w = json_text(out, r->registrable_domain);
  return w == HT_OK ? buf_append(out, "}", 1) : w;
}

/* Judges one URL with its own scratch arena (a batch's memory stays bounded) and appends its
 * answer to `out`. The guard's status goes to `*rc_out`, the code of a bad URL to `*error`.
 * Returns the write's status (HT_ETOOBIG past the answer's limit). */
static int check_one(const struct guard_snapshot *snap, struct str url, struct buf *out, int *rc_out,
                     const char **error) {
  struct arena scratch;
  arena_init(&scratch, GUARD_ARENA_BYTES);
  struct guard_result r;
  memset(&r, 0, sizeof r);
  *rc_out = guard_check(&snap->ctx, url, NULL, &scratch, &r);
  *error = r.error; /* a static string */
  int w = api_guard_result_write(out, url, *rc_out, &r);
  arena_free_all(&scratch);
  return w;
}

/* A batch entry that is not a string: echoed as it came, with url_not_string. */
static int write_not_string(struct buf *out, const json_t *item) {
  char *echo = json_dumps(item, JSON_COMPACT | JSON_ENCODE_ANY);
  int w = buf_printf(
      out,
      "{\"url\":%s,\"error\":{\"code\":\"url_not_string\",\"message\":\"each entry of urls must be "
      "a string\"}}",
      echo ? echo : "null");
  free(echo);
  return w;
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
  struct buf out;
  buf_init(&out, &req->arena, API_GUARD_ANSWER_BYTES_MAX);
  struct guard_snapshot *snap = guard_acquire(req->app->guard);
  int rc = HT_OK, w = HT_OK;
  const char *error = NULL;
  if (one) {
    w = check_one(snap, json_get_str(body, "url"), &out, &rc, &error);
  } else {
    w = buf_append_cstr(&out, "{\"object\":\"list\",\"results\":[");
    json_t *item;
    size_t i;
    json_array_foreach(many, i, item) {
      if (w == HT_OK && i) w = buf_append(&out, ",", 1);
      if (w != HT_OK) break;
      w = json_is_string(item)
              ? check_one(snap, (struct str){json_string_value(item), json_string_length(item)}, &out, &rc,
                          &error)
              : write_not_string(&out, item);
    }
    if (w == HT_OK) w = buf_append_cstr(&out, "]}");
  }
  guard_release(snap);
  if (one && rc != HT_OK)
    return response_error(req, res, 400, error ? error : "url_invalid", "url", "the URL cannot be checked");
  if (w == HT_ETOOBIG)
    return response_error(req, res, 413, "batch_too_large", "urls",
                          "the answer would exceed %u bytes: send fewer or shorter URLs",
                          API_GUARD_ANSWER_BYTES_MAX);
  if (w != HT_OK) return response_error(req, res, 500, "internal_error", NULL, "out of memory");
  response_body(req, res, 200, "application/json", buf_view(&out));
}
