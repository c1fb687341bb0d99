/* Unit tests for core/share_token: delimiters, formatting (both forms, buffer limits) and
 * finding tokens in pasted text — every candidate kind, the precedence between them, the
 * folding rules, false positives that must not be found, and the input limits. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "core/share_token.h"
#include "core/status.h"

/* "7K3QX9" has check symbol H (worked by hand in test_code.c), value 17. */
#define CODE     "7K3QX9"
#define TOKEN    CODE "H"
#define YEN_FW   "\xEF\xBF\xA5" /* ￥ */
#define HOST     STR_LIT("hutong.example")
#define ANY_HOST STR_LIT("")

static int find(const char *text, struct share_token_match *m) {
  return share_token_find(str_from_cstr(text), ANY_HOST, m);
}

static void test_delim_names(void **state) {
  (void)state;
  enum share_token_delim d = SHARE_TOKEN_DELIM_COUNT;
  for (unsigned i = 0; i < SHARE_TOKEN_DELIM_COUNT; i++) {
    const char *name = share_token_delim_name((enum share_token_delim)i);
    assert_non_null(name);
    assert_int_equal(share_token_delim_parse(str_from_cstr(name), &d), HT_OK);
    assert_int_equal(d, i);
  }
  assert_null(share_token_delim_name(SHARE_TOKEN_DELIM_COUNT));
  assert_int_equal(share_token_delim_parse(STR_LIT(YEN_FW), &d), HT_OK);
  assert_int_equal(d, SHARE_TOKEN_DELIM_YEN_FULLWIDTH);
  assert_int_equal(share_token_delim_parse(STR_LIT("$"), &d), HT_OK);
  assert_int_equal(d, SHARE_TOKEN_DELIM_DOLLAR);
  assert_int_equal(share_token_delim_parse(STR_LIT("\xE2\x82\xAC"), &d), HT_OK);
  assert_int_equal(d, SHARE_TOKEN_DELIM_EURO);
  assert_int_equal(share_token_delim_parse(STR_LIT("#"), &d), HT_EINVAL);
  assert_int_equal(share_token_delim_parse(STR_LIT(""), &d), HT_EINVAL);
  assert_int_equal(share_token_delim_parse(STR_LIT("YEN"), &d), HT_EINVAL);
}

static void test_format(void **state) {
  (void)state;
  static const char *const want[SHARE_TOKEN_DELIM_COUNT] = {
      YEN_FW TOKEN YEN_FW, "\xC2\xA5" TOKEN "\xC2\xA5",         "\xE2\x82\xAC" TOKEN "\xE2\x82\xAC",
      "$" TOKEN "$",       "\xEF\xBC\x84" TOKEN "\xEF\xBC\x84",
  };
  char out[SHARE_TOKEN_FORMAT_BYTES];
  size_t n = 0;
  for (unsigned i = 0; i < SHARE_TOKEN_DELIM_COUNT; i++) {
    assert_int_equal(share_token_format(STR_LIT(CODE), (enum share_token_delim)i, out, sizeof out, &n),
                     HT_OK);
    assert_string_equal(out, want[i]);
    assert_int_equal(n, strlen(want[i]));
  }
  assert_int_equal(
      share_token_format_digits_first(STR_LIT(CODE), SHARE_TOKEN_DELIM_YEN_FULLWIDTH, out, sizeof out, &n),
      HT_OK);
  assert_string_equal(out, "17" YEN_FW TOKEN YEN_FW);
  /* A check value below 10 is zero-padded: "00" has check 0. */
  assert_int_equal(
      share_token_format_digits_first(STR_LIT("000000"), SHARE_TOKEN_DELIM_DOLLAR, out, sizeof out, &n),
      HT_OK);
  assert_string_equal(out, "00$0000000$");
  /* Output room: the widest form fills SHARE_TOKEN_FORMAT_BYTES exactly. */
  assert_int_equal(share_token_format_digits_first(STR_LIT(CODE), SHARE_TOKEN_DELIM_DOLLAR_FULLWIDTH, out,
                                                   SHARE_TOKEN_FORMAT_BYTES, &n),
                   HT_OK);
  assert_int_equal(n + 1, SHARE_TOKEN_FORMAT_BYTES);
  assert_int_equal(share_token_format_digits_first(STR_LIT(CODE), SHARE_TOKEN_DELIM_DOLLAR_FULLWIDTH, out,
                                                   SHARE_TOKEN_FORMAT_BYTES - 1, &n),
                   HT_ENOMEM);
  assert_int_equal(share_token_format(STR_LIT(CODE), SHARE_TOKEN_DELIM_DOLLAR, out, 10, &n), HT_OK);
  assert_int_equal(share_token_format(STR_LIT(CODE), SHARE_TOKEN_DELIM_DOLLAR, out, 9, &n), HT_ENOMEM);
  /* Bad codes and delimiters. */
  assert_int_equal(share_token_format(STR_LIT("7k3qx9"), SHARE_TOKEN_DELIM_DOLLAR, out, sizeof out, &n),
                   HT_EINVAL);
  assert_int_equal(share_token_format(STR_LIT("7K3QX"), SHARE_TOKEN_DELIM_DOLLAR, out, sizeof out, &n),
                   HT_EINVAL);
  assert_int_equal(share_token_format(STR_LIT("7K3QX9A"), SHARE_TOKEN_DELIM_DOLLAR, out, sizeof out, &n),
                   HT_EINVAL);
  assert_int_equal(share_token_format(STR_LIT(CODE), SHARE_TOKEN_DELIM_COUNT, out, sizeof out, &n),
                   HT_EINVAL);
}

static void expect(const char *text, struct str host, int rc, enum share_token_source source,
                   const char *code, char check) {
  struct share_token_match m;
  int got = share_token_find(str_from_cstr(text), host, &m);
  if (got != rc || m.source != source || (code && strcmp(m.code, code) != 0) || m.check != check)
    fail_msg("text \"%s\": got %s source %d code %s check %c; want %s source %d code %s", text,
             ht_status_name(got), m.source, m.code, m.check ? m.check : '-', ht_status_name(rc), source,
             code ? code : "");
}

static void test_find_delimited(void **state) {
  (void)state;
  const char *message = "【限时】手工茶具套装 \xF0\x9F\x8D\xB5 复制这段话 " YEN_FW TOKEN YEN_FW
                        " 打开 App 立即购买 https://m.tb.cn/h.U3oBBe9 CZ0001";
  struct share_token_match m;
  assert_int_equal(find(message, &m), HT_OK);
  assert_int_equal(m.source, SHARE_TOKEN_SOURCE_DELIMITED);
  assert_string_equal(m.code, CODE);
  assert_int_equal(m.check, 'H');
  assert_memory_equal(message + m.offset, YEN_FW TOKEN YEN_FW, m.len);
  /* Every delimiter, half- or full-width, and mixed pairs. */
  expect("x \xC2\xA5" TOKEN "\xC2\xA5 y", ANY_HOST, HT_OK, SHARE_TOKEN_SOURCE_DELIMITED, CODE, 'H');
  expect("\xE2\x82\xAC" TOKEN "\xE2\x82\xAC", ANY_HOST, HT_OK, SHARE_TOKEN_SOURCE_DELIMITED, CODE, 'H');
  expect("$" TOKEN "$", ANY_HOST, HT_OK, SHARE_TOKEN_SOURCE_DELIMITED, CODE, 'H');
  expect("\xEF\xBC\x84" TOKEN "\xEF\xBC\x84", ANY_HOST, HT_OK, SHARE_TOKEN_SOURCE_DELIMITED, CODE, 'H');
  expect("\xC2\xA5" TOKEN YEN_FW, ANY_HOST, HT_OK, SHARE_TOKEN_SOURCE_DELIMITED, CODE, 'H');
  /* The digits-first form, and delimiters doubled by a sloppy copy. */
  expect("17" YEN_FW TOKEN YEN_FW, ANY_HOST, HT_OK, SHARE_TOKEN_SOURCE_DELIMITED, CODE, 'H');
  expect(YEN_FW YEN_FW TOKEN YEN_FW YEN_FW, ANY_HOST, HT_OK, SHARE_TOKEN_SOURCE_DELIMITED, CODE, 'H');
  /* Full-width letters and digits (U+FF10..19, U+FF21..3A, U+FF41..5A), lower case. */
  expect(YEN_FW "\xEF\xBC\x97\xEF\xBC\xAB\xEF\xBC\x93\xEF\xBC\xB1\xEF\xBC\xB8\xEF\xBC\x99\xEF\xBC\xA8" YEN_FW,
         ANY_HOST, HT_OK, SHARE_TOKEN_SOURCE_DELIMITED, CODE, 'H'); /* ７Ｋ３ＱＸ９Ｈ */
  expect(YEN_FW "7\xEF\xBD\x8B"
                "3qx9h" YEN_FW,
         ANY_HOST, HT_OK, SHARE_TOKEN_SOURCE_DELIMITED, CODE, 'H'); /* ｋ */
  /* A wrong check symbol is reported as such, with the code. */
  expect(YEN_FW CODE "M" YEN_FW, ANY_HOST, HT_ECHECKSUM, SHARE_TOKEN_SOURCE_DELIMITED, CODE, 'M');
  /* Wrong length or a U inside: no delimited candidate. */
  expect(YEN_FW "7K3QX9GA" YEN_FW, ANY_HOST, HT_ENOTFOUND, SHARE_TOKEN_SOURCE_NONE, "", 0);
  expect(YEN_FW "7K3QX" YEN_FW, ANY_HOST, HT_ENOTFOUND, SHARE_TOKEN_SOURCE_NONE, "", 0);
  expect(YEN_FW "7K3UX9G" YEN_FW, ANY_HOST, HT_ENOTFOUND, SHARE_TOKEN_SOURCE_NONE, "", 0);
}

/* O reads as 0 and I/L as 1, inside tokens and bare codes alike. */
static void test_find_lookalikes(void **state) {
  (void)state;
  char check = 0;
  assert_int_equal(code_check_symbol(STR_LIT("10AB01"), &check), HT_OK);
  char text[64], want_token[16];
  snprintf(want_token, sizeof want_token, "10AB01%c", check);
  snprintf(text, sizeof text, YEN_FW "lOaboI%c" YEN_FW, check);
  expect(text, ANY_HOST, HT_OK, SHARE_TOKEN_SOURCE_DELIMITED, "10AB01", check);
  snprintf(text, sizeof text, "code IoAB0L%c here", check);
  expect(text, ANY_HOST, HT_OK, SHARE_TOKEN_SOURCE_BARE, "10AB01", check);
}

static void test_find_bare(void **state) {
  (void)state;
  expect("快来买 " TOKEN " 限时", ANY_HOST, HT_OK, SHARE_TOKEN_SOURCE_BARE, CODE, 'H');
  expect("复制" TOKEN "打开", ANY_HOST, HT_OK, SHARE_TOKEN_SOURCE_BARE, CODE, 'H');
  expect(TOKEN, ANY_HOST, HT_OK, SHARE_TOKEN_SOURCE_BARE, CODE, 'H');
  expect("7k3qx9h", ANY_HOST, HT_OK, SHARE_TOKEN_SOURCE_BARE, CODE, 'H');
  expect("口令：" TOKEN "。", ANY_HOST, HT_OK, SHARE_TOKEN_SOURCE_BARE, CODE, 'H');
  expect("is it " TOKEN "? yes.", ANY_HOST, HT_OK, SHARE_TOKEN_SOURCE_BARE, CODE, 'H');
  expect("(" TOKEN ")", ANY_HOST, HT_OK, SHARE_TOKEN_SOURCE_BARE, CODE, 'H');
  /* A missing closing delimiter leaves a bare code. */
  expect(YEN_FW TOKEN, ANY_HOST, HT_OK, SHARE_TOKEN_SOURCE_BARE, CODE, 'H');
  /* Bare with a wrong check symbol, when it looks like a code (digit and letter). */
  expect("code 7K3QX9M here", ANY_HOST, HT_ECHECKSUM, SHARE_TOKEN_SOURCE_BARE, CODE, 'M');
}

/* Ordinary words, numbers, links, addresses and glued words must not look like codes. */
static void test_find_false_positives(void **state) {
  (void)state;
  const char *const none[] = {
      "",
      "NEW ARRIVAL EXAMPLE buy now", /* 7-letter words: symbols, but no digit */
      "call 1234567 today",          /* 7 digits: no letter */
      "https://m.tb.cn/h." TOKEN,    /* piece of a URL */
      "https://shop.example/item/" TOKEN "?x=1",
      "https://shop.example/p?id=" TOKEN,
      TOKEN "@qq.com", /* e-mail */
      "code:" TOKEN,   /* ASCII colon between alphanumerics glues */
      "v2." TOKEN,
      "ab" TOKEN, /* inside a longer word */
      TOKEN "U",
      "under_" TOKEN,
      "7K3QX9-GA",
      "\xEF\xBC\xAB" TOKEN, /* a full-width letter is still a letter */
  };
  for (size_t i = 0; i < sizeof none / sizeof none[0]; i++)
    expect(none[i], ANY_HOST, HT_ENOTFOUND, SHARE_TOKEN_SOURCE_NONE, "", 0);
}

static void test_find_link(void **state) {
  (void)state;
  expect("看看 https://hutong.example/P/" CODE "?from=wechat", HOST, HT_OK, SHARE_TOKEN_SOURCE_LINK, CODE, 0);
  expect("HTTP://HUTONG.EXAMPLE/P/" CODE, HOST, HT_OK, SHARE_TOKEN_SOURCE_LINK, CODE, 0);
  expect("http://hutong.example/p/7k3qx9/", HOST, HT_OK, SHARE_TOKEN_SOURCE_LINK, CODE, 0);
  expect("http://hutong.example/P/" CODE ".", HOST, HT_OK, SHARE_TOKEN_SOURCE_LINK, CODE, 0);
  expect("https://other.example/P/" CODE, ANY_HOST, HT_OK, SHARE_TOKEN_SOURCE_LINK, CODE, 0);
  /* Wrong host when one is configured, wrong path, wrong length, longer segment. */
  expect("https://other.example/P/" CODE, HOST, HT_ENOTFOUND, SHARE_TOKEN_SOURCE_NONE, "", 0);
  expect("https://hutong.example.evil/P/" CODE, HOST, HT_ENOTFOUND, SHARE_TOKEN_SOURCE_NONE, "", 0);
  expect("https://hutong.example/Q/" CODE, HOST, HT_ENOTFOUND, SHARE_TOKEN_SOURCE_NONE, "", 0);
  expect("https://hutong.example/P/7K3QX", HOST, HT_ENOTFOUND, SHARE_TOKEN_SOURCE_NONE, "", 0);
  expect("https://hutong.example/P/" CODE "A", HOST, HT_ENOTFOUND, SHARE_TOKEN_SOURCE_NONE, "", 0);
  expect("https://hutong.example/P/7K3QX9U", HOST, HT_ENOTFOUND, SHARE_TOKEN_SOURCE_NONE, "", 0);
  expect("https://hutong.example/P/", HOST, HT_ENOTFOUND, SHARE_TOKEN_SOURCE_NONE, "", 0);
  expect("://", HOST, HT_ENOTFOUND, SHARE_TOKEN_SOURCE_NONE, "", 0);
  expect("https://hutong.example", HOST, HT_ENOTFOUND, SHARE_TOKEN_SOURCE_NONE, "", 0);
}

static void test_find_precedence(void **state) {
  (void)state;
  char other_check = 0;
  assert_int_equal(code_check_symbol(STR_LIT("ABC123"), &other_check), HT_OK);
  char bare_other[16], text[256];
  snprintf(bare_other, sizeof bare_other, "ABC123%c", other_check);
  /* Delimited valid beats an earlier bare valid and an earlier link. */
  snprintf(text, sizeof text, "%s https://hutong.example/P/ABC123 " YEN_FW TOKEN YEN_FW, bare_other);
  expect(text, HOST, HT_OK, SHARE_TOKEN_SOURCE_DELIMITED, CODE, 'H');
  /* A link beats a bare valid code and a delimited token with a wrong check. */
  snprintf(text, sizeof text, "%s " YEN_FW CODE "M" YEN_FW " https://hutong.example/P/" CODE, bare_other);
  expect(text, HOST, HT_OK, SHARE_TOKEN_SOURCE_LINK, CODE, 0);
  /* A bare valid code beats a delimited token with a wrong check. */
  snprintf(text, sizeof text, YEN_FW "ABC123%c" YEN_FW " %s", other_check == 'Z' ? 'Y' : 'Z', TOKEN);
  expect(text, HOST, HT_OK, SHARE_TOKEN_SOURCE_BARE, CODE, 'H');
  /* Among wrong checks, delimited beats bare even when later. */
  expect("7K3QX9M and " YEN_FW "7K3QX9N" YEN_FW, HOST, HT_ECHECKSUM, SHARE_TOKEN_SOURCE_DELIMITED, CODE, 'N');
  /* Within a kind, the first one wins. */
  snprintf(text, sizeof text, "$%s$ $" TOKEN "$", bare_other);
  expect(text, HOST, HT_OK, SHARE_TOKEN_SOURCE_DELIMITED, "ABC123", other_check);
}

static void test_find_limits(void **state) {
  (void)state;
  struct share_token_match m;
  /* SHARE_TOKEN_TEXT_BYTES_MAX bytes with the token at the very end pass; one more fails. */
  static char big[SHARE_TOKEN_TEXT_BYTES_MAX + 1];
  memset(big, ' ', sizeof big);
  memcpy(big + SHARE_TOKEN_TEXT_BYTES_MAX - 9, "$" TOKEN "$", 9);
  assert_int_equal(share_token_find((struct str){big, SHARE_TOKEN_TEXT_BYTES_MAX}, ANY_HOST, &m), HT_OK);
  assert_int_equal(m.offset, SHARE_TOKEN_TEXT_BYTES_MAX - 9);
  assert_int_equal(share_token_find((struct str){big, SHARE_TOKEN_TEXT_BYTES_MAX + 1}, ANY_HOST, &m),
                   HT_ETOOBIG);
  assert_int_equal(m.source, SHARE_TOKEN_SOURCE_NONE);
  /* Invalid UTF-8 anywhere is a clean error: stray continuation, truncated, overlong, NUL ok. */
  assert_int_equal(share_token_find(STR_LIT("$" TOKEN "$ \xFF"), ANY_HOST, &m), HT_EINVAL);
  assert_int_equal(share_token_find(STR_LIT("$" TOKEN "$ \xEF\xBF"), ANY_HOST, &m), HT_EINVAL);
  assert_int_equal(share_token_find(STR_LIT("\xC0\xA4" TOKEN "\xC0\xA4"), ANY_HOST, &m), HT_EINVAL);
  assert_int_equal(share_token_find(STR_LIT("\0$" TOKEN "$\0"), ANY_HOST, &m), HT_OK);
  assert_int_equal(share_token_find((struct str){NULL, 0}, ANY_HOST, &m), HT_ENOTFOUND);
}

/* Whatever a code, formatting and finding agree, for every delimiter and both forms. */
static void test_round_trip(void **state) {
  (void)state;
  uint32_t seed = 88172645u;
  for (int round = 0; round < 2000; round++) {
    uint8_t random[CODE_RANDOM_BYTES(SHARE_TOKEN_CODE_LEN)];
    for (size_t i = 0; i < sizeof random; i++) {
      seed ^= seed << 13, seed ^= seed >> 17, seed ^= seed << 5;
      random[i] = (uint8_t)seed;
    }
    char code[SHARE_TOKEN_CODE_LEN + 1], token[SHARE_TOKEN_FORMAT_BYTES], text[128];
    assert_int_equal(code_from_random(random, sizeof random, SHARE_TOKEN_CODE_LEN, code, sizeof code), HT_OK);
    enum share_token_delim delim = (enum share_token_delim)(round % SHARE_TOKEN_DELIM_COUNT);
    size_t n;
    int rc = round % 2 ? share_token_format_digits_first(str_from_cstr(code), delim, token, sizeof token, &n)
                       : share_token_format(str_from_cstr(code), delim, token, sizeof token, &n);
    assert_int_equal(rc, HT_OK);
    snprintf(text, sizeof text, "好物推荐 %s 打开链接 https://x.example/P/%s", token, code);
    struct share_token_match m;
    assert_int_equal(share_token_find(str_from_cstr(text), HOST, &m), HT_OK);
    assert_int_equal(m.source, SHARE_TOKEN_SOURCE_DELIMITED);
    assert_string_equal(m.code, code);
  }
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_delim_names),    cmocka_unit_test(test_format),
      cmocka_unit_test(test_find_delimited), cmocka_unit_test(test_find_lookalikes),
      cmocka_unit_test(test_find_bare),      cmocka_unit_test(test_find_false_positives),
      cmocka_unit_test(test_find_link),      cmocka_unit_test(test_find_precedence),
      cmocka_unit_test(test_find_limits),    cmocka_unit_test(test_round_trip),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
