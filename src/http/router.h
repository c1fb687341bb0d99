/*
 * router.h — the route table and path matching.
 *
 * A pattern is a path of literal segments and parameters: `/v1/products/{id}`. A parameter
 * may carry a literal suffix inside its segment: `/qr/{code}.svg`. Routes flagged
 * ROUTE_NOCASE match their literal parts ignoring ASCII case, for the short-code routes that
 * people type or scan (`/p/7k3qx9` is `/P/7K3QX9`). A single trailing slash is ignored.
 * HEAD requests match GET routes.
 */
#ifndef HUTONG_HTTP_ROUTER_H
#define HUTONG_HTTP_ROUTER_H

#include <stddef.h>

#include "http/request.h"

/* Routes one table may hold (the metrics keep a slot per route). */
#define ROUTES_MAX 160
/* Segments one path may have when matched against the table. */
#define ROUTE_SEGMENTS_MAX 16

enum route_flags {
  ROUTE_AUTH = 1 << 0,   /* needs a merchant API key (Authorization: Bearer) */
  ROUTE_TX = 1 << 1,     /* the handler runs inside one write transaction, committed if 2xx/3xx */
  ROUTE_NOCASE = 1 << 2, /* literal segments match ignoring case */
};

typedef void (*route_handler)(struct request *req, struct response *res);

struct route {
  enum http_method method;
  const char *pattern;
  route_handler handler;
  unsigned flags;
  size_t body_bytes_max; /* 0: HTTP_BODY_BYTES_MAX */
};

enum route_match { ROUTE_FOUND, ROUTE_WRONG_METHOD, ROUTE_NOT_FOUND };

/* Finds the route for `method` and `path`. On ROUTE_FOUND stores it in `*found` and the
 * parameters (views into `path`) in `params`/`*param_count`. On ROUTE_WRONG_METHOD writes the
 * allowed methods, comma-separated, into `allow` (size `allow_size`). */
enum route_match router_match(const struct route *routes, size_t count, enum http_method method,
                              struct str path, const struct route **found,
                              struct str params[ROUTE_PARAMS_MAX], size_t *param_count, char *allow,
                              size_t allow_size);

/* The method's name ("GET"). */
const char *http_method_name(enum http_method method);

/* Parses a method name; HTTP_OTHER when unknown. */
enum http_method http_method_parse(const char *name);

#endif
