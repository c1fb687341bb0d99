/* Unit tests for core/blocklist: format detection, the four feed parsers on the sample feeds
 * in tests/data/feeds/ (PhishTank CSV with quoted, doubled-quote and multi-line fields; PhishTank
 * JSON; URLhaus CSV with '#' comments; plain text), lookups by expression, prefix collisions
 * resolved by the full hash, and the limits. The sample feeds follow the column layouts that
 * PhishTank (phishtank.org/developer_info.php) and URLhaus (urlhaus.abuse.ch/api/) document. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <cmocka.h>

#include "core/blocklist.h"
#include "core/status.h"

static char *read_data(const char *name, size_t *len) {
  const char *dir = getenv("HUTONG_TEST_DATA");
  char path[1024];
  snprintf(path, sizeof path, "%s/feeds/%s", dir ? dir : "tests/data", name);
  FILE *f = fopen(path, "rb");
  assert_non_null(f);
  char *data = malloc(1 << 16);
  assert_non_null(data);
  *len = fread(data, 1, 1 << 16, f);
  fclose(f);
  return data;
}

/* True when `url` is listed in `list`; the matching source is compared when `source` is set. */
static bool listed(const struct blocklist *list, const char *url, const char *source) {
  struct arena arena;
  arena_init(&arena, 1 << 16);
  struct url_canon u;
  enum url_canon_error err;
  assert_int_equal(url_canon(str_from_cstr(url), &arena, &u, &err), HT_OK);
  struct sb_expr_list exprs;
  sb_expr_generate(&u, &exprs);
  struct blocklist_match m;
  bool hit = blocklist_lookup(list, &exprs, &m);
  if (hit && source) assert_string_equal(m.source_name, source);
  arena_free_all(&arena);
  return hit;
}

static struct blocklist *build_from_file(const char *name, enum feed_format format,
                                         struct feed_stats *stats) {
  size_t len;
  char *data = read_data(name, &len);
  struct blocklist_builder *b;
  assert_int_equal(blocklist_builder_create(&b), HT_OK);
  assert_int_equal(blocklist_builder_add_feed(b, (struct str){data, len}, format, str_from_cstr(name), stats),
                   HT_OK);
  struct blocklist *list;
  assert_int_equal(blocklist_build(b, &list), HT_OK);
  free(data);
  return list;
}

static void test_detect(void **state) {
  (void)state;
  const char *names[] = {"phishtank.csv", "phishtank.json", "urlhaus.csv", "plain.txt"};
  enum feed_format want[] = {FEED_PHISHTANK_CSV, FEED_PHISHTANK_JSON, FEED_URLHAUS_CSV, FEED_PLAIN};
  for (size_t i = 0; i < 4; i++) {
    size_t len;
    char *data = read_data(names[i], &len);
    assert_int_equal(feed_detect((struct str){data, len}), want[i]);
    free(data);
  }
  assert_int_equal(feed_detect(STR_LIT("")), FEED_PLAIN);
  assert_int_equal(feed_detect(STR_LIT("\xEF\xBB\xBF  [ ]")), FEED_PHISHTANK_JSON);
  assert_int_equal(feed_detect(STR_LIT("# only comments\n# here\n")), FEED_PLAIN);
  assert_string_equal(feed_format_name(FEED_URLHAUS_CSV), "urlhaus_csv");
}

static void test_phishtank_csv(void **state) {
  (void)state;
  struct feed_stats st;
  struct blocklist *list = build_from_file("phishtank.csv", FEED_AUTO, &st);
  assert_int_equal(st.added, 4);
  assert_int_equal(st.skipped, 1);  /* verified=no */
  assert_int_equal(st.rejected, 1); /* "not a url at all": a host with spaces */
  assert_int_equal(blocklist_count(list), 4);
  assert_true(listed(list, "http://phish.example/login.php?a=1", "phishtank.csv"));
  assert_true(listed(list, "HTTP://PHISH.example/login.php?a=1#frag", NULL));
  assert_false(listed(list, "http://phish.example/login.php?a=2", NULL));
  assert_false(listed(list, "http://phish.example/", NULL));
  assert_true(listed(list, "http://quoted.example/a,b/c.html", NULL));
  assert_true(listed(list, "http://dq.example/say\"hi\"", NULL));
  assert_true(listed(list, "http://multiline.example/x\r\ny", NULL)); /* CR LF are removed: /xy */
  assert_false(listed(list, "http://unverified.example/", NULL));
  blocklist_free(list);
}

static void test_phishtank_json(void **state) {
  (void)state;
  struct feed_stats st;
  struct blocklist *list = build_from_file("phishtank.json", FEED_AUTO, &st);
  assert_int_equal(st.added, 2);
  assert_int_equal(st.skipped, 1);
  assert_int_equal(st.rejected, 1);
  assert_true(listed(list, "https://taobao-login.example/member/login.jhtml?redirect=1", "phishtank.json"));
  assert_true(listed(list, "http://escaped.example/path", NULL));
  assert_false(listed(list, "http://offline.example/", NULL));
  blocklist_free(list);

  struct blocklist_builder *b;
  assert_int_equal(blocklist_builder_create(&b), HT_OK);
  assert_int_equal(
      blocklist_builder_add_feed(b, STR_LIT("[{\"url\": "), FEED_PHISHTANK_JSON, STR_LIT("x"), &st),
      HT_EINVAL);
  assert_int_equal(blocklist_builder_add_feed(b, STR_LIT("{\"url\": \"http://a/\"}"), FEED_PHISHTANK_JSON,
                                              STR_LIT("x"), &st),
                   HT_EINVAL);
  /* Both sides of the JSON size limit (the bytes past the buffer are never read). */
  assert_int_equal(blocklist_builder_add_feed(b, (struct str){"[]", (size_t)FEED_JSON_BYTES_MAX + 1},
                                              FEED_PHISHTANK_JSON, STR_LIT("x"), &st),
                   HT_ETOOBIG);
  assert_int_equal(blocklist_builder_add_feed(b, STR_LIT("[]"), FEED_PHISHTANK_JSON, STR_LIT("x"), &st),
                   HT_OK);
  blocklist_builder_free(b);
}

static void test_urlhaus_and_plain(void **state) {
  (void)state;
  struct feed_stats st;
  struct blocklist *list = build_from_file("urlhaus.csv", FEED_AUTO, &st);
  assert_int_equal(st.added, 2);
  assert_true(listed(list, "http://198.51.100.7:8080/bins/mips", "urlhaus.csv"));
  assert_true(listed(list, "https://malware.example/payload.exe", NULL));
  assert_false(listed(list, "http://malware.example/", NULL));
  blocklist_free(list);

  list = build_from_file("plain.txt", FEED_AUTO, &st);
  assert_int_equal(st.added, 5);
  assert_int_equal(st.rejected, 0);
  /* A listed root covers every page of the host and of its subdomains (the host-suffix forms). */
  assert_true(listed(list, "http://plain-one.example/anything/at/all?x=1", "plain.txt"));
  assert_true(listed(list, "http://www.bare-host.example/login", NULL));
  assert_true(listed(list, "https://plain-two.example/deep/page.html", NULL));
  assert_false(listed(list, "https://plain-two.example/deep/other.html", NULL));
  assert_true(listed(list, "http://crlf.example/a", NULL));
  assert_true(listed(list, "http://crlf.example/b", NULL));
  assert_false(listed(list, "http://example/", NULL));
  blocklist_free(list);
}

/* Two different hashes with the same 4-byte prefix: the prefix set says maybe, the full hash
 * says no. */
/* An empty feeds directory, or a feed with nothing listed, builds an empty list (the builder's
 * entries are then NULL, which qsort must not be given: UBSan's nonnull check stopped every
 * sanitized server started without feeds). */
static void test_empty_list(void **state) {
  (void)state;
  struct blocklist_builder *b;
  struct blocklist *list;
  assert_int_equal(blocklist_builder_create(&b), HT_OK);
  assert_int_equal(blocklist_build(b, &list), HT_OK);
  assert_int_equal(blocklist_count(list), 0);
  assert_false(listed(list, "http://anything.example/", NULL));
  blocklist_free(list);
  struct feed_stats st;
  assert_int_equal(blocklist_builder_create(&b), HT_OK);
  assert_int_equal(
      blocklist_builder_add_feed(b, STR_LIT("# nothing listed\n\n"), FEED_AUTO, STR_LIT("x"), &st), HT_OK);
  assert_int_equal(blocklist_build(b, &list), HT_OK);
  assert_int_equal(blocklist_count(list), 0);
  assert_false(listed(list, "http://anything.example/", NULL));
  blocklist_free(list);
}

static void test_prefix_collision(void **state) {
  (void)state;
  struct blocklist_builder *b;
  assert_int_equal(blocklist_builder_create(&b), HT_OK);
  uint8_t h[SB_HASH_BYTES];
  sb_hash(STR_LIT("victim.example/"), h);
  h[SB_HASH_BYTES - 1] ^= 1;
  assert_int_equal(blocklist_builder_add_hash(b, h, 0), HT_OK);
  assert_int_equal(blocklist_builder_add_hash(b, h, 0), HT_OK); /* duplicates collapse */
  struct blocklist *list;
  assert_int_equal(blocklist_build(b, &list), HT_OK);
  assert_int_equal(blocklist_count(list), 1);
  assert_false(listed(list, "http://victim.example/", NULL));
  blocklist_free(list);
}

static void test_sources_limit(void **state) {
  (void)state;
  struct blocklist_builder *b;
  assert_int_equal(blocklist_builder_create(&b), HT_OK);
  uint8_t id = 0;
  for (unsigned i = 0; i < BLOCKLIST_SOURCES_MAX; i++) {
    char name[16];
    snprintf(name, sizeof name, "feed%u", i);
    assert_int_equal(blocklist_builder_add_source(b, str_from_cstr(name), &id), HT_OK);
    assert_int_equal(id, i);
  }
  assert_int_equal(blocklist_builder_add_source(b, STR_LIT("one too many"), &id), HT_ETOOBIG);
  assert_int_equal(blocklist_builder_add_source(b, STR_LIT("feed7"), &id), HT_OK); /* known names reuse */
  assert_int_equal(id, 7);
  blocklist_builder_free(b);
}

/* Every one of 20,000 generated URLs is found after the build; none of 20,000 others is. */
static void test_no_false_negatives(void **state) {
  (void)state;
  struct blocklist_builder *b;
  assert_int_equal(blocklist_builder_create(&b), HT_OK);
  uint8_t id;
  assert_int_equal(blocklist_builder_add_source(b, STR_LIT("generated"), &id), HT_OK);
  char url[128];
  for (int i = 0; i < 20000; i++) {
    snprintf(url, sizeof url, "http://host%d.example/path/%d.html?id=%d", i % 977, i, i * 7);
    assert_int_equal(blocklist_builder_add_url(b, str_from_cstr(url), id), HT_OK);
  }
  assert_int_equal(blocklist_builder_add_url(b, STR_LIT("mailto:x@y"), id), HT_EINVAL);
  struct blocklist *list;
  assert_int_equal(blocklist_build(b, &list), HT_OK);
  assert_int_equal(blocklist_count(list), 20000);
  assert_true(blocklist_prefix_bytes(list) < blocklist_memory_bytes(list));
  for (int i = 0; i < 20000; i++) {
    snprintf(url, sizeof url, "http://host%d.example/path/%d.html?id=%d", i % 977, i, i * 7);
    assert_true(listed(list, url, "generated"));
    snprintf(url, sizeof url, "http://host%d.example/path/%d.html?id=%d", i % 977, i, i * 7 + 1);
    assert_false(listed(list, url, NULL));
  }
  blocklist_free(list);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_detect),         cmocka_unit_test(test_phishtank_csv),
      cmocka_unit_test(test_phishtank_json), cmocka_unit_test(test_urlhaus_and_plain),
      cmocka_unit_test(test_empty_list),     cmocka_unit_test(test_prefix_collision),
      cmocka_unit_test(test_sources_limit),  cmocka_unit_test(test_no_false_negatives),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
