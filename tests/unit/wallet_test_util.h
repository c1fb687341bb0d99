/* wallet_test_util.h — helpers shared by the wallet protocol tests (test_crypto, test_wechatpay,
 * test_alipay): reading files under $HUTONG_TEST_DATA, loading keys, and running a command with
 * input on stdin and output captured. Static functions only, included by each test. */
#ifndef HUTONG_TESTS_WALLET_TEST_UTIL_H
#define HUTONG_TESTS_WALLET_TEST_UTIL_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/crypto.h"
#include "core/status.h"
#include "core/str.h"

/* Test data files are small; anything larger is a mistake in the test. */
#define TEST_FILE_BYTES_MAX (256 * 1024)

/* Returns $HUTONG_TEST_DATA/rel as a malloc'ed NUL-terminated string (aborts on failure). */
static inline char *test_data_path(const char *rel) {
  const char *root = getenv("HUTONG_TEST_DATA");
  if (!root) root = "tests/data";
  size_t n = strlen(root) + strlen(rel) + 2;
  char *path = malloc(n);
  if (!path) abort();
  snprintf(path, n, "%s/%s", root, rel);
  return path;
}

/* Reads $HUTONG_TEST_DATA/rel; the view's data is malloc'ed and NUL-terminated (caller frees). */
static inline struct str test_read(const char *rel) {
  char *path = test_data_path(rel);
  FILE *f = fopen(path, "rb");
  if (!f) {
    fprintf(stderr, "cannot open %s\n", path);
    abort();
  }
  char *data = malloc(TEST_FILE_BYTES_MAX + 1);
  if (!data) abort();
  size_t n = fread(data, 1, TEST_FILE_BYTES_MAX, f);
  fclose(f);
  free(path);
  data[n] = '\0';
  return (struct str){data, n};
}

/* Frees the data of a view returned by test_read() (the view's pointer is const). */
static inline void test_release(struct str s) {
  void *p;
  memcpy(&p, &s.data, sizeof p);
  free(p);
}

static inline struct crypto_key *test_private_key(const char *rel) {
  struct str pem = test_read(rel);
  struct crypto_key *key = NULL;
  int rc = crypto_private_key_from_pem(pem, &key);
  test_release(pem);
  if (rc != HT_OK) {
    fprintf(stderr, "private key %s: %d\n", rel, rc);
    abort();
  }
  return key;
}

static inline struct crypto_key *test_public_key(const char *rel) {
  struct str pem = test_read(rel);
  struct crypto_key *key = NULL;
  int rc = crypto_public_key_from_pem(pem, &key);
  test_release(pem);
  if (rc != HT_OK) {
    fprintf(stderr, "public key %s: %d\n", rel, rc);
    abort();
  }
  return key;
}

/* Writes `len` bytes to a new temporary file; returns its malloc'ed path (caller unlinks, frees). */
static inline char *test_temp_file(const void *data, size_t len) {
  char *path = strdup("/tmp/hutong-test-XXXXXX");
  int fd = path ? mkstemp(path) : -1;
  if (fd < 0) abort();
  if (write(fd, data, len) != (ssize_t)len) abort();
  close(fd);
  return path;
}

/* Runs `cmd` through /bin/sh with `input` on stdin (written to a temp file first, so there is
 * no pipe deadlock) and returns its stdout, malloc'ed and NUL-terminated; `*status` gets the
 * exit code. */
static inline char *test_run(const char *cmd, struct str input, int *status) {
  char *in_path = test_temp_file(input.data, input.len);
  size_t n = strlen(cmd) + strlen(in_path) + 8;
  char *full = malloc(n);
  if (!full) abort();
  snprintf(full, n, "%s < %s", cmd, in_path);
  FILE *p = popen(full, "r");
  if (!p) abort();
  char *out = malloc(TEST_FILE_BYTES_MAX + 1);
  if (!out) abort();
  size_t got = fread(out, 1, TEST_FILE_BYTES_MAX, p);
  out[got] = '\0';
  int rc = pclose(p);
  *status = WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
  unlink(in_path);
  free(in_path);
  free(full);
  return out;
}

#endif
