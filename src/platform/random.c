/* random.c — OpenSSL RAND_bytes, fail-stop (see random.h). */
#include "platform/random.h"

#include <openssl/rand.h>
#include <stdio.h>
#include <stdlib.h>

#include "core/str.h"

void random_bytes(void *out, size_t len) {
  if (len == 0) return;
  if (RAND_bytes(out, (int)len) != 1) {
    fputs("{\"level\":\"fatal\",\"msg\":\"CSPRNG failure\"}\n", stderr);
    abort();
  }
}

void random_hex(char *out, size_t bytes) {
  unsigned char raw[64];
  *out = '\0';
  while (bytes > 0) {
    size_t n = bytes < sizeof raw ? bytes : sizeof raw;
    random_bytes(raw, n);
    str_hex_encode(raw, n, out);
    out += 2 * n;
    bytes -= n;
  }
}
