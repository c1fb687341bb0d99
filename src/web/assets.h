/*
 * assets.h — the static files of the pages (one stylesheet, one small script), compiled into
 * the binary from src/web/static/ and served at /static/NAME?v=HASH.
 *
 * The version is a prefix of the file's SHA-256, so a page always links the bytes it was
 * written for and browsers may cache a file forever (Cache-Control: immutable).
 */
#ifndef HUTONG_WEB_ASSETS_H
#define HUTONG_WEB_ASSETS_H

#include "http/request.h"

/* Computes the version hashes; call once before serving. */
void assets_init(void);

/* "/static/NAME?v=HASH" for an embedded file, or "/static/NAME" when unknown. */
const char *assets_url(const char *name);

/* GET /static/{name}: the file with ETag and a year of immutable caching; 304 on a matching
 * If-None-Match; 404 for unknown names. */
void web_static(struct request *req, struct response *res);

#endif
