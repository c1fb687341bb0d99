/*
 * auth.h — merchant API keys: their text form, their hash, and request authentication.
 *
 * A key is "hk_" followed by 32 random bytes in unpadded base64url (46 characters). It is
 * shown once; the store keeps its SHA-256 in hex and the first APIKEY_PREFIX_CHARS
 * characters for listings. Requests send it as `Authorization: Bearer hk_...`.
 */
#ifndef HUTONG_HTTP_AUTH_H
#define HUTONG_HTTP_AUTH_H

#include <stdbool.h>

#include "http/request.h"

/* Random bytes in a key: 256 bits, beyond any guessing. */
#define APIKEY_RANDOM_BYTES 32
/* "hk_" + 43 base64url characters + NUL. */
#define APIKEY_TEXT_BYTES 47
/* Characters of the key kept in clear for listings ("hk_" + 7). */
#define APIKEY_PREFIX_CHARS 10
/* SHA-256 in hex + NUL. */
#define SHA256_HEX_BYTES 65

/* Generates a new key into `text`, its hash into `hash_hex` and its display prefix into
 * `prefix` (APIKEY_PREFIX_CHARS + 1 bytes). */
void apikey_generate(char text[APIKEY_TEXT_BYTES], char hash_hex[SHA256_HEX_BYTES], char *prefix);

/* Writes the lower-case hex SHA-256 of `data` into `hex`. */
void sha256_hex(struct str data, char hex[SHA256_HEX_BYTES]);

/* Authenticates the request's Bearer key: on success sets req->merchant_id and returns true;
 * otherwise writes a 401 (or the store's error) into `res` and returns false. */
bool http_authenticate(struct request *req, struct response *res);

#endif
