/*
 * codes.h — the one namespace of short codes.
 *
 * Products, stores (merchants) and campaign links each get a public code from the same
 * namespace, so that a code alone says what it names: `/Q/{code}` (a scanned QR) and
 * `/qr/{code}.svg` work for any of them. Codes are random (CSPRNG) Crockford base32 of
 * CODE_PUBLIC_LEN symbols; a collision is simply retried with a fresh code.
 */
#ifndef HUTONG_STORE_CODES_H
#define HUTONG_STORE_CODES_H

#include <stdint.h>

#include "core/code.h"
#include "store/db.h"

/* Collisions to tolerate before giving up: with 2^30 codes and a million in use the chance
 * of eight collisions in a row is about 10^-24. */
#define CODE_ALLOCATE_ATTEMPTS_MAX 8

enum code_kind { CODE_KIND_PRODUCT, CODE_KIND_STORE, CODE_KIND_LINK };

struct code_ref {
  enum code_kind kind;
  int64_t merchant_id;
  int64_t ref_id;
};

/* Reserves a fresh public code of `kind` inside the caller's transaction and writes it,
 * NUL-terminated, into `code`. It names nothing until store_code_bind(). */
int store_code_reserve(struct db *db, enum code_kind kind, char code[CODE_PUBLIC_LEN + 1]);

/* Points a reserved code at the row it names (and that row's merchant). */
int store_code_bind(struct db *db, const char *code, int64_t merchant_id, int64_t ref_id);

/* Looks up a canonical code. HT_ENOTFOUND when unknown. */
int store_code_lookup(struct db *db, struct str code, struct code_ref *out);

/* "product", "store" or "link". */
const char *code_kind_name(enum code_kind kind);

#endif
