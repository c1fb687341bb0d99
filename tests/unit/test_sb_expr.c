/* Unit tests for core/sb_expr: the expression examples of the Safe Browsing v4 specification
 * (developers.google.com/safe-browsing/v4/urls-hashing, Suffix/Prefix Expressions), further
 * vectors from google/safebrowsing urls_test.go (TestGeneratePatterns), the limits of 5 hosts
 * and 6 paths, and the spec's hash and hash-prefix examples (Hash Computations). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <cmocka.h>

#include "core/sb_expr.h"
#include "core/status.h"

/* Generates the expressions of `url` and compares them, as a set, with the NULL-ended `want`. */
static void check_exprs(const char *url, const char *const *want) {
  struct arena arena;
  arena_init(&arena, 1 << 16);
  struct url_canon u;
  enum url_canon_error err;
  assert_int_equal(url_canon(str_from_cstr(url), &arena, &u, &err), HT_OK);
  struct sb_expr_list list;
  sb_expr_generate(&u, &list);
  size_t want_count = 0;
  while (want[want_count]) want_count++;
  bool ok = list.count == want_count;
  for (size_t i = 0; ok && i < want_count; i++) {
    bool found = false;
    for (size_t j = 0; j < list.count; j++) {
      char text[256];
      snprintf(text, sizeof text, "%.*s%.*s", STR_FMT(list.items[j].host), STR_FMT(list.items[j].path));
      if (strcmp(text, want[i]) == 0) found = true;
    }
    ok = found;
  }
  if (!ok) {
    fprintf(stderr, "%s gave %zu expressions:\n", url, list.count);
    for (size_t j = 0; j < list.count; j++)
      fprintf(stderr, "  %.*s%.*s\n", STR_FMT(list.items[j].host), STR_FMT(list.items[j].path));
    fail();
  }
  arena_free_all(&arena);
}

static void test_spec_examples(void **state) {
  (void)state;
  check_exprs("http://a.b.c/1/2.html?param=1",
              (const char *const[]){"a.b.c/1/2.html?param=1", "a.b.c/1/2.html", "a.b.c/", "a.b.c/1/",
                                    "b.c/1/2.html?param=1", "b.c/1/2.html", "b.c/", "b.c/1/", NULL});
  /* "skip b.c.d.e.f.g, since we'll take only the last five hostname components" */
  check_exprs("http://a.b.c.d.e.f.g/1.html",
              (const char *const[]){"a.b.c.d.e.f.g/1.html", "a.b.c.d.e.f.g/", "c.d.e.f.g/1.html",
                                    "c.d.e.f.g/", "d.e.f.g/1.html", "d.e.f.g/", "e.f.g/1.html", "e.f.g/",
                                    "f.g/1.html", "f.g/", NULL});
  check_exprs("http://1.2.3.4/1/", (const char *const[]){"1.2.3.4/1/", "1.2.3.4/", NULL});
}

static void test_more_vectors(void **state) {
  (void)state;
  check_exprs("http://a.b.c/1/2/3/4/5/",
              (const char *const[]){"a.b.c/1/2/3/4/5/", "a.b.c/1/2/3/", "a.b.c/1/2/", "a.b.c/1/", "a.b.c/",
                                    "b.c/1/2/3/4/5/", "b.c/1/2/3/", "b.c/1/2/", "b.c/1/", "b.c/", NULL});
  check_exprs("http://a.b.c.d.e/1.html",
              (const char *const[]){"a.b.c.d.e/1.html", "a.b.c.d.e/", "b.c.d.e/1.html", "b.c.d.e/",
                                    "c.d.e/1.html", "c.d.e/", "d.e/1.html", "d.e/", NULL});
  check_exprs("http://[2001:470:1:18::114]/a/b",
              (const char *const[]){"[2001:470:1:18::114]/a/b", "[2001:470:1:18::114]/a/",
                                    "[2001:470:1:18::114]/", NULL});
  check_exprs("http://a.b/", (const char *const[]){"a.b/", NULL});
  check_exprs("http://b/", (const char *const[]){"b/", NULL});
  /* The spec keeps an empty query, so "?" forms its own expression. */
  check_exprs("http://a.b/?", (const char *const[]){"a.b/?", "a.b/", NULL});
  /* A query's slashes are not path components. */
  check_exprs("http://b.c/1/2/3.html?param=1/2",
              (const char *const[]){"b.c/1/2/3.html?param=1/2", "b.c/1/2/3.html", "b.c/1/2/", "b.c/1/",
                                    "b.c/", NULL});
}

/* Both sides of the 5-host and 6-path limits: 30 expressions at most. */
static void test_limits(void **state) {
  (void)state;
  struct arena arena;
  arena_init(&arena, 1 << 16);
  struct url_canon u;
  enum url_canon_error err;
  struct sb_expr_list list;
  assert_int_equal(url_canon(STR_LIT("http://a.b.c.d.e.f.g.h/1/2/3/4/5/6.html?q"), &arena, &u, &err), HT_OK);
  sb_expr_generate(&u, &list);
  assert_int_equal(list.count, SB_EXPR_MAX);
  assert_true(str_eq(list.items[0].host, STR_LIT("a.b.c.d.e.f.g.h")));
  assert_true(str_eq(list.items[SB_EXPR_MAX - 1].host, STR_LIT("g.h")));
  /* Five labels: 1 + 3 hosts; six labels: 1 + 4 hosts. */
  assert_int_equal(url_canon(STR_LIT("http://a.b.c.d.e/"), &arena, &u, &err), HT_OK);
  sb_expr_generate(&u, &list);
  assert_int_equal(list.count, 4);
  assert_int_equal(url_canon(STR_LIT("http://a.b.c.d.e.f/"), &arena, &u, &err), HT_OK);
  sb_expr_generate(&u, &list);
  assert_int_equal(list.count, 5);
  /* Three directories: all become prefixes; four: the fourth does not. */
  assert_int_equal(url_canon(STR_LIT("http://h/1/2/3/x"), &arena, &u, &err), HT_OK);
  sb_expr_generate(&u, &list);
  assert_int_equal(list.count, 5);
  assert_int_equal(url_canon(STR_LIT("http://h/1/2/3/4/x"), &arena, &u, &err), HT_OK);
  sb_expr_generate(&u, &list);
  assert_int_equal(list.count, 5);
  arena_free_all(&arena);
}

static void hex(const uint8_t *h, char out[2 * SB_HASH_BYTES + 1]) {
  for (size_t i = 0; i < SB_HASH_BYTES; i++) snprintf(out + 2 * i, 3, "%02x", h[i]);
}

/* The spec's Hash Computations examples (the FIPS 180-2 SHA-256 vectors) and its prefix. */
static void test_hashes(void **state) {
  (void)state;
  uint8_t h[SB_HASH_BYTES];
  char text[2 * SB_HASH_BYTES + 1];
  sb_hash(STR_LIT("abc"), h);
  hex(h, text);
  assert_string_equal(text, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  assert_int_equal(sb_hash_prefix(h), 0xba7816bfu);
  sb_hash(STR_LIT("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"), h);
  hex(h, text);
  assert_string_equal(text, "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
  char *million = malloc(1000000);
  assert_non_null(million);
  memset(million, 'a', 1000000);
  sb_hash((struct str){million, 1000000}, h);
  free(million);
  hex(h, text);
  assert_string_equal(text, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
  /* Hashing an expression equals hashing its text. */
  struct sb_expr e = {STR_LIT("a.b.c"), STR_LIT("/1/")};
  uint8_t h2[SB_HASH_BYTES];
  sb_expr_hash(&e, h);
  sb_hash(STR_LIT("a.b.c/1/"), h2);
  assert_memory_equal(h, h2, SB_HASH_BYTES);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_spec_examples),
      cmocka_unit_test(test_more_vectors),
      cmocka_unit_test(test_limits),
      cmocka_unit_test(test_hashes),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
