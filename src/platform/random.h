/*
 * random.h — cryptographically secure random bytes (OpenSSL's CSPRNG).
 *
 * Every secret and every access-granting code (API keys, order tokens, handoff ids, session
 * ids, CSRF tokens) comes from here. There is no fallback: if the CSPRNG fails the process
 * aborts rather than hand out a guessable secret.
 */
#ifndef HUTONG_PLATFORM_RANDOM_H
#define HUTONG_PLATFORM_RANDOM_H

#include <stddef.h>

/* Fills `out` with `len` random bytes. Aborts the process if the CSPRNG fails. */
void random_bytes(void *out, size_t len);

/* Writes `bytes` random bytes as 2×bytes lower-case hex digits plus NUL into `out`. */
void random_hex(char *out, size_t bytes);

#endif
