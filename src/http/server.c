/* server.c — libmicrohttpd glue and the request pipeline (see server.h).
 *
 * Life of a request:
 *   first access-handler call   allocate the exchange, route it, check header and path limits
 *                               and the declared body size (nothing is answered yet)
 *   calls with upload data      append to the body buffer up to the route's limit
 *   final call                  dispatch(): auth → idempotency claim → [BEGIN] handler
 *                               [COMMIT/ROLLBACK] → idempotency finish; queue the response
 *   completion callback         access log line, metrics, free the arena
 */
#include "http/server.h"

#include <arpa/inet.h>
#include <microhttpd.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/status.h"
#include "http/auth.h"
#include "http/idempotency.h"
#include "http/limits.h"
#include "http/metrics.h"
#include "platform/clock.h"
#include "platform/log.h"
#include "platform/random.h"
#include "store/pool.h"

/* Longest client-supplied X-Request-Id we keep (longer ones are replaced by ours). */
#define CLIENT_REQUEST_ID_MAX 64

struct exchange;

struct http_server {
  struct MHD_Daemon *daemon;
  struct http_server_config config;
  /* The trusted proxies, each in its canonical spelling (inet_ntop of inet_pton). */
  char trusted[HTTP_TRUSTED_PROXIES_MAX][INET6_ADDRSTRLEN];
  size_t trusted_count;
  uint16_t port;
  char id_prefix[9];
  _Atomic uint64_t request_counter;
  _Atomic int in_flight;
  /* Long-polls held by response_wait(), and the thread that resumes them. */
  pthread_mutex_t wait_lock;
  pthread_cond_t wait_wake;
  pthread_t wait_thread;
  struct exchange *waiting;
  size_t waiting_count;
  bool stopping;
  /* Every http_notify() gets the next sequence number; the topics of the latest few are kept so
   * that a notification arriving while a long-poll's handler runs (resumed, not yet held again)
   * still wakes it. Written under wait_lock; read without it when a request starts. */
  _Atomic uint64_t notify_seq;
  char notify_recent[HTTP_NOTIFY_RECENT][RESPONSE_WAIT_TOPIC_BYTES];
};

struct exchange {
  struct request req;
  struct response res;
  struct http_server *server;
  enum route_match match;
  char allow[64];
  int early_status; /* 414 or 431 decided on the first call, answered on the last */
  bool body_overflow;
  size_t body_bytes_max;
  int64_t start_us;
  struct exchange *wait_next; /* in server->waiting while suspended */
  int64_t resume_at_us;       /* monotonic time of the next re-run */
  uint64_t notify_seen;       /* server->notify_seq when the handler last started */
  bool suspended, notified;
};

static bool safe_request_id(struct str id) {
  if (id.len == 0 || id.len > CLIENT_REQUEST_ID_MAX) return false;
  for (size_t i = 0; i < id.len; i++) {
    char c = id.data[i];
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
              c == '_' || c == '.';
    if (!ok) return false;
  }
  return true;
}

static void assign_request_id(struct exchange *ex) {
  struct str incoming = request_header(&ex->req, "X-Request-Id");
  if (incoming.data && safe_request_id(incoming)) {
    memcpy(ex->req.id, incoming.data, incoming.len);
    ex->req.id[incoming.len] = '\0';
    return;
  }
  uint64_t n = atomic_fetch_add_explicit(&ex->server->request_counter, 1, memory_order_relaxed);
  snprintf(ex->req.id, sizeof ex->req.id, "%s-%llx", ex->server->id_prefix, (unsigned long long)n);
}

struct header_tally {
  size_t bytes;
};

static enum MHD_Result count_header(void *cls, enum MHD_ValueKind kind, const char *key, const char *value) {
  (void)kind;
  struct header_tally *tally = cls;
  tally->bytes += strlen(key) + (value ? strlen(value) : 0) + 4; /* ": " and CRLF */
  return MHD_YES;
}

static size_t declared_body_bytes(struct exchange *ex) {
  struct str length = request_header(&ex->req, "Content-Length");
  long long n = 0;
  if (!length.data || str_to_i64(str_trim(length), &n) != HT_OK || n < 0) return 0;
  return (size_t)n;
}

static struct exchange *exchange_create(struct http_server *server, struct MHD_Connection *conn,
                                        const char *url, const char *method) {
  struct exchange *ex = calloc(1, sizeof *ex);
  if (!ex) return NULL;
  ex->server = server;
  ex->start_us = clock_monotonic_us();
  struct request *req = &ex->req;
  arena_init(&req->arena, HTTP_REQUEST_ARENA_BYTES_MAX);
  req->connection = conn;
  req->server = server;
  req->app = server->config.app;
  req->pool = server->config.pool;
  req->now_ms = clock_now_ms();
  req->method = http_method_parse(method);
  req->method_name = str_from_cstr(method);
  req->path = str_from_cstr(url);
  ex->res.status = 500;
  buf_init(&ex->res.body, &req->arena, HTTP_REQUEST_ARENA_BYTES_MAX / 2);
  assign_request_id(ex);
  metrics_in_flight(1);
  atomic_fetch_add(&server->in_flight, 1);
  return ex;
}

/* Route and limit checks that need only the request line and headers. Returns MHD_NO only
 * when the declared body is so large that we answer at once and close the connection. */
static enum MHD_Result exchange_first_call(struct exchange *ex) {
  struct request *req = &ex->req;
  const struct http_server_config *cfg = &ex->server->config;
  struct header_tally tally = {0};
  MHD_get_connection_values(req->connection, MHD_HEADER_KIND, count_header, &tally);
  if (req->path.len > HTTP_PATH_BYTES_MAX)
    ex->early_status = 414;
  else if (tally.bytes > HTTP_HEADER_BYTES_MAX)
    ex->early_status = 431;
  ex->match = router_match(cfg->routes, cfg->route_count, req->method, req->path, &req->route, req->params,
                           &req->param_count, ex->allow, sizeof ex->allow);
  ex->body_bytes_max =
      req->route && req->route->body_bytes_max ? req->route->body_bytes_max : HTTP_BODY_BYTES_MAX;
  buf_init(&req->body, &req->arena, ex->body_bytes_max);
  size_t declared = declared_body_bytes(ex);
  if (declared > ex->body_bytes_max) ex->body_overflow = true;
  if (declared > HTTP_BODY_ABORT_BYTES) {
    metrics_rejected();
    response_error(req, &ex->res, 413, "body_too_large", NULL, "request body exceeds %zu bytes",
                   ex->body_bytes_max);
    response_header(req, &ex->res, "Connection", "close");
    return MHD_NO; /* the caller queues this response now; libmicrohttpd then closes */
  }
  return MHD_YES;
}

static void take_body(struct exchange *ex, const char *data, size_t len) {
  if (ex->body_overflow) return;
  if (buf_append(&ex->req.body, data, len) != HT_OK) ex->body_overflow = true;
}

static void answer_unrouted(struct exchange *ex) {
  struct request *req = &ex->req;
  struct response *res = &ex->res;
  if (ex->match == ROUTE_WRONG_METHOD) {
    response_error(req, res, 405, "method_not_allowed", NULL, "%.*s is not allowed here; allowed: %s",
                   STR_FMT(req->method_name), ex->allow);
    response_header(req, res, "Allow", ex->allow);
  } else if (request_wants_html(req)) {
    if (ex->server->config.not_found_html)
      ex->server->config.not_found_html(req, res);
    else
      response_body(req, res, 404, "text/html; charset=utf-8",
                    STR_LIT("<!doctype html><meta charset=utf-8><title>Not found</title>"
                            "<h1>Not found · 页面不存在</h1><p>Nothing lives at this address.</p>"));
  } else {
    response_error(req, res, 404, "not_found", NULL, "no such resource: %.*s", STR_FMT(req->path));
  }
}

static bool answer_early(struct exchange *ex) {
  struct request *req = &ex->req;
  if (ex->early_status == 414)
    response_error(req, &ex->res, 414, "uri_too_long", NULL, "request path exceeds %d bytes",
                   HTTP_PATH_BYTES_MAX);
  else if (ex->early_status == 431)
    response_error(req, &ex->res, 431, "headers_too_large", NULL, "request headers exceed %d bytes",
                   HTTP_HEADER_BYTES_MAX);
  else if (ex->match != ROUTE_FOUND)
    answer_unrouted(ex);
  else if (ex->body_overflow)
    response_error(req, &ex->res, 413, "body_too_large", NULL, "request body exceeds %zu bytes",
                   ex->body_bytes_max);
  else
    return false;
  if (ex->early_status || ex->body_overflow) metrics_rejected();
  return true;
}

/* Runs the handler inside one write transaction; commits only a successful response. */
static void run_in_transaction(struct exchange *ex, struct idem_state *idem) {
  struct request *req = &ex->req;
  struct response *res = &ex->res;
  struct db *db = request_db(req, res);
  if (!db) return;
  int rc = db_begin(db, true);
  if (rc != HT_OK) {
    response_status_error(req, res, rc, "transaction");
    return;
  }
  req->route->handler(req, res);
  if (res->status >= 400) {
    db_rollback(db);
    return;
  }
  rc = idempotency_complete(req, res, idem);
  if (rc == HT_ECONFLICT) {
    db_rollback(db);
    response_error(req, res, 409, "idempotency_key_in_use", "Idempotency-Key",
                   "this request's Idempotency-Key was taken over by a retry; nothing was changed");
    return;
  }
  if (rc == HT_OK)
    rc = db_commit(db);
  else
    db_rollback(db);
  if (rc != HT_OK) response_status_error(req, res, rc, "commit");
}

static void dispatch(struct exchange *ex) {
  struct request *req = &ex->req;
  struct response *res = &ex->res;
  if (answer_early(ex)) return;
  const struct route *route = req->route;
  struct idem_state idem = {0};
  if ((route->flags & ROUTE_AUTH) && !http_authenticate(req, res)) goto done;
  if (!idempotency_begin(req, res, &idem)) goto done;
  if (route->flags & ROUTE_TX)
    run_in_transaction(ex, &idem);
  else
    route->handler(req, res);
  idempotency_finish(req, res, &idem);
done:
  if (req->db) {
    db_pool_release(req->pool, req->db);
    req->db = NULL;
  }
}

static enum MHD_Result send_response(struct exchange *ex) {
  struct request *req = &ex->req;
  struct response *res = &ex->res;
  struct MHD_Response *response = MHD_create_response_from_buffer(
      res->body.len, res->body.data ? res->body.data : (void *)"", MHD_RESPMEM_PERSISTENT);
  if (!response) return MHD_NO;
  MHD_add_response_header(response, "Content-Type",
                          res->content_type ? res->content_type : "application/json");
  MHD_add_response_header(response, "X-Request-Id", req->id);
  bool cache_set = false;
  for (size_t i = 0; i < res->header_count; i++) {
    MHD_add_response_header(response, res->headers[i].name, res->headers[i].value);
    if (strcmp(res->headers[i].name, "Cache-Control") == 0) cache_set = true;
  }
  if (!cache_set) MHD_add_response_header(response, "Cache-Control", "no-store");
  enum MHD_Result rc = MHD_queue_response(req->connection, (unsigned)res->status, response);
  MHD_destroy_response(response);
  return rc;
}

/* A resumed long-poll runs its handler again with a fresh response and a fresh clock. */
static void reset_for_rerun(struct exchange *ex) {
  ex->suspended = false;
  ex->notified = false;
  ex->req.now_ms = clock_now_ms();
  ex->res.status = 500;
  ex->res.content_type = NULL;
  ex->res.body.len = 0;
  ex->res.header_count = 0;
  ex->res.wait_topic[0] = '\0';
}

/* True (lock held) when `topic` was notified after sequence number `seen`; also when so many
 * notifications came since that the record of them no longer reaches back (a spare re-run is
 * harmless, a missed wake-up is not). */
static bool notified_since(const struct http_server *server, uint64_t seen, const char *topic) {
  uint64_t last = atomic_load_explicit(&server->notify_seq, memory_order_relaxed);
  if (last - seen > HTTP_NOTIFY_RECENT) return true;
  for (uint64_t seq = seen + 1; seq <= last; seq++)
    if (strcmp(server->notify_recent[seq % HTTP_NOTIFY_RECENT], topic) == 0) return true;
  return false;
}

/* When a held request runs again: after the recheck interval, or at its own deadline if that
 * comes first, so that a long-poll ends on time whatever the interval. */
static int64_t next_rerun_us(const struct exchange *ex) {
  int64_t wait_ms = (int64_t)ex->server->config.wait_recheck_ms;
  const struct request *req = &ex->req;
  if (req->wait_deadline_ms > 0 && req->wait_deadline_ms - req->now_ms < wait_ms)
    wait_ms = req->wait_deadline_ms > req->now_ms ? req->wait_deadline_ms - req->now_ms : 0;
  return clock_monotonic_us() + wait_ms * 1000;
}

/* Suspends the connection until notified, rechecked or stopping; false when it cannot be
 * held (too many waiters, or shutting down), in which case the response goes out now. A
 * notification that came while the handler ran makes it run again at once. */
static bool hold(struct exchange *ex) {
  struct http_server *server = ex->server;
  int64_t resume_at_us = next_rerun_us(ex);
  pthread_mutex_lock(&server->wait_lock);
  bool ok = !server->stopping && server->waiting_count < HTTP_WAITERS_MAX;
  if (ok) {
    ex->suspended = true;
    ex->resume_at_us = resume_at_us;
    ex->notified = notified_since(server, ex->notify_seen, ex->res.wait_topic);
    ex->wait_next = server->waiting;
    server->waiting = ex;
    server->waiting_count++;
    metrics_long_polls_held(+1);
    MHD_suspend_connection(ex->req.connection);
    if (ex->notified) pthread_cond_signal(&server->wait_wake);
  }
  pthread_mutex_unlock(&server->wait_lock);
  return ok;
}

/* Resumes (lock held) every waiter that is notified, due, or everything when stopping. */
static void resume_ready(struct http_server *server, int64_t now_us) {
  struct exchange **link = &server->waiting;
  while (*link) {
    struct exchange *ex = *link;
    if (server->stopping || ex->notified || ex->resume_at_us <= now_us) {
      *link = ex->wait_next;
      server->waiting_count--;
      metrics_long_polls_held(-1);
      MHD_resume_connection(ex->req.connection);
    } else {
      link = &ex->wait_next;
    }
  }
}

static void *waiter_thread(void *arg) {
  struct http_server *server = arg;
  pthread_mutex_lock(&server->wait_lock);
  while (!server->stopping || server->waiting) {
    resume_ready(server, clock_monotonic_us());
    if (server->stopping) break;
    struct timespec deadline;
    clock_gettime(CLOCK_MONOTONIC, &deadline);
    deadline.tv_nsec += 100 * 1000000L; /* a tenth of a second: fine enough for rechecks */
    if (deadline.tv_nsec >= 1000000000L) deadline.tv_sec++, deadline.tv_nsec -= 1000000000L;
    pthread_cond_timedwait(&server->wait_wake, &server->wait_lock, &deadline);
  }
  pthread_mutex_unlock(&server->wait_lock);
  return NULL;
}

void http_notify(struct request *req, const char *topic) {
  struct http_server *server = req->server;
  if (!server) return;
  pthread_mutex_lock(&server->wait_lock);
  uint64_t seq = atomic_load_explicit(&server->notify_seq, memory_order_relaxed) + 1;
  snprintf(server->notify_recent[seq % HTTP_NOTIFY_RECENT], RESPONSE_WAIT_TOPIC_BYTES, "%s", topic);
  atomic_store_explicit(&server->notify_seq, seq, memory_order_release);
  bool any = false;
  for (struct exchange *ex = server->waiting; ex; ex = ex->wait_next)
    if (strcmp(ex->res.wait_topic, topic) == 0) ex->notified = any = true;
  if (any) pthread_cond_signal(&server->wait_wake);
  pthread_mutex_unlock(&server->wait_lock);
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url, const char *method,
                                  const char *version, const char *upload_data, size_t *upload_data_size,
                                  void **con_cls) {
  (void)version;
  struct exchange *ex = *con_cls;
  if (!ex) {
    ex = exchange_create(cls, conn, url, method);
    if (!ex) return MHD_NO;
    *con_cls = ex;
    if (exchange_first_call(ex) == MHD_NO) return send_response(ex);
    return MHD_YES;
  }
  if (*upload_data_size) {
    take_body(ex, upload_data, *upload_data_size);
    *upload_data_size = 0;
    return MHD_YES;
  }
  if (ex->suspended) reset_for_rerun(ex);
  /* Before the handler reads anything: a change notified after this point wakes its hold. */
  ex->notify_seen = atomic_load_explicit(&ex->server->notify_seq, memory_order_acquire);
  dispatch(ex);
  if (ex->res.wait_topic[0] && hold(ex)) return MHD_YES;
  return send_response(ex);
}

static void log_access(struct exchange *ex, int64_t duration_us) {
  if (!log_access_enabled()) return;
  struct request *req = &ex->req;
  char line[LOG_LINE_BYTES], ts[CLOCK_RFC3339_BYTES];
  size_t len = (size_t)snprintf(line, sizeof line, "{\"ts\":\"%s\",\"request_id\":\"%s\",\"method\":\"",
                                clock_format_rfc3339(req->now_ms, ts), req->id);
  len = log_json_escape(line, len, sizeof line / 2, req->method_name.data, req->method_name.len);
  len += (size_t)snprintf(line + len, sizeof line - len, "\",\"path\":\"");
  len = log_json_escape(line, len, sizeof line * 3 / 4, req->path.data, req->path.len);
  snprintf(line + len, sizeof line - len,
           "\",\"route\":\"%s\",\"status\":%d,\"bytes\":%zu,\"duration_us\":%lld,\"ip\":\"%s\"}",
           req->route ? req->route->pattern : "", ex->res.status, ex->res.body.len, (long long)duration_us,
           request_peer_ip(req));
  log_access_line(line, strlen(line));
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
                         enum MHD_RequestTerminationCode toe) {
  (void)conn;
  (void)toe;
  struct http_server *server = cls;
  struct exchange *ex = *con_cls;
  if (!ex) return;
  int64_t duration_us = clock_monotonic_us() - ex->start_us;
  const struct http_server_config *cfg = &server->config;
  size_t index = ex->req.route ? (size_t)(ex->req.route - cfg->routes) : cfg->route_count;
  metrics_observe(index, ex->res.status, duration_us);
  log_access(ex, duration_us);
  if (ex->req.db) db_pool_release(ex->req.pool, ex->req.db);
  json_decref(ex->req.json);
  arena_free_all(&ex->req.arena);
  free(ex);
  *con_cls = NULL;
  metrics_in_flight(-1);
  atomic_fetch_sub(&server->in_flight, 1);
}

static int parse_address(const char *host, uint16_t port, struct sockaddr_storage *addr) {
  memset(addr, 0, sizeof *addr);
  struct sockaddr_in *v4 = (struct sockaddr_in *)addr;
  struct sockaddr_in6 *v6 = (struct sockaddr_in6 *)addr;
  if (inet_pton(AF_INET, host, &v4->sin_addr) == 1) {
    v4->sin_family = AF_INET;
    v4->sin_port = htons(port);
    return AF_INET;
  }
  if (inet_pton(AF_INET6, host, &v6->sin6_addr) == 1) {
    v6->sin6_family = AF_INET6;
    v6->sin6_port = htons(port);
    return AF_INET6;
  }
  return -1;
}

/* Writes the canonical spelling of a numeric address; false when `text` is not one. */
static bool canonical_ip(const char *text, size_t len, char out[INET6_ADDRSTRLEN]) {
  char copy[INET6_ADDRSTRLEN];
  unsigned char binary[sizeof(struct in6_addr)];
  if (len == 0 || len >= sizeof copy) return false;
  memcpy(copy, text, len);
  copy[len] = '\0';
  if (inet_pton(AF_INET, copy, binary) == 1) return inet_ntop(AF_INET, binary, out, INET6_ADDRSTRLEN) != NULL;
  if (inet_pton(AF_INET6, copy, binary) == 1)
    return inet_ntop(AF_INET6, binary, out, INET6_ADDRSTRLEN) != NULL;
  return false;
}

/* Parses the comma-separated list of trusted proxies; false (logged) on a bad entry. */
static bool parse_trusted(struct http_server *server, const char *list) {
  for (const char *at = list; at && *at;) {
    at += strspn(at, " ,");
    size_t len = strcspn(at, " ,");
    if (len == 0) break;
    if (server->trusted_count == HTTP_TRUSTED_PROXIES_MAX ||
        !canonical_ip(at, len, server->trusted[server->trusted_count])) {
      log_event(LOG_ERROR, NULL, "trusted proxies: '%.*s' is not a numeric address, or more than %d",
                (int)len, at, HTTP_TRUSTED_PROXIES_MAX);
      return false;
    }
    server->trusted_count++;
    at += len;
  }
  return true;
}

bool http_server_trusts(const struct http_server *server, const char *ip) {
  char canonical[INET6_ADDRSTRLEN];
  if (!server || !server->trusted_count || !canonical_ip(ip, strlen(ip), canonical)) return false;
  for (size_t i = 0; i < server->trusted_count; i++)
    if (strcmp(server->trusted[i], canonical) == 0) return true;
  return false;
}

int http_server_start(const struct http_server_config *config, struct http_server **out) {
  struct sockaddr_storage addr;
  int family = parse_address(config->host, config->port, &addr);
  if (family < 0) return HT_EINVAL;
  struct http_server *server = calloc(1, sizeof *server);
  if (!server) return HT_ENOMEM;
  server->config = *config;
  if (server->config.wait_recheck_ms == 0) server->config.wait_recheck_ms = HTTP_WAIT_RECHECK_MS;
  if (!parse_trusted(server, config->trusted_proxies)) {
    free(server);
    return HT_EINVAL;
  }
  random_hex(server->id_prefix, 4);
  metrics_init(config->routes, config->route_count);
  unsigned flags = MHD_USE_EPOLL_INTERNAL_THREAD | MHD_USE_ITC | MHD_USE_ERROR_LOG | MHD_ALLOW_SUSPEND_RESUME;
  if (family == AF_INET6) flags |= MHD_USE_IPv6;
  server->daemon = MHD_start_daemon(
      flags, config->port, NULL, NULL, on_request, server, MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&addr,
      MHD_OPTION_THREAD_POOL_SIZE, (unsigned)config->threads, MHD_OPTION_CONNECTION_LIMIT,
      config->connections_max, MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)HTTP_CONNECTION_MEMORY_BYTES,
      MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)HTTP_CONNECTION_TIMEOUT_S, MHD_OPTION_NOTIFY_COMPLETED,
      on_completed, server, MHD_OPTION_LISTENING_ADDRESS_REUSE, 1u, MHD_OPTION_END);
  if (!server->daemon) {
    free(server);
    return HT_EIO;
  }
  pthread_mutex_init(&server->wait_lock, NULL);
  pthread_condattr_t attr;
  pthread_condattr_init(&attr);
  pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
  pthread_cond_init(&server->wait_wake, &attr);
  pthread_condattr_destroy(&attr);
  pthread_create(&server->wait_thread, NULL, waiter_thread, server);
  const union MHD_DaemonInfo *info = MHD_get_daemon_info(server->daemon, MHD_DAEMON_INFO_BIND_PORT);
  server->port = info ? info->port : config->port;
  *out = server;
  return HT_OK;
}

uint16_t http_server_port(const struct http_server *server) { return server->port; }

void http_server_stop(struct http_server *server) {
  if (!server) return;
  MHD_socket listener = MHD_quiesce_daemon(server->daemon);
  if (listener != MHD_INVALID_SOCKET) close(listener);
  pthread_mutex_lock(&server->wait_lock);
  server->stopping = true; /* held long-polls answer now */
  pthread_cond_signal(&server->wait_wake);
  pthread_mutex_unlock(&server->wait_lock);
  pthread_join(server->wait_thread, NULL);
  int64_t deadline = clock_monotonic_us() + (int64_t)HTTP_DRAIN_TIMEOUT_MS * 1000;
  while (atomic_load(&server->in_flight) > 0 && clock_monotonic_us() < deadline) usleep(10 * 1000);
  if (atomic_load(&server->in_flight) > 0)
    log_event(LOG_WARN, NULL, "shutdown: %d requests still in flight after %d ms",
              atomic_load(&server->in_flight), HTTP_DRAIN_TIMEOUT_MS);
  MHD_stop_daemon(server->daemon);
  pthread_cond_destroy(&server->wait_wake);
  pthread_mutex_destroy(&server->wait_lock);
  free(server);
}

void http_handle_healthz(struct request *req, struct response *res) {
  response_body(req, res, 200, "application/json", STR_LIT("{\"status\":\"ok\"}"));
}

void http_handle_metrics(struct request *req, struct response *res) {
  res->status = 200;
  res->content_type = "text/plain; version=0.0.4";
  if (metrics_render(&res->body) != HT_OK)
    response_error(req, res, 500, "internal_error", NULL, "metrics too large");
}
