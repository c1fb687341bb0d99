/* Unit tests for core/url_canon: every example of the Safe Browsing v4 specification, the
 * rules one by one, the browser-like component split, IPv4/IPv6 forms, IDN, and bad input. */
#include <ctype.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <cmocka.h>

#include "core/status.h"
#include "core/url_canon.h"

struct canon_case {
  const char *in;
  size_t in_len; /* 0: strlen(in) */
  const char *want;
};

static void check_cases(const struct canon_case *cases, size_t n) {
  struct arena arena;
  arena_init(&arena, 1 << 20);
  for (size_t i = 0; i < n; i++) {
    struct url_canon u;
    enum url_canon_error err;
    size_t len = cases[i].in_len ? cases[i].in_len : strlen(cases[i].in);
    int rc = url_canon((struct str){cases[i].in, len}, &arena, &u, &err);
    if (rc != HT_OK || strcmp(u.url.data, cases[i].want) != 0) {
      fprintf(stderr, "case %zu: %s -> %s (%s), want %s\n", i, cases[i].in,
              rc == HT_OK ? u.url.data : "(error)", url_canon_error_name(err), cases[i].want);
      fail();
    }
  }
  arena_free_all(&arena);
}

/* Every Canonicalize() example of "Safe Browsing v4: URLs and Hashing", section
 * Canonicalization (developers.google.com/safe-browsing/v4/urls-hashing). */
static void test_spec_examples(void **state) {
  (void)state;
  static const struct canon_case cases[] = {
      {"http://host/%25%32%35", 0, "http://host/%25"},
      {"http://host/%25%32%35%25%32%35", 0, "http://host/%25%25"},
      {"http://host/%2525252525252525", 0, "http://host/%25"},
      {"http://host/asdf%25%32%35asd", 0, "http://host/asdf%25asd"},
      {"http://host/%%%25%32%35asd%%", 0, "http://host/%25%25%25asd%25%25"},
      {"http://www.google.com/", 0, "http://www.google.com/"},
      {"http://%31%36%38%2e%31%38%38%2e%39%39%2e%32%36/%2E%73%65%63%75%72%65/"
       "%77%77%77%2E%65%62%61%79%2E%63%6F%6D/",
       0, "http://168.188.99.26/.secure/www.ebay.com/"},
      {"http://195.127.0.11/uploads/%20%20%20%20/.verify/"
       ".eBaysecure=updateuserdataxplimnbqmn-xplmvalidateinfoswqpcmlx=hgplmcx/",
       0,
       "http://195.127.0.11/uploads/%20%20%20%20/.verify/"
       ".eBaysecure=updateuserdataxplimnbqmn-xplmvalidateinfoswqpcmlx=hgplmcx/"},
      {"http://host%23.com/%257Ea%2521b%2540c%2523d%2524e%25f%255E00%252611%252A22%252833%252944_55%252B", 0,
       "http://host%23.com/~a!b@c%23d$e%25f^00&11*22(33)44_55+"},
      {"http://3279880203/blah", 0, "http://195.127.0.11/blah"},
      {"http://www.google.com/blah/..", 0, "http://www.google.com/"},
      {"www.google.com/", 0, "http://www.google.com/"},
      {"www.google.com", 0, "http://www.google.com/"},
      {"http://www.evil.com/blah#frag", 0, "http://www.evil.com/blah"},
      {"http://www.GOOgle.com/", 0, "http://www.google.com/"},
      {"http://www.google.com.../", 0, "http://www.google.com/"},
      {"http://www.google.com/foo\tbar\rbaz\n2", 0, "http://www.google.com/foobarbaz2"},
      {"http://www.google.com/q?", 0, "http://www.google.com/q?"},
      {"http://www.google.com/q?r?", 0, "http://www.google.com/q?r?"},
      {"http://www.google.com/q?r?s", 0, "http://www.google.com/q?r?s"},
      {"http://evil.com/foo#bar#baz", 0, "http://evil.com/foo"},
      {"http://evil.com/foo;", 0, "http://evil.com/foo;"},
      {"http://evil.com/foo?bar;", 0, "http://evil.com/foo?bar;"},
      {"http://\x01\x80.com/", 0, "http://%01%80.com/"},
      {"http://notrailingslash.com", 0, "http://notrailingslash.com/"},
      {"http://www.gotaport.com:1234/", 0, "http://www.gotaport.com/"},
      {"  http://www.google.com/  ", 0, "http://www.google.com/"},
      {"http:// leadingspace.com/", 0, "http://%20leadingspace.com/"},
      {"http://%20leadingspace.com/", 0, "http://%20leadingspace.com/"},
      {"%20leadingspace.com/", 0, "http://%20leadingspace.com/"},
      {"https://www.securesite.com/", 0, "https://www.securesite.com/"},
      {"http://host.com/ab%23cd", 0, "http://host.com/ab%23cd"},
      {"http://host.com//twoslashes?more//slashes", 0, "http://host.com/twoslashes?more//slashes"},
  };
  check_cases(cases, sizeof cases / sizeof cases[0]);
}

/* The spec's rules one at a time, each with both sides where there are two. */
static void test_rules(void **state) {
  (void)state;
  static const struct canon_case cases[] = {
      /* %0a escapes are kept (the spec: "Do not remove escape sequences for these characters"). */
      {"http://a.com/x%0ay", 0, "http://a.com/x%0Ay"},
      {"http://a.com/%0d%09", 0, "http://a.com/%0D%09"},
      /* Fragment: escaped '#' is not a fragment, and comes back escaped. */
      {"http://a.com/p%23q#r", 0, "http://a.com/p%23q"},
      /* Host dots. */
      {"http://..a...b..com../", 0, "http://a.b.com/"},
      /* IPv4 in every legal encoding (inet_aton); vectors also in google/safebrowsing urls_test.go. */
      {"http://0x12.0x43.0x44.0x01/", 0, "http://18.67.68.1/"},
      {"http://012.034.01.055/", 0, "http://10.28.1.45/"},
      {"http://12.0x12.01234/", 0, "http://12.18.2.156/"},
      {"http://167838211/", 0, "http://10.1.2.3/"},
      {"http://4294967295/", 0, "http://255.255.255.255/"},
      {"http://4294967296/", 0, "http://4294967296/"},
      {"http://1.2.3.4.5/", 0, "http://1.2.3.4.5/"},
      {"http://1.2.3.00x0/", 0, "http://1.2.3.00x0/"},
      {"http://1.65535/", 0, "http://1.0.255.255/"},
      {"http://1.16777215/", 0, "http://1.255.255.255/"},
      {"http://1.16777216/", 0, "http://1.16777216/"},
      {"http://256.1.1.1/", 0, "http://256.1.1.1/"},
      {"http://08.1.1.1/", 0, "http://08.1.1.1/"},
      {"http://0XFF.1.1.1./", 0, "http://255.1.1.1/"},
      /* IPv6 (Safe Browsing v5 text): leading zeros dropped, zero runs collapsed, v4-mapped and
       * NAT64 to IPv4. */
      {"http://[2001:0db8:0000::1]/", 0, "http://[2001:db8::1]/"},
      {"http://[FEDC:BA98:7654:3210:FEDC:BA98:7654:3210]:80/index.html", 0,
       "http://[fedc:ba98:7654:3210:fedc:ba98:7654:3210]/index.html"},
      {"http://[::ffff:1.2.3.4]/", 0, "http://1.2.3.4/"},
      {"http://[64:ff9b::1.2.3.4]/", 0, "http://1.2.3.4/"},
      /* Path: "." and "..", repeated slashes, above the root. */
      {"http://a.com/foo/.././bar/./../foo.html", 0, "http://a.com/foo.html"},
      {"http://a.com//a//b///c////", 0, "http://a.com/a/b/c/"},
      {"http://a.com/../../x", 0, "http://a.com/x"},
      {"http://a.com/a/b/.", 0, "http://a.com/a/b/"},
      {"http://a.com/a/%2e%2E/b", 0, "http://a.com/b"},
      {"http://a.com/.hidden/..x", 0, "http://a.com/.hidden/..x"},
      /* The query is kept as is: no dot or slash resolution there. */
      {"http://a.com/p?x=/../a//b", 0, "http://a.com/p?x=/../a//b"},
      /* Minimal escaping: <= 0x20, >= 0x7F, '#', '%' only, upper-case hex. */
      {"http://a.com/%7f%ff~!$&'()*+,;=:@", 0, "http://a.com/%7F%FF~!$&'()*+,;=:@"},
      /* Scheme and port. */
      {"HTTPS://A.com:443/", 0, "https://a.com/"},
      {"www.google.com:8080/foo.html", 0, "http://www.google.com/foo.html"},
      {"ftp://ftp.myfiles.com/", 0, "ftp://ftp.myfiles.com/"},
      /* IDN: UTF-8 and escaped UTF-8 hosts become punycode (first vector from google/safebrowsing
       * urls_test.go; the second checked with Python's idna codec). */
      {"http://www.\xC3\xBCmlat.com/", 0, "http://www.xn--mlat-zra.com/"},
      {"http://%E6%B7%98%E5%AE%9D.com/", 0, "http://xn--pbt173b.com/"},
      {"http://XN--MLAT-ZRA.com/", 0, "http://xn--mlat-zra.com/"},
      /* Browser-like component split: backslashes, slashes after the scheme, escaped '@'. */
      {"http:\\\\a.com\\b\\c?d\\e", 0, "http://a.com/b/c?d\\e"},
      {"http:///a.com/", 0, "http://a.com/"},
      {"http://taobao.com%2F@evil.cn/", 0, "http://evil.cn/"},
      {"http://taobao.com@evil.cn/x", 0, "http://evil.cn/x"},
      {"http://u:p@a.com:8080", 0, "http://a.com/"},
      /* A decoded '?' ends the path as in "unescape, then parse"; a decoded backslash is a
       * slash like a literal one (both found by fuzz_url_canon's idempotence check). */
      {"http://a.com/x/..%3Fy?z", 0, "http://a.com/?y?z"},
      {"http://a.com/x%3F/../y", 0, "http://a.com/x?/../y"},
      {"http://a.com/a%5Cb", 0, "http://a.com/a/b"},
      /* A NUL decoded from %00 is escaped back, never truncating. */
      {"http://a.com/%00x", 0, "http://a.com/%00x"},
  };
  check_cases(cases, sizeof cases / sizeof cases[0]);
}

static void check_error(const char *in, size_t len, enum url_canon_error want, int want_rc) {
  struct arena arena;
  arena_init(&arena, 1 << 20);
  struct url_canon u;
  enum url_canon_error err;
  int rc = url_canon((struct str){in, len}, &arena, &u, &err);
  if (rc != want_rc || err != want) {
    fprintf(stderr, "%.*s: rc %d err %s, want %s\n", (int)(len > 80 ? 80 : len), in, rc,
            url_canon_error_name(err), url_canon_error_name(want));
    fail();
  }
  arena_free_all(&arena);
}

static void test_errors(void **state) {
  (void)state;
  check_error("", 0, URL_CANON_EMPTY, HT_EINVAL);
  check_error(" \t\r\n ", 5, URL_CANON_EMPTY, HT_EINVAL);
  check_error("/blah", 5, URL_CANON_NO_HOST, HT_EINVAL);
  check_error("http://#ref", 11, URL_CANON_NO_HOST, HT_EINVAL);
  check_error("http://?q", 9, URL_CANON_NO_HOST, HT_EINVAL);
  check_error("http://...", 10, URL_CANON_NO_HOST, HT_EINVAL);
  check_error("mailto:bryner@google.com", 24, URL_CANON_OPAQUE_SCHEME, HT_EINVAL);
  check_error("javascript:alert(1)", 19, URL_CANON_OPAQUE_SCHEME, HT_EINVAL);
  check_error("data:text/html,hi", 17, URL_CANON_OPAQUE_SCHEME, HT_EINVAL);
  check_error("www.google.com:xxyy/foo.html:80", 31, URL_CANON_OPAQUE_SCHEME, HT_EINVAL);
  check_error("http://a.com:65536/", 19, URL_CANON_BAD_PORT, HT_EINVAL);
  check_error("http://a.com:8x/", 16, URL_CANON_BAD_PORT, HT_EINVAL);
  check_error("http://xn--zz-.com/", 19, URL_CANON_BAD_PUNYCODE, HT_EINVAL);
  check_error("http://xn--a.com/", 17, URL_CANON_BAD_PUNYCODE, HT_EINVAL);
  check_error("http://a\xE2\x80\xAE"
              "b.com/",
              13, URL_CANON_BAD_IDN, HT_EINVAL);

  /* Both sides of the input limit. */
  char *big = malloc(URL_CANON_INPUT_BYTES_MAX + 2);
  assert_non_null(big);
  memcpy(big, "http://a.com/", 13);
  memset(big + 13, 'x', URL_CANON_INPUT_BYTES_MAX + 1 - 13);
  check_error(big, URL_CANON_INPUT_BYTES_MAX + 1, URL_CANON_TOO_LONG, HT_ETOOBIG);
  struct arena arena;
  arena_init(&arena, 1 << 20);
  struct url_canon u;
  enum url_canon_error err;
  assert_int_equal(url_canon((struct str){big, URL_CANON_INPUT_BYTES_MAX}, &arena, &u, &err), HT_OK);
  /* Every byte escaped: the output bound holds. */
  memset(big + 13, ' ', URL_CANON_INPUT_BYTES_MAX - 14);
  big[URL_CANON_INPUT_BYTES_MAX - 1] = 'x';
  assert_int_equal(url_canon((struct str){big, URL_CANON_INPUT_BYTES_MAX}, &arena, &u, &err), HT_OK);
  assert_true(u.url.len <= URL_CANON_OUTPUT_BYTES_MAX);
  arena_free_all(&arena);
  free(big);
}

static void test_parts_and_flags(void **state) {
  (void)state;
  struct arena arena;
  arena_init(&arena, 1 << 20);
  struct url_canon u;
  enum url_canon_error err;
  assert_int_equal(url_canon(STR_LIT("http://user:pw@Taobao.com.:8080/a/b?x=1"), &arena, &u, &err), HT_OK);
  assert_true(str_eq(u.scheme, STR_LIT("http")));
  assert_true(str_eq(u.host, STR_LIT("taobao.com")));
  assert_true(str_eq(u.path, STR_LIT("/a/b")));
  assert_true(str_eq(u.query, STR_LIT("x=1")));
  assert_true(u.has_query);
  assert_true(str_eq(u.userinfo, STR_LIT("user:pw")));
  assert_int_equal(u.port, 8080);
  assert_int_equal(u.flags, URL_CANON_HAD_USERINFO | URL_CANON_HAD_PORT);

  assert_int_equal(url_canon(STR_LIT("10.0.0.1"), &arena, &u, &err), HT_OK);
  assert_int_equal(u.flags, URL_CANON_DEFAULT_SCHEME | URL_CANON_HOST_IPV4);
  assert_false(u.has_query);
  assert_int_equal(url_canon(STR_LIT("http://[::1]/"), &arena, &u, &err), HT_OK);
  assert_true(u.flags & URL_CANON_HOST_IPV6);
  assert_int_equal(url_canon(STR_LIT("http://b\xC3\xBC"
                                     "cher.de/"),
                             &arena, &u, &err),
                   HT_OK);
  assert_true(u.flags & URL_CANON_HOST_IDN);
  assert_false(u.flags & URL_CANON_HOST_FORBIDDEN);
  assert_int_equal(url_canon(STR_LIT("http://a<b.com/"), &arena, &u, &err), HT_OK);
  assert_true(u.flags & URL_CANON_HOST_FORBIDDEN);
  assert_int_equal(url_canon(STR_LIT("http://%20leadingspace.com/"), &arena, &u, &err), HT_OK);
  assert_true(u.flags & URL_CANON_HOST_FORBIDDEN);
  /* The scheme is reported with an error so that the caller can name it. */
  assert_int_equal(url_canon(STR_LIT("javascript:x"), &arena, &u, &err), HT_EINVAL);
  assert_true(str_eq(u.scheme, STR_LIT("javascript")));
  arena_free_all(&arena);
}

/* The naive reading of the spec: unescape the whole string again and again until it stops
 * changing. The one-pass url_unescape_repeatedly() must agree with it on every input. */
static size_t naive_unescape(const char *in, size_t n, char *out) {
  char tmp[64];
  memcpy(tmp, in, n);
  for (;;) {
    size_t m = 0;
    bool changed = false;
    for (size_t i = 0; i < n; i++) {
      if (tmp[i] == '%' && i + 2 < n && isxdigit((unsigned char)tmp[i + 1]) &&
          isxdigit((unsigned char)tmp[i + 2])) {
        char h[3] = {tmp[i + 1], tmp[i + 2], 0};
        out[m++] = (char)strtol(h, NULL, 16);
        i += 2;
        changed = true;
      } else {
        out[m++] = tmp[i];
      }
    }
    if (!changed) return m;
    memcpy(tmp, out, m);
    n = m;
  }
}

static void test_unescape_matches_naive(void **state) {
  (void)state;
  static const char alphabet[] = "%%%2535aAfF0x";
  unsigned seed = 12345;
  for (int round = 0; round < 200000; round++) {
    char in[24], a[24], b[64];
    size_t n = (size_t)(round % 23) + 1;
    for (size_t i = 0; i < n; i++) {
      seed = seed * 1103515245u + 12345u;
      in[i] = alphabet[(seed >> 16) % (sizeof alphabet - 1)];
    }
    size_t na = url_unescape_repeatedly((struct str){in, n}, a);
    size_t nb = naive_unescape(in, n, b);
    if (na != nb || memcmp(a, b, na) != 0) {
      fprintf(stderr, "mismatch on %.*s: %.*s vs %.*s\n", (int)n, in, (int)na, a, (int)nb, b);
      fail();
    }
  }
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_spec_examples),
      cmocka_unit_test(test_rules),
      cmocka_unit_test(test_errors),
      cmocka_unit_test(test_parts_and_flags),
      cmocka_unit_test(test_unescape_matches_naive),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
