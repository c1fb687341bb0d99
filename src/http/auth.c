/* auth.c — API key generation, hashing and Bearer authentication (see auth.h). */
#include "http/auth.h"

#include <string.h>

#include "core/crypto.h"
#include "core/status.h"
#include "platform/random.h"
#include "store/merchants.h"

void sha256_hex(struct str data, char hex[SHA256_HEX_BYTES]) {
  uint8_t digest[CRYPTO_SHA256_BYTES];
  crypto_sha256(data, digest);
  str_hex_encode(digest, sizeof digest, hex);
}

static void base64url(const unsigned char *in, size_t len, char *out) {
  static const char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  size_t o = 0;
  unsigned bits = 0, value = 0;
  for (size_t i = 0; i < len; i++) {
    value = (value << 8) | in[i];
    bits += 8;
    while (bits >= 6) {
      bits -= 6;
      out[o++] = alphabet[(value >> bits) & 63];
    }
  }
  if (bits) out[o++] = alphabet[(value << (6 - bits)) & 63];
  out[o] = '\0';
}

void apikey_generate(char text[APIKEY_TEXT_BYTES], char hash_hex[SHA256_HEX_BYTES], char *prefix) {
  unsigned char raw[APIKEY_RANDOM_BYTES];
  random_bytes(raw, sizeof raw);
  memcpy(text, "hk_", 3);
  base64url(raw, sizeof raw, text + 3);
  sha256_hex(str_from_cstr(text), hash_hex);
  memcpy(prefix, text, APIKEY_PREFIX_CHARS);
  prefix[APIKEY_PREFIX_CHARS] = '\0';
}

static bool unauthorized(struct request *req, struct response *res, const char *message) {
  response_error(req, res, 401, "unauthorized", NULL, "%s", message);
  response_header(req, res, "WWW-Authenticate", "Bearer realm=\"hutong\"");
  return false;
}

bool http_authenticate(struct request *req, struct response *res) {
  struct str header = request_header(req, "Authorization");
  if (!header.data) return unauthorized(req, res, "missing API key: send Authorization: Bearer hk_...");
  struct str scheme = STR_LIT("Bearer ");
  if (header.len <= scheme.len || !str_eq_nocase((struct str){header.data, scheme.len}, scheme))
    return unauthorized(req, res, "the Authorization header must use the Bearer scheme");
  struct str key = str_trim((struct str){header.data + scheme.len, header.len - scheme.len});
  if (key.len != APIKEY_TEXT_BYTES - 1 || !str_has_prefix(key, STR_LIT("hk_")))
    return unauthorized(req, res, "invalid or revoked API key");
  char hash[SHA256_HEX_BYTES];
  sha256_hex(key, hash);
  struct db *db = request_db(req, res);
  if (!db) return false;
  int rc = store_apikey_authenticate(db, str_from_cstr(hash), &req->merchant_id);
  if (rc == HT_ENOTFOUND) return unauthorized(req, res, "invalid or revoked API key");
  if (rc != HT_OK) {
    response_status_error(req, res, rc, "API key lookup");
    return false;
  }
  return true;
}
