/*
 * server.h — the HTTP server: libmicrohttpd with its epoll thread pool.
 *
 * The server owns the per-request lifecycle: it parses nothing itself beyond what
 * libmicrohttpd gives, enforces the limits in limits.h, routes, authenticates, claims
 * idempotency keys, wraps ROUTE_TX handlers in a write transaction, and sends the response.
 * Responses are queued on the second (or later) access-handler call, never the first, so
 * keep-alive connections stay open (libmicrohttpd closes a connection whose response is
 * queued before it has read the request).
 */
#ifndef HUTONG_HTTP_SERVER_H
#define HUTONG_HTTP_SERVER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "http/router.h"

struct db_pool;
struct http_server;

/* Renders a friendly HTML "not found" page for browsers (the web layer provides it). */
typedef void (*http_html_not_found)(struct request *req, struct response *res);

struct http_server_config {
  const char *host; /* numeric IPv4/IPv6 address to bind */
  uint16_t port;    /* 0: any free port (see http_server_port) */
  unsigned threads;
  unsigned connections_max;
  const struct route *routes;
  size_t route_count;
  struct db_pool *pool;
  struct app *app;
  http_html_not_found not_found_html; /* may be NULL */
  /* Comma-separated numeric addresses of the load balancers in front (HUTONG_TRUSTED_PROXIES),
   * at most HTTP_TRUSTED_PROXIES_MAX; NULL or "" for none. A request from one of them is taken
   * to come from the address its X-Forwarded-For names (request_peer_ip()). */
  const char *trusted_proxies;
  /* How often a held long-poll re-runs its handler without being notified (changes made on
   * another node), HTTP_WAIT_RECHECK_MS_MIN..MAX; 0 for HTTP_WAIT_RECHECK_MS. */
  unsigned wait_recheck_ms;
};

/* Starts listening. HT_EINVAL for a bad address (to bind, or among the trusted proxies), HT_EIO
 * when binding fails (message logged). */
int http_server_start(const struct http_server_config *config, struct http_server **out);

/* True when `ip` (numeric, any spelling) is one of the configured trusted proxies. */
bool http_server_trusts(const struct http_server *server, const char *ip);

/* The port actually bound. */
uint16_t http_server_port(const struct http_server *server);

/* Graceful stop: stops accepting, waits up to HTTP_DRAIN_TIMEOUT_MS for in-flight requests,
 * then closes every connection and frees the server. */
void http_server_stop(struct http_server *server);

/* Built-in handlers for the route table: liveness and Prometheus metrics. */
void http_handle_healthz(struct request *req, struct response *res);
void http_handle_metrics(struct request *req, struct response *res);

#endif
