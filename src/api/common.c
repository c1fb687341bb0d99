/* common.c — path ids, pagination cursors, timestamps (see common.h).
 *
 * Cursors are "c" followed by the last id in lower-case hex. They are opaque to clients and
 * need no signature: every listing query is scoped to the caller's merchant, so a forged
 * cursor can only move within the caller's own data. */
#include "api/common.h"

#include <stdio.h>

#include "core/status.h"
#include "http/limits.h"
#include "platform/clock.h"

/* "c" + up to 16 hex digits. */
#define CURSOR_CHARS_MAX 17

bool api_path_id(struct request *req, struct response *res, size_t index, const char *what, int64_t *id) {
  long long value = 0;
  if (str_to_i64(request_param(req, index), &value) != HT_OK || value <= 0) {
    response_error(req, res, 404, "not_found", NULL, "%s not found", what);
    return false;
  }
  *id = value;
  return true;
}

static bool parse_cursor(struct str cursor, int64_t *before_id) {
  if (cursor.len < 2 || cursor.len > CURSOR_CHARS_MAX || cursor.data[0] != 'c') return false;
  uint64_t value = 0;
  for (size_t i = 1; i < cursor.len; i++) {
    char c = cursor.data[i];
    unsigned digit;
    if (c >= '0' && c <= '9')
      digit = (unsigned)(c - '0');
    else if (c >= 'a' && c <= 'f')
      digit = (unsigned)(c - 'a' + 10);
    else
      return false;
    value = value * 16 + digit;
  }
  if (value == 0 || value > INT64_MAX) return false;
  *before_id = (int64_t)value;
  return true;
}

bool api_page_params(struct request *req, struct response *res, size_t *limit, int64_t *before_id) {
  return api_page_params_within(req, res, PAGE_LIMIT_DEFAULT, PAGE_LIMIT_MAX, limit, before_id);
}

bool api_page_params_within(struct request *req, struct response *res, size_t limit_default, size_t limit_max,
                            size_t *limit, int64_t *before_id) {
  *limit = limit_default;
  *before_id = 0;
  struct str text = request_query(req, "limit");
  if (text.data) {
    long long n = 0;
    if (str_to_i64(text, &n) != HT_OK) {
      response_error(req, res, 400, "invalid_value", "limit", "limit must be an integer");
      return false;
    }
    if (n < 1 || (size_t)n > limit_max) {
      response_error(req, res, 400, "out_of_range", "limit", "limit must be between 1 and %zu", limit_max);
      return false;
    }
    *limit = (size_t)n;
  }
  struct str cursor = request_query(req, "cursor");
  if (cursor.data && !parse_cursor(cursor, before_id)) {
    response_error(req, res, 400, "invalid_cursor", "cursor", "cursor is not one this API returned");
    return false;
  }
  return true;
}

json_t *api_cursor_json(struct request *req, int64_t last_id) {
  (void)req;
  char text[CURSOR_CHARS_MAX + 1];
  snprintf(text, sizeof text, "c%llx", (unsigned long long)last_id);
  return json_string(text);
}

json_t *api_time_json(int64_t ms) {
  if (ms == 0) return json_null();
  char text[CLOCK_RFC3339_BYTES];
  return json_string(clock_format_rfc3339(ms, text));
}

bool api_is_http_url(struct str url) {
  struct str rest;
  if (url.len >= 7 && str_eq_nocase((struct str){url.data, 7}, STR_LIT("http://")))
    rest = (struct str){url.data + 7, url.len - 7};
  else if (url.len >= 8 && str_eq_nocase((struct str){url.data, 8}, STR_LIT("https://")))
    rest = (struct str){url.data + 8, url.len - 8};
  else
    return false;
  if (rest.len == 0 || rest.data[0] == '/' || rest.data[0] == '?' || rest.data[0] == '#') return false;
  for (size_t i = 0; i < url.len; i++)
    if ((unsigned char)url.data[i] <= 0x20 || url.data[i] == 0x7f) return false;
  return true;
}

json_t *api_str_json(struct str s) { return s.data ? json_stringn(s.data, s.len) : json_null(); }
