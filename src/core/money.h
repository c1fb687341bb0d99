/*
 * money.h — amounts as integer minor units of an ISO 4217 currency, and nothing else.
 *
 * Every amount in hutong is an `int64_t` count of the currency's minor unit (fen for CNY,
 * cents for USD, yen for JPY, fils for KWD) next to an `enum currency`. There is no floating
 * point anywhere near money: wallets send decimal strings ("0.01", "100.00") which
 * money_parse() turns into minor units exactly or refuses, and money_format() turns back.
 * Arithmetic goes through the checked helpers, which report overflow instead of wrapping;
 * the platform fee is computed by money_fee() with one rounding rule, documented there and
 * in docs/MONEY.md. The currency table is the allowlist: a code not in it is refused.
 */
#ifndef HUTONG_CORE_MONEY_H
#define HUTONG_CORE_MONEY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/str.h"

/* The largest amount one order, payment, refund or payout may carry, in minor units:
 * 10^15, i.e. ten trillion yuan. Two reasons: it is below 2^53 (≈ 9.007 × 10^15), so every
 * amount survives a JSON round trip through a JavaScript client's double unchanged; and
 * amount × FEE_BPS_MAX ≤ 10^19 < 2^64, so the fee is computed exactly in uint64_t. Balances,
 * which sum many amounts, are plain int64_t with checked additions. */
#define AMOUNT_MINOR_MAX INT64_C(1000000000000000)

/* Basis points in one whole (100% = 10000 bps, by the definition of a basis point). */
#define FEE_BPS_MAX 10000u

/* Bytes money_format() needs for any int64_t: a sign, 19 digits, a point, the NUL. */
#define MONEY_DECIMAL_BYTES 24
/* Bytes money_format_display() needs for any int64_t: sign, the longest symbol (5 bytes),
 * 19 digits, 6 group separators, a point and the NUL (33), rounded up. */
#define MONEY_DISPLAY_BYTES 48

/* The allowlist. Enum values are not stable across versions: store currency_code(). */
enum currency {
  CURRENCY_CNY, /* the default: hutong's home market */
  CURRENCY_HKD,
  CURRENCY_MOP,
  CURRENCY_TWD,
  CURRENCY_USD,
  CURRENCY_EUR,
  CURRENCY_GBP,
  CURRENCY_JPY,
  CURRENCY_KRW,
  CURRENCY_SGD,
  CURRENCY_AUD,
  CURRENCY_CAD,
  CURRENCY_CHF,
  CURRENCY_THB,
  CURRENCY_MYR,
  CURRENCY_KWD,
  CURRENCY_BHD,
  CURRENCY_COUNT
};

#define CURRENCY_DEFAULT CURRENCY_CNY

/* One row of the ISO 4217 table (list one, "Currency and funds code list"). */
struct currency_info {
  char code[4];       /* alphabetic code, upper case, NUL-terminated: "CNY" */
  uint16_t numeric;   /* numeric code: 156 */
  uint8_t exponent;   /* minor-unit digits: 2 for CNY, 0 for JPY, 3 for KWD */
  const char *symbol; /* display prefix, UTF-8, unambiguous next to ¥ = CNY: "US$", "JP¥" */
};

/* True when `c` is one of the allowlisted currencies. */
static inline bool currency_valid(enum currency c) { return (unsigned)c < (unsigned)CURRENCY_COUNT; }

/* Returns the table row of `c`, or NULL when `c` is not a valid currency. Static storage. */
const struct currency_info *currency_info(enum currency c);

/* Returns the alphabetic code of `c` ("CNY"), or "XXX" (ISO's "no currency") when invalid. */
const char *currency_code(enum currency c);

/* Looks up an alphabetic code. Exactly three upper-case ASCII letters from the allowlist;
 * anything else (lower case, spaces, unknown codes) is HT_EINVAL. `out` is written only on
 * success. */
int currency_from_code(struct str code, enum currency *out);

/* True when 1 ≤ amount_minor ≤ AMOUNT_MINOR_MAX: a valid price, payment, refund or payout. */
static inline bool money_amount_valid(int64_t amount_minor) {
  return amount_minor >= 1 && amount_minor <= AMOUNT_MINOR_MAX;
}

/* Parses a non-negative decimal amount of currency `c` into minor units, exactly.
 * Grammar: an integer part that is "0" or a digit string without leading zeros, then
 * optionally a point followed by 1 to exponent(c) digits ("12.5" is 1250 fen, "12.50" too).
 * Refused with HT_EINVAL: empty, signs ("+1", "-1"), spaces, exponents ("1e3"), ".5", "5.",
 * leading zeros ("01.00"), more fraction digits than the currency has ("1.234" and "1.230"
 * in CNY, any point in JPY), non-ASCII digits, an invalid currency. Refused with HT_ERANGE:
 * values above AMOUNT_MINOR_MAX (which includes everything beyond int64_t). Zero parses; the
 * caller decides whether zero is allowed (money_amount_valid()). `out` is written only on
 * success. */
int money_parse(struct str text, enum currency c, int64_t *amount_minor);

/* Writes `amount_minor` of currency `c` as a plain decimal string with exactly exponent(c)
 * fraction digits ("12.50", "-0.01", "100" for JPY) into `out` (NUL-terminated), and its
 * length into `*len` when `len` is not NULL. Any int64_t is accepted. HT_EINVAL for an invalid
 * currency, HT_ETOOBIG when `out_size` is too small (MONEY_DECIMAL_BYTES always suffices);
 * on error `out` holds an empty string when out_size > 0. */
int money_format(int64_t amount_minor, enum currency c, char *out, size_t out_size, size_t *len);

/* Like money_format() but for people: the currency symbol first, the integer part grouped in
 * threes with commas, a minus sign before the symbol ("¥1,234.50", "-US$0.01", "JP¥1,000",
 * "KD 1.500"). MONEY_DISPLAY_BYTES always suffices. Same errors as money_format(). */
int money_format_display(int64_t amount_minor, enum currency c, char *out, size_t out_size, size_t *len);

/* Checked int64_t arithmetic for balances and totals: each stores the exact result and
 * returns HT_OK, or returns HT_ERANGE (and leaves `*out` untouched) when it would overflow. */
int money_add(int64_t a, int64_t b, int64_t *out);
int money_sub(int64_t a, int64_t b, int64_t *out);
int money_mul(int64_t a, int64_t b, int64_t *out);

/* The platform fee on `amount_minor` at `fee_bps` basis points, rounded DOWN to a whole
 * minor unit: fee = floor(amount × bps / 10000). Rounding down means the merchant is never
 * charged more than the published rate, the fee never exceeds the amount, and the platform
 * gives up less than one minor unit per release. Exact for every valid input (the product
 * fits in uint64_t, see AMOUNT_MINOR_MAX). HT_ERANGE when amount_minor is outside
 * 0..AMOUNT_MINOR_MAX or fee_bps > FEE_BPS_MAX. */
int money_fee(int64_t amount_minor, uint32_t fee_bps, int64_t *fee_minor);

#endif
