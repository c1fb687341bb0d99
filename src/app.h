/*
 * app.h — the application context every handler and job receives.
 *
 * One `struct app` exists per process, built by `hutong serve` from the configuration. It
 * holds what is shared and read-mostly: configuration, the database pool, the server secret.
 * Nothing in it is mutated by handlers without its own synchronization.
 */
#ifndef HUTONG_APP_H
#define HUTONG_APP_H

#include <stddef.h>
#include <stdint.h>

struct db_pool;
struct click_queue;

/* Longest configured public base URL ("https://shop.example.com"). */
#define APP_PUBLIC_URL_BYTES 256
/* The server secret, as configured (hex or any text ≥ APP_SECRET_MIN_BYTES). */
#define APP_SECRET_BYTES_MAX 256
#define APP_SECRET_MIN_BYTES 32

/* Share tokens live 30 days unless the share request says otherwise (issue #3). */
#define APP_TOKEN_TTL_DAYS_DEFAULT 30

struct app {
  struct db_pool *pool;
  struct click_queue *clicks;
  int64_t token_ttl_ms;                  /* default lifetime of a share token */
  char public_url[APP_PUBLIC_URL_BYTES]; /* no trailing slash */
  char secret[APP_SECRET_BYTES_MAX + 1];
  size_t secret_len;
};

#endif
