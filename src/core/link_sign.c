/* link_sign.c — HMAC-SHA256 link signatures (see link_sign.h). */
#include "core/link_sign.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "core/status.h"

/* Domain separation for the link MAC: versioned, so a future format cannot be confused. */
#define LINK_SIGN_CONTEXT "hutong-link-v1\n"

static const char base64url[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

void link_hmac_sha256(struct str key, struct str data, uint8_t out[32]) {
  unsigned int len = 32;
  HMAC(EVP_sha256(), key.data, (int)key.len, (const unsigned char *)data.data, data.len, out, &len);
}

static int link_mac(struct str key, struct str url, uint8_t mac[32]) {
  if (key.len < LINK_SIGN_KEY_BYTES_MIN || key.len > LINK_SIGN_KEY_BYTES_MAX) return HT_ERANGE;
  if (url.len > LINK_SIGN_URL_BYTES_MAX) return HT_ETOOBIG;
  char message[sizeof LINK_SIGN_CONTEXT - 1 + LINK_SIGN_URL_BYTES_MAX];
  memcpy(message, LINK_SIGN_CONTEXT, sizeof LINK_SIGN_CONTEXT - 1);
  memcpy(message + sizeof LINK_SIGN_CONTEXT - 1, url.data, url.len);
  link_hmac_sha256(key, (struct str){message, sizeof LINK_SIGN_CONTEXT - 1 + url.len}, mac);
  return HT_OK;
}

/* Encodes the first LINK_SIGN_MAC_BYTES of `mac`: 16 bytes = 5 groups of 3 plus 1 byte. */
static void encode(const uint8_t *mac, char *out) {
  size_t o = 0, i = 0;
  for (; i + 3 <= LINK_SIGN_MAC_BYTES; i += 3) {
    uint32_t v = (uint32_t)mac[i] << 16 | (uint32_t)mac[i + 1] << 8 | mac[i + 2];
    for (int k = 3; k >= 0; k--) out[o++] = base64url[(v >> (6 * k)) & 63];
  }
  out[o++] = base64url[mac[i] >> 2];
  out[o++] = base64url[(mac[i] & 3) << 4];
  out[o] = '\0';
}

static int decode_char(char c) {
  const char *at = memchr(base64url, c, 64);
  return (c && at) ? (int)(at - base64url) : -1;
}

int link_sign(struct str key, struct str url, char out[LINK_SIGN_TEXT_CHARS + 1]) {
  uint8_t mac[32];
  int rc = link_mac(key, url, mac);
  if (rc != HT_OK) return rc;
  encode(mac, out);
  return HT_OK;
}

int link_verify(struct str key, struct str url, struct str signature) {
  if (signature.len != LINK_SIGN_TEXT_CHARS) return HT_EINVAL;
  for (size_t i = 0; i < signature.len; i++)
    if (decode_char(signature.data[i]) < 0) return HT_EINVAL;
  /* The last character carries 2 bits; the other 4 must be zero (one text per MAC). */
  if (decode_char(signature.data[LINK_SIGN_TEXT_CHARS - 1]) & 15) return HT_EINVAL;
  uint8_t mac[32];
  int rc = link_mac(key, url, mac);
  if (rc != HT_OK) return rc;
  char expected[LINK_SIGN_TEXT_CHARS + 1];
  encode(mac, expected);
  return CRYPTO_memcmp(expected, signature.data, LINK_SIGN_TEXT_CHARS) == 0 ? HT_OK : HT_ECHECKSUM;
}
