/* money.c — the currency allowlist, the exact decimal parser and formatters, checked
 * arithmetic and the fee rule (see money.h).
 *
 * The parser reads the text twice: once for its shape (so a malformed string is always
 * HT_EINVAL, however long), then for its value, checking the bound before every digit so
 * that no intermediate can overflow. The formatters work on the magnitude as uint64_t so
 * that INT64_MIN formats like any other value. */
#include "core/money.h"

#include <assert.h>
#include <string.h>

#include "core/status.h"

/* ISO 4217 list one (the maintenance agency's "Currency and funds code list", SIX Group):
 * alphabetic code, numeric code and minor-unit digits. Symbols follow common CN/HK usage,
 * with the country prefix wherever the bare sign would be ambiguous next to ¥ meaning CNY. */
static const struct currency_info currency_table[CURRENCY_COUNT] = {
    [CURRENCY_CNY] = {"CNY", 156, 2, "¥"},    [CURRENCY_HKD] = {"HKD", 344, 2, "HK$"},
    [CURRENCY_MOP] = {"MOP", 446, 2, "MOP$"}, [CURRENCY_TWD] = {"TWD", 901, 2, "NT$"},
    [CURRENCY_USD] = {"USD", 840, 2, "US$"},  [CURRENCY_EUR] = {"EUR", 978, 2, "€"},
    [CURRENCY_GBP] = {"GBP", 826, 2, "£"},    [CURRENCY_JPY] = {"JPY", 392, 0, "JP¥"},
    [CURRENCY_KRW] = {"KRW", 410, 0, "₩"},    [CURRENCY_SGD] = {"SGD", 702, 2, "S$"},
    [CURRENCY_AUD] = {"AUD", 36, 2, "A$"},    [CURRENCY_CAD] = {"CAD", 124, 2, "CA$"},
    [CURRENCY_CHF] = {"CHF", 756, 2, "CHF "}, [CURRENCY_THB] = {"THB", 764, 2, "฿"},
    [CURRENCY_MYR] = {"MYR", 458, 2, "RM"},   [CURRENCY_KWD] = {"KWD", 414, 3, "KD "},
    [CURRENCY_BHD] = {"BHD", 48, 3, "BD "},
};

/* The largest exponent in the table; powers of ten up to it are exact in int64_t. */
#define CURRENCY_EXPONENT_MAX 3

const struct currency_info *currency_info(enum currency c) {
  return currency_valid(c) ? &currency_table[c] : NULL;
}

const char *currency_code(enum currency c) { return currency_valid(c) ? currency_table[c].code : "XXX"; }

int currency_from_code(struct str code, enum currency *out) {
  if (code.len != 3) return HT_EINVAL;
  for (int i = 0; i < CURRENCY_COUNT; i++) {
    if (memcmp(code.data, currency_table[i].code, 3) == 0) {
      *out = (enum currency)i;
      return HT_OK;
    }
  }
  return HT_EINVAL;
}

static bool is_digit(char c) { return c >= '0' && c <= '9'; }

/* Checks the shape of `text` for a currency with `exponent` fraction digits; stores the
 * length of the integer part and of the fraction part. */
static int parse_shape(struct str text, unsigned exponent, size_t *int_len, size_t *frac_len) {
  size_t i = 0;
  while (i < text.len && is_digit(text.data[i])) i++;
  if (i == 0) return HT_EINVAL;                       /* empty, sign, space, ".5" */
  if (i > 1 && text.data[0] == '0') return HT_EINVAL; /* leading zeros */
  *int_len = i;
  *frac_len = 0;
  if (i == text.len) return HT_OK;
  if (text.data[i] != '.' || exponent == 0) return HT_EINVAL;
  size_t frac_start = ++i;
  while (i < text.len && is_digit(text.data[i])) i++;
  if (i != text.len) return HT_EINVAL; /* "1e3", trailing bytes */
  *frac_len = i - frac_start;
  if (*frac_len == 0 || *frac_len > exponent) return HT_EINVAL; /* "5.", "1.234" */
  return HT_OK;
}

/* value = value × 10 + digit, HT_ERANGE past AMOUNT_MINOR_MAX. */
static int push_digit(int64_t *value, char digit) {
  int64_t d = digit - '0';
  if (*value > (AMOUNT_MINOR_MAX - d) / 10) return HT_ERANGE;
  *value = *value * 10 + d;
  return HT_OK;
}

int money_parse(struct str text, enum currency c, int64_t *amount_minor) {
  const struct currency_info *info = currency_info(c);
  if (!info) return HT_EINVAL;
  size_t int_len, frac_len;
  int rc = parse_shape(text, info->exponent, &int_len, &frac_len);
  if (rc != HT_OK) return rc;
  int64_t value = 0;
  for (size_t i = 0; i < int_len; i++)
    if ((rc = push_digit(&value, text.data[i])) != HT_OK) return rc;
  /* The fraction digits, then zeros up to the exponent: "12.5" → 1250. */
  for (size_t k = 0; k < info->exponent; k++) {
    char digit = k < frac_len ? text.data[int_len + 1 + k] : '0';
    if ((rc = push_digit(&value, digit)) != HT_OK) return rc;
  }
  *amount_minor = value;
  return HT_OK;
}

static uint64_t magnitude_of(int64_t v) { return v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v; }

/* Writes the decimal digits of `v` into the end of `digits` (20 bytes); returns how many. */
static size_t u64_digits(uint64_t v, char digits[20]) {
  size_t n = 0;
  do {
    digits[19 - n++] = (char)('0' + v % 10);
    v /= 10;
  } while (v);
  return n;
}

/* A small bounded writer: appends while there is room, remembers whether anything was cut. */
struct text_out {
  char *data;
  size_t size;
  size_t len;
  bool overflow;
};

static void out_bytes(struct text_out *o, const char *bytes, size_t n) {
  if (o->overflow || o->size == 0 || n > o->size - 1 - o->len) {
    o->overflow = true;
    return;
  }
  memcpy(o->data + o->len, bytes, n);
  o->len += n;
}

/* Writes sign, symbol, integer part (grouped when `grouped`) and fraction of `amount`. */
static int format_amount(int64_t amount, enum currency c, const char *symbol, bool grouped,
                         struct text_out *o) {
  const struct currency_info *info = currency_info(c);
  if (o->size > 0) o->data[0] = '\0';
  if (!info) return HT_EINVAL;
  char digits[20];
  uint64_t mag = magnitude_of(amount);
  size_t n = u64_digits(mag, digits);
  const char *first = digits + 20 - n;
  /* Pad with leading zeros so there is at least one integer digit: 1 fen is "0.01". */
  char padded[20 + CURRENCY_EXPONENT_MAX];
  size_t total = n > info->exponent ? n : (size_t)info->exponent + 1;
  memset(padded, '0', total - n);
  memcpy(padded + (total - n), first, n);
  size_t int_len = total - info->exponent;
  if (amount < 0) out_bytes(o, "-", 1);
  out_bytes(o, symbol, strlen(symbol));
  for (size_t i = 0; i < int_len; i++) {
    if (grouped && i > 0 && (int_len - i) % 3 == 0) out_bytes(o, ",", 1);
    out_bytes(o, padded + i, 1);
  }
  if (info->exponent > 0) {
    out_bytes(o, ".", 1);
    out_bytes(o, padded + int_len, info->exponent);
  }
  if (o->overflow) {
    if (o->size > 0) o->data[0] = '\0';
    return HT_ETOOBIG;
  }
  o->data[o->len] = '\0';
  return HT_OK;
}

int money_format(int64_t amount_minor, enum currency c, char *out, size_t out_size, size_t *len) {
  struct text_out o = {out, out_size, 0, false};
  int rc = format_amount(amount_minor, c, "", false, &o);
  if (len) *len = rc == HT_OK ? o.len : 0;
  return rc;
}

int money_format_display(int64_t amount_minor, enum currency c, char *out, size_t out_size, size_t *len) {
  const struct currency_info *info = currency_info(c);
  struct text_out o = {out, out_size, 0, false};
  int rc = format_amount(amount_minor, c, info ? info->symbol : "", true, &o);
  if (len) *len = rc == HT_OK ? o.len : 0;
  return rc;
}

int money_add(int64_t a, int64_t b, int64_t *out) {
  int64_t r;
  if (__builtin_add_overflow(a, b, &r)) return HT_ERANGE;
  *out = r;
  return HT_OK;
}

int money_sub(int64_t a, int64_t b, int64_t *out) {
  int64_t r;
  if (__builtin_sub_overflow(a, b, &r)) return HT_ERANGE;
  *out = r;
  return HT_OK;
}

int money_mul(int64_t a, int64_t b, int64_t *out) {
  int64_t r;
  if (__builtin_mul_overflow(a, b, &r)) return HT_ERANGE;
  *out = r;
  return HT_OK;
}

_Static_assert(AMOUNT_MINOR_MAX <= UINT64_MAX / FEE_BPS_MAX, "amount × bps must fit in uint64_t");

int money_fee(int64_t amount_minor, uint32_t fee_bps, int64_t *fee_minor) {
  if (amount_minor < 0 || amount_minor > AMOUNT_MINOR_MAX || fee_bps > FEE_BPS_MAX) return HT_ERANGE;
  uint64_t product = (uint64_t)amount_minor * fee_bps;
  uint64_t fee = product / FEE_BPS_MAX; /* integer division truncates: floor for non-negatives */
  assert(fee <= (uint64_t)amount_minor);
  *fee_minor = (int64_t)fee;
  return HT_OK;
}
