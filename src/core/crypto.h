/*
 * crypto.h — the few cryptographic primitives the wallet protocols need, over OpenSSL 3 EVP.
 *
 * WeChat Pay API v3 and Alipay both sign with SHA256withRSA (RSASSA-PKCS1-v1_5 over SHA-256),
 * carry signatures in standard base64, and WeChat Pay encrypts notification resources with
 * AES-GCM. This module wraps exactly that, plus SHA-256, HMAC-SHA256 and a constant-time
 * compare for our own webhooks. It is pure: nothing here reads a clock, a random source, a file
 * or the network; callers pass nonces in. Keys arrive as PEM text (or bare base64 DER, the way
 * Alipay's console hands them out), are parsed once into an opaque `struct crypto_key` that the
 * caller owns and frees, and may then be shared read-only between threads.
 */
#ifndef HUTONG_CORE_CRYPTO_H
#define HUTONG_CORE_CRYPTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/arena.h"
#include "core/str.h"

/* SHA-256 digest size (FIPS 180-4). */
#define CRYPTO_SHA256_BYTES 32
/* AES-GCM authentication tag length; WeChat Pay appends the full 128-bit tag (NIST SP 800-38D). */
#define CRYPTO_GCM_TAG_BYTES 16
/* Longest GCM nonce accepted; wallets use 12 bytes (96 bits, the SP 800-38D recommendation). */
#define CRYPTO_GCM_NONCE_BYTES_MAX 64
/* Smallest RSA modulus accepted: 2048 bits (NIST SP 800-131A; both wallets issue 2048-bit keys). */
#define CRYPTO_RSA_BITS_MIN 2048
/* Largest RSA modulus accepted: 4096 bits, so a signature never exceeds 512 bytes. */
#define CRYPTO_RSA_BITS_MAX 4096
/* Largest RSA signature in bytes (CRYPTO_RSA_BITS_MAX / 8). */
#define CRYPTO_RSA_SIG_BYTES_MAX (CRYPTO_RSA_BITS_MAX / 8)
/* Largest PEM or base64 key text accepted: a 4096-bit PKCS#8 key is about 3.3 KB, a
 * certificate chain entry a few KB. */
#define CRYPTO_KEY_TEXT_BYTES_MAX (16 * 1024)
/* Room for a certificate serial in upper-case hex: RFC 5280 allows at most 20 octets. */
#define CRYPTO_SERIAL_HEX_MAX 40

/* Base64 text length (with padding) for `n` raw bytes. */
#define CRYPTO_BASE64_LEN(n) ((((n) + 2) / 3) * 4)

/* An RSA key, private or public; opaque. */
struct crypto_key;

/* Parses an RSA private key: PEM "PRIVATE KEY" (PKCS#8) or "RSA PRIVATE KEY" (PKCS#1), or the
 * same DER as bare base64. Text before the PEM header is ignored (comments). On success `*out`
 * is a new key the caller frees with crypto_key_free(). HT_EINVAL when unparsable or not RSA,
 * HT_ERANGE when the modulus is outside CRYPTO_RSA_BITS_MIN..MAX, HT_ETOOBIG past
 * CRYPTO_KEY_TEXT_BYTES_MAX, HT_ENOMEM when OpenSSL cannot allocate. */
int crypto_private_key_from_pem(struct str pem, struct crypto_key **out);

/* Parses an RSA public key: PEM "PUBLIC KEY" (SubjectPublicKeyInfo), "RSA PUBLIC KEY" (PKCS#1),
 * "CERTIFICATE" (X.509; its serial is kept, see crypto_key_serial()), or bare base64 of a
 * SubjectPublicKeyInfo. Same results and ownership as crypto_private_key_from_pem(). The
 * certificate's validity period and issuer are not checked here: the caller decides which
 * certificates it trusts (WeChat Pay: downloaded platform certificates, keyed by serial). */
int crypto_public_key_from_pem(struct str pem, struct crypto_key **out);

/* Frees a key from crypto_*_key_from_pem(); NULL is ignored. */
void crypto_key_free(struct crypto_key *key);

/* The upper-case hex serial number of the certificate the key came from, without leading
 * zeros ("D7CE59D1F522D701"), or the empty view for keys not read from a certificate. The view
 * lives as long as the key. */
struct str crypto_key_serial(const struct crypto_key *key);

/* True when the key holds a private half (so it can sign). */
bool crypto_key_is_private(const struct crypto_key *key);

/* SHA-256 of `data` into `out`. HT_OK, or HT_ENOMEM when OpenSSL fails. */
int crypto_sha256(struct str data, uint8_t out[CRYPTO_SHA256_BYTES]);

/* HMAC-SHA256 of `data` under `key` into `out`. HT_OK, or HT_ENOMEM when OpenSSL fails. */
int crypto_hmac_sha256(struct str key, struct str data, uint8_t out[CRYPTO_SHA256_BYTES]);

/* True when the `len` bytes at `a` and `b` are equal; the time taken does not depend on where
 * they differ. */
bool crypto_equal_ct(const void *a, const void *b, size_t len);

/* crypto_equal_ct() over two views; different lengths compare unequal (the length itself is
 * not secret). */
bool crypto_str_equal_ct(struct str a, struct str b);

/* Signs `msg` with SHA256withRSA (RSASSA-PKCS1-v1_5, SHA-256) under the private `key`. Writes
 * the signature (modulus length) to `sig`, which has room for `sig_cap` bytes, and its length
 * to `*sig_len`. HT_EINVAL for a public-only key, HT_ETOOBIG when `sig_cap` is too small,
 * HT_ENOMEM when OpenSSL fails. Deterministic: the same key and message give the same bytes. */
int crypto_rsa_sha256_sign(const struct crypto_key *key, struct str msg, uint8_t *sig, size_t sig_cap,
                           size_t *sig_len);

/* Verifies a SHA256withRSA signature over `msg`. HT_OK when valid, HT_ECHECKSUM when not (wrong
 * key, message or signature, or a signature of the wrong length). */
int crypto_rsa_sha256_verify(const struct crypto_key *key, struct str msg, const uint8_t *sig,
                             size_t sig_len);

/* crypto_rsa_sha256_sign() with the signature returned as standard base64 text allocated in
 * `arena` (NUL-terminated; `*out` views it). HT_ENOMEM when the arena is full. */
int crypto_rsa_sha256_sign_base64(const struct crypto_key *key, struct str msg, struct arena *arena,
                                  struct str *out);

/* crypto_rsa_sha256_verify() of a standard-base64 signature. HT_ECHECKSUM when the signature is
 * not strict base64 or does not verify. */
int crypto_rsa_sha256_verify_base64(const struct crypto_key *key, struct str msg, struct str sig_base64);

/* Verifies a standard-base64 SHA256withRSA signature over the concatenation of `parts_len`
 * views, without joining them (a wallet's signed message is header fields around a body).
 * HT_OK, or HT_ECHECKSUM as crypto_rsa_sha256_verify_base64(). */
int crypto_rsa_sha256_verify_parts(const struct crypto_key *key, const struct str *parts, size_t parts_len,
                                   struct str sig_base64);

/* Encrypts with AES-GCM: AES-128, -192 or -256 chosen by key length (16, 24 or 32 bytes).
 * `nonce` is 1..CRYPTO_GCM_NONCE_BYTES_MAX bytes, `aad` may be empty. Writes ciphertext followed
 * by the 16-byte tag to `out` (room for `out_cap`) and the total length to `*out_len`.
 * HT_EINVAL for a bad key or nonce length, HT_ETOOBIG when `out_cap` is too small. The caller
 * must never reuse a nonce under the same key. */
int crypto_aes_gcm_encrypt(struct str key, struct str nonce, struct str aad, struct str plaintext,
                           uint8_t *out, size_t out_cap, size_t *out_len);

/* Decrypts AES-GCM input laid out as ciphertext || 16-byte tag (the layout WeChat Pay uses).
 * Writes the plaintext to `out` and its length to `*out_len`; nothing usable is left in `out`
 * on failure. HT_EINVAL for a bad key or nonce length or input shorter than the tag,
 * HT_ETOOBIG when `out_cap` is too small, HT_ECHECKSUM when the tag does not match (wrong key,
 * nonce, AAD, or tampered bytes). */
int crypto_aes_gcm_decrypt(struct str key, struct str nonce, struct str aad, struct str sealed, uint8_t *out,
                           size_t out_cap, size_t *out_len);

/* Writes the standard base64 (RFC 4648 §4, padded) encoding of `len` bytes to `out`, which has
 * room for `out_cap` bytes; NUL-terminates it when room allows and returns the text length in
 * `*out_len`. HT_ETOOBIG when `out_cap` < CRYPTO_BASE64_LEN(len) + 1. */
int crypto_base64_encode(const uint8_t *data, size_t len, char *out, size_t out_cap, size_t *out_len);

/* Decodes strict standard base64: length a multiple of 4, only A-Z a-z 0-9 + /, '=' padding only
 * at the end and at most two, unused trailing bits zero, no whitespace. Writes the bytes to
 * `out` (room for `out_cap`) and their count to `*out_len`. HT_EINVAL on any violation,
 * HT_ETOOBIG when `out_cap` is too small. */
int crypto_base64_decode(struct str text, uint8_t *out, size_t out_cap, size_t *out_len);

/* Standard base64 of `data`, allocated NUL-terminated in `arena`. HT_ENOMEM when full. */
int crypto_base64_encode_arena(struct str data, struct arena *arena, struct str *out);

/* Strict base64 decode of `text` into a new arena allocation (NUL-terminated for convenience).
 * HT_EINVAL on bad base64, HT_ENOMEM when the arena is full. */
int crypto_base64_decode_arena(struct str text, struct arena *arena, struct str *out);

#endif
