/*
 * limits.h — every limit of the HTTP layer, in one place.
 *
 * Each has a test on both sides (tests/api/test_limits.py). Where a number is a judgement
 * rather than a protocol fact, the comment says what it was weighed against.
 */
#ifndef HUTONG_HTTP_LIMITS_H
#define HUTONG_HTTP_LIMITS_H

/* Largest request body a route accepts unless it declares its own (413 beyond). 1 MiB holds a
 * product with a 5,000-character description hundreds of times over. */
#define HTTP_BODY_BYTES_MAX (1024 * 1024)
/* A declared Content-Length this far above any route's limit is refused before reading the
 * body, and the connection closed, so nobody can make us read gigabytes. */
#define HTTP_BODY_ABORT_BYTES (16 * 1024 * 1024)
/* Sum of all request header names and values (431 beyond). nginx's default large header
 * buffers are 4 × 8 KiB; cookies and a long User-Agent fit comfortably in 16 KiB. */
#define HTTP_HEADER_BYTES_MAX (16 * 1024)
/* libmicrohttpd's per-connection buffer. Must exceed HTTP_HEADER_BYTES_MAX so that our JSON
 * 431 answers first; requests beyond even this get libmicrohttpd's own 431. libmicrohttpd
 * zeroes the pool after every request, so each KiB costs on every request: 64 KiB measured
 * 4 us of memset a request (11 % of a redirect's CPU under perf); 32 KiB still holds a
 * maximal header block twice over. */
#define HTTP_CONNECTION_MEMORY_BYTES (32 * 1024)
/* Longest request path (414 beyond): our longest route plus a 2,048-byte target. */
#define HTTP_PATH_BYTES_MAX 4096
/* Concurrent connections (HUTONG_CONNECTIONS_MAX overrides); beyond it new ones are closed. */
#define HTTP_CONNECTIONS_MAX 1024
/* Idle keep-alive connections are closed after this many seconds. */
#define HTTP_CONNECTION_TIMEOUT_S 30
/* Memory one request may use for parsing and its response (the body is part of it). */
#define HTTP_REQUEST_ARENA_BYTES_MAX (32 * 1024 * 1024)
/* Deepest JSON nesting accepted in a request body. Our deepest schema needs 4. */
#define JSON_DEPTH_MAX 16
/* List endpoints: default and maximum page size. */
#define PAGE_LIMIT_DEFAULT 20
#define PAGE_LIMIT_MAX     100
/* Load balancers whose X-Forwarded-For is believed (HUTONG_TRUSTED_PROXIES): a few per site. */
#define HTTP_TRUSTED_PROXIES_MAX 16
/* Addresses of an X-Forwarded-For header looked at, from the right: one per proxy in the chain,
 * which is short; a longer header is someone's invention beyond that point. */
#define HTTP_FORWARDED_HOPS_MAX 8
/* Idempotency-Key: 1..255 printable ASCII characters (Stripe allows 255). */
#define IDEMPOTENCY_KEY_BYTES_MAX 255
/* Connections held by long-polls at once; beyond it a long-poll answers at once. */
#define HTTP_WAITERS_MAX 1024
/* A held long-poll re-runs its handler at least this often by default, so that a change made
 * on another node is noticed within about a second (HUTONG_LONG_POLL_RECHECK_MS sets it). */
#define HTTP_WAIT_RECHECK_MS     1000
#define HTTP_WAIT_RECHECK_MS_MIN 100
#define HTTP_WAIT_RECHECK_MS_MAX 60000
/* Notifications remembered for long-polls whose handler is running when they arrive; more
 * notifications than this during one handler run wake it anyway. */
#define HTTP_NOTIFY_RECENT 64
/* Graceful shutdown waits this long for in-flight requests to finish. */
#define HTTP_DRAIN_TIMEOUT_MS 10000

#endif
