/* Unit tests for core/secretbox: HKDF-SHA256 against RFC 5869's test cases 1 and 3 and the
 * limits of its output length; the derived box key against Python's `cryptography` HKDF (the
 * value below was computed with it); sealing and opening round trips; and every way a box must
 * refuse to open (another key, another associated data, one changed byte anywhere, a cut tag,
 * bad prefix or base64), with the size limits on both sides. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/arena.h"
#include "core/secretbox.h"
#include "core/status.h"

static void hex(const uint8_t *bytes, size_t len, char *out) {
  for (size_t i = 0; i < len; i++) snprintf(out + 2 * i, 3, "%02x", bytes[i]);
}

static void test_hkdf_rfc5869(void **state) {
  (void)state;
  uint8_t ikm[22], salt[13], info[10], okm[42];
  char h[2 * sizeof okm + 1];
  memset(ikm, 0x0b, sizeof ikm);
  for (size_t i = 0; i < sizeof salt; i++) salt[i] = (uint8_t)i;
  for (size_t i = 0; i < sizeof info; i++) info[i] = (uint8_t)(0xf0 + i);
  /* RFC 5869 A.1 (test case 1). */
  assert_int_equal(secretbox_hkdf_sha256((struct str){(char *)ikm, sizeof ikm},
                                         (struct str){(char *)salt, 13}, (struct str){(char *)info, 10}, okm,
                                         sizeof okm),
                   HT_OK);
  hex(okm, sizeof okm, h);
  assert_string_equal(h,
                      "3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865");
  /* RFC 5869 A.3 (test case 3): empty salt and info. */
  assert_int_equal(
      secretbox_hkdf_sha256((struct str){(char *)ikm, sizeof ikm}, STR_LIT(""), STR_LIT(""), okm, sizeof okm),
      HT_OK);
  hex(okm, sizeof okm, h);
  assert_string_equal(h,
                      "8da4e775a563c18f715f802a063c5a31b8a11f5c5ee1879ec3454e5f3c738d2d9d201395faa4b61a96c8");
  /* Output length: 1 and 255 * 32 are allowed, 0 and one more are not. */
  uint8_t *big = malloc(SECRETBOX_HKDF_BYTES_MAX + 1);
  assert_int_equal(secretbox_hkdf_sha256(STR_LIT("k"), STR_LIT("s"), STR_LIT("i"), big, 1), HT_OK);
  assert_int_equal(
      secretbox_hkdf_sha256(STR_LIT("k"), STR_LIT("s"), STR_LIT("i"), big, SECRETBOX_HKDF_BYTES_MAX), HT_OK);
  assert_int_equal(
      secretbox_hkdf_sha256(STR_LIT("k"), STR_LIT("s"), STR_LIT("i"), big, SECRETBOX_HKDF_BYTES_MAX + 1),
      HT_ERANGE);
  assert_int_equal(secretbox_hkdf_sha256(STR_LIT("k"), STR_LIT("s"), STR_LIT("i"), big, 0), HT_ERANGE);
  /* Info length: the maximum is accepted, one more is refused. */
  char long_info[SECRETBOX_INFO_BYTES_MAX + 1];
  memset(long_info, 'i', sizeof long_info);
  assert_int_equal(secretbox_hkdf_sha256(STR_LIT("k"), STR_LIT("s"),
                                         (struct str){long_info, SECRETBOX_INFO_BYTES_MAX}, big, 64),
                   HT_OK);
  assert_int_equal(
      secretbox_hkdf_sha256(STR_LIT("k"), STR_LIT("s"), (struct str){long_info, sizeof long_info}, big, 64),
      HT_ETOOBIG);
  free(big);
}

static void test_key_derive(void **state) {
  (void)state;
  uint8_t key[SECRETBOX_KEY_BYTES];
  char h[2 * SECRETBOX_KEY_BYTES + 1];
  /* Python: HKDF(SHA256(), 32, b"hutong secretbox v1", b"channel-credentials").derive(secret). */
  assert_int_equal(secretbox_key_derive(STR_LIT("test-secret-0123456789abcdef0123456789abcdef"),
                                        STR_LIT("channel-credentials"), key),
                   HT_OK);
  hex(key, sizeof key, h);
  assert_string_equal(h, "8e1280aa6d68551d50f50cf744f09e2f565af5177d640c4d0c453a9bf8b67365");
  uint8_t other[SECRETBOX_KEY_BYTES];
  assert_int_equal(secretbox_key_derive(STR_LIT("test-secret-0123456789abcdef0123456789abcdef"),
                                        STR_LIT("something-else"), other),
                   HT_OK);
  assert_memory_not_equal(key, other, sizeof key);
  assert_int_equal(secretbox_key_derive(STR_LIT(""), STR_LIT("x"), other), HT_EINVAL);
}

static void test_seal_open(void **state) {
  (void)state;
  struct arena arena;
  arena_init(&arena, 1 << 22);
  uint8_t key[SECRETBOX_KEY_BYTES], other_key[SECRETBOX_KEY_BYTES], nonce[SECRETBOX_NONCE_BYTES];
  memset(key, 7, sizeof key);
  memset(other_key, 8, sizeof other_key);
  memset(nonce, 1, sizeof nonce);
  struct str aad = STR_LIT("merchant:1/channel:wechatpay"), box, plain;
  struct str secret = STR_LIT("{\"apiv3_key\":\"hutongTestAPIv3Key0123456789abcd\"}");
  assert_int_equal(secretbox_seal(key, nonce, aad, secret, &arena, &box), HT_OK);
  assert_true(str_has_prefix(box, STR_LIT("v1.")));
  assert_int_equal(str_find(box, STR_LIT("hutongTest"), false), -1);
  assert_int_equal(secretbox_open(key, aad, box, &arena, &plain), HT_OK);
  assert_true(str_eq(plain, secret));
  assert_int_equal(plain.data[plain.len], '\0');
  /* Another key or another owner: the tag does not verify. */
  assert_int_equal(secretbox_open(other_key, aad, box, &arena, &plain), HT_ECHECKSUM);
  assert_int_equal(secretbox_open(key, STR_LIT("merchant:2/channel:wechatpay"), box, &arena, &plain),
                   HT_ECHECKSUM);
  /* One changed character anywhere in the base64 body is refused (tag or encoding). */
  char *copy = arena_strndup(&arena, box.data, box.len);
  for (size_t i = 3; i < box.len; i++) {
    char saved = copy[i];
    copy[i] = saved == 'A' ? 'B' : 'A';
    int rc = secretbox_open(key, aad, (struct str){copy, box.len}, &arena, &plain);
    assert_true(rc == HT_ECHECKSUM || rc == HT_EINVAL);
    copy[i] = saved;
  }
  /* Wrong prefix, not base64, too short to hold a nonce and a tag. */
  assert_int_equal(secretbox_open(key, aad, STR_LIT("v2.AAAA"), &arena, &plain), HT_EINVAL);
  assert_int_equal(secretbox_open(key, aad, STR_LIT("v1.!!!!"), &arena, &plain), HT_EINVAL);
  assert_int_equal(secretbox_open(key, aad, STR_LIT("v1.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"), &arena, &plain),
                   HT_EINVAL);
  /* An empty secret seals and opens. */
  assert_int_equal(secretbox_seal(key, nonce, aad, STR_LIT(""), &arena, &box), HT_OK);
  assert_int_equal(secretbox_open(key, aad, box, &arena, &plain), HT_OK);
  assert_int_equal(plain.len, 0);
  arena_free_all(&arena);
}

static void test_limits(void **state) {
  (void)state;
  struct arena arena;
  arena_init(&arena, 1 << 22);
  uint8_t key[SECRETBOX_KEY_BYTES] = {0}, nonce[SECRETBOX_NONCE_BYTES] = {0};
  char *big = calloc(1, SECRETBOX_PLAINTEXT_BYTES_MAX + 1);
  memset(big, 'x', SECRETBOX_PLAINTEXT_BYTES_MAX + 1);
  struct str box, plain;
  assert_int_equal(secretbox_seal(key, nonce, STR_LIT("a"), (struct str){big, SECRETBOX_PLAINTEXT_BYTES_MAX},
                                  &arena, &box),
                   HT_OK);
  assert_int_equal(secretbox_open(key, STR_LIT("a"), box, &arena, &plain), HT_OK);
  assert_int_equal(plain.len, SECRETBOX_PLAINTEXT_BYTES_MAX);
  assert_int_equal(secretbox_seal(key, nonce, STR_LIT("a"),
                                  (struct str){big, SECRETBOX_PLAINTEXT_BYTES_MAX + 1}, &arena, &box),
                   HT_ETOOBIG);
  char aad[SECRETBOX_AAD_BYTES_MAX + 1];
  memset(aad, 'a', sizeof aad);
  assert_int_equal(
      secretbox_seal(key, nonce, (struct str){aad, SECRETBOX_AAD_BYTES_MAX}, STR_LIT("s"), &arena, &box),
      HT_OK);
  assert_int_equal(secretbox_open(key, (struct str){aad, SECRETBOX_AAD_BYTES_MAX}, box, &arena, &plain),
                   HT_OK);
  assert_int_equal(secretbox_seal(key, nonce, (struct str){aad, sizeof aad}, STR_LIT("s"), &arena, &box),
                   HT_ETOOBIG);
  free(big);
  arena_free_all(&arena);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_hkdf_rfc5869),
      cmocka_unit_test(test_key_derive),
      cmocka_unit_test(test_seal_open),
      cmocka_unit_test(test_limits),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
