/*
 * code.h — short codes in Crockford base32, with a Luhn mod 32 check symbol.
 *
 * Every product, store, handoff and order is named by a code over the 32 symbols
 * 0-9 A-Z without I, L, O and U (Douglas Crockford's base32: the four letters that are
 * misread as 1, 1, 0 or turn words into obscenities are left out). Codes are upper case so
 * that a link made of them fits the QR alphanumeric mode. Core never reads randomness: the
 * caller hands in random bytes (OpenSSL RAND_bytes at the edge) and gets symbols back.
 *
 * Decoding forgives what people and keyboards do: lower case, O for 0, I and L for 1, and
 * hyphens typed as separators. U and everything else are rejected, never guessed.
 *
 * The check symbol is Luhn mod N with N = 32 over the symbol values. It catches every
 * single-symbol substitution (doubling mod 31 is a permutation of 0..31) and every
 * transposition of two adjacent symbols except 0 <-> Z, the same one blind spot that
 * Luhn mod 10 has for 0 <-> 9 (tests/unit/test_code.c proves both exhaustively).
 */
#ifndef HUTONG_CORE_CODE_H
#define HUTONG_CORE_CODE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/str.h"

/* The 32 symbols in value order (Crockford base32). */
#define CODE_ALPHABET "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
/* Number of symbols; also the N of the Luhn mod N check. */
#define CODE_RADIX 32
/* Each symbol carries log2(32) bits. */
#define CODE_BITS_PER_SYMBOL 5

/* Public codes (products, stores): 6 symbols = 30 bits, about 1.07e9 codes, the design
 * brief's `7K3QX9`. A public code grants nothing (the product page is public anyway), so it
 * only has to be short to print, say aloud and type, and sparse enough that random codes
 * rarely collide: with 10 million codes issued a fresh one collides with probability
 * 10^7 / 2^30 < 1 %, and the store retries on its unique index. */
#define CODE_PUBLIC_LEN 6
/* Private codes (handoffs, carts, orders, payment pages) grant access, so the design brief
 * asks for at least 80 random bits: 16 symbols x 5 bits = 80 bits. */
#define CODE_PRIVATE_LEN 16
/* Longest code accepted anywhere, check symbol included: a private code plus its check is
 * 17; 32 leaves room for a later 128-bit code (26 symbols + check) without a format change. */
#define CODE_LEN_MAX 32
/* Longest text code_normalize() looks at: every symbol may be followed by a hyphen. */
#define CODE_INPUT_BYTES_MAX (2 * CODE_LEN_MAX)
/* Symbols needed to hold any uint64_t: ceil(64 / 5). */
#define CODE_U64_LEN_MAX 13

/* Random bytes that code_from_random() consumes for `len` symbols (5 bits each). */
#define CODE_RANDOM_BYTES(len) (((len)*CODE_BITS_PER_SYMBOL + 7) / 8)

/* Returns the value 0..31 of one ASCII symbol, forgivingly: lower case is folded, O/o reads
 * as 0 and I/i/L/l as 1. Returns -1 for U/u and for anything that is not a symbol. */
int code_symbol_value(uint32_t c);

/* True when `s` is non-empty and every byte is a canonical symbol (upper case, in
 * CODE_ALPHABET). */
bool code_is_canonical(struct str s);

/* Turns `random_len` caller-supplied random bytes into a code of `code_len` symbols, using
 * 5 bits per symbol in order. Writes `code_len` symbols plus a NUL to `out`.
 * HT_ERANGE when code_len is 0 or above CODE_LEN_MAX; HT_EINVAL when random_len is below
 * CODE_RANDOM_BYTES(code_len); HT_ENOMEM when out_size < code_len + 1. */
int code_from_random(const uint8_t *random, size_t random_len, size_t code_len, char *out, size_t out_size);

/* Writes `value` in base32, most significant symbol first, zero-padded to exactly
 * `code_len` symbols, plus a NUL. HT_ERANGE when code_len is 0, above CODE_U64_LEN_MAX, or
 * too short for the value; HT_ENOMEM when out_size < code_len + 1. */
int code_encode_u64(uint64_t value, size_t code_len, char *out, size_t out_size);

/* Parses a canonical code (see code_is_canonical) as a base32 number. HT_EINVAL on a
 * non-canonical or empty code; HT_ERANGE when the value exceeds UINT64_MAX. */
int code_decode_u64(struct str code, uint64_t *value);

/* Forgiving decode of user input (a path segment, a typed code) into canonical symbols:
 * ASCII only; case folded; O->0, I/L->1; hyphens ignored anywhere. Writes the symbols plus a
 * NUL to `out` and their count to `*out_len`. HT_ETOOBIG when `in` is longer than
 * CODE_INPUT_BYTES_MAX or holds more than CODE_LEN_MAX symbols; HT_EINVAL when it holds U or
 * any other non-symbol, or no symbol at all; HT_ENOMEM when `out` is too small. On error
 * `out` and `*out_len` are unspecified. */
int code_normalize(struct str in, char *out, size_t out_size, size_t *out_len);

/* Computes the Luhn mod 32 check symbol of a canonical code into `*check`. HT_EINVAL when
 * `code` is empty or not canonical, HT_ERANGE when longer than CODE_LEN_MAX. */
int code_check_symbol(struct str code, char *check);

/* Verifies a canonical code whose last symbol is its check symbol. HT_OK when it matches,
 * HT_ECHECKSUM when it does not, HT_EINVAL when shorter than 2 symbols or not canonical,
 * HT_ERANGE when longer than CODE_LEN_MAX. */
int code_check_verify(struct str code_with_check);

#endif
