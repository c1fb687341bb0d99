/*
 * cart.h — the buyer's cart, held in a cookie: no server session for buyers.
 *
 * The cookie value lists product codes and quantities, `7K3QX9:2.ABCDEF:1`, which uses only
 * cookie-safe characters (RFC 6265 cookie-octet) and stays under CART_COOKIE_BYTES_MAX. It
 * names products only: prices, stock and the shop are read again from the database at
 * checkout, so an edited cookie can change nothing but what the buyer asks for. A cart holds
 * the products of one shop (one order); adding another shop's product starts a new cart.
 * Parsing is strict: anything malformed reads as an empty cart, never as a guess.
 */
#ifndef HUTONG_WEB_CART_H
#define HUTONG_WEB_CART_H

#include <stddef.h>
#include <stdint.h>

#include "core/code.h"
#include "core/str.h"

/* Lines of a cart: the lines one order may hold (store/orders.h ORDER_LINES_MAX). */
#define CART_LINES_MAX 20
/* Units of one line: the product page's quantity box offers up to 99. */
#define CART_QUANTITY_MAX 99
/* "CODE:QQ" per line and a '.' between lines. */
#define CART_COOKIE_BYTES_MAX (CART_LINES_MAX * (CODE_PUBLIC_LEN + 4))
/* The cookie's name and lifetime (a week: a cart is a short-lived intention). */
#define CART_COOKIE_NAME      "cart"
#define CART_COOKIE_MAX_AGE_S (7 * 24 * 3600)

struct cart_line {
  char code[CODE_PUBLIC_LEN + 1]; /* canonical public product code */
  int64_t quantity;               /* 1..CART_QUANTITY_MAX */
};

struct cart {
  struct cart_line lines[CART_LINES_MAX];
  size_t count;
};

/* Parses a cookie value into `out`. HT_OK (an absent or empty value is an empty cart);
 * HT_EINVAL for anything malformed (bad code, quantity out of range, a repeated code), and
 * HT_ETOOBIG past CART_LINES_MAX lines or CART_COOKIE_BYTES_MAX bytes; `out` is then empty. */
int cart_parse(struct str value, struct cart *out);

/* Writes the cookie value of `cart` (NUL-terminated) into `out` of `size` bytes (at least
 * CART_COOKIE_BYTES_MAX + 1). HT_ENOMEM when it does not fit. */
int cart_format(const struct cart *cart, char *out, size_t size);

/* Sets the quantity of `code` (any typed form; normalized): adds a line, replaces its
 * quantity, or removes it when `quantity` is 0. HT_EINVAL for a code that is not a public
 * code, HT_ERANGE for a quantity outside 0..CART_QUANTITY_MAX, HT_ETOOBIG when a new line
 * does not fit. */
int cart_set(struct cart *cart, struct str code, int64_t quantity);

/* Adds `quantity` units of `code`, capped at CART_QUANTITY_MAX. Errors as cart_set(), and
 * HT_ERANGE for a quantity below 1. */
int cart_add(struct cart *cart, struct str code, int64_t quantity);

/* Units in the cart, all lines together. */
int64_t cart_units(const struct cart *cart);

#endif
