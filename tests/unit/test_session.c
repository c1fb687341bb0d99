/* Unit tests for web/session (passwords, session ids, secret comparison) and the Origin
 * parsing of web/forms that guards every form. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <cmocka.h>

#include "core/status.h"
#include "web/forms.h"
#include "web/session.h"

static void test_password_rules(void **state) {
  (void)state;
  assert_int_equal(password_check_rules(STR_LIT("1234567")), HT_ERANGE); /* one short */
  assert_int_equal(password_check_rules(STR_LIT("12345678")), HT_OK);
  assert_int_equal(password_check_rules(STR_LIT("密码密码密码密码")), HT_OK); /* characters, not bytes */
  assert_int_equal(password_check_rules(STR_LIT("密码密码密码密")), HT_ERANGE);
  assert_int_equal(password_check_rules(STR_LIT("12345678\n")), HT_EINVAL);
  assert_int_equal(password_check_rules(STR_LIT("1234567\xff")), HT_EINVAL);
  char longest[PASSWORD_BYTES_MAX + 2];
  memset(longest, 'a', sizeof longest);
  assert_int_equal(password_check_rules((struct str){longest, PASSWORD_BYTES_MAX}), HT_OK);
  assert_int_equal(password_check_rules((struct str){longest, PASSWORD_BYTES_MAX + 1}), HT_ERANGE);
}

static void test_hash_and_verify(void **state) {
  (void)state;
  char encoded[PASSWORD_ENCODED_BYTES_MAX], again[PASSWORD_ENCODED_BYTES_MAX];
  assert_int_equal(password_hash(STR_LIT("correct horse"), encoded), HT_OK);
  assert_true(strncmp(encoded, "$argon2id$v=19$m=19456,t=2,p=1$", 31) == 0);
  assert_int_equal(password_verify(str_from_cstr(encoded), STR_LIT("correct horse")), HT_OK);
  assert_int_equal(password_verify(str_from_cstr(encoded), STR_LIT("correct horsE")), HT_EAUTH);
  assert_int_equal(password_verify(str_from_cstr(encoded), STR_LIT("")), HT_EAUTH);
  assert_int_equal(password_hash(STR_LIT("correct horse"), again), HT_OK);
  assert_string_not_equal(encoded, again); /* a fresh salt each time */
  /* Not an argon2id hash: refused without being run. */
  assert_int_equal(password_verify(STR_LIT("$argon2i$v=19$m=16,t=2,p=1$c2FsdHNhbHQ$aGFzaA"), STR_LIT("x")),
                   HT_EAUTH);
  assert_int_equal(password_verify(STR_LIT(""), STR_LIT("x")), HT_EAUTH);
  char longest[PASSWORD_BYTES_MAX + 1];
  memset(longest, 'a', sizeof longest);
  assert_int_equal(password_hash((struct str){longest, PASSWORD_BYTES_MAX + 1}, again), HT_ERANGE);
  password_burn(STR_LIT("anything")); /* costs time, returns nothing */
}

static void test_secret_equal(void **state) {
  (void)state;
  assert_true(secret_equal(STR_LIT("abcdef"), STR_LIT("abcdef")));
  assert_false(secret_equal(STR_LIT("abcdef"), STR_LIT("abcdeF")));
  assert_false(secret_equal(STR_LIT("abcdef"), STR_LIT("abcde")));
  assert_false(secret_equal(STR_LIT("abcdef"), STR_LIT("")));
  assert_false(secret_equal(STR_LIT(""), STR_LIT(""))); /* a missing token never matches */
}

static void test_session_ids(void **state) {
  (void)state;
  char id[SESSION_ID_HEX_CHARS + 1];
  memset(id, 'a', SESSION_ID_HEX_CHARS);
  id[SESSION_ID_HEX_CHARS] = '\0';
  assert_true(session_id_valid(str_from_cstr(id)));
  assert_false(session_id_valid((struct str){id, SESSION_ID_HEX_CHARS - 1}));
  id[3] = 'A';
  assert_false(session_id_valid(str_from_cstr(id)));
  id[3] = 'g';
  assert_false(session_id_valid(str_from_cstr(id)));
  char hash[SESSION_ID_HEX_CHARS + 1];
  session_id_hash(STR_LIT("abc"), hash);
  assert_string_equal(hash, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

static void test_session_alive(void **state) {
  (void)state;
  struct merchant_session s = {
      .created_at_ms = 1000, .last_seen_ms = 1000, .expires_at_ms = 1000 + SESSION_LIFETIME_MS};
  assert_true(session_alive(&s, 1000));
  assert_true(session_alive(&s, 1000 + SESSION_IDLE_MS - 1));
  assert_false(session_alive(&s, 1000 + SESSION_IDLE_MS)); /* idle */
  s.last_seen_ms = s.expires_at_ms - 1;
  assert_true(session_alive(&s, s.expires_at_ms - 1));
  assert_false(session_alive(&s, s.expires_at_ms)); /* absolute expiry, however recent the use */
}

static void test_origin_host(void **state) {
  (void)state;
  assert_true(str_eq(web_origin_host(STR_LIT("https://shop.example")), STR_LIT("shop.example")));
  assert_true(
      str_eq(web_origin_host(STR_LIT("http://127.0.0.1:8080/M/products?x=1")), STR_LIT("127.0.0.1:8080")));
  assert_true(str_eq(web_origin_host(STR_LIT("http://a.example#x")), STR_LIT("a.example")));
  assert_int_equal(web_origin_host(STR_LIT("null")).len, 0);
  assert_int_equal(web_origin_host(STR_LIT("://x")).len, 0);
  assert_int_equal(web_origin_host(STR_LIT("")).len, 0);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_password_rules), cmocka_unit_test(test_hash_and_verify),
      cmocka_unit_test(test_secret_equal),   cmocka_unit_test(test_session_ids),
      cmocka_unit_test(test_session_alive),  cmocka_unit_test(test_origin_host),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
