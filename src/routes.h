/*
 * routes.h — the route table: the one place that knows every handler.
 */
#ifndef HUTONG_ROUTES_H
#define HUTONG_ROUTES_H

#include <stddef.h>

#include "http/router.h"

extern const struct route hutong_routes[];
extern const size_t hutong_route_count;

#endif
