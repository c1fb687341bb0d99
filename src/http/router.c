/* router.c — segment-wise matching of paths against route patterns (see router.h). A linear
 * scan: the table has tens of routes and each comparison stops at the first differing
 * segment, which measured well under a microsecond per request. */
#include "http/router.h"

#include <string.h>

static const char *const method_names[] = {"GET",   "HEAD",   "POST",    "PUT",
                                           "PATCH", "DELETE", "OPTIONS", "OTHER"};

const char *http_method_name(enum http_method method) { return method_names[method]; }

enum http_method http_method_parse(const char *name) {
  for (int m = HTTP_GET; m < HTTP_OTHER; m++)
    if (strcmp(name, method_names[m]) == 0) return (enum http_method)m;
  return HTTP_OTHER;
}

/* Splits a request path on '/' into at most ROUTE_SEGMENTS_MAX segments; false if there are more. */
static bool split(struct str path, struct str segs[ROUTE_SEGMENTS_MAX], size_t *count) {
  *count = 0;
  if (path.len > 1 && path.data[path.len - 1] == '/') path.len--;
  size_t i = (path.len > 0 && path.data[0] == '/') ? 1 : 0;
  if (i == path.len) return true; /* "/" has no segments */
  while (i <= path.len) {
    size_t start = i;
    while (i < path.len && path.data[i] != '/') i++;
    if (*count == ROUTE_SEGMENTS_MAX) return false;
    segs[(*count)++] = (struct str){path.data + start, i - start};
    i++;
  }
  return true;
}

static bool literal_eq(struct str a, struct str b, bool nocase) {
  return nocase ? str_eq_nocase(a, b) : str_eq(a, b);
}

/* Matches one pattern segment against one path segment, capturing a parameter if any. */
static bool segment_match(struct str pattern, struct str seg, bool nocase, struct str *param,
                          bool *captured) {
  *captured = false;
  if (pattern.len == 0 || pattern.data[0] != '{') return literal_eq(pattern, seg, nocase);
  long close = str_find(pattern, STR_LIT("}"), false);
  if (close < 0) return false;
  struct str suffix = {pattern.data + close + 1, pattern.len - (size_t)close - 1};
  if (seg.len <= suffix.len) return false; /* parameters are never empty */
  struct str tail = {seg.data + seg.len - suffix.len, suffix.len};
  if (!literal_eq(tail, suffix, nocase)) return false;
  *param = (struct str){seg.data, seg.len - suffix.len};
  *captured = true;
  return true;
}

/* Walks the pattern one segment at a time against the path's segments, so that a route is
 * left at its first differing segment without the pattern being split first. */
static bool pattern_match(const struct route *route, const struct str *segs, size_t nsegs,
                          struct str params[ROUTE_PARAMS_MAX], size_t *param_count) {
  bool nocase = route->flags & ROUTE_NOCASE;
  const char *p = route->pattern[0] == '/' ? route->pattern + 1 : route->pattern;
  size_t i = 0;
  *param_count = 0;
  while (*p) {
    const char *end = strchrnul(p, '/');
    struct str param;
    bool captured;
    if (i == nsegs || !segment_match((struct str){p, (size_t)(end - p)}, segs[i], nocase, &param, &captured))
      return false;
    if (captured) {
      if (*param_count == ROUTE_PARAMS_MAX) return false;
      params[(*param_count)++] = param;
    }
    i++;
    p = *end ? end + 1 : end;
  }
  return i == nsegs;
}

static void append_allow(char *allow, size_t size, enum http_method method) {
  const char *name = http_method_name(method);
  if (strstr(allow, name)) return;
  size_t len = strlen(allow);
  size_t need = strlen(name) + (len ? 2 : 0);
  if (len + need + 1 > size) return;
  if (len) memcpy(allow + len, ", ", 2), len += 2;
  memcpy(allow + len, name, strlen(name) + 1);
}

enum route_match router_match(const struct route *routes, size_t count, enum http_method method,
                              struct str path, const struct route **found,
                              struct str params[ROUTE_PARAMS_MAX], size_t *param_count, char *allow,
                              size_t allow_size) {
  struct str segs[ROUTE_SEGMENTS_MAX];
  size_t nsegs;
  if (allow_size) allow[0] = '\0';
  if (!split(path, segs, &nsegs)) return ROUTE_NOT_FOUND;
  enum http_method wanted = method == HTTP_HEAD ? HTTP_GET : method;
  bool path_known = false;
  for (size_t i = 0; i < count; i++) {
    if (!pattern_match(&routes[i], segs, nsegs, params, param_count)) continue;
    if (routes[i].method == wanted) {
      *found = &routes[i];
      return ROUTE_FOUND;
    }
    path_known = true;
    append_allow(allow, allow_size, routes[i].method);
    if (routes[i].method == HTTP_GET) append_allow(allow, allow_size, HTTP_HEAD);
  }
  return path_known ? ROUTE_WRONG_METHOD : ROUTE_NOT_FOUND;
}
