/*
 * json_prescan.h — one pass over a JSON body before the real parser sees it.
 *
 * jansson parses and rejects bad JSON, but it cannot tell the client *which field* held
 * the invalid UTF-8, and its nesting limit (2048) is far above ours. This scanner walks the
 * raw bytes once, tracking the key path, and stops at the first of: nesting deeper than the
 * caller's maximum, a string with invalid UTF-8 or an escaped lone surrogate / NUL, or an
 * integer literal that does not fit in int64 (money is int64 minor units). It does not check
 * the grammar otherwise; that is jansson's job right after.
 */
#ifndef HUTONG_CORE_JSON_PRESCAN_H
#define HUTONG_CORE_JSON_PRESCAN_H

#include <stddef.h>

#include "core/str.h"

/* Deepest nesting the scanner can track; callers pass a smaller depth_max. */
#define JSON_PRESCAN_DEPTH_LIMIT 64
/* Room for the reported field path ("items[3].title"); longer paths are cut with "...". */
#define JSON_PRESCAN_FIELD_BYTES 128

enum json_prescan_problem {
  JSON_PRESCAN_OK = 0,
  JSON_PRESCAN_TOO_DEEP,     /* nesting exceeded depth_max */
  JSON_PRESCAN_INVALID_UTF8, /* raw bytes in a string are not valid UTF-8 */
  JSON_PRESCAN_BAD_ESCAPE,   /* \u escape of a lone surrogate or U+0000 */
  JSON_PRESCAN_INT_RANGE,    /* an integer literal outside int64 */
};

struct json_prescan_result {
  enum json_prescan_problem problem;
  size_t offset;                        /* byte offset of the problem */
  char field[JSON_PRESCAN_FIELD_BYTES]; /* key path where it happened, "" at top level */
};

/* Scans `text`; returns HT_OK when none of the problems above occur, HT_EINVAL otherwise
 * with `*result` filled. `depth_max` must be ≤ JSON_PRESCAN_DEPTH_LIMIT. Pure. */
int json_prescan(struct str text, size_t depth_max, struct json_prescan_result *result);

#endif
