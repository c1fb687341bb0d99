/* Unit tests for http/router: literal and parameter segments, suffixes, case folding,
 * trailing slashes, HEAD → GET, 405 with Allow, and the segment limit. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "http/router.h"

static void handler(struct request *req, struct response *res) {
  (void)req;
  (void)res;
}

static const struct route routes[] = {
    {HTTP_GET, "/healthz", handler, 0, 0},
    {HTTP_GET, "/v1/products", handler, 0, 0},
    {HTTP_POST, "/v1/products", handler, 0, 0},
    {HTTP_GET, "/v1/products/{id}", handler, 0, 0},
    {HTTP_PATCH, "/v1/products/{id}", handler, 0, 0},
    {HTTP_GET, "/P/{code}", handler, ROUTE_NOCASE, 0},
    {HTTP_GET, "/qr/{code}.svg", handler, ROUTE_NOCASE, 0},
    {HTTP_GET, "/a/{x}/b/{y}", handler, 0, 0},
};
#define COUNT (sizeof routes / sizeof routes[0])

static enum route_match match(enum http_method m, const char *path, const struct route **found,
                              struct str *params, size_t *n, char *allow) {
  return router_match(routes, COUNT, m, str_from_cstr(path), found, params, n, allow, 64);
}

static void test_literals_and_params(void **state) {
  (void)state;
  const struct route *r;
  struct str p[ROUTE_PARAMS_MAX];
  size_t n;
  char allow[64];
  assert_int_equal(match(HTTP_GET, "/healthz", &r, p, &n, allow), ROUTE_FOUND);
  assert_ptr_equal(r, &routes[0]);
  assert_int_equal(match(HTTP_GET, "/v1/products/42", &r, p, &n, allow), ROUTE_FOUND);
  assert_ptr_equal(r, &routes[3]);
  assert_int_equal(n, 1);
  assert_true(str_eq(p[0], STR_LIT("42")));
  assert_int_equal(match(HTTP_GET, "/a/1/b/2", &r, p, &n, allow), ROUTE_FOUND);
  assert_int_equal(n, 2);
  assert_true(str_eq(p[1], STR_LIT("2")));
  assert_int_equal(match(HTTP_GET, "/v1/products/", &r, p, &n, allow), ROUTE_FOUND); /* trailing slash */
  assert_ptr_equal(r, &routes[1]);
  assert_int_equal(match(HTTP_GET, "/v1/products//", &r, p, &n, allow), ROUTE_NOT_FOUND);
  assert_int_equal(match(HTTP_GET, "/v1/products/42/x", &r, p, &n, allow), ROUTE_NOT_FOUND);
  assert_int_equal(match(HTTP_GET, "/", &r, p, &n, allow), ROUTE_NOT_FOUND);
  assert_int_equal(match(HTTP_GET, "/v1", &r, p, &n, allow), ROUTE_NOT_FOUND); /* a pattern's prefix */
  const struct route root[] = {{HTTP_GET, "/", handler, 0, 0}};
  assert_int_equal(router_match(root, 1, HTTP_GET, STR_LIT("/"), &r, p, &n, allow, sizeof allow),
                   ROUTE_FOUND);
  assert_int_equal(n, 0);
  assert_int_equal(router_match(root, 1, HTTP_GET, STR_LIT("/x"), &r, p, &n, allow, sizeof allow),
                   ROUTE_NOT_FOUND);
}

static void test_case_and_suffix(void **state) {
  (void)state;
  const struct route *r;
  struct str p[ROUTE_PARAMS_MAX];
  size_t n;
  char allow[64];
  assert_int_equal(match(HTTP_GET, "/p/7k3qx9", &r, p, &n, allow), ROUTE_FOUND);
  assert_true(str_eq(p[0], STR_LIT("7k3qx9"))); /* the parameter keeps its case; decoding normalizes */
  assert_int_equal(match(HTTP_GET, "/QR/7K3QX9.SVG", &r, p, &n, allow), ROUTE_FOUND);
  assert_true(str_eq(p[0], STR_LIT("7K3QX9")));
  assert_int_equal(match(HTTP_GET, "/qr/.svg", &r, p, &n, allow), ROUTE_NOT_FOUND); /* empty parameter */
  assert_int_equal(match(HTTP_GET, "/qr/7K3QX9.png", &r, p, &n, allow), ROUTE_NOT_FOUND);
  assert_int_equal(match(HTTP_GET, "/HEALTHZ", &r, p, &n, allow), ROUTE_NOT_FOUND); /* not NOCASE */
}

static void test_methods(void **state) {
  (void)state;
  const struct route *r;
  struct str p[ROUTE_PARAMS_MAX];
  size_t n;
  char allow[64];
  assert_int_equal(match(HTTP_HEAD, "/healthz", &r, p, &n, allow), ROUTE_FOUND);
  assert_int_equal(match(HTTP_DELETE, "/v1/products", &r, p, &n, allow), ROUTE_WRONG_METHOD);
  assert_string_equal(allow, "GET, HEAD, POST");
  assert_int_equal(match(HTTP_PUT, "/v1/products/1", &r, p, &n, allow), ROUTE_WRONG_METHOD);
  assert_string_equal(allow, "GET, HEAD, PATCH");
  assert_int_equal(http_method_parse("PATCH"), HTTP_PATCH);
  assert_int_equal(http_method_parse("BREW"), HTTP_OTHER);
}

static void test_segment_limit_both_sides(void **state) {
  (void)state;
  char pattern[256] = "";
  for (int i = 0; i < ROUTE_SEGMENTS_MAX; i++) strncat(pattern, "/s", sizeof pattern - strlen(pattern) - 1);
  const struct route deep[] = {{HTTP_GET, pattern, handler, 0, 0}};
  const struct route *r;
  struct str p[ROUTE_PARAMS_MAX];
  size_t n;
  char allow[64];
  assert_int_equal(router_match(deep, 1, HTTP_GET, str_from_cstr(pattern), &r, p, &n, allow, sizeof allow),
                   ROUTE_FOUND); /* exactly ROUTE_SEGMENTS_MAX segments */
  /* Room for the extra "/s" whatever the pattern's length (-Wformat-truncation at -O0). */
  char longer[sizeof pattern + 2];
  snprintf(longer, sizeof longer, "%s/s", pattern);
  assert_int_equal(router_match(deep, 1, HTTP_GET, str_from_cstr(longer), &r, p, &n, allow, sizeof allow),
                   ROUTE_NOT_FOUND); /* one more: refused before any comparison */
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_literals_and_params),
      cmocka_unit_test(test_case_and_suffix),
      cmocka_unit_test(test_methods),
      cmocka_unit_test(test_segment_limit_both_sides),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
