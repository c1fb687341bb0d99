/* crypto.c — SHA-256, HMAC, RSA PKCS#1 v1.5 signatures, AES-GCM and strict base64 over OpenSSL 3
 * (see crypto.h). Keys are decoded with OSSL_DECODER, which reads PKCS#8, PKCS#1 and
 * SubjectPublicKeyInfo in PEM or DER alike; certificates go through PEM_read_bio_X509. Every
 * OpenSSL failure clears the thread's error queue so that no stale error leaks into the next
 * caller. Base64 is our own, because OpenSSL's EVP_DecodeBlock accepts whitespace and
 * non-canonical padding, which a signature parser must not. */
#include "core/crypto.h"

#include <limits.h>
#include <string.h>

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/decoder.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "core/status.h"

struct crypto_key {
  EVP_PKEY *pkey;
  bool is_private;
  size_t serial_len;
  char serial[CRYPTO_SERIAL_HEX_MAX + 1];
};

static const char BASE64_ALPHABET[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

static int openssl_fail(int status) {
  ERR_clear_error();
  return status;
}

/* Passphrase callback that refuses: an encrypted key is an error, never a terminal prompt. */
static int no_passphrase(char *buf, int size, int rwflag, void *u) {
  (void)buf, (void)size, (void)rwflag, (void)u;
  return -1;
}

/* Key text without a PEM header is bare base64 DER, possibly wrapped over lines. */
static int key_text_to_der(struct str text, uint8_t *der, size_t der_cap, size_t *der_len) {
  char compact[CRYPTO_KEY_TEXT_BYTES_MAX];
  size_t n = 0;
  for (size_t i = 0; i < text.len; i++) {
    char c = text.data[i];
    if (c == ' ' || c == '\t' || c == '\r' || c == '\n') continue;
    compact[n++] = c;
  }
  return crypto_base64_decode((struct str){compact, n}, der, der_cap, der_len);
}

static int decode_pkey(struct str text, int selection, EVP_PKEY **pkey) {
  bool pem = str_find(text, STR_LIT("-----BEGIN "), false) >= 0;
  uint8_t der[CRYPTO_KEY_TEXT_BYTES_MAX];
  const unsigned char *in = (const unsigned char *)text.data;
  size_t in_len = text.len;
  if (!pem) {
    if (key_text_to_der(text, der, sizeof der, &in_len) != HT_OK) return HT_EINVAL;
    in = der;
  }
  OSSL_DECODER_CTX *dctx =
      OSSL_DECODER_CTX_new_for_pkey(pkey, pem ? "PEM" : "DER", NULL, "RSA", selection, NULL, NULL);
  if (!dctx) return openssl_fail(HT_ENOMEM);
  OSSL_DECODER_CTX_set_pem_password_cb(dctx, no_passphrase, NULL);
  int ok = OSSL_DECODER_from_data(dctx, &in, &in_len);
  OSSL_DECODER_CTX_free(dctx);
  return ok == 1 && *pkey ? HT_OK : openssl_fail(HT_EINVAL);
}

static void serial_from_cert(const X509 *cert, struct crypto_key *key) {
  BIGNUM *bn = ASN1_INTEGER_to_BN(X509_get0_serialNumber(cert), NULL);
  char *hex = bn ? BN_bn2hex(bn) : NULL;
  if (hex) {
    const char *digits = hex;
    while (digits[0] == '0' && digits[1] != '\0') digits++;
    size_t len = strlen(digits);
    if (len <= CRYPTO_SERIAL_HEX_MAX) {
      memcpy(key->serial, digits, len + 1);
      key->serial_len = len;
    }
  }
  OPENSSL_free(hex);
  BN_free(bn);
}

static int decode_cert(struct str text, struct crypto_key *key) {
  if (text.len > INT_MAX) return HT_ETOOBIG;
  BIO *bio = BIO_new_mem_buf(text.data, (int)text.len);
  if (!bio) return openssl_fail(HT_ENOMEM);
  X509 *cert = PEM_read_bio_X509(bio, NULL, no_passphrase, NULL);
  BIO_free(bio);
  if (!cert) return openssl_fail(HT_EINVAL);
  key->pkey = X509_get_pubkey(cert);
  serial_from_cert(cert, key);
  X509_free(cert);
  if (!key->pkey) return openssl_fail(HT_EINVAL);
  return EVP_PKEY_is_a(key->pkey, "RSA") ? HT_OK : HT_EINVAL;
}

static int key_finish(struct crypto_key *key, int rc, struct crypto_key **out) {
  if (rc == HT_OK) {
    int bits = EVP_PKEY_get_bits(key->pkey);
    if (bits < CRYPTO_RSA_BITS_MIN || bits > CRYPTO_RSA_BITS_MAX) rc = HT_ERANGE;
  }
  if (rc != HT_OK) {
    crypto_key_free(key);
    return rc;
  }
  *out = key;
  return HT_OK;
}

int crypto_private_key_from_pem(struct str pem, struct crypto_key **out) {
  if (pem.len > CRYPTO_KEY_TEXT_BYTES_MAX) return HT_ETOOBIG;
  struct crypto_key *key = OPENSSL_zalloc(sizeof *key);
  if (!key) return HT_ENOMEM;
  key->is_private = true;
  return key_finish(key, decode_pkey(pem, EVP_PKEY_KEYPAIR, &key->pkey), out);
}

int crypto_public_key_from_pem(struct str pem, struct crypto_key **out) {
  if (pem.len > CRYPTO_KEY_TEXT_BYTES_MAX) return HT_ETOOBIG;
  struct crypto_key *key = OPENSSL_zalloc(sizeof *key);
  if (!key) return HT_ENOMEM;
  int rc = str_find(pem, STR_LIT("-----BEGIN CERTIFICATE-----"), false) >= 0
               ? decode_cert(pem, key)
               : decode_pkey(pem, EVP_PKEY_PUBLIC_KEY, &key->pkey);
  return key_finish(key, rc, out);
}

void crypto_key_free(struct crypto_key *key) {
  if (!key) return;
  EVP_PKEY_free(key->pkey);
  OPENSSL_free(key);
}

struct str crypto_key_serial(const struct crypto_key *key) {
  return (struct str){.data = key->serial, .len = key->serial_len};
}

bool crypto_key_is_private(const struct crypto_key *key) { return key->is_private; }

int crypto_sha256(struct str data, uint8_t out[CRYPTO_SHA256_BYTES]) {
  unsigned int len = 0;
  if (EVP_Digest(data.data, data.len, out, &len, EVP_sha256(), NULL) != 1) return openssl_fail(HT_ENOMEM);
  return HT_OK;
}

int crypto_hmac_sha256(struct str key, struct str data, uint8_t out[CRYPTO_SHA256_BYTES]) {
  size_t len = 0;
  if (!EVP_Q_mac(NULL, "HMAC", NULL, "SHA256", NULL, key.data, key.len, (const unsigned char *)data.data,
                 data.len, out, CRYPTO_SHA256_BYTES, &len))
    return openssl_fail(HT_ENOMEM);
  return HT_OK;
}

bool crypto_equal_ct(const void *a, const void *b, size_t len) { return CRYPTO_memcmp(a, b, len) == 0; }

bool crypto_str_equal_ct(struct str a, struct str b) {
  return a.len == b.len && (a.len == 0 || crypto_equal_ct(a.data, b.data, a.len));
}

int crypto_rsa_sha256_sign(const struct crypto_key *key, struct str msg, uint8_t *sig, size_t sig_cap,
                           size_t *sig_len) {
  if (!key->is_private) return HT_EINVAL;
  int size = EVP_PKEY_get_size(key->pkey);
  if (size <= 0 || (size_t)size > sig_cap) return HT_ETOOBIG;
  EVP_MD_CTX *ctx = EVP_MD_CTX_new();
  if (!ctx) return openssl_fail(HT_ENOMEM);
  size_t len = sig_cap;
  int ok = EVP_DigestSignInit(ctx, NULL, EVP_sha256(), NULL, key->pkey) == 1 &&
           EVP_DigestSign(ctx, sig, &len, (const unsigned char *)msg.data, msg.len) == 1;
  EVP_MD_CTX_free(ctx);
  if (!ok) return openssl_fail(HT_ENOMEM);
  *sig_len = len;
  return HT_OK;
}

int crypto_rsa_sha256_verify(const struct crypto_key *key, struct str msg, const uint8_t *sig,
                             size_t sig_len) {
  EVP_MD_CTX *ctx = EVP_MD_CTX_new();
  if (!ctx) return openssl_fail(HT_ENOMEM);
  int ok = EVP_DigestVerifyInit(ctx, NULL, EVP_sha256(), NULL, key->pkey) == 1 &&
           EVP_DigestVerify(ctx, sig, sig_len, (const unsigned char *)msg.data, msg.len) == 1;
  EVP_MD_CTX_free(ctx);
  return ok ? HT_OK : openssl_fail(HT_ECHECKSUM);
}

int crypto_rsa_sha256_sign_base64(const struct crypto_key *key, struct str msg, struct arena *arena,
                                  struct str *out) {
  uint8_t sig[CRYPTO_RSA_SIG_BYTES_MAX];
  size_t sig_len = 0;
  int rc = crypto_rsa_sha256_sign(key, msg, sig, sizeof sig, &sig_len);
  if (rc != HT_OK) return rc;
  return crypto_base64_encode_arena((struct str){(const char *)sig, sig_len}, arena, out);
}

int crypto_rsa_sha256_verify_base64(const struct crypto_key *key, struct str msg, struct str sig_base64) {
  return crypto_rsa_sha256_verify_parts(key, &msg, 1, sig_base64);
}

int crypto_rsa_sha256_verify_parts(const struct crypto_key *key, const struct str *parts, size_t parts_len,
                                   struct str sig_base64) {
  uint8_t sig[CRYPTO_RSA_SIG_BYTES_MAX];
  size_t sig_len = 0;
  if (crypto_base64_decode(sig_base64, sig, sizeof sig, &sig_len) != HT_OK) return HT_ECHECKSUM;
  EVP_MD_CTX *ctx = EVP_MD_CTX_new();
  if (!ctx) return openssl_fail(HT_ENOMEM);
  int ok = EVP_DigestVerifyInit(ctx, NULL, EVP_sha256(), NULL, key->pkey) == 1;
  for (size_t i = 0; ok && i < parts_len; i++)
    ok = EVP_DigestVerifyUpdate(ctx, parts[i].data, parts[i].len) == 1;
  ok = ok && EVP_DigestVerifyFinal(ctx, sig, sig_len) == 1;
  EVP_MD_CTX_free(ctx);
  return ok ? HT_OK : openssl_fail(HT_ECHECKSUM);
}

static const EVP_CIPHER *gcm_cipher(size_t key_len) {
  switch (key_len) {
  case 16: return EVP_aes_128_gcm();
  case 24: return EVP_aes_192_gcm();
  case 32: return EVP_aes_256_gcm();
  default: return NULL;
  }
}

/* Shared set-up of both directions: cipher by key length, nonce length, key, nonce and AAD. */
static EVP_CIPHER_CTX *gcm_begin(struct str key, struct str nonce, struct str aad, int encrypt) {
  const EVP_CIPHER *cipher = gcm_cipher(key.len);
  if (!cipher || nonce.len == 0 || nonce.len > CRYPTO_GCM_NONCE_BYTES_MAX || aad.len > INT_MAX) return NULL;
  EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
  int outl = 0;
  if (ctx && EVP_CipherInit_ex(ctx, cipher, NULL, NULL, NULL, encrypt) == 1 &&
      EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_IVLEN, (int)nonce.len, NULL) == 1 &&
      EVP_CipherInit_ex(ctx, NULL, NULL, (const unsigned char *)key.data, (const unsigned char *)nonce.data,
                        encrypt) == 1 &&
      (aad.len == 0 ||
       EVP_CipherUpdate(ctx, NULL, &outl, (const unsigned char *)aad.data, (int)aad.len) == 1))
    return ctx;
  EVP_CIPHER_CTX_free(ctx);
  ERR_clear_error();
  return NULL;
}

int crypto_aes_gcm_encrypt(struct str key, struct str nonce, struct str aad, struct str plaintext,
                           uint8_t *out, size_t out_cap, size_t *out_len) {
  if (plaintext.len > INT_MAX - CRYPTO_GCM_TAG_BYTES) return HT_ETOOBIG;
  if (plaintext.len + CRYPTO_GCM_TAG_BYTES > out_cap) return HT_ETOOBIG;
  EVP_CIPHER_CTX *ctx = gcm_begin(key, nonce, aad, 1);
  if (!ctx) return HT_EINVAL;
  int n = 0, fin = 0;
  int ok = EVP_EncryptUpdate(ctx, out, &n, (const unsigned char *)plaintext.data, (int)plaintext.len) == 1 &&
           EVP_EncryptFinal_ex(ctx, out + n, &fin) == 1 &&
           EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_GET_TAG, CRYPTO_GCM_TAG_BYTES, out + plaintext.len) == 1;
  EVP_CIPHER_CTX_free(ctx);
  if (!ok) return openssl_fail(HT_ENOMEM);
  *out_len = plaintext.len + CRYPTO_GCM_TAG_BYTES;
  return HT_OK;
}

int crypto_aes_gcm_decrypt(struct str key, struct str nonce, struct str aad, struct str sealed, uint8_t *out,
                           size_t out_cap, size_t *out_len) {
  if (sealed.len < CRYPTO_GCM_TAG_BYTES) return HT_EINVAL;
  if (sealed.len > INT_MAX) return HT_ETOOBIG;
  size_t text_len = sealed.len - CRYPTO_GCM_TAG_BYTES;
  if (text_len > out_cap) return HT_ETOOBIG;
  EVP_CIPHER_CTX *ctx = gcm_begin(key, nonce, aad, 0);
  if (!ctx) return HT_EINVAL;
  uint8_t tag[CRYPTO_GCM_TAG_BYTES];
  memcpy(tag, sealed.data + text_len, sizeof tag);
  int n = 0, fin = 0;
  int ok = EVP_DecryptUpdate(ctx, out, &n, (const unsigned char *)sealed.data, (int)text_len) == 1 &&
           EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_TAG, CRYPTO_GCM_TAG_BYTES, tag) == 1 &&
           EVP_DecryptFinal_ex(ctx, out + n, &fin) == 1;
  EVP_CIPHER_CTX_free(ctx);
  if (!ok) {
    OPENSSL_cleanse(out, text_len);
    return openssl_fail(HT_ECHECKSUM);
  }
  *out_len = text_len;
  return HT_OK;
}

int crypto_base64_encode(const uint8_t *data, size_t len, char *out, size_t out_cap, size_t *out_len) {
  if (len > (SIZE_MAX / 4) * 3 - 3 || CRYPTO_BASE64_LEN(len) + 1 > out_cap) return HT_ETOOBIG;
  size_t o = 0;
  for (size_t i = 0; i < len; i += 3) {
    uint32_t v = (uint32_t)data[i] << 16;
    if (i + 1 < len) v |= (uint32_t)data[i + 1] << 8;
    if (i + 2 < len) v |= data[i + 2];
    out[o++] = BASE64_ALPHABET[(v >> 18) & 63];
    out[o++] = BASE64_ALPHABET[(v >> 12) & 63];
    out[o++] = i + 1 < len ? BASE64_ALPHABET[(v >> 6) & 63] : '=';
    out[o++] = i + 2 < len ? BASE64_ALPHABET[v & 63] : '=';
  }
  out[o] = '\0';
  *out_len = o;
  return HT_OK;
}

static int base64_value(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '+') return 62;
  if (c == '/') return 63;
  return -1;
}

/* Decodes one 4-character quantum; `last` allows padding. Returns bytes produced or -1. */
static int base64_quantum(const char *q, bool last, uint8_t bytes[3]) {
  int pad = last ? (q[3] == '=') + (q[2] == '=' && q[3] == '=') : 0;
  uint32_t v = 0;
  for (int i = 0; i < 4 - pad; i++) {
    int d = base64_value(q[i]);
    if (d < 0) return -1;
    v = v << 6 | (uint32_t)d;
  }
  v <<= 6 * pad;
  /* Non-canonical: bits below the last output byte must be zero. */
  if ((pad == 1 && (v & 0xFF)) || (pad == 2 && (v & 0xFFFF))) return -1;
  bytes[0] = (uint8_t)(v >> 16);
  bytes[1] = (uint8_t)(v >> 8);
  bytes[2] = (uint8_t)v;
  return 3 - pad;
}

int crypto_base64_decode(struct str text, uint8_t *out, size_t out_cap, size_t *out_len) {
  if (text.len % 4 != 0) return HT_EINVAL;
  size_t o = 0;
  for (size_t i = 0; i < text.len; i += 4) {
    uint8_t bytes[3];
    int n = base64_quantum(text.data + i, i + 4 == text.len, bytes);
    if (n < 0) return HT_EINVAL;
    if (o + (size_t)n > out_cap) return HT_ETOOBIG;
    memcpy(out + o, bytes, (size_t)n);
    o += (size_t)n;
  }
  *out_len = o;
  return HT_OK;
}

int crypto_base64_encode_arena(struct str data, struct arena *arena, struct str *out) {
  size_t cap = CRYPTO_BASE64_LEN(data.len) + 1;
  char *text = arena_alloc(arena, cap);
  if (!text) return HT_ENOMEM;
  size_t len = 0;
  int rc = crypto_base64_encode((const uint8_t *)data.data, data.len, text, cap, &len);
  if (rc != HT_OK) return rc;
  *out = (struct str){text, len};
  return HT_OK;
}

int crypto_base64_decode_arena(struct str text, struct arena *arena, struct str *out) {
  size_t cap = text.len / 4 * 3;
  uint8_t *bytes = arena_alloc(arena, cap + 1);
  if (!bytes) return HT_ENOMEM;
  size_t len = 0;
  int rc = crypto_base64_decode(text, bytes, cap, &len);
  if (rc != HT_OK) return rc == HT_ETOOBIG ? HT_EINVAL : rc;
  bytes[len] = '\0';
  *out = (struct str){(const char *)bytes, len};
  return HT_OK;
}
