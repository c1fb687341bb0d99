/*
 * form.h — strict application/x-www-form-urlencoded parsing (the WHATWG URL standard's
 * "application/x-www-form-urlencoded parser", with limits): '&'-separated name=value pairs,
 * '+' as space, %XX escapes; invalid escapes, invalid UTF-8, NUL bytes and duplicate names
 * are refused instead of being repaired, because every caller is a form of ours or a
 * signed protocol where a repaired byte would be a different message.
 */
#ifndef HUTONG_CORE_FORM_H
#define HUTONG_CORE_FORM_H

#include <stdbool.h>
#include <stddef.h>

#include "core/arena.h"
#include "core/str.h"

/* Most pairs in one form; our largest web form has a dozen fields. */
#define FORM_FIELDS_MAX 128
/* Longest field name. */
#define FORM_NAME_BYTES_MAX 64

struct form_field {
  struct str name, value; /* decoded, in the arena */
};

struct form {
  struct form_field *fields;
  size_t len;
};

/* Parses `body`. HT_OK; HT_EINVAL for malformed input (with the offending field's name, or
 * "" when unknown, in `*bad_field`); HT_ETOOBIG over FORM_FIELDS_MAX; HT_ENOMEM when the arena
 * refuses. An empty body is an empty form. */
int form_parse(struct str body, struct arena *arena, struct form *out, struct str *bad_field);

/* The value of `name`; false when absent. */
bool form_get(const struct form *form, const char *name, struct str *value);

#endif
