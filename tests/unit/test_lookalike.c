/* Unit tests and evaluation of core/lookalike.
 *
 * 1. Table tests: genuine domains and subdomains, and one example of every finding.
 * 2. Evaluation: a permutation generator modelled on the fuzzers of dnstwist (addition,
 *    bitsquatting, homoglyph, hyphenation, insertion, omission, repetition, replacement,
 *    subdomain, transposition, vowel swap, TLD swap) runs over every built-in protected domain;
 *    permutations that are themselves genuine (a protected domain or under one) are set aside,
 *    and at least LOOKALIKE_RECALL_MIN of the rest must be flagged. The false-alarm rate on
 *    tests/data/ordinary_domains.txt (2,284 ordinary domains) must stay at or below
 *    LOOKALIKE_FALSE_ALARM_MAX. Both rates are printed.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <cmocka.h>

#include "core/lookalike.h"
#include "core/lookalike_brands.h"
#include "core/status.h"
#include "core/url_canon.h"

/* The goals: >= 95% of look-alike permutations flagged, <= 0.1% false alarms. */
#define LOOKALIKE_RECALL_MIN      0.95
#define LOOKALIKE_FALSE_ALARM_MAX 0.001

static struct lookalike_ctx *ctx;

static int setup(void **state) {
  (void)state;
  size_t bad;
  const struct str extra[] = {STR_LIT("Shop.Example-Merchant.com"), STR_LIT("xn--fiqs8s.xn--fiqs8s"),
                              STR_LIT("store1.cn")};
  return lookalike_ctx_create(NULL, extra, 3, &ctx, &bad);
}

static int teardown(void **state) {
  (void)state;
  lookalike_ctx_free(ctx);
  return 0;
}

/* Canonicalizes `domain` like a URL host and checks it. Returns false when it is not a host. */
static bool check_host(const char *domain, struct arena *arena, struct lookalike_result *r) {
  struct url_canon u;
  enum url_canon_error err;
  if (url_canon(str_from_cstr(domain), arena, &u, &err) != HT_OK || (u.flags & URL_CANON_HOST_FORBIDDEN))
    return false;
  return lookalike_check(ctx, u.host, arena, r) == HT_OK;
}

static const char *first_code(const char *domain) {
  static char code[64];
  struct arena arena;
  arena_init(&arena, 1 << 16);
  struct lookalike_result r;
  assert_true(check_host(domain, &arena, &r));
  snprintf(code, sizeof code, "%s", r.genuine ? "genuine" : r.count ? r.findings[0].code : "none");
  arena_free_all(&arena);
  return code;
}

static void test_table(void **state) {
  (void)state;
  static const char *const cases[][2] = {
      {"taobao.com", "genuine"},
      {"item.taobao.com", "genuine"},
      {"weixin.qq.com", "genuine"},
      {"pay.weixin.qq.com", "genuine"},
      {"anything.qq.com", "genuine"}, /* under a protected registrable domain: same owner */
      {"shop.example-merchant.com", "genuine"},
      {"\xE4\xB8\xAD\xE5\x9B\xBD.\xE4\xB8\xAD\xE5\x9B\xBD", "genuine"}, /* an IDN extra domain */
      {"t\xD0\xB0obao.com", "brand_homograph"},                         /* Cyrillic a */
      {"ta\xC3\xB2"
       "bao.com",
       "brand_homograph"}, /* a diacritic */
      {"taoba0.com", "brand_homograph"},
      {"paypa1.com", "brand_homograph"},
      {"rnicrosoft.com", "brand_homograph"},
      {"\xD1\x80\xD0\xB0\xD1\x83\xD1\x80\xD0\xB0\xD3\x8F.com", "brand_homograph"}, /* all-Cyrillic "paypal" */
      {"taobao.com-login.cn", "brand_embedded"},
      {"alipay.com.verify.top", "brand_embedded"},
      {"www.jd.com.cn-pay.top", "brand_embedded"},
      {"taobao-secure.com", "brand_lure"},
      {"securetaobao.com", "brand_lure"},
      {"jd-login.com", "brand_lure"},
      {"taobao.net", "brand_other_tld"},
      {"jd.top", "brand_other_tld"},
      {"mytaobao.cn", "brand_in_domain"},
      {"taobao.evil.cn", "brand_in_subdomain"},
      {"taobaoo.com", "brand_typo"},
      {"tabao.com", "brand_typo"},
      {"atobao.com", "brand_typo"},
      {"tao-bao.com", "brand_typo"},
      {"tao.bao.com", "brand_typo"},
      {"95517.com", "brand_typo"},
      {"ex\xC3\xA4mple-\xD0\xB0.com", "mixed_script"},
      /* Short names match exactly only. */
      {"jdd.com", "none"},
      {"jd-sports.com", "none"},
      {"qqq.com", "none"},
      {"example.com", "none"},
      {"1.2.3.4", "none"},
      {"store2.cn", "none"}, /* numbered siblings of a merchant's store1.cn */
      {"example-merchant2.com", "brand_typo"},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    const char *got = first_code(cases[i][0]);
    if (strcmp(got, cases[i][1]) != 0) {
      fprintf(stderr, "%s: got %s, want %s\n", cases[i][0], got, cases[i][1]);
      fail();
    }
  }
}

static void test_every_builtin_is_genuine(void **state) {
  (void)state;
  static const char *const prefixes[] = {"", "www.", "m.", "login.secure."};
  for (size_t i = 0; i < lookalike_builtin_domain_count; i++) {
    for (size_t p = 0; p < 4; p++) {
      char host[300];
      snprintf(host, sizeof host, "%s%s", prefixes[p], lookalike_builtin_domains[i]);
      assert_string_equal(first_code(host), "genuine");
    }
  }
  assert_true(lookalike_protected_count(ctx) == lookalike_builtin_domain_count + 3);
}

static void test_ctx_errors_and_limits(void **state) {
  (void)state;
  struct lookalike_ctx *c = NULL;
  size_t bad = 0;
  const struct str extra[] = {STR_LIT("ok.example"), STR_LIT("not a domain")};
  assert_int_equal(lookalike_ctx_create(NULL, extra, 2, &c, &bad), HT_EINVAL);
  assert_int_equal(bad, 1);
  const struct str suffix_only[] = {STR_LIT("com.cn")};
  assert_int_equal(lookalike_ctx_create(NULL, suffix_only, 1, &c, &bad), HT_EINVAL);
  assert_int_equal(lookalike_ctx_create(NULL, extra, LOOKALIKE_PROTECTED_MAX, &c, &bad), HT_ETOOBIG);
  assert_null(c);
  /* Host length: both sides of LOOKALIKE_HOST_BYTES_MAX; bad punycode. */
  char host[LOOKALIKE_HOST_BYTES_MAX + 2];
  memset(host, 'a', sizeof host);
  for (size_t i = 50; i < sizeof host; i += 50) host[i] = '.';
  struct arena arena;
  arena_init(&arena, 1 << 16);
  struct lookalike_result r;
  assert_int_equal(lookalike_check(ctx, (struct str){host, LOOKALIKE_HOST_BYTES_MAX}, &arena, &r), HT_OK);
  assert_int_equal(lookalike_check(ctx, (struct str){host, LOOKALIKE_HOST_BYTES_MAX + 1}, &arena, &r),
                   HT_ETOOBIG);
  assert_int_equal(lookalike_check(ctx, STR_LIT("xn--zz-.com"), &arena, &r), HT_EINVAL);
  assert_int_equal(lookalike_check(ctx, STR_LIT(""), &arena, &r), HT_EINVAL);
  arena_free_all(&arena);
  const char *brand = NULL;
  assert_true(lookalike_mentions_brand(ctx, STR_LIT("www.Taobao.com"), &brand));
  assert_string_equal(brand, "taobao.com");
  assert_true(lookalike_mentions_brand(ctx, STR_LIT("alipay:secret"), &brand));
  assert_true(lookalike_mentions_brand(ctx, STR_LIT("jd.com"), &brand));
  assert_false(lookalike_mentions_brand(ctx, STR_LIT("jd"), &brand));
  assert_false(lookalike_mentions_brand(ctx, STR_LIT("user:password"), &brand));
}

/* ---- the permutation generator ---- */

/* The twelve classes, plus CLASS_ANY_LETTER, measured and printed but not part of the
 * asserted total: any letter in place of any other, for generators that ignore the keyboard. */
enum { CLASS_ANY_LETTER = 12, CLASS_COUNT = 13 };
static const char *const class_names[CLASS_COUNT] = {
    "addition",    "bitsquatting", "homoglyph",     "hyphenation", "insertion", "omission",  "repetition",
    "replacement", "subdomain",    "transposition", "vowel-swap",  "tld-swap",  "any-letter"};

struct tally {
  size_t total[CLASS_COUNT], flagged[CLASS_COUNT], genuine;
};

/* QWERTY neighbours, as typosquatting generators list them (dnstwist's keyboard maps). */
static const char *neighbours(char c) {
  static const char *const rows[] = {"1234567890", "qwertyuiop", "asdfghjkl", "zxcvbnm"};
  static char out[16];
  size_t n = 0;
  for (int r = 0; r < 4; r++) {
    const char *at = strchr(rows[r], c);
    if (!c || !at) continue;
    int x = (int)(at - rows[r]);
    for (int dr = -1; dr <= 1; dr++) {
      int rr = r + dr;
      if (rr < 0 || rr > 3) continue;
      int len = (int)strlen(rows[rr]);
      /* Row below sits half a key to the right: neighbours at x-1..x (below) or x..x+1 (above). */
      int lo = dr == 0 ? x - 1 : dr > 0 ? x - 1 : x, hi = dr == 0 ? x + 1 : dr > 0 ? x : x + 1;
      for (int k = lo; k <= hi; k++)
        if (k >= 0 && k < len && !(dr == 0 && k == x)) out[n++] = rows[rr][k];
    }
  }
  out[n] = '\0';
  return out;
}

/* Look-alike glyphs: ASCII ones and Unicode ones (Cyrillic, Greek, Latin with diacritics). */
static const char *const glyphs[][6] = {
    {"a", "\xD0\xB0", "\xC3\xA0", "\xC3\xA1", "\xC3\xA2", "4"},
    {"b", "d", "6", "lb", "\xC6\x80", NULL},
    {"c", "\xD1\x81", "e", "\xC3\xA7", NULL, NULL},
    {"d", "b", "cl", "\xC4\x8F", NULL, NULL},
    {"e", "\xD0\xB5", "\xC3\xA9", "\xC3\xA8", "3", NULL},
    {"g", "q", "9", "\xC4\xA1", NULL, NULL},
    {"h", "\xD2\xBB", "lh", NULL, NULL, NULL},
    {"i", "1", "l", "\xC3\xAD", "\xD1\x96", NULL},
    {"j", "\xD1\x98", "i", NULL, NULL, NULL},
    {"k", "lk", "\xCE\xBA", NULL, NULL, NULL},
    {"l", "1", "i", "\xD3\x8F", NULL, NULL},
    {"m", "rn", "nn", NULL, NULL, NULL},
    {"n", "m", "r", "\xC3\xB1", NULL, NULL},
    {"o", "0", "\xD0\xBE", "\xCE\xBF", "\xC3\xB6", NULL},
    {"p", "\xD1\x80", "\xCF\x81", NULL, NULL, NULL},
    {"q", "g", "\xD4\x9B", NULL, NULL, NULL},
    {"s", "5", "\xD1\x95", "\xC5\x9B", NULL, NULL},
    {"t", "\xCF\x84", "7", NULL, NULL, NULL},
    {"u", "\xCF\x85", "\xC3\xBC", "v", NULL, NULL},
    {"w", "vv", "\xD4\x9D", NULL, NULL, NULL},
    {"x", "\xD1\x85", NULL, NULL, NULL, NULL},
    {"y", "\xD1\x83", "\xC3\xBD", NULL, NULL, NULL},
    {"z", "2", "\xC5\xBC", NULL, NULL, NULL},
    {"0", "o", NULL, NULL, NULL, NULL},
    {"1", "l", "i", NULL, NULL, NULL},
    {"5", "s", NULL, NULL, NULL, NULL},
};

static const char *const swap_suffixes[] = {"com", "net", "org", "cn",   "info",   "biz",    "top",  "xyz",
                                            "co",  "cc",  "vip", "shop", "online", "site",   "club", "me",
                                            "io",  "app", "hk",  "tw",   "com.cn", "net.cn", "ltd"};

struct variant_sink {
  const char *sub, *suffix; /* the parts around the fuzzed label */
  struct tally *t;
  int cls;
};

static void evaluate(struct variant_sink *s, const char *label, const char *suffix) {
  char host[512];
  if (label[0] == '\0' || label[0] == '-' || label[strlen(label) - 1] == '-' || label[0] == '.' ||
      label[strlen(label) - 1] == '.')
    return;
  snprintf(host, sizeof host, "%s%s%s.%s", s->sub, s->sub[0] ? "." : "", label, suffix);
  struct arena arena;
  arena_init(&arena, 1 << 16);
  struct lookalike_result r;
  if (check_host(host, &arena, &r)) {
    if (r.genuine) {
      s->t->genuine++;
    } else {
      s->t->total[s->cls]++;
      if (r.count > 0)
        s->t->flagged[s->cls]++;
      else if (getenv("HUTONG_LOOKALIKE_VERBOSE"))
        fprintf(stderr, "missed %-13s %s\n", class_names[s->cls], host);
    }
  }
  arena_free_all(&arena);
}

/* Emits name[0..at) + insert + name[at+skip..]. */
static void emit(struct variant_sink *s, const char *name, size_t at, size_t skip, const char *insert) {
  char label[256];
  snprintf(label, sizeof label, "%.*s%s%s", (int)at, name, insert, name + at + skip);
  if (strcmp(label, name) != 0) evaluate(s, label, s->suffix);
}

static void permute_label(struct variant_sink *s, const char *name) {
  size_t n = strlen(name);
  static const char alnum[] = "abcdefghijklmnopqrstuvwxyz0123456789";
  for (size_t i = 0; alnum[i]; i++) s->cls = 0, emit(s, name, n, 0, (char[]){alnum[i], 0});
  for (size_t i = 0; i < n; i++) {
    for (int bit = 0; bit < 8; bit++) {
      char c = (char)(name[i] ^ (1 << bit));
      if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-')
        s->cls = 1, emit(s, name, i, 1, (char[]){c, 0});
    }
    for (size_t g = 0; g < sizeof glyphs / sizeof glyphs[0]; g++)
      if (glyphs[g][0][0] == name[i])
        for (int k = 1; k < 6 && glyphs[g][k]; k++) s->cls = 2, emit(s, name, i, 1, glyphs[g][k]);
    if (i > 0) s->cls = 3, emit(s, name, i, 0, "-");
    for (const char *k = neighbours(name[i]); *k; k++) {
      s->cls = 4, emit(s, name, i, 0, (char[]){*k, 0});
      s->cls = 4, emit(s, name, i + 1, 0, (char[]){*k, 0});
      s->cls = 7, emit(s, name, i, 1, (char[]){*k, 0});
    }
    s->cls = 5, emit(s, name, i, 1, "");
    s->cls = 6, emit(s, name, i, 0, (char[]){name[i], 0});
    if (i > 0) s->cls = 8, emit(s, name, i, 0, ".");
    if (i + 1 < n) s->cls = 9, emit(s, name, i, 2, (char[]){name[i + 1], name[i], 0});
    /* Not a dnstwist class: every other letter or digit in place of this one. */
    for (size_t k = 0; alnum[k]; k++) s->cls = CLASS_ANY_LETTER, emit(s, name, i, 1, (char[]){alnum[k], 0});
    if (strchr("aeiou", name[i]))
      for (const char *v = "aeiou"; *v; v++) s->cls = 10, emit(s, name, i, 1, (char[]){*v, 0});
  }
  s->cls = 11;
  for (size_t i = 0; i < sizeof swap_suffixes / sizeof swap_suffixes[0]; i++)
    if (strcmp(swap_suffixes[i], s->suffix) != 0) evaluate(s, name, swap_suffixes[i]);
}

/* Splits a protected domain into subdomain, registrable label and public suffix. */
static void permute_domain(const char *domain, struct tally *t) {
  struct str reg = lookalike_registrable_domain(ctx, domain, strlen(domain));
  const char *dot = memchr(reg.data, '.', reg.len);
  char sub[128] = "", name[128];
  if (reg.data > domain) snprintf(sub, sizeof sub, "%.*s", (int)(reg.data - domain - 1), domain);
  snprintf(name, sizeof name, "%.*s", (int)(dot - reg.data), reg.data);
  struct variant_sink s = {sub, dot + 1, t, 0};
  permute_label(&s, name);
}

static double rate(size_t a, size_t b) { return b ? (double)a / (double)b : 1.0; }

static void test_permutation_recall(void **state) {
  (void)state;
  struct tally all = {0}, fuzzy = {0};
  for (size_t i = 0; i < lookalike_builtin_domain_count; i++) {
    const char *d = lookalike_builtin_domains[i];
    struct str reg = lookalike_registrable_domain(ctx, d, strlen(d));
    size_t label = (size_t)((const char *)memchr(reg.data, '.', reg.len) - reg.data);
    bool eligible = label >= LOOKALIKE_FUZZY_NAME_CHARS_MIN;
    permute_domain(d, eligible ? &fuzzy : &all);
  }
  size_t total = 0, flagged = 0, fz_total = 0, fz_flagged = 0;
  for (int c = 0; c < CLASS_COUNT; c++) {
    size_t ct = all.total[c] + fuzzy.total[c], cf = all.flagged[c] + fuzzy.flagged[c];
    printf("# lookalike recall %-13s %5zu/%-5zu = %.3f (names of 5+: %.3f)%s\n", class_names[c], cf, ct,
           rate(cf, ct), rate(fuzzy.flagged[c], fuzzy.total[c]),
           c == CLASS_ANY_LETTER ? " (extra class, not in the total)" : "");
    if (c == CLASS_ANY_LETTER) continue;
    total += ct, flagged += cf, fz_total += fuzzy.total[c], fz_flagged += fuzzy.flagged[c];
  }
  printf("# lookalike recall: %zu of %zu permutations flagged = %.4f (set aside as genuine: %zu)\n", flagged,
         total, rate(flagged, total), all.genuine + fuzzy.genuine);
  printf("# lookalike recall, brands with fuzzy matching (names of 5+ characters): %zu of %zu = %.4f\n",
         fz_flagged, fz_total, rate(fz_flagged, fz_total));
  assert_true(rate(flagged, total) >= LOOKALIKE_RECALL_MIN);
}

static void test_false_alarms(void **state) {
  (void)state;
  const char *dir = getenv("HUTONG_TEST_DATA");
  char path[1024];
  snprintf(path, sizeof path, "%s/ordinary_domains.txt", dir ? dir : "tests/data");
  FILE *f = fopen(path, "r");
  assert_non_null(f);
  char line[512];
  size_t total = 0, alarms = 0;
  while (fgets(line, sizeof line, f)) {
    line[strcspn(line, "\r\n")] = '\0';
    if (line[0] == '\0' || line[0] == '#') continue;
    struct arena arena;
    arena_init(&arena, 1 << 16);
    struct lookalike_result r;
    assert_true(check_host(line, &arena, &r));
    total++;
    if (!r.genuine && r.count > 0) {
      alarms++;
      printf("# false alarm: %s %s (%s)\n", line, r.findings[0].code, r.findings[0].brand_domain);
    }
    arena_free_all(&arena);
  }
  fclose(f);
  printf("# lookalike false alarms: %zu of %zu ordinary domains = %.4f\n", alarms, total,
         rate(alarms, total));
  assert_true(total >= 2000);
  assert_true(rate(alarms, total) <= LOOKALIKE_FALSE_ALARM_MAX);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_table),
      cmocka_unit_test(test_every_builtin_is_genuine),
      cmocka_unit_test(test_ctx_errors_and_limits),
      cmocka_unit_test(test_permutation_recall),
      cmocka_unit_test(test_false_alarms),
  };
  return cmocka_run_group_tests(tests, setup, teardown);
}
