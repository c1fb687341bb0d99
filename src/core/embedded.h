/*
 * embedded.h — files compiled into the binary (SQL migrations, static web assets).
 *
 * scripts/embed.py generates the arrays at build time; each entry's data is followed by a
 * NUL byte not counted in `len`, so text files can be used as C strings.
 */
#ifndef HUTONG_CORE_EMBEDDED_H
#define HUTONG_CORE_EMBEDDED_H

#include <stddef.h>

struct embedded_file {
  const char *name; /* path relative to the embedding root, e.g. "sqlite/0001_init.sql" */
  const unsigned char *data;
  size_t len;
};

#endif
