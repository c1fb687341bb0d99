/*
 * common.h — small helpers shared by the API handlers: ids in paths, pagination, and
 * timestamp rendering. Private to src/api.
 */
#ifndef HUTONG_API_COMMON_H
#define HUTONG_API_COMMON_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "http/request.h"

/* Parses path parameter `index` as a positive id; answers 404 naming `what` otherwise. */
bool api_path_id(struct request *req, struct response *res, size_t index, const char *what, int64_t *id);

/* Reads ?limit= (default PAGE_LIMIT_DEFAULT, 1..PAGE_LIMIT_MAX) and ?cursor= (an opaque
 * position; 0 when absent). Answers 400 naming the parameter on bad input. */
bool api_page_params(struct request *req, struct response *res, size_t *limit, int64_t *before_id);

/* api_page_params() for listings with their own page sizes (the print sheets' labels). */
bool api_page_params_within(struct request *req, struct response *res, size_t limit_default, size_t limit_max,
                            size_t *limit, int64_t *before_id);

/* The opaque cursor that continues a listing after `last_id`, as a JSON string. */
json_t *api_cursor_json(struct request *req, int64_t last_id);

/* A millisecond timestamp as an RFC 3339 JSON string; JSON null for 0. */
json_t *api_time_json(int64_t ms);

/* True for an absolute http:// or https:// URL with a host and no spaces or controls. */
bool api_is_http_url(struct str url);

/* A view as a JSON string (NULL data → JSON null). */
json_t *api_str_json(struct str s);

#endif
