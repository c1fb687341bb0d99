/* random.c — OpenSSL RAND_bytes, fail-stop (see random.h). */
#include "platform/random.h"

#include <openssl/rand.h>
#include <stdio.h>
#include <stdlib.h>

void random_bytes(void *out, size_t len) {
  if (len == 0) return;
  if (RAND_bytes(out, (int)len) != 1) {
    fputs("{\"level\":\"fatal\",\"msg\":\"CSPRNG failure\"}\n", stderr);
    abort();
  }
}

void random_hex(char *out, size_t bytes) {
  static const char digits[] = "0123456789abcdef";
  unsigned char raw[64];
  while (bytes > 0) {
    size_t n = bytes < sizeof raw ? bytes : sizeof raw;
    random_bytes(raw, n);
    for (size_t i = 0; i < n; i++) {
      *out++ = digits[raw[i] >> 4];
      *out++ = digits[raw[i] & 15];
    }
    bytes -= n;
  }
  *out = '\0';
}
