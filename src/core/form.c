/* form.c — form-urlencoded parsing (see form.h). */
#include "core/form.h"

#include "core/status.h"
#include "core/utf8.h"

static int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

/* Decodes '+' and %XX of `in` into the arena; HT_EINVAL for a bad escape, NUL or bad UTF-8. */
static int decode(struct str in, struct arena *arena, struct str *out) {
  char *o = arena_alloc(arena, in.len + 1);
  if (!o) return HT_ENOMEM;
  size_t n = 0;
  for (size_t i = 0; i < in.len; i++) {
    char c = in.data[i];
    if (c == '+')
      c = ' ';
    else if (c == '%') {
      if (i + 2 >= in.len) return HT_EINVAL; /* a '%' needs two hex digits after it */
      int hi = hex_value(in.data[i + 1]), lo = hex_value(in.data[i + 2]);
      if (hi < 0 || lo < 0) return HT_EINVAL;
      c = (char)(hi * 16 + lo);
      i += 2;
    }
    if (c == '\0') return HT_EINVAL;
    o[n++] = c;
  }
  o[n] = '\0';
  *out = (struct str){o, n};
  return utf8_valid(*out) ? HT_OK : HT_EINVAL;
}

int form_parse(struct str body, struct arena *arena, struct form *out, struct str *bad_field) {
  *out = (struct form){NULL, 0};
  *bad_field = STR_LIT("");
  if (body.len == 0) return HT_OK;
  size_t pairs = 1;
  for (size_t i = 0; i < body.len; i++) pairs += body.data[i] == '&';
  if (pairs > FORM_FIELDS_MAX) return HT_ETOOBIG;
  out->fields = arena_alloc(arena, pairs * sizeof *out->fields);
  if (!out->fields) return HT_ENOMEM;
  size_t start = 0;
  for (size_t i = 0; i <= body.len; i++) {
    if (i < body.len && body.data[i] != '&') continue;
    struct str pair = {body.data + start, i - start};
    start = i + 1;
    if (pair.len == 0) continue; /* "a=1&&b=2": browsers never send it, but it is harmless */
    long eq = str_find(pair, STR_LIT("="), false);
    struct str raw_name = eq < 0 ? pair : (struct str){pair.data, (size_t)eq};
    struct str raw_value = eq < 0 ? STR_LIT("") : (struct str){pair.data + eq + 1, pair.len - (size_t)eq - 1};
    struct form_field *f = &out->fields[out->len];
    int rc = decode(raw_name, arena, &f->name);
    if (rc == HT_OK && (f->name.len == 0 || f->name.len > FORM_NAME_BYTES_MAX)) rc = HT_EINVAL;
    if (rc == HT_OK) rc = decode(raw_value, arena, &f->value);
    struct str existing;
    if (rc == HT_OK && form_get(out, f->name.data, &existing)) rc = HT_EINVAL;
    if (rc != HT_OK) {
      *bad_field = f->name.data ? f->name : STR_LIT("");
      return rc;
    }
    out->len++;
  }
  return HT_OK;
}

bool form_get(const struct form *form, const char *name, struct str *value) {
  struct str key = str_from_cstr(name);
  for (size_t i = 0; i < form->len; i++)
    if (str_eq(form->fields[i].name, key)) {
      *value = form->fields[i].value;
      return true;
    }
  return false;
}
