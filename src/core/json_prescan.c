/* json_prescan.c — depth and string checks with a key path (see json_prescan.h).
 *
 * The scanner keeps one frame per open container: whether it is an object, the last key
 * seen in it (a view into the text) and, for arrays, the element index. Strings are the
 * only place where bytes ≥ 0x80 are legal in JSON, so validating UTF-8 inside strings and
 * treating stray high bytes elsewhere as jansson's problem is enough. */
#include "core/json_prescan.h"

#include <assert.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "core/status.h"
#include "core/str.h"
#include "core/utf8.h"

struct frame {
  bool is_object;
  bool expecting_key; /* in an object, the next string is a key */
  struct str key;
  size_t index;
};

struct scanner {
  struct str text;
  size_t pos;
  size_t depth;
  struct frame frames[JSON_PRESCAN_DEPTH_LIMIT + 1];
};

static void append_path(char *out, size_t *used, const char *piece, size_t len) {
  size_t room = JSON_PRESCAN_FIELD_BYTES - 1 - *used;
  if (len > room) {
    /* Truncated path: end it visibly. */
    size_t keep = room > 3 ? room - 3 : 0;
    memcpy(out + *used, piece, keep);
    *used += keep;
    memcpy(out + *used, "...", room - keep);
    *used += room - keep;
    return;
  }
  memcpy(out + *used, piece, len);
  *used += len;
}

/* Writes the path of the string currently being scanned (a key's own path when the string
 * is a key, which is the field the client would recognise). */
static void write_path(const struct scanner *sc, bool in_key, struct str current_key, char *out) {
  size_t used = 0;
  for (size_t d = 1; d <= sc->depth; d++) {
    const struct frame *f = &sc->frames[d];
    if (f->is_object) {
      struct str key = (d == sc->depth && in_key) ? current_key : f->key;
      if (key.len == 0 && !(d == sc->depth && in_key)) continue;
      if (used) append_path(out, &used, ".", 1);
      append_path(out, &used, key.data, key.len);
    } else {
      char index[32];
      int n = snprintf(index, sizeof index, "[%zu]", f->index);
      append_path(out, &used, index, (size_t)n);
    }
  }
  out[used] = '\0';
}

static int hex4(const char *p, unsigned *value) {
  unsigned v = 0;
  for (int i = 0; i < 4; i++) {
    char c = p[i];
    unsigned d;
    if (c >= '0' && c <= '9')
      d = (unsigned)(c - '0');
    else if (c >= 'a' && c <= 'f')
      d = (unsigned)(c - 'a' + 10);
    else if (c >= 'A' && c <= 'F')
      d = (unsigned)(c - 'A' + 10);
    else
      return -1;
    v = v * 16 + d;
  }
  *value = v;
  return 0;
}

static int fail(struct scanner *sc, struct json_prescan_result *r, enum json_prescan_problem problem,
                size_t offset, bool in_key, struct str key) {
  r->problem = problem;
  r->offset = offset;
  write_path(sc, in_key, key, r->field);
  return HT_EINVAL;
}

/* Scans the string starting at sc->pos (just after the opening quote). Leaves sc->pos after
 * the closing quote (or at the end for an unterminated string, which jansson reports). */
static int scan_string(struct scanner *sc, struct json_prescan_result *r, bool is_key, struct str *out) {
  size_t start = sc->pos;
  const char *t = sc->text.data;
  size_t n = sc->text.len;
  struct str partial = {t + start, 0};
  while (sc->pos < n) {
    unsigned char c = (unsigned char)t[sc->pos];
    partial.len = sc->pos - start;
    if (c == '"') {
      *out = (struct str){t + start, sc->pos - start};
      sc->pos++;
      return HT_OK;
    }
    if (c == '\\') {
      if (sc->pos + 1 < n && t[sc->pos + 1] == 'u' && sc->pos + 6 <= n) {
        unsigned unit;
        if (hex4(t + sc->pos + 2, &unit) == 0) {
          size_t at = sc->pos;
          if (unit == 0) return fail(sc, r, JSON_PRESCAN_BAD_ESCAPE, at, is_key, partial);
          if (unit >= 0xDC00 && unit <= 0xDFFF)
            return fail(sc, r, JSON_PRESCAN_BAD_ESCAPE, at, is_key, partial);
          if (unit >= 0xD800 && unit <= 0xDBFF) {
            unsigned low;
            bool paired = sc->pos + 12 <= n && t[sc->pos + 6] == '\\' && t[sc->pos + 7] == 'u' &&
                          hex4(t + sc->pos + 8, &low) == 0 && low >= 0xDC00 && low <= 0xDFFF;
            if (!paired) return fail(sc, r, JSON_PRESCAN_BAD_ESCAPE, at, is_key, partial);
            sc->pos += 12;
            continue;
          }
          sc->pos += 6;
          continue;
        }
      }
      sc->pos += 2; /* other escapes are single characters; jansson validates them */
      continue;
    }
    if (c < 0x80) {
      sc->pos++;
      continue;
    }
    uint32_t cp;
    size_t len = utf8_decode((struct str){t + sc->pos, n - sc->pos}, &cp);
    if (len == 0) return fail(sc, r, JSON_PRESCAN_INVALID_UTF8, sc->pos, is_key, partial);
    sc->pos += len;
  }
  *out = (struct str){t + start, n - start};
  return HT_OK;
}

static bool is_number_byte(char c) {
  return (c >= '0' && c <= '9') || c == '-' || c == '+' || c == '.' || c == 'e' || c == 'E';
}

/* Checks the number token at sc->pos: an integer literal (no fraction, no exponent) must fit
 * in int64. Leaves sc->pos after the token. */
static int scan_number(struct scanner *sc, struct json_prescan_result *r) {
  size_t start = sc->pos;
  bool integer = true;
  while (sc->pos < sc->text.len && is_number_byte(sc->text.data[sc->pos])) {
    char c = sc->text.data[sc->pos];
    if (c == '.' || c == 'e' || c == 'E') integer = false;
    sc->pos++;
  }
  long long value;
  struct str token = {sc->text.data + start, sc->pos - start};
  if (integer && str_to_i64(token, &value) == HT_ERANGE)
    return fail(sc, r, JSON_PRESCAN_INT_RANGE, start, false, (struct str){0});
  return HT_OK;
}

int json_prescan(struct str text, size_t depth_max, struct json_prescan_result *result) {
  assert(depth_max <= JSON_PRESCAN_DEPTH_LIMIT);
  struct scanner sc = {.text = text, .pos = 0, .depth = 0};
  memset(result, 0, sizeof *result);
  while (sc.pos < text.len) {
    char c = text.data[sc.pos];
    struct frame *top = sc.depth ? &sc.frames[sc.depth] : NULL;
    switch (c) {
    case '{':
    case '[':
      if (sc.depth == depth_max)
        return fail(&sc, result, JSON_PRESCAN_TOO_DEEP, sc.pos, false, (struct str){0});
      sc.depth++;
      sc.frames[sc.depth] = (struct frame){.is_object = c == '{', .expecting_key = c == '{'};
      sc.pos++;
      break;
    case '}':
    case ']':
      if (sc.depth) sc.depth--;
      sc.pos++;
      break;
    case ',':
      if (top) {
        if (top->is_object)
          top->expecting_key = true;
        else
          top->index++;
      }
      sc.pos++;
      break;
    case '"': {
      sc.pos++;
      bool is_key = top && top->is_object && top->expecting_key;
      struct str s;
      int rc = scan_string(&sc, result, is_key, &s);
      if (rc) return rc;
      if (is_key) {
        top->key = s;
        top->expecting_key = false;
      }
      break;
    }
    default:
      if ((c >= '0' && c <= '9') || c == '-') {
        int rc = scan_number(&sc, result);
        if (rc) return rc;
      } else {
        sc.pos++;
      }
    }
  }
  return HT_OK;
}
