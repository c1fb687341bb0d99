/*
 * request.h — what a handler sees: the request, the response it fills, and helpers.
 *
 * One `struct request` and one `struct response` exist per HTTP request; both allocate from
 * the request's arena, which the server frees in one place after the response is sent.
 * Handlers never talk to libmicrohttpd directly. A handler always leaves a complete response
 * (status, content type, body); the error helpers produce the one JSON error shape:
 *   {"error":{"code":"snake_case","message":"...","field":"..."}}
 */
#ifndef HUTONG_HTTP_REQUEST_H
#define HUTONG_HTTP_REQUEST_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/arena.h"
#include "core/buf.h"
#include "core/str.h"
#include "store/db.h"

/* Path parameters one route may declare. */
#define ROUTE_PARAMS_MAX 4
/* Request ids: 8 hex digits of process prefix, '-', up to 16 hex digits of counter; or a
 * client-supplied id of up to 64 safe characters. */
#define REQUEST_ID_BYTES 72
/* Extra response headers a handler may set. */
#define RESPONSE_HEADERS_MAX 12
/* A long-poll's topic (response_wait), e.g. "order:" and an id, with its terminating NUL. */
#define RESPONSE_WAIT_TOPIC_BYTES 48

enum http_method {
  HTTP_GET,
  HTTP_HEAD,
  HTTP_POST,
  HTTP_PUT,
  HTTP_PATCH,
  HTTP_DELETE,
  HTTP_OPTIONS,
  HTTP_OTHER
};

struct app;   /* the application context, defined above this layer (src/app.h) */
struct route; /* router.h */
struct db_pool;

struct request {
  struct arena arena;
  enum http_method method;
  struct str method_name;
  struct str path;
  struct str params[ROUTE_PARAMS_MAX];
  size_t param_count;
  struct buf body;
  const struct route *route;
  char id[REQUEST_ID_BYTES];
  void *connection; /* libmicrohttpd's; only server.c and request.c touch it */
  struct app *app;
  struct db_pool *pool;
  struct db *db;            /* acquired on first use by request_db(), released after the handler */
  int64_t merchant_id;      /* set by the server before the handler when the route needs a key */
  int64_t now_ms;           /* one clock reading per request */
  json_t *json;             /* parsed body, owned here, freed with the request */
  void *server;             /* the http_server, for http_notify() */
  int64_t wait_deadline_ms; /* long-polls: set by the handler on its first pass, kept across passes */
};

struct response_header {
  const char *name;
  const char *value;
};

struct response {
  int status;
  const char *content_type;
  struct buf body;
  struct response_header headers[RESPONSE_HEADERS_MAX];
  size_t header_count;
  char wait_topic[RESPONSE_WAIT_TOPIC_BYTES]; /* non-empty: suspend and run the handler again (see
                                                 response_wait) */
};

/* A header's value (first occurrence, names case-insensitive); data NULL when absent. */
struct str request_header(const struct request *req, const char *name);

/* A query-string argument, percent-decoded; data NULL when absent. */
struct str request_query(const struct request *req, const char *name);

/* A cookie's value; data NULL when absent. */
struct str request_cookie(const struct request *req, const char *name);

/* Path parameter `index` of the matched route (in pattern order). */
static inline struct str request_param(const struct request *req, size_t index) {
  return index < req->param_count ? req->params[index] : (struct str){0};
}

/* The client's IP address as text (for rate limits and logs), "" when unknown: the peer's,
 * or, when the peer is a trusted proxy (http_server_config.trusted_proxies), the rightmost
 * address in X-Forwarded-For that is not a trusted proxy. */
const char *request_peer_ip(struct request *req);

/* True when the client prefers HTML to JSON (a browser following a link). */
bool request_wants_html(const struct request *req);

/* Gives the handler a database connection (from the pool, kept until the handler returns).
 * On failure writes a 503/500 JSON error into `res` and returns NULL. */
struct db *request_db(struct request *req, struct response *res);

/* Like request_db() but writes no response: NULL when no connection came free. */
struct db *request_db_try(struct request *req);

/* Parses the body as a JSON object with our limits: Content-Type must be application/json
 * (415), nesting ≤ JSON_DEPTH_MAX, valid UTF-8 (error names the field), no duplicate keys,
 * integers within int64 (error names the field). On failure writes the 4xx error into `res`
 * and returns NULL; the object is owned by the request. */
json_t *request_json_object(struct request *req, struct response *res);

/* Adds a response header; the value is copied into the request arena. */
void response_header(struct request *req, struct response *res, const char *name, const char *value);

/* Serializes `value` (reference stolen) as the response body with `status`. */
void response_json(struct request *req, struct response *res, int status, json_t *value);

/* Sets a body of `content_type` (copied into the arena) with `status`. */
void response_body(struct request *req, struct response *res, int status, const char *content_type,
                   struct str body);

/* The one JSON error writer. `field` may be NULL. */
void response_error(struct request *req, struct response *res, int status, const char *code,
                    const char *field, const char *fmt, ...) __attribute__((format(printf, 6, 7)));

/* response_error() with more members in the error object: those of `extra` (an object,
 * reference stolen, may be NULL) that do not clash with code, message or field, e.g. the link
 * guard's reasons for a refused target. */
void response_error_extra(struct request *req, struct response *res, int status, const char *code,
                          const char *field, json_t *extra, const char *fmt, ...)
    __attribute__((format(printf, 7, 8)));

/* Long-polling. After writing a complete "not yet" response, a handler may call
 * response_wait(): the server then holds the connection without a thread and runs the handler
 * again when http_notify() names `topic`, after at most HTTP_WAIT_RECHECK_MS (changes made on
 * another node are noticed that way), or at shutdown. The handler ends the wait by not calling
 * response_wait() again (typically once req->wait_deadline_ms has passed). When the server
 * cannot hold more connections, or is stopping, the "not yet" response is sent as it is. */
void response_wait(struct request *req, struct response *res, const char *topic);

/* Wakes every request waiting on `topic` (on this node). */
void http_notify(struct request *req, const char *topic);

/* Maps a failed HT_* status from the store to a response: HT_ENOTFOUND → 404 not_found
 * (naming `what`), HT_EBUSY → 503 busy, HT_ECONFLICT → 409 conflict, anything else → 500
 * internal_error, logged with the request id and the database's message. */
void response_status_error(struct request *req, struct response *res, int rc, const char *what);

#endif
