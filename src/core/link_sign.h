/*
 * link_sign.h — signatures on the links hutong emits, so a forged or altered link is caught.
 *
 * Every outgoing link (`/go?u=TARGET&s=SIG`) carries SIG = base64url(HMAC-SHA256(key,
 * "hutong-link-v1\n" || TARGET)) truncated to LINK_SIGN_MAC_BYTES. The fixed prefix keeps these
 * MACs apart from any other use of the same key. TARGET is signed byte for byte as it will be
 * presented again (the decoded value of `u`), so no canonicalization can make two different
 * targets share a signature. Verification decodes strictly (exactly LINK_SIGN_TEXT_CHARS
 * base64url characters, no padding, no spare bits) and compares in constant time.
 * Pure functions: the key is passed in by the caller, who loads and rotates it.
 */
#ifndef HUTONG_CORE_LINK_SIGN_H
#define HUTONG_CORE_LINK_SIGN_H

#include <stdint.h>

#include "core/str.h"

/* Shortest key accepted: 32 bytes, the SHA-256 output length (RFC 2104 section 3 advises keys
 * no shorter than the hash output). */
#define LINK_SIGN_KEY_BYTES_MIN 32u
/* Longest key accepted: one SHA-256 block; longer keys are hashed down by HMAC anyway. */
#define LINK_SIGN_KEY_BYTES_MAX 64u
/* MAC bytes kept: 16 (128 bits). NIST SP 800-107 rev. 1 section 5.3.4 allows truncation to
 * no less than 64 bits; 128 bits leaves a forger a 2^-128 chance per try at 22 characters. */
#define LINK_SIGN_MAC_BYTES 16u
/* Characters of the base64url text of LINK_SIGN_MAC_BYTES bytes, without padding. */
#define LINK_SIGN_TEXT_CHARS 22u
/* Longest target signed: the guard's URL limit. */
#define LINK_SIGN_URL_BYTES_MAX 8192u

/* Writes the signature of `url` under `key` to `out` as LINK_SIGN_TEXT_CHARS base64url
 * characters plus a NUL. HT_ERANGE for a key outside [MIN, MAX], HT_ETOOBIG for a URL above
 * LINK_SIGN_URL_BYTES_MAX. */
int link_sign(struct str key, struct str url, char out[LINK_SIGN_TEXT_CHARS + 1]);

/* Checks `signature` for `url` under `key`. HT_OK when it matches; HT_ECHECKSUM when it is
 * well-formed but wrong (a forged or altered link); HT_EINVAL when it is not a signature at
 * all; HT_ERANGE / HT_ETOOBIG as link_sign(). The comparison takes the same time wherever the
 * MACs differ. */
int link_verify(struct str key, struct str url, struct str signature);

/* Plain HMAC-SHA256 of `data` under `key` (any length), for tests against RFC 4231. */
void link_hmac_sha256(struct str key, struct str data, uint8_t out[32]);

#endif
