/*
 * validate.h — declarative checks of a JSON request object against its fields.
 *
 * A handler lists its fields once (name, type, required, bounds); json_fields_check() then
 * rejects unknown fields, missing required ones, wrong types, strings outside their length in
 * characters (code points), and integers outside their range — each with a 400 error that
 * names the field. Only after it passes does the handler read values, with the typed getters.
 */
#ifndef HUTONG_HTTP_VALIDATE_H
#define HUTONG_HTTP_VALIDATE_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "core/str.h"
#include "http/request.h"

enum field_type { FIELD_STRING, FIELD_INTEGER, FIELD_BOOLEAN, FIELD_OBJECT, FIELD_ARRAY };

struct field_rule {
  const char *name;
  enum field_type type;
  bool required;
  bool nullable; /* JSON null accepted (means "clear" for optional fields) */
  int64_t min;   /* strings: fewest characters; integers: smallest value; arrays: fewest items */
  int64_t max;   /* strings: most characters; integers: largest value; arrays: most items */
};

/* Checks `object` against `rules` (`count` of them). Returns true when valid; otherwise
 * writes the 400 error naming the first offending field into `res` and returns false. */
bool json_fields_check(struct request *req, struct response *res, json_t *object,
                       const struct field_rule *rules, size_t count);

/* The same for an object nested at `path` ("items[2]", "buyer"): errors name the field with
 * its path ("items[2].quantity"), so a client knows which one to fix. */
bool json_fields_check_at(struct request *req, struct response *res, json_t *object, const char *path,
                          const struct field_rule *rules, size_t count);

/* Typed reads after a successful check. Absent or null fields read as the empty view / 0 /
 * false; json_has() tells them apart. */
struct str json_get_str(json_t *object, const char *name);
int64_t json_get_i64(json_t *object, const char *name);
bool json_get_bool(json_t *object, const char *name);
bool json_has(json_t *object, const char *name);
bool json_is_null_field(json_t *object, const char *name);

#endif
