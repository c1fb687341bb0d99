/* cart.c — the cart cookie's grammar (see cart.h). */
#include "web/cart.h"

#include <stdio.h>
#include <string.h>

#include "core/status.h"

static int parse_line(struct str item, struct cart_line *line) {
  const char *colon = memchr(item.data, ':', item.len);
  if (!colon) return HT_EINVAL;
  struct str code = {item.data, (size_t)(colon - item.data)};
  struct str qty = {colon + 1, item.len - code.len - 1};
  long long quantity = 0;
  if (code.len != CODE_PUBLIC_LEN || !code_is_canonical(code)) return HT_EINVAL;
  if (qty.len == 0 || qty.len > 2 || qty.data[0] == '0' || qty.data[0] == '-' ||
      str_to_i64(qty, &quantity) != HT_OK || quantity < 1 || quantity > CART_QUANTITY_MAX)
    return HT_EINVAL;
  memcpy(line->code, code.data, CODE_PUBLIC_LEN);
  line->code[CODE_PUBLIC_LEN] = '\0';
  line->quantity = quantity;
  return HT_OK;
}

static long find(const struct cart *cart, const char *code) {
  for (size_t i = 0; i < cart->count; i++)
    if (strcmp(cart->lines[i].code, code) == 0) return (long)i;
  return -1;
}

int cart_parse(struct str value, struct cart *out) {
  out->count = 0;
  if (!value.data || value.len == 0) return HT_OK;
  if (value.len > CART_COOKIE_BYTES_MAX) return HT_ETOOBIG;
  size_t start = 0;
  int rc = HT_OK;
  for (size_t i = 0; i <= value.len && rc == HT_OK; i++) {
    if (i < value.len && value.data[i] != '.') continue;
    struct cart_line line;
    rc = parse_line((struct str){value.data + start, i - start}, &line);
    if (rc == HT_OK && find(out, line.code) >= 0) rc = HT_EINVAL;
    if (rc == HT_OK && out->count == CART_LINES_MAX) rc = HT_ETOOBIG;
    if (rc == HT_OK) out->lines[out->count++] = line;
    start = i + 1;
  }
  if (rc != HT_OK) out->count = 0;
  return rc;
}

int cart_format(const struct cart *cart, char *out, size_t size) {
  size_t len = 0;
  if (size == 0) return HT_ENOMEM;
  out[0] = '\0';
  for (size_t i = 0; i < cart->count; i++) {
    int n = snprintf(out + len, size - len, "%s%s:%lld", i ? "." : "", cart->lines[i].code,
                     (long long)cart->lines[i].quantity);
    if (n < 0 || (size_t)n >= size - len) return HT_ENOMEM;
    len += (size_t)n;
  }
  return HT_OK;
}

static int canonical(struct str code, char out[CODE_LEN_MAX + 1]) {
  size_t len = 0;
  if (code_normalize(code, out, CODE_LEN_MAX + 1, &len) != HT_OK || len != CODE_PUBLIC_LEN) return HT_EINVAL;
  return HT_OK;
}

int cart_set(struct cart *cart, struct str code, int64_t quantity) {
  char canon[CODE_LEN_MAX + 1];
  if (canonical(code, canon) != HT_OK) return HT_EINVAL;
  if (quantity < 0 || quantity > CART_QUANTITY_MAX) return HT_ERANGE;
  long at = find(cart, canon);
  if (quantity == 0) {
    if (at >= 0) {
      memmove(&cart->lines[at], &cart->lines[at + 1], (cart->count - (size_t)at - 1) * sizeof cart->lines[0]);
      cart->count--;
    }
    return HT_OK;
  }
  if (at < 0) {
    if (cart->count == CART_LINES_MAX) return HT_ETOOBIG;
    at = (long)cart->count++;
    memcpy(cart->lines[at].code, canon, CODE_PUBLIC_LEN + 1);
  }
  cart->lines[at].quantity = quantity;
  return HT_OK;
}

int cart_add(struct cart *cart, struct str code, int64_t quantity) {
  char canon[CODE_LEN_MAX + 1];
  if (canonical(code, canon) != HT_OK) return HT_EINVAL;
  if (quantity < 1 || quantity > CART_QUANTITY_MAX) return HT_ERANGE;
  long at = find(cart, canon);
  int64_t total = (at >= 0 ? cart->lines[at].quantity : 0) + quantity;
  return cart_set(cart, code, total > CART_QUANTITY_MAX ? CART_QUANTITY_MAX : total);
}

int64_t cart_units(const struct cart *cart) {
  int64_t units = 0;
  for (size_t i = 0; i < cart->count; i++) units += cart->lines[i].quantity;
  return units;
}
