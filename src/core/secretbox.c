/* secretbox.c — HKDF-SHA256 and sealed boxes over core/crypto's HMAC and AES-GCM (see
 * secretbox.h). */
#include "core/secretbox.h"

#include <string.h>

#include "core/crypto.h"
#include "core/status.h"

/* The salt of secretbox_key_derive(): fixed, public, and naming the format it serves. */
#define SECRETBOX_SALT "hutong secretbox v1"

int secretbox_hkdf_sha256(struct str ikm, struct str salt, struct str info, uint8_t *out, size_t out_len) {
  if (out_len == 0 || out_len > SECRETBOX_HKDF_BYTES_MAX) return HT_ERANGE;
  if (info.len > SECRETBOX_INFO_BYTES_MAX) return HT_ETOOBIG;
  static const uint8_t zeros[CRYPTO_SHA256_BYTES];
  if (salt.len == 0) salt = (struct str){(const char *)zeros, sizeof zeros};
  uint8_t prk[CRYPTO_SHA256_BYTES];
  if (crypto_hmac_sha256(salt, ikm, prk) != HT_OK) return HT_ENOMEM;
  /* T(i-1) || info || i, rebuilt for each block. */
  uint8_t block[CRYPTO_SHA256_BYTES + SECRETBOX_INFO_BYTES_MAX + 1];
  uint8_t t[CRYPTO_SHA256_BYTES];
  size_t t_len = 0, done = 0;
  for (unsigned i = 1; done < out_len; i++) {
    memcpy(block, t, t_len);
    memcpy(block + t_len, info.data, info.len);
    block[t_len + info.len] = (uint8_t)i;
    struct str key = {(const char *)prk, sizeof prk}, data = {(const char *)block, t_len + info.len + 1};
    if (crypto_hmac_sha256(key, data, t) != HT_OK) return HT_ENOMEM;
    t_len = sizeof t;
    size_t take = out_len - done < t_len ? out_len - done : t_len;
    memcpy(out + done, t, take);
    done += take;
  }
  return HT_OK;
}

int secretbox_key_derive(struct str server_secret, struct str purpose, uint8_t key[SECRETBOX_KEY_BYTES]) {
  if (server_secret.len == 0) return HT_EINVAL;
  return secretbox_hkdf_sha256(server_secret, STR_LIT(SECRETBOX_SALT), purpose, key, SECRETBOX_KEY_BYTES);
}

int secretbox_seal(const uint8_t key[SECRETBOX_KEY_BYTES], const uint8_t nonce[SECRETBOX_NONCE_BYTES],
                   struct str aad, struct str plaintext, struct arena *arena, struct str *out) {
  if (plaintext.len > SECRETBOX_PLAINTEXT_BYTES_MAX || aad.len > SECRETBOX_AAD_BYTES_MAX) return HT_ETOOBIG;
  size_t raw_cap = SECRETBOX_NONCE_BYTES + plaintext.len + CRYPTO_GCM_TAG_BYTES;
  uint8_t *raw = arena_alloc(arena, raw_cap);
  if (!raw) return HT_ENOMEM;
  memcpy(raw, nonce, SECRETBOX_NONCE_BYTES);
  size_t sealed_len = 0;
  int rc = crypto_aes_gcm_encrypt((struct str){(const char *)key, SECRETBOX_KEY_BYTES},
                                  (struct str){(const char *)nonce, SECRETBOX_NONCE_BYTES}, aad, plaintext,
                                  raw + SECRETBOX_NONCE_BYTES, raw_cap - SECRETBOX_NONCE_BYTES, &sealed_len);
  if (rc != HT_OK) return rc;
  size_t prefix = sizeof SECRETBOX_PREFIX - 1;
  size_t text_cap = prefix + CRYPTO_BASE64_LEN(raw_cap) + 1;
  char *text = arena_alloc(arena, text_cap);
  if (!text) return HT_ENOMEM;
  memcpy(text, SECRETBOX_PREFIX, prefix);
  size_t b64_len = 0;
  rc = crypto_base64_encode(raw, SECRETBOX_NONCE_BYTES + sealed_len, text + prefix, text_cap - prefix,
                            &b64_len);
  if (rc != HT_OK) return rc;
  *out = (struct str){text, prefix + b64_len};
  return HT_OK;
}

int secretbox_open(const uint8_t key[SECRETBOX_KEY_BYTES], struct str aad, struct str box,
                   struct arena *arena, struct str *plaintext) {
  size_t prefix = sizeof SECRETBOX_PREFIX - 1;
  if (aad.len > SECRETBOX_AAD_BYTES_MAX) return HT_ETOOBIG;
  if (box.len > prefix + CRYPTO_BASE64_LEN(SECRETBOX_NONCE_BYTES + SECRETBOX_PLAINTEXT_BYTES_MAX +
                                           CRYPTO_GCM_TAG_BYTES))
    return HT_ETOOBIG;
  if (!str_has_prefix(box, STR_LIT(SECRETBOX_PREFIX))) return HT_EINVAL;
  struct str raw;
  if (crypto_base64_decode_arena((struct str){box.data + prefix, box.len - prefix}, arena, &raw) != HT_OK)
    return HT_EINVAL;
  if (raw.len < SECRETBOX_NONCE_BYTES + CRYPTO_GCM_TAG_BYTES) return HT_EINVAL;
  size_t sealed_len = raw.len - SECRETBOX_NONCE_BYTES;
  char *out = arena_alloc(arena, sealed_len + 1);
  if (!out) return HT_ENOMEM;
  size_t out_len = 0;
  int rc = crypto_aes_gcm_decrypt(
      (struct str){(const char *)key, SECRETBOX_KEY_BYTES}, (struct str){raw.data, SECRETBOX_NONCE_BYTES},
      aad, (struct str){raw.data + SECRETBOX_NONCE_BYTES, sealed_len}, (uint8_t *)out, sealed_len, &out_len);
  if (rc != HT_OK) {
    memset(out, 0, sealed_len);
    return rc == HT_ECHECKSUM ? HT_ECHECKSUM : HT_EINVAL;
  }
  out[out_len] = '\0';
  *plaintext = (struct str){out, out_len};
  return HT_OK;
}
