/* Unit tests for core/guard: one URL for each verdict and reason, signatures, every bad-input
 * code with both sides of the length limits, a context without lists, and the batch limit. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <cmocka.h>

#include "core/guard.h"
#include "core/link_sign.h"
#include "core/status.h"

static struct guard_ctx gctx;
static struct blocklist *list;
static struct lookalike_ctx *look;
static const char key[] = "guard-test-key-guard-test-key-32";

static int setup(void **state) {
  (void)state;
  struct blocklist_builder *b;
  struct feed_stats st;
  size_t bad;
  if (blocklist_builder_create(&b) != HT_OK) return -1;
  if (blocklist_builder_add_feed(
          b, STR_LIT("http://evil-shop.example/\nhttp://pages.example/phish/login.html\n"), FEED_PLAIN,
          STR_LIT("testfeed"), &st) != HT_OK)
    return -1;
  if (blocklist_build(b, &list) != HT_OK) return -1;
  if (lookalike_ctx_create(NULL, NULL, 0, &look, &bad) != HT_OK) return -1;
  gctx = (struct guard_ctx){list, look, STR_LIT(key)};
  return 0;
}

static int teardown(void **state) {
  (void)state;
  blocklist_free(list);
  lookalike_ctx_free(look);
  return 0;
}

static bool has_reason(const struct guard_result *r, const char *code) {
  for (size_t i = 0; i < r->reason_count; i++)
    if (strcmp(r->reasons[i].code, code) == 0) return true;
  return false;
}

/* Checks `url` and expects `verdict` with `code` among the reasons (NULL: no reason at all). */
static void expect(const char *url, enum guard_verdict verdict, const char *code) {
  struct arena arena;
  arena_init(&arena, GUARD_ARENA_BYTES);
  struct guard_result r;
  assert_int_equal(guard_check(&gctx, str_from_cstr(url), NULL, &arena, &r), HT_OK);
  if (r.verdict != verdict || (code ? !has_reason(&r, code) : r.reason_count != 0)) {
    fprintf(stderr, "%s: %s with %zu reasons (first %s), want %s %s\n", url, guard_verdict_name(r.verdict),
            r.reason_count, r.reason_count ? r.reasons[0].code : "-", guard_verdict_name(verdict),
            code ? code : "(none)");
    fail();
  }
  arena_free_all(&arena);
}

static void test_verdicts(void **state) {
  (void)state;
  expect("https://item.taobao.com/item.htm?id=1", GUARD_ALLOW, NULL);
  expect("https://example.org/", GUARD_ALLOW, NULL);
  expect("HTTPS://WWW.ALIPAY.COM:443/#x", GUARD_ALLOW, NULL);
  expect("http://evil-shop.example/pay?order=1", GUARD_BLOCK, "blocklisted");
  expect("http://www.evil-shop.example/", GUARD_BLOCK, "blocklisted");
  expect("http://pages.example/phish/login.html", GUARD_BLOCK, "blocklisted");
  expect("http://pages.example/phish/other.html", GUARD_ALLOW, NULL);
  expect("http://t\xD0\xB0obao.com/", GUARD_BLOCK, "brand_homograph");
  expect("https://taobao.com-login.cn/", GUARD_BLOCK, "brand_embedded");
  expect("https://taobaoo.com/", GUARD_WARN, "brand_typo");
  expect("https://alipay-secure.top/", GUARD_WARN, "brand_lure");
  expect("http://taobao.com@evil.cn/", GUARD_BLOCK, "userinfo_brand");
  expect("http://taobao.com%40evil.cn@evil.cn/", GUARD_BLOCK, "userinfo_brand");
  expect("http://user:pass@example.org/", GUARD_WARN, "userinfo");
  expect("http://3279880203/blah", GUARD_WARN, "ip_host");
  expect("http://[::1]/", GUARD_WARN, "ip_host");
}

static void test_result_fields(void **state) {
  (void)state;
  struct arena arena;
  arena_init(&arena, GUARD_ARENA_BYTES);
  struct guard_result r;
  assert_int_equal(
      guard_check(&gctx, STR_LIT("http://xn--tobao-7we.taobao-login.com/a/../b#f"), NULL, &arena, &r), HT_OK);
  assert_string_equal(r.canonical_url.data, "http://xn--tobao-7we.taobao-login.com/b");
  assert_true(str_eq(r.registrable_domain, STR_LIT("taobao-login.com")));
  assert_true(str_eq(r.host_unicode, STR_LIT("tob\xD0\xB6"
                                             "ao.taobao-login.com")));
  assert_int_equal(r.verdict, GUARD_WARN);
  assert_true(has_reason(&r, "brand_lure"));
  assert_true(has_reason(&r, "mixed_script"));
  for (size_t i = 0; i < r.reason_count; i++) assert_true(strlen(r.reasons[i].detail) > 0);
  /* Reasons are ordered most severe first. */
  assert_int_equal(guard_check(&gctx, STR_LIT("http://taobao.com@3279880203/"), NULL, &arena, &r), HT_OK);
  assert_int_equal(r.reasons[0].severity, GUARD_BLOCK);
  assert_int_equal(r.reasons[r.reason_count - 1].severity, GUARD_WARN);
  assert_string_equal(guard_verdict_name(GUARD_BLOCK), "block");
  arena_free_all(&arena);
}

static void test_signatures(void **state) {
  (void)state;
  struct str url = STR_LIT("https://shop.example/p/7K3QX9");
  char sig[LINK_SIGN_TEXT_CHARS + 1];
  assert_int_equal(link_sign(STR_LIT(key), url, sig), HT_OK);
  struct arena arena;
  arena_init(&arena, GUARD_ARENA_BYTES);
  struct guard_result r;
  struct str s = str_from_cstr(sig);
  assert_int_equal(guard_check(&gctx, url, &s, &arena, &r), HT_OK);
  assert_int_equal(r.verdict, GUARD_ALLOW);
  assert_true(has_reason(&r, "signed_link"));
  assert_int_equal(guard_check(&gctx, STR_LIT("https://shop.example/p/7K3QX8"), &s, &arena, &r), HT_OK);
  assert_int_equal(r.verdict, GUARD_BLOCK);
  assert_true(has_reason(&r, "signature_invalid"));
  struct str junk = STR_LIT("not-a-signature");
  assert_int_equal(guard_check(&gctx, url, &junk, &arena, &r), HT_OK);
  assert_true(has_reason(&r, "signature_invalid"));
  /* Without a key, signatures are not judged. */
  struct guard_ctx nokey = {list, look, STR_LIT("")};
  assert_int_equal(guard_check(&nokey, url, &junk, &arena, &r), HT_OK);
  assert_int_equal(r.reason_count, 0);
  arena_free_all(&arena);
}

static void expect_error(struct str url, const char *code, int status) {
  struct arena arena;
  arena_init(&arena, GUARD_ARENA_BYTES);
  struct guard_result r;
  int rc = guard_check(&gctx, url, NULL, &arena, &r);
  if (rc != status || !r.error || strcmp(r.error, code) != 0) {
    fprintf(stderr, "%.*s: rc %d error %s, want %d %s\n", (int)(url.len > 60 ? 60 : url.len), url.data, rc,
            r.error ? r.error : "(none)", status, code);
    fail();
  }
  arena_free_all(&arena);
}

static void test_bad_input(void **state) {
  (void)state;
  expect_error(STR_LIT(""), "url_empty", HT_EINVAL);
  expect_error(STR_LIT(" \t "), "url_empty", HT_EINVAL);
  expect_error(STR_LIT("http://a.com/\x01"), "url_binary", HT_EINVAL);
  expect_error((struct str){"http://a.com/\0x", 15}, "url_binary", HT_EINVAL);
  expect_error(STR_LIT("http://a.com/\xFF"), "url_invalid_utf8", HT_EINVAL);
  expect_error(STR_LIT("http://\xC0\xAF.com/"), "url_invalid_utf8", HT_EINVAL);
  expect_error(STR_LIT("javascript:alert(1)"), "url_unsupported_scheme", HT_EINVAL);
  expect_error(STR_LIT("data:text/html,x"), "url_unsupported_scheme", HT_EINVAL);
  expect_error(STR_LIT("ftp://files.example/"), "url_unsupported_scheme", HT_EINVAL);
  expect_error(STR_LIT("file:///etc/passwd"), "url_unsupported_scheme", HT_EINVAL);
  expect_error(STR_LIT("http://"), "url_no_host", HT_EINVAL);
  expect_error(STR_LIT("http://a.com:99999/"), "url_bad_port", HT_EINVAL);
  expect_error(STR_LIT("http://a b.com/"), "url_invalid_host", HT_EINVAL);
  expect_error(STR_LIT("http://a%00b.com/"), "url_invalid_host", HT_EINVAL);
  expect_error(STR_LIT("http://xn--zz-.com/"), "url_invalid_punycode", HT_EINVAL);
  expect_error(STR_LIT("http://a\xE2\x80\xAE"
                       "b.com/"),
               "url_invalid_idn", HT_EINVAL);
  /* Host length: 253 is fine, 254 is not. */
  char host[300] = "http://";
  size_t n = 7;
  for (; n - 7 < 253; n++) host[n] = (n - 7) % 50 == 49 ? '.' : 'a';
  host[n] = '\0';
  struct arena arena;
  arena_init(&arena, GUARD_ARENA_BYTES);
  struct guard_result r;
  assert_int_equal(guard_check(&gctx, (struct str){host, n}, NULL, &arena, &r), HT_OK);
  host[n++] = 'a';
  expect_error((struct str){host, n}, "url_host_too_long", HT_ETOOBIG);
  /* URL length: both sides of 8 KiB. */
  char *big = malloc(URL_CANON_INPUT_BYTES_MAX + 1);
  assert_non_null(big);
  memcpy(big, "http://a.com/", 13);
  memset(big + 13, 'p', URL_CANON_INPUT_BYTES_MAX + 1 - 13);
  assert_int_equal(guard_check(&gctx, (struct str){big, URL_CANON_INPUT_BYTES_MAX}, NULL, &arena, &r), HT_OK);
  expect_error((struct str){big, URL_CANON_INPUT_BYTES_MAX + 1}, "url_too_long", HT_ETOOBIG);
  free(big);
  arena_free_all(&arena);
}

static void test_empty_context_and_batch(void **state) {
  (void)state;
  struct guard_ctx empty = {NULL, NULL, {"", 0}};
  struct arena arena;
  arena_init(&arena, GUARD_ARENA_BYTES);
  struct guard_result r;
  assert_int_equal(guard_check(&empty, STR_LIT("http://t\xD0\xB0obao.com/"), NULL, &arena, &r), HT_OK);
  assert_int_equal(r.verdict, GUARD_ALLOW);
  assert_int_equal(r.reason_count, 0);
  arena_free_all(&arena);
  const char *error;
  assert_int_equal(guard_batch_size_check(0, &error), HT_EINVAL);
  assert_string_equal(error, "batch_empty");
  assert_int_equal(guard_batch_size_check(1, &error), HT_OK);
  assert_int_equal(guard_batch_size_check(GUARD_BATCH_URLS_MAX, &error), HT_OK);
  assert_int_equal(guard_batch_size_check(GUARD_BATCH_URLS_MAX + 1, &error), HT_ETOOBIG);
  assert_string_equal(error, "batch_too_large");
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_verdicts),
      cmocka_unit_test(test_result_fields),
      cmocka_unit_test(test_signatures),
      cmocka_unit_test(test_bad_input),
      cmocka_unit_test(test_empty_context_and_batch),
  };
  return cmocka_run_group_tests(tests, setup, teardown);
}
