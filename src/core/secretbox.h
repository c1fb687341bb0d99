/*
 * secretbox.h — small secrets sealed at rest: a key derived from the server secret with
 * HKDF-SHA256, and AES-256-GCM with associated data that binds each box to its owner.
 *
 * Merchant channel credentials (WeChat Pay merchant keys and APIv3 keys, Alipay application
 * keys) are stored in the database sealed by this module, so a copy of the database alone
 * reveals none of them. The key is HKDF-SHA256 (RFC 5869) of HUTONG_SECRET with a fixed salt
 * and a per-purpose `info`, so one server secret yields independent keys for independent uses.
 * A sealed box is text, safe in any TEXT column:
 *
 *   "v1." base64( nonce (12 bytes) || ciphertext || GCM tag (16 bytes) )
 *
 * The associated data (for credentials: the merchant id and the channel name) is not stored:
 * the caller supplies it again to open the box, so a box copied onto another merchant's row
 * does not open. Nonces come from the caller (a CSPRNG at the edge; this module is pure) and
 * must be fresh for every seal: 96 random bits make a repeat negligible for the few thousand
 * boxes one key ever seals (NIST SP 800-38D §8.3 allows 2^32 random nonces per key).
 */
#ifndef HUTONG_CORE_SECRETBOX_H
#define HUTONG_CORE_SECRETBOX_H

#include <stddef.h>
#include <stdint.h>

#include "core/arena.h"
#include "core/str.h"

/* AES-256: the key is one SHA-256 output. */
#define SECRETBOX_KEY_BYTES 32
/* GCM's recommended 96-bit nonce (NIST SP 800-38D §5.2.1.1). */
#define SECRETBOX_NONCE_BYTES 12
/* Largest plaintext sealed: a credentials document holds two or three PEM keys (≈ 2 KB each). */
#define SECRETBOX_PLAINTEXT_BYTES_MAX (64 * 1024)
/* Longest associated data: "merchant:<id>/channel:<name>" is under 64 bytes. */
#define SECRETBOX_AAD_BYTES_MAX 256
/* Longest HKDF `info`; RFC 5869 sets no limit, ours are short labels. */
#define SECRETBOX_INFO_BYTES_MAX 256
/* HKDF-SHA256 yields at most 255 blocks of 32 bytes (RFC 5869 §2.3). */
#define SECRETBOX_HKDF_BYTES_MAX (255 * 32)
/* The version prefix of a sealed box; a later format gets "v2.". */
#define SECRETBOX_PREFIX "v1."

/* HKDF-SHA256 (RFC 5869): PRK = HMAC(salt, ikm), then T(i) = HMAC(PRK, T(i-1) || info || i)
 * until `out_len` bytes are written to `out`. An empty salt means 32 zero bytes, as the RFC
 * says. HT_ERANGE when out_len is 0 or above SECRETBOX_HKDF_BYTES_MAX, HT_ETOOBIG when info is
 * above SECRETBOX_INFO_BYTES_MAX, HT_ENOMEM when OpenSSL fails. */
int secretbox_hkdf_sha256(struct str ikm, struct str salt, struct str info, uint8_t *out, size_t out_len);

/* The box key for `purpose` ("channel-credentials"): HKDF-SHA256 of the server secret with the
 * salt "hutong secretbox v1" and `purpose` as info. HT_EINVAL for an empty secret. */
int secretbox_key_derive(struct str server_secret, struct str purpose, uint8_t key[SECRETBOX_KEY_BYTES]);

/* Seals `plaintext` under `key` with the caller's fresh `nonce` and `aad`; the box text (see
 * the file comment) is allocated NUL-terminated in `arena` and viewed by `*out`. HT_ETOOBIG
 * above SECRETBOX_PLAINTEXT_BYTES_MAX or SECRETBOX_AAD_BYTES_MAX, HT_ENOMEM when the arena is
 * full. */
int secretbox_seal(const uint8_t key[SECRETBOX_KEY_BYTES], const uint8_t nonce[SECRETBOX_NONCE_BYTES],
                   struct str aad, struct str plaintext, struct arena *arena, struct str *out);

/* Opens a box made by secretbox_seal() with the same key and aad; the plaintext is allocated
 * NUL-terminated in `arena`. HT_EINVAL for text that is not a box of this version (prefix,
 * base64, length), HT_ECHECKSUM when the tag does not verify (another key, another aad, or a
 * changed byte), HT_ETOOBIG / HT_ENOMEM as for sealing. Nothing usable is returned on failure. */
int secretbox_open(const uint8_t key[SECRETBOX_KEY_BYTES], struct str aad, struct str box,
                   struct arena *arena, struct str *plaintext);

#endif
