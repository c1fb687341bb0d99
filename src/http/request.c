/* request.c — request accessors and response writers (see request.h). */
#include "http/request.h"

#include <arpa/inet.h>
#include <microhttpd.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "core/json_prescan.h"
#include "core/status.h"
#include "http/limits.h"
#include "http/metrics.h"
#include "http/server.h"
#include "platform/log.h"
#include "store/pool.h"

static struct str lookup(const struct request *req, enum MHD_ValueKind kind, const char *name) {
  const char *value = NULL;
  size_t len = 0;
  if (MHD_lookup_connection_value_n(req->connection, kind, name, strlen(name), &value, &len) != MHD_YES)
    return (struct str){0};
  return (struct str){value ? value : "", value ? len : 0};
}

struct str request_header(const struct request *req, const char *name) {
  return lookup(req, MHD_HEADER_KIND, name);
}

struct str request_query(const struct request *req, const char *name) {
  return lookup(req, MHD_GET_ARGUMENT_KIND, name);
}

struct str request_cookie(const struct request *req, const char *name) {
  return lookup(req, MHD_COOKIE_KIND, name);
}

/* The client an X-Forwarded-For header names: its rightmost address that is not itself a
 * trusted proxy (everything left of that was written by the client and proves nothing).
 * Writes it to `out` and returns true; false when the header has no usable address. */
static bool forwarded_client(struct request *req, char out[INET6_ADDRSTRLEN]) {
  struct str header = request_header(req, "X-Forwarded-For");
  if (!header.data) return false;
  size_t end = header.len;
  for (int hop = 0; hop < HTTP_FORWARDED_HOPS_MAX && end > 0; hop++) {
    size_t start = end;
    while (start > 0 && header.data[start - 1] != ',') start--;
    size_t from = start, to = end;
    while (from < to && (header.data[from] == ' ' || header.data[from] == '\t')) from++;
    while (to > from && (header.data[to - 1] == ' ' || header.data[to - 1] == '\t')) to--;
    char text[INET6_ADDRSTRLEN];
    unsigned char binary[sizeof(struct in6_addr)];
    if (to - from == 0 || to - from >= sizeof text) return false;
    memcpy(text, header.data + from, to - from);
    text[to - from] = '\0';
    int family = inet_pton(AF_INET, text, binary) == 1    ? AF_INET
                 : inet_pton(AF_INET6, text, binary) == 1 ? AF_INET6
                                                          : 0;
    if (!family || !inet_ntop(family, binary, out, INET6_ADDRSTRLEN)) return false;
    if (!http_server_trusts(req->server, out)) return true;
    end = start > 0 ? start - 1 : 0;
  }
  return false;
}

const char *request_peer_ip(struct request *req) {
  const union MHD_ConnectionInfo *info =
      MHD_get_connection_info(req->connection, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
  if (!info || !info->client_addr) return "";
  char text[INET6_ADDRSTRLEN] = "";
  const struct sockaddr *sa = info->client_addr;
  if (sa->sa_family == AF_INET)
    inet_ntop(AF_INET, &((const struct sockaddr_in *)(const void *)sa)->sin_addr, text, sizeof text);
  else if (sa->sa_family == AF_INET6)
    inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr, text, sizeof text);
  char client[INET6_ADDRSTRLEN];
  if (text[0] && http_server_trusts(req->server, text) && forwarded_client(req, client))
    memcpy(text, client, strlen(client) + 1);
  char *copy = arena_strndup(&req->arena, text, strlen(text));
  return copy ? copy : "";
}

bool request_wants_html(const struct request *req) {
  struct str accept = request_header(req, "Accept");
  if (!accept.data) return false;
  long html = str_find(accept, STR_LIT("text/html"), true);
  long json = str_find(accept, STR_LIT("application/json"), true);
  return html >= 0 && (json < 0 || html < json);
}

struct db *request_db_try(struct request *req) {
  if (!req->db && db_pool_acquire(req->pool, &req->db) != HT_OK) req->db = NULL;
  return req->db;
}

struct db *request_db(struct request *req, struct response *res) {
  if (req->db) return req->db;
  if (!request_db_try(req)) {
    response_error(req, res, 503, "busy", NULL, "the server is busy; retry shortly");
    response_header(req, res, "Retry-After", "1");
    return NULL;
  }
  return req->db;
}

void response_wait(struct request *req, struct response *res, const char *topic) {
  (void)req;
  snprintf(res->wait_topic, sizeof res->wait_topic, "%s", topic[0] ? topic : "*");
}

void response_header(struct request *req, struct response *res, const char *name, const char *value) {
  if (res->header_count == RESPONSE_HEADERS_MAX) {
    log_event(LOG_ERROR, req->id, "response header dropped: %s", name);
    return;
  }
  char *copy = arena_strndup(&req->arena, value, strlen(value));
  if (!copy) return;
  res->headers[res->header_count++] = (struct response_header){name, copy};
}

void response_body(struct request *req, struct response *res, int status, const char *content_type,
                   struct str body) {
  (void)req;
  res->status = status;
  res->content_type = content_type;
  res->body.len = 0;
  if (buf_append_str(&res->body, body) != HT_OK) {
    res->status = 500;
    res->content_type = "application/json";
    res->body.len = 0;
    buf_append_cstr(&res->body,
                    "{\"error\":{\"code\":\"internal_error\",\"message\":\"response too large\"}}");
  }
}

void response_json(struct request *req, struct response *res, int status, json_t *value) {
  if (!value) {
    response_error(req, res, 500, "internal_error", NULL, "out of memory");
    return;
  }
  size_t need = json_dumpb(value, NULL, 0, JSON_COMPACT);
  char *out = need ? arena_alloc(&req->arena, need) : NULL;
  size_t len = out ? json_dumpb(value, out, need, JSON_COMPACT) : 0;
  json_decref(value);
  if (!out) {
    response_error(req, res, 500, "internal_error", NULL, "response too large");
    return;
  }
  response_body(req, res, status, "application/json", (struct str){out, len});
}

static void error_v(struct request *req, struct response *res, int status, const char *code,
                    const char *field, json_t *extra, const char *fmt, va_list ap) {
  char message[512];
  vsnprintf(message, sizeof message, fmt, ap);
  json_t *error = json_pack("{s:s, s:s}", "code", code, "message", message);
  if (field && error) json_object_set_new(error, "field", json_string(field));
  if (extra && error) json_object_update_missing(error, extra);
  json_decref(extra);
  json_t *body = error ? json_pack("{s:o}", "error", error) : NULL;
  if (!body) {
    response_body(req, res, status, "application/json",
                  STR_LIT("{\"error\":{\"code\":\"internal_error\",\"message\":\"out of memory\"}}"));
    return;
  }
  response_json(req, res, status, body);
}

void response_error(struct request *req, struct response *res, int status, const char *code,
                    const char *field, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  error_v(req, res, status, code, field, NULL, fmt, ap);
  va_end(ap);
}

void response_error_extra(struct request *req, struct response *res, int status, const char *code,
                          const char *field, json_t *extra, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  error_v(req, res, status, code, field, extra, fmt, ap);
  va_end(ap);
}

void response_status_error(struct request *req, struct response *res, int rc, const char *what) {
  switch (rc) {
  case HT_ENOTFOUND: response_error(req, res, 404, "not_found", NULL, "%s not found", what); return;
  case HT_EBUSY:
    response_error(req, res, 503, "busy", NULL, "the database is busy; retry shortly");
    response_header(req, res, "Retry-After", "1");
    return;
  case HT_ECONFLICT:
    response_error(req, res, 409, "conflict", NULL, "%s conflicts with existing data", what);
    return;
  default:
    metrics_db_error();
    log_event(LOG_ERROR, req->id, "%s: %s (%s)", what, ht_status_name(rc), req->db ? db_error(req->db) : "");
    response_error(req, res, 500, "internal_error", NULL, "internal error (request %s)", req->id);
  }
}

static bool is_json_media_type(struct str content_type) {
  long semicolon = str_find(content_type, STR_LIT(";"), false);
  struct str media = semicolon >= 0 ? (struct str){content_type.data, (size_t)semicolon} : content_type;
  return str_eq_nocase(str_trim(media), STR_LIT("application/json"));
}

static void prescan_error(struct request *req, struct response *res, const struct json_prescan_result *r) {
  const char *field = r->field[0] ? r->field : NULL;
  switch (r->problem) {
  case JSON_PRESCAN_TOO_DEEP:
    response_error(req, res, 400, "too_deep", NULL, "JSON nesting deeper than %d levels (at byte %zu)",
                   JSON_DEPTH_MAX, r->offset);
    return;
  case JSON_PRESCAN_INT_RANGE:
    response_error(req, res, 400, "out_of_range", field, "integer does not fit in 64 bits (at byte %zu)",
                   r->offset);
    return;
  case JSON_PRESCAN_BAD_ESCAPE:
    response_error(req, res, 400, "invalid_utf8", field, "escaped lone surrogate or NUL (at byte %zu)",
                   r->offset);
    return;
  default:
    response_error(req, res, 400, "invalid_utf8", field, "string is not valid UTF-8 (at byte %zu)",
                   r->offset);
  }
}

/* jansson reports duplicates as: duplicate object key near '"title"'. */
static void duplicate_key_error(struct request *req, struct response *res, const char *text) {
  const char *open = strstr(text, "near '\"");
  char field[128] = "";
  if (open) {
    open += 7;
    const char *close = strstr(open, "\"'");
    size_t len = close ? (size_t)(close - open) : 0;
    if (len < sizeof field) memcpy(field, open, len), field[len] = '\0';
  }
  response_error(req, res, 400, "duplicate_key", field[0] ? field : NULL, "duplicate key in JSON object");
}

json_t *request_json_object(struct request *req, struct response *res) {
  if (req->json) return req->json;
  struct str content_type = request_header(req, "Content-Type");
  if (!content_type.data || !is_json_media_type(content_type)) {
    response_error(req, res, 415, "unsupported_media_type", NULL,
                   "send the body as Content-Type: application/json");
    return NULL;
  }
  struct str body = buf_view(&req->body);
  if (body.len == 0) {
    response_error(req, res, 400, "invalid_json", NULL, "request body is empty; expected a JSON object");
    return NULL;
  }
  struct json_prescan_result scan;
  if (json_prescan(body, JSON_DEPTH_MAX, &scan) != HT_OK) {
    prescan_error(req, res, &scan);
    return NULL;
  }
  json_error_t error;
  json_t *value = json_loadb(body.data, body.len, JSON_REJECT_DUPLICATES, &error);
  if (!value) {
    if (strstr(error.text, "duplicate object key"))
      duplicate_key_error(req, res, error.text);
    else
      response_error(req, res, 400, "invalid_json", NULL, "malformed JSON at byte %d: %s", error.position,
                     error.text);
    return NULL;
  }
  if (!json_is_object(value)) {
    json_decref(value);
    response_error(req, res, 400, "invalid_json", NULL, "the body must be a JSON object");
    return NULL;
  }
  req->json = value;
  return value;
}
