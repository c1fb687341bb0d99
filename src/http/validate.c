/* validate.c — field rules for JSON request objects (see validate.h). */
#include "http/validate.h"

#include <stdio.h>
#include <string.h>

#include "core/utf8.h"

/* Bytes of a field's path in an error ("items[19].product_code", "buyer.email"): the longest
 * path our request bodies have is far shorter. */
#define FIELD_PATH_BYTES 96

/* The name a client sees for `name` inside the object at `path` ("" or NULL: top level). */
static const char *field_path(char out[FIELD_PATH_BYTES], const char *path, const char *name) {
  if (!path || !*path) return name;
  snprintf(out, FIELD_PATH_BYTES, "%s.%s", path, name);
  return out;
}

static const char *type_name(enum field_type type) {
  switch (type) {
  case FIELD_STRING: return "a string";
  case FIELD_INTEGER: return "an integer";
  case FIELD_BOOLEAN: return "a boolean";
  case FIELD_OBJECT: return "an object";
  default: return "an array";
  }
}

static bool type_matches(json_t *value, enum field_type type) {
  switch (type) {
  case FIELD_STRING: return json_is_string(value);
  case FIELD_INTEGER: return json_is_integer(value);
  case FIELD_BOOLEAN: return json_is_boolean(value);
  case FIELD_OBJECT: return json_is_object(value);
  default: return json_is_array(value);
  }
}

static bool check_bounds(struct request *req, struct response *res, json_t *value,
                         const struct field_rule *rule, const char *name) {
  if (rule->type == FIELD_STRING) {
    struct str s = {json_string_value(value), json_string_length(value)};
    int64_t chars = (int64_t)utf8_count(s);
    if (chars < rule->min) {
      response_error(req, res, 400, rule->min == 1 && chars == 0 ? "empty" : "too_short", name,
                     "%s must have at least %lld characters", name, (long long)rule->min);
      return false;
    }
    if (rule->max && chars > rule->max) {
      response_error(req, res, 400, "too_long", name, "%s must have at most %lld characters (has %lld)", name,
                     (long long)rule->max, (long long)chars);
      return false;
    }
  } else if (rule->type == FIELD_INTEGER) {
    json_int_t v = json_integer_value(value);
    if (v < rule->min || v > rule->max) {
      response_error(req, res, 400, "out_of_range", name, "%s must be between %lld and %lld", name,
                     (long long)rule->min, (long long)rule->max);
      return false;
    }
  } else if (rule->type == FIELD_ARRAY) {
    int64_t n = (int64_t)json_array_size(value);
    if (n < rule->min || (rule->max && n > rule->max)) {
      response_error(req, res, 400, "out_of_range", name, "%s must have between %lld and %lld items", name,
                     (long long)rule->min, (long long)rule->max);
      return false;
    }
  }
  return true;
}

bool json_fields_check(struct request *req, struct response *res, json_t *object,
                       const struct field_rule *rules, size_t count) {
  return json_fields_check_at(req, res, object, "", rules, count);
}

bool json_fields_check_at(struct request *req, struct response *res, json_t *object, const char *path,
                          const struct field_rule *rules, size_t count) {
  char buffer[FIELD_PATH_BYTES];
  const char *key;
  json_t *value;
  json_object_foreach(object, key, value) {
    size_t i = 0;
    while (i < count && strcmp(rules[i].name, key) != 0) i++;
    if (i == count) {
      const char *name = field_path(buffer, path, key);
      response_error(req, res, 400, "unknown_field", name, "unknown field '%s'", name);
      return false;
    }
  }
  for (size_t i = 0; i < count; i++) {
    const struct field_rule *rule = &rules[i];
    const char *name = field_path(buffer, path, rule->name);
    value = json_object_get(object, rule->name);
    if (!value) {
      if (!rule->required) continue;
      response_error(req, res, 400, "missing_field", name, "%s is required", name);
      return false;
    }
    if (json_is_null(value)) {
      if (rule->nullable) continue;
      response_error(req, res, 400, "invalid_type", name, "%s must not be null", name);
      return false;
    }
    if (!type_matches(value, rule->type)) {
      response_error(req, res, 400, "invalid_type", name, "%s must be %s", name, type_name(rule->type));
      return false;
    }
    if (!check_bounds(req, res, value, rule, name)) return false;
  }
  return true;
}

struct str json_get_str(json_t *object, const char *name) {
  json_t *v = json_object_get(object, name);
  if (!json_is_string(v)) return (struct str){0};
  return (struct str){json_string_value(v), json_string_length(v)};
}

int64_t json_get_i64(json_t *object, const char *name) {
  return json_integer_value(json_object_get(object, name));
}

bool json_get_bool(json_t *object, const char *name) { return json_is_true(json_object_get(object, name)); }

bool json_has(json_t *object, const char *name) { return json_object_get(object, name) != NULL; }

bool json_is_null_field(json_t *object, const char *name) {
  return json_is_null(json_object_get(object, name));
}
