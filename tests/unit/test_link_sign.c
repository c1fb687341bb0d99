/* Unit tests for core/link_sign: RFC 4231 HMAC-SHA256 vectors, sign/verify round trips, every
 * kind of tampering, strict decoding, and both sides of the key and URL limits. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <cmocka.h>

#include "core/link_sign.h"
#include "core/status.h"

static const char key32[] = "0123456789abcdef0123456789abcdef";
#define KEY STR_LIT(key32)

static void hex(const uint8_t *h, size_t n, char *out) {
  for (size_t i = 0; i < n; i++) snprintf(out + 2 * i, 3, "%02x", h[i]);
}

/* RFC 4231 section 4.2 (test case 1) and 4.3 (test case 2), HMAC-SHA-256 outputs. */
static void test_rfc4231(void **state) {
  (void)state;
  uint8_t mac[32];
  char text[65];
  char key1[20];
  memset(key1, 0x0b, sizeof key1);
  link_hmac_sha256((struct str){key1, 20}, STR_LIT("Hi There"), mac);
  hex(mac, 32, text);
  assert_string_equal(text, "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7");
  link_hmac_sha256(STR_LIT("Jefe"), STR_LIT("what do ya want for nothing?"), mac);
  hex(mac, 32, text);
  assert_string_equal(text, "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}

static void test_round_trip_and_tamper(void **state) {
  (void)state;
  char sig[LINK_SIGN_TEXT_CHARS + 1];
  struct str url = STR_LIT("https://shop.example/p/7K3QX9?ch=wechat");
  assert_int_equal(link_sign(KEY, url, sig), HT_OK);
  assert_int_equal(strlen(sig), LINK_SIGN_TEXT_CHARS);
  assert_int_equal(link_verify(KEY, url, str_from_cstr(sig)), HT_OK);
  /* Same inputs, same signature: deterministic. */
  char again[LINK_SIGN_TEXT_CHARS + 1];
  assert_int_equal(link_sign(KEY, url, again), HT_OK);
  assert_string_equal(sig, again);
  /* An altered URL, a different key, an altered signature. */
  assert_int_equal(link_verify(KEY, STR_LIT("https://shop.example/p/7K3QX8?ch=wechat"), str_from_cstr(sig)),
                   HT_ECHECKSUM);
  assert_int_equal(link_verify(STR_LIT("0123456789abcdef0123456789abcdeF"), url, str_from_cstr(sig)),
                   HT_ECHECKSUM);
  for (size_t i = 0; i + 1 < LINK_SIGN_TEXT_CHARS; i++) {
    char bad[LINK_SIGN_TEXT_CHARS + 1];
    memcpy(bad, sig, sizeof bad);
    bad[i] = bad[i] == 'A' ? 'B' : 'A';
    assert_int_equal(link_verify(KEY, url, str_from_cstr(bad)), HT_ECHECKSUM);
  }
  /* Malformed: wrong length, padding, characters outside base64url, spare bits set. */
  assert_int_equal(link_verify(KEY, url, STR_LIT("")), HT_EINVAL);
  assert_int_equal(link_verify(KEY, url, (struct str){sig, LINK_SIGN_TEXT_CHARS - 1}), HT_EINVAL);
  char padded[LINK_SIGN_TEXT_CHARS + 3];
  snprintf(padded, sizeof padded, "%s==", sig);
  assert_int_equal(link_verify(KEY, url, str_from_cstr(padded)), HT_EINVAL);
  char plus[LINK_SIGN_TEXT_CHARS + 1];
  memcpy(plus, sig, sizeof plus);
  plus[3] = '+';
  assert_int_equal(link_verify(KEY, url, str_from_cstr(plus)), HT_EINVAL);
  char spare[LINK_SIGN_TEXT_CHARS + 1];
  memcpy(spare, sig, sizeof spare);
  spare[LINK_SIGN_TEXT_CHARS - 1] = 'B'; /* value 1: a spare bit set */
  assert_int_equal(link_verify(KEY, url, str_from_cstr(spare)), HT_EINVAL);
}

static void test_limits(void **state) {
  (void)state;
  char sig[LINK_SIGN_TEXT_CHARS + 1];
  char key[LINK_SIGN_KEY_BYTES_MAX + 1];
  memset(key, 'k', sizeof key);
  assert_int_equal(link_sign((struct str){key, LINK_SIGN_KEY_BYTES_MIN - 1}, STR_LIT("u"), sig), HT_ERANGE);
  assert_int_equal(link_sign((struct str){key, LINK_SIGN_KEY_BYTES_MIN}, STR_LIT("u"), sig), HT_OK);
  assert_int_equal(link_sign((struct str){key, LINK_SIGN_KEY_BYTES_MAX}, STR_LIT("u"), sig), HT_OK);
  assert_int_equal(link_sign((struct str){key, LINK_SIGN_KEY_BYTES_MAX + 1}, STR_LIT("u"), sig), HT_ERANGE);
  char *url = malloc(LINK_SIGN_URL_BYTES_MAX + 1);
  assert_non_null(url);
  memset(url, 'a', LINK_SIGN_URL_BYTES_MAX + 1);
  assert_int_equal(link_sign(KEY, (struct str){url, LINK_SIGN_URL_BYTES_MAX}, sig), HT_OK);
  assert_int_equal(link_verify(KEY, (struct str){url, LINK_SIGN_URL_BYTES_MAX}, str_from_cstr(sig)), HT_OK);
  assert_int_equal(link_sign(KEY, (struct str){url, LINK_SIGN_URL_BYTES_MAX + 1}, sig), HT_ETOOBIG);
  free(url);
  /* The empty URL is a value like any other. */
  assert_int_equal(link_sign(KEY, STR_LIT(""), sig), HT_OK);
  assert_int_equal(link_verify(KEY, STR_LIT(""), str_from_cstr(sig)), HT_OK);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_rfc4231),
      cmocka_unit_test(test_round_trip_and_tamper),
      cmocka_unit_test(test_limits),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
