/* share_token.c — writing and finding share tokens (see share_token.h).
 *
 * The finder decodes the text once into an array of classified code points ("units") and
 * then looks for each kind of candidate over that array, so that full-width folding and
 * look-alike rules live in one place (classify()) and every later rule is a small loop. */
#include "core/share_token.h"

#include <assert.h>
#include <stdint.h>
#include <string.h>

#include "core/status.h"
#include "core/utf8.h"

/* Each delimiter as a code point, its UTF-8 bytes and its config name, in enum order. */
static const struct {
  uint32_t cp;
  const char *utf8;
  const char *name;
} delims[SHARE_TOKEN_DELIM_COUNT] = {
    {0xFFE5, "\xEF\xBF\xA5", "yen_fullwidth"},
    {0x00A5, "\xC2\xA5", "yen"},
    {0x20AC, "\xE2\x82\xAC", "euro"},
    {0x0024, "$", "dollar"},
    {0xFF04, "\xEF\xBC\x84", "dollar_fullwidth"},
};

/* Full-width forms U+FF01..U+FF5E sit at a fixed distance above ASCII (Unicode's
 * Halfwidth and Fullwidth Forms block). */
#define FULLWIDTH_ASCII_OFFSET 0xFEE0u

const char *share_token_delim_name(enum share_token_delim delim) {
  if ((unsigned)delim >= SHARE_TOKEN_DELIM_COUNT) return NULL;
  return delims[delim].name;
}

int share_token_delim_parse(struct str s, enum share_token_delim *delim) {
  for (unsigned i = 0; i < SHARE_TOKEN_DELIM_COUNT; i++) {
    if (str_eq(s, str_from_cstr(delims[i].name)) || str_eq(s, str_from_cstr(delims[i].utf8))) {
      *delim = (enum share_token_delim)i;
      return HT_OK;
    }
  }
  return HT_EINVAL;
}

static int format_token(struct str code, enum share_token_delim delim, bool digits_first, char *out,
                        size_t out_size, size_t *out_len) {
  if ((unsigned)delim >= SHARE_TOKEN_DELIM_COUNT) return HT_EINVAL;
  char check;
  if (code.len != SHARE_TOKEN_CODE_LEN || code_check_symbol(code, &check) != HT_OK) return HT_EINVAL;
  struct str d = str_from_cstr(delims[delim].utf8);
  size_t need = (digits_first ? SHARE_TOKEN_DIGITS_LEN : 0) + 2 * d.len + code.len + 1;
  if (out_size < need + 1) return HT_ENOMEM;
  size_t n = 0;
  if (digits_first) {
    unsigned value = (unsigned)code_symbol_value((unsigned char)check);
    out[n++] = (char)('0' + value / 10);
    out[n++] = (char)('0' + value % 10);
  }
  memcpy(out + n, d.data, d.len), n += d.len;
  memcpy(out + n, code.data, code.len), n += code.len;
  out[n++] = check;
  memcpy(out + n, d.data, d.len), n += d.len;
  assert(n == need);
  out[n] = '\0';
  *out_len = n;
  return HT_OK;
}

int share_token_format(struct str code, enum share_token_delim delim, char *out, size_t out_size,
                       size_t *out_len) {
  return format_token(code, delim, false, out, out_size, out_len);
}

int share_token_format_digits_first(struct str code, enum share_token_delim delim, char *out, size_t out_size,
                                    size_t *out_len) {
  return format_token(code, delim, true, out, out_size, out_len);
}

/* ---- finding ---------------------------------------------------------------------- */

enum unit_kind {
  UNIT_SEP,    /* space, CJK, emoji, punctuation: ends a word */
  UNIT_SYMBOL, /* a code symbol (after folding) */
  UNIT_ALNUM,  /* an ASCII letter that is no symbol (U): part of a word, never of a code */
  UNIT_DELIM,  /* one of the five delimiters */
  UNIT_JOIN,   /* URL / e-mail punctuation that glues words together */
  UNIT_SOFT,   /* . : ? — glue only between two alphanumerics */
};

enum unit_flag { UNIT_DIGIT = 1, UNIT_LETTER = 2 };

struct unit {
  uint16_t offset; /* byte offset in the text (text is at most SHARE_TOKEN_TEXT_BYTES_MAX) */
  uint8_t bytes;   /* UTF-8 length, 1..4 */
  uint8_t kind;    /* enum unit_kind */
  uint8_t value;   /* symbol value 0..31 when kind is UNIT_SYMBOL */
  uint8_t flags;   /* enum unit_flag: what the character looked like before folding */
};

struct units {
  struct unit at[SHARE_TOKEN_TEXT_BYTES_MAX];
  size_t count;
};

static enum unit_kind ascii_punct_kind(uint32_t c) {
  switch (c) {
  case '/':
  case '@':
  case '_':
  case '-':
  case '=':
  case '&':
  case '%':
  case '#':
  case '+':
  case '~':
  case '\\': return UNIT_JOIN;
  case '.':
  case ':':
  case '?': return UNIT_SOFT;
  case '$': return UNIT_DELIM;
  default: return UNIT_SEP;
  }
}

static void classify(uint32_t cp, struct unit *u) {
  if ((cp >= 0xFF10 && cp <= 0xFF19) || (cp >= 0xFF21 && cp <= 0xFF3A) || (cp >= 0xFF41 && cp <= 0xFF5A))
    cp -= FULLWIDTH_ASCII_OFFSET;
  if (cp > 0x7F) {
    u->kind = UNIT_SEP;
    for (unsigned i = 0; i < SHARE_TOKEN_DELIM_COUNT; i++)
      if (cp == delims[i].cp) u->kind = UNIT_DELIM;
    return;
  }
  bool digit = cp >= '0' && cp <= '9';
  bool letter = (cp >= 'A' && cp <= 'Z') || (cp >= 'a' && cp <= 'z');
  if (!digit && !letter) {
    u->kind = (uint8_t)ascii_punct_kind(cp);
    return;
  }
  int v = code_symbol_value(cp);
  u->kind = v >= 0 ? UNIT_SYMBOL : UNIT_ALNUM;
  u->value = v >= 0 ? (uint8_t)v : 0;
  u->flags = digit ? UNIT_DIGIT : UNIT_LETTER;
}

static int decode_units(struct str text, struct units *units) {
  units->count = 0;
  for (size_t i = 0; i < text.len;) {
    uint32_t cp;
    size_t n = utf8_decode((struct str){text.data + i, text.len - i}, &cp);
    if (n == 0) return HT_EINVAL;
    struct unit *u = &units->at[units->count++];
    *u = (struct unit){.offset = (uint16_t)i, .bytes = (uint8_t)n};
    classify(cp, u);
    i += n;
  }
  return HT_OK;
}

static bool is_word(const struct units *units, size_t i) {
  return i < units->count && (units->at[i].kind == UNIT_SYMBOL || units->at[i].kind == UNIT_ALNUM);
}

/* True when unit `i`, just outside a word, glues that word to its neighbour: a hard joiner
 * always, a soft one only when unit `beyond` (one step further out) is a word character. */
static bool glues(const struct units *units, size_t i, size_t beyond) {
  if (i >= units->count) return false;
  if (units->at[i].kind == UNIT_JOIN) return true;
  return units->at[i].kind == UNIT_SOFT && is_word(units, beyond);
}

/* Fills `m` from the SHARE_TOKEN_CODE_LEN + 1 symbol units starting at `first`. Returns
 * HT_OK when the check symbol matches, HT_ECHECKSUM otherwise. */
static int take_symbols(const struct units *units, size_t first, struct share_token_match *m) {
  char symbols[SHARE_TOKEN_CODE_LEN + 1];
  for (size_t k = 0; k <= SHARE_TOKEN_CODE_LEN; k++) symbols[k] = CODE_ALPHABET[units->at[first + k].value];
  memcpy(m->code, symbols, SHARE_TOKEN_CODE_LEN);
  m->code[SHARE_TOKEN_CODE_LEN] = '\0';
  m->check = symbols[SHARE_TOKEN_CODE_LEN];
  return code_check_verify((struct str){symbols, sizeof symbols}) == HT_OK ? HT_OK : HT_ECHECKSUM;
}

static void set_span(const struct units *units, size_t first, size_t last, struct share_token_match *m) {
  m->offset = units->at[first].offset;
  m->len = (size_t)units->at[last].offset + units->at[last].bytes - m->offset;
}

static bool symbols_at(const struct units *units, size_t first, size_t count) {
  if (first + count > units->count) return false;
  for (size_t k = first; k < first + count; k++)
    if (units->at[k].kind != UNIT_SYMBOL) return false;
  return true;
}

/* First delimited candidate whose check result is `want` (HT_OK or HT_ECHECKSUM). */
static bool find_delimited(const struct units *units, int want, struct share_token_match *m) {
  const size_t inner = SHARE_TOKEN_CODE_LEN + 1;
  for (size_t i = 0; i + inner + 1 < units->count; i++) {
    if (units->at[i].kind != UNIT_DELIM || units->at[i + inner + 1].kind != UNIT_DELIM) continue;
    if (!symbols_at(units, i + 1, inner)) continue;
    struct share_token_match c = {.source = SHARE_TOKEN_SOURCE_DELIMITED};
    if (take_symbols(units, i + 1, &c) != want) continue;
    set_span(units, i, i + inner + 1, &c);
    *m = c;
    return true;
  }
  return false;
}

/* True when the word units [first, end) may stand alone as a bare code. */
static bool bare_word_ok(const struct units *units, size_t first, size_t end) {
  if (end - first != SHARE_TOKEN_CODE_LEN + 1 || !symbols_at(units, first, end - first)) return false;
  unsigned seen = 0;
  for (size_t k = first; k < end; k++) seen |= units->at[k].flags;
  if (seen != (UNIT_DIGIT | UNIT_LETTER)) return false;
  if (first > 0 && glues(units, first - 1, first >= 2 ? first - 2 : units->count)) return false;
  return !glues(units, end, end + 1);
}

/* First bare candidate whose check result is `want`. */
static bool find_bare(const struct units *units, int want, struct share_token_match *m) {
  for (size_t i = 0; i < units->count;) {
    if (!is_word(units, i)) {
      i++;
      continue;
    }
    size_t end = i;
    while (is_word(units, end)) end++;
    if (bare_word_ok(units, i, end)) {
      struct share_token_match c = {.source = SHARE_TOKEN_SOURCE_BARE};
      if (take_symbols(units, i, &c) == want) {
        set_span(units, i, end - 1, &c);
        *m = c;
        return true;
      }
    }
    i = end;
  }
  return false;
}

static bool url_host_byte(char c) {
  return (unsigned char)c > ' ' && c != '/' && c != '?' && c != '#' && (unsigned char)c < 0x7F;
}

/* Tries the link whose "://" starts at byte `at`. */
static bool link_at(struct str text, size_t at, struct str link_host, struct share_token_match *m) {
  size_t host = at + 3, p = host;
  while (p < text.len && url_host_byte(text.data[p])) p++;
  if (p == host || (link_host.len > 0 && !str_eq_nocase((struct str){text.data + host, p - host}, link_host)))
    return false;
  if (p + 3 > text.len || text.data[p] != '/' || (text.data[p + 1] | 0x20) != 'p' || text.data[p + 2] != '/')
    return false;
  size_t first = p + 3, end = first;
  while (end < text.len && end - first <= SHARE_TOKEN_CODE_LEN &&
         code_symbol_value((unsigned char)text.data[end]) >= 0)
    end++;
  if (end - first != SHARE_TOKEN_CODE_LEN) return false;
  /* The segment must end here: not inside a longer word such as /P/7K3QX9ABC or /P/7K3QX9U. */
  if (end < text.len) {
    unsigned char c = (unsigned char)text.data[end];
    if ((c >= '0' && c <= '9') || ((c | 0x20) >= 'a' && (c | 0x20) <= 'z') || c == '-' || c == '_')
      return false;
  }
  *m = (struct share_token_match){.source = SHARE_TOKEN_SOURCE_LINK, .offset = first, .len = end - first};
  for (size_t k = 0; k < SHARE_TOKEN_CODE_LEN; k++)
    m->code[k] = CODE_ALPHABET[code_symbol_value((unsigned char)text.data[first + k])];
  return true;
}

static bool find_link(struct str text, struct str link_host, struct share_token_match *m) {
  for (const char *p = text.len ? memchr(text.data, ':', text.len) : NULL; p;) {
    size_t i = (size_t)(p - text.data);
    if (i + 3 <= text.len && p[1] == '/' && p[2] == '/' && link_at(text, i, link_host, m)) return true;
    p = i + 1 < text.len ? memchr(p + 1, ':', text.len - i - 1) : NULL;
  }
  return false;
}

int share_token_find(struct str text, struct str link_host, struct share_token_match *match) {
  memset(match, 0, sizeof *match);
  if (text.len > SHARE_TOKEN_TEXT_BYTES_MAX) return HT_ETOOBIG;
  static_assert(SHARE_TOKEN_TEXT_BYTES_MAX <= UINT16_MAX, "unit offsets are 16-bit");
  struct units units;
  int rc = decode_units(text, &units);
  if (rc != HT_OK) return rc;
  if (find_delimited(&units, HT_OK, match) || find_link(text, link_host, match) ||
      find_bare(&units, HT_OK, match))
    return HT_OK;
  if (find_delimited(&units, HT_ECHECKSUM, match) || find_bare(&units, HT_ECHECKSUM, match))
    return HT_ECHECKSUM;
  return HT_ENOTFOUND;
}
