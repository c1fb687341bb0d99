/*
 * channel_http.h — the one outbound HTTP call of the wallet adapters, over libcurl.
 *
 * Every call has a timeout (the channel's configured timeout_ms) and every answer a size
 * limit. A call either brings back a complete response (any status; the adapter decides what
 * it means) or fails: refused connection, reset, timeout, oversized answer. The adapters map
 * a failure onto CHANNEL_OUTCOME_TIMEOUT — the wallet may or may not have acted — so the
 * record goes UNKNOWN and reconciliation asks again; money never moves on a guess.
 * Redirects are not followed and only http and https are spoken; TLS peers are verified
 * against the system's trust store.
 */
#ifndef HUTONG_PAY_CHANNEL_HTTP_H
#define HUTONG_PAY_CHANNEL_HTTP_H

#include <stddef.h>
#include <stdint.h>

#include "core/arena.h"
#include "core/str.h"

/* Largest answer read: wallets' answers are a few KB (a query with promotion details). */
#define CHANNEL_HTTP_RESPONSE_BYTES_MAX (256 * 1024)
/* Response headers kept (WeChat Pay sends about a dozen). */
#define CHANNEL_HTTP_HEADERS_MAX 48
/* Longest response header line kept; longer ones are skipped. */
#define CHANNEL_HTTP_HEADER_BYTES_MAX 2048
/* Connecting gets at most this long, within the call's timeout (a refused or unroutable
 * address should fail fast, leaving the rest of the budget for a slow answer). */
#define CHANNEL_HTTP_CONNECT_TIMEOUT_MS_MAX 3000

struct channel_http_request {
  const char *method;        /* "GET" or "POST" */
  const char *url;           /* absolute http(s) URL */
  struct str body;           /* POST body (may be empty) */
  const char *content_type;  /* of the body; NULL for GET */
  const char *authorization; /* Authorization header value, or NULL */
  int64_t timeout_ms;        /* the whole call, connect to last byte */
};

struct channel_http_header {
  struct str name, value;
};

struct channel_http_response {
  long status;
  struct str body; /* exact bytes received, NUL-terminated, in the arena */
  struct channel_http_header headers[CHANNEL_HTTP_HEADERS_MAX];
  size_t header_count;
  char error[160]; /* why the call failed, for the log */
};

/* Performs the call. HT_OK with `res` filled when a whole response arrived; HT_EIO (with
 * res->error) when none did (connection, timeout, TLS, an answer above
 * CHANNEL_HTTP_RESPONSE_BYTES_MAX). Thread-safe after curl_global_init(). */
int channel_http_call(struct arena *arena, const struct channel_http_request *req,
                      struct channel_http_response *res);

/* The value of response header `name` (case-insensitive), or a view with data NULL. */
struct str channel_http_header(const struct channel_http_response *res, const char *name);

#endif
