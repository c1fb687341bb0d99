/*
 * Unit tests for core/qr_mask: the bit-parallel mask selection must pick exactly the symbol
 * libqrencode's own (module-by-module) selection picks, on thousands of texts of every kind
 * and size (versions 1..40, all four levels), from whichever mask the symbol starts with. The
 * mask tables are checked against the formulas of ISO/IEC 18004:2015 Table 10 written out
 * here, the format information against Annex C values and the BCH code's distance, and the
 * penalty against a plain run-by-run reference on random matrices of every width.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <qrencode.h>

#include "core/arena.h"
#include "core/qr.h"
#include "core/qr_mask.h"
#include "core/status.h"

/* Exported by libqrencode, declared in its internal headers (see core/qr.c). */
extern int Split_splitStringToQRinput(const char *string, QRinput *input, QRencodeMode hint,
                                      int casesensitive);
extern QRcode *QRcode_encodeMask(QRinput *input, int mask);

static const QRecLevel levels[] = {QR_ECLEVEL_L, QR_ECLEVEL_M, QR_ECLEVEL_Q, QR_ECLEVEL_H};

static uint64_t rng_state = 0x9E3779B97F4A7C15ull;

static uint32_t rng(void) { /* xorshift64*: deterministic, good enough for test inputs */
  rng_state ^= rng_state >> 12;
  rng_state ^= rng_state << 25;
  rng_state ^= rng_state >> 27;
  return (uint32_t)((rng_state * 0x2545F4914F6CDD1Dull) >> 32);
}

/* ISO/IEC 18004:2015 Table 10, i = row, j = column: the condition under which a module is
 * inverted. Written independently of the tables in qr_mask.c. */
static bool table10(int k, unsigned i, unsigned j) {
  switch (k) {
  case 0: return (i + j) % 2 == 0;
  case 1: return i % 2 == 0;
  case 2: return j % 3 == 0;
  case 3: return (i + j) % 3 == 0;
  case 4: return (i / 2 + j / 3) % 2 == 0;
  case 5: return (i * j) % 2 + (i * j) % 3 == 0;
  case 6: return ((i * j) % 2 + (i * j) % 3) % 2 == 0;
  default: return ((i * j) % 3 + (i + j) % 2) % 2 == 0;
  }
}

static void test_mask_tables_match_table10(void **state) {
  (void)state;
  for (int k = 0; k < QR_MASK_COUNT; k++)
    for (unsigned y = 0; y < QR_WIDTH_MODULES_MAX; y++)
      for (unsigned x = 0; x < QR_WIDTH_MODULES_MAX; x++)
        if (qr_mask_inverts(k, x, y) != table10(k, y, x)) fail_msg("mask %d at (%u,%u)", k, x, y);
}

/* Annex C (Table C.1) lists the 32 format sequences; mask 000 of each level is below. Any two
 * codewords of BCH(15,5) differ in at least 7 bits. */
static void test_format_bits(void **state) {
  (void)state;
  assert_int_equal(qr_mask_format_bits(QR_EC_L, 0), 0x77C4); /* 111011111000100 */
  assert_int_equal(qr_mask_format_bits(QR_EC_M, 0), 0x5412); /* 101010000010010 */
  assert_int_equal(qr_mask_format_bits(QR_EC_Q, 0), 0x355F); /* 011010101011111 */
  assert_int_equal(qr_mask_format_bits(QR_EC_H, 0), 0x1689); /* 001011010001001 */
  unsigned all[32];
  for (int ec = 0; ec < 4; ec++) {
    for (int k = 0; k < QR_MASK_COUNT; k++) {
      unsigned f = qr_mask_format_bits((enum qr_ec)ec, k);
      assert_true(f < (1u << 15));
      assert_int_equal(((f ^ 0x5412u) >> 10) & 7u, (unsigned)k); /* data bits carry the mask */
      all[ec * 8 + k] = f;
    }
  }
  for (int a = 0; a < 32; a++)
    for (int b = a + 1; b < 32; b++) assert_true(__builtin_popcount(all[a] ^ all[b]) >= 7);
}

/* Makes text `i` of a mix: upper-case links, lower case, digits, arbitrary bytes, UTF-8. */
static size_t make_text(size_t i, char *out, size_t len_max) {
  static const char *const alphabets[] = {
      "0123456789ABCDEFGHJKMNPQRSTVWXYZ",
      "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:",
      "abcdefghijklmnopqrstuvwxyz0123456789-._~/?=&",
      "0123456789",
  };
  size_t len = i % 50 == 49 ? 100 + rng() % (len_max - 100) : 1 + rng() % 120;
  if (len > len_max) len = len_max;
  size_t kind = i % 5, n = 0;
  if (kind == 0) n = (size_t)snprintf(out, len_max + 1, "HTTPS://SHOP.EXAMPLE/P/");
  for (; n < len; n++) {
    if (kind == 4)
      out[n] = (char)(1 + rng() % 255); /* any byte but NUL */
    else
      out[n] = alphabets[kind % 4][rng() % strlen(alphabets[kind % 4])];
  }
  out[len] = '\0';
  return len;
}

/* Our symbols equal libqrencode's QRcode_encodeString(), module for module. */
static void test_same_symbols_as_libqrencode(void **state) {
  (void)state;
  struct arena a;
  arena_init(&a, 1 << 20);
  static char text[QR_TEXT_BYTES_MAX + 1];
  size_t versions_seen[41] = {0};
  for (size_t i = 0; i < 3000; i++) {
    size_t len = make_text(i, text, QR_TEXT_BYTES_MAX);
    enum qr_ec ec = (enum qr_ec)(i % 4);
    QRcode *ref = QRcode_encodeString(text, 0, levels[ec], QR_MODE_8, 1);
    struct qr_code code;
    int rc = qr_encode(&a, (struct str){text, len}, ec, &code);
    if (!ref) { /* too long for this level: both must refuse */
      assert_int_equal(rc, HT_ETOOBIG);
      continue;
    }
    assert_int_equal(rc, HT_OK);
    assert_int_equal(code.version, ref->version);
    versions_seen[code.version]++;
    for (size_t m = 0; m < code.width * code.width; m++)
      if (code.modules[m] != (ref->data[m] & 1))
        fail_msg("text %zu (v%d): module %zu differs", i, code.version, m);
    QRcode_free(ref);
    arena_free_all(&a);
  }
  size_t distinct = 0, big = 0;
  for (int v = 1; v <= 40; v++) {
    distinct += versions_seen[v] > 0;
    if (v > 11) big += versions_seen[v]; /* wider than 64 modules: several words a line */
  }
  assert_true(distinct >= 25);
  assert_true(big >= 20);
}

/* Whatever mask a symbol arrives with, the result is the same best symbol. */
static void test_choice_independent_of_start(void **state) {
  (void)state;
  static const char *const texts[] = {"HTTPS://SHOP.EXAMPLE/Q/7K3QX9", "hello, 互通",
                                      "0123456789012345678901234567"};
  for (size_t t = 0; t < 3; t++) {
    for (int ec = 0; ec < 4; ec++) {
      QRcode *ref = QRcode_encodeString(texts[t], 0, levels[ec], QR_MODE_8, 1);
      assert_non_null(ref);
      for (int start = 0; start < QR_MASK_COUNT; start++) {
        QRinput *input = QRinput_new2(0, levels[ec]);
        assert_int_equal(Split_splitStringToQRinput(texts[t], input, QR_MODE_8, 1), 0);
        QRcode *code = QRcode_encodeMask(input, start);
        QRinput_free(input);
        assert_non_null(code);
        int best = qr_mask_apply_best(code->data, (size_t)code->width, (enum qr_ec)ec, start);
        assert_true(best >= 0 && best < QR_MASK_COUNT);
        for (int m = 0; m < code->width * code->width; m++)
          assert_int_equal(code->data[m] & 1, ref->data[m] & 1);
        QRcode_free(code);
      }
      QRcode_free(ref);
    }
  }
}

/* ---- penalty against a plain reference ---- */

#define EDGE_LIGHT 100000 /* a light run that reaches the edge counts as endless */

/* N1 + N3 of one line by its runs: the rule as stated in qr_mask.c's header, written plainly. */
static long ref_line(const unsigned char *line, size_t w) {
  int len[QR_WIDTH_MODULES_MAX], n = 0;
  bool dark[QR_WIDTH_MODULES_MAX];
  for (size_t x = 0; x < w; x++) {
    bool d = line[x] & 1;
    if (n == 0 || dark[n - 1] != d) {
      dark[n] = d;
      len[n++] = 0;
    }
    len[n - 1]++;
  }
  long score = 0;
  for (int i = 0; i < n; i++) {
    if (len[i] >= 5) score += 3 + (len[i] - 5);
    if (!dark[i] || len[i] % 3 || i < 2 || i + 2 >= n) continue;
    int f = len[i] / 3;
    if (len[i - 2] != f || len[i - 1] != f || len[i + 1] != f || len[i + 2] != f) continue;
    int before = i - 3 < 0 || i - 3 == 0 ? EDGE_LIGHT : len[i - 3];
    int after = i + 3 >= n || i + 3 == n - 1 ? EDGE_LIGHT : len[i + 3];
    if (before >= 4 * f || after >= 4 * f) score += 40;
  }
  return score;
}

static long ref_penalty(const unsigned char *m, size_t w) {
  unsigned char line[QR_WIDTH_MODULES_MAX];
  long score = 0, dark = 0;
  for (size_t y = 0; y < w; y++) score += ref_line(m + y * w, w);
  for (size_t x = 0; x < w; x++) {
    for (size_t y = 0; y < w; y++) line[y] = m[y * w + x];
    score += ref_line(line, w);
  }
  for (size_t y = 0; y < w; y++) {
    for (size_t x = 0; x < w; x++) {
      dark += m[y * w + x] & 1;
      if (x && y) {
        int sum = (m[y * w + x] & 1) + (m[y * w + x - 1] & 1) + (m[(y - 1) * w + x] & 1) +
                  (m[(y - 1) * w + x - 1] & 1);
        if (sum == 0 || sum == 4) score += 3;
      }
    }
  }
  long area = (long)(w * w), percent = (200 * dark + area) / area / 2;
  return score + labs(percent - 50) / 5 * 10;
}

/* Writes the runs `runs` (alternating, first colour `dark`) into row y, from column x. */
static void put_runs(unsigned char *m, size_t w, size_t x, size_t y, bool dark, const int *runs,
                     size_t count) {
  for (size_t r = 0; r < count; r++, dark = !dark)
    for (int i = 0; i < runs[r] && x < w; i++) m[y * w + x++] = dark;
}

static void test_penalty_matches_reference(void **state) {
  (void)state;
  static unsigned char m[QR_WIDTH_MODULES_MAX * QR_WIDTH_MODULES_MAX];
  for (size_t w = 21; w <= QR_WIDTH_MODULES_MAX; w += 4) {
    for (int round = 0; round < 6; round++) {
      unsigned density = 20 + (unsigned)round * 12; /* percent dark: lopsided ones score N4 */
      for (size_t i = 0; i < w * w; i++) m[i] = rng() % 100 < density;
      /* Plant finder-like patterns, scaled ones (f = 2, 3) and ones touching the edges, in
       * rows and (by symmetry of the random fill) in columns through their transposes. */
      static const int f1[] = {1, 1, 3, 1, 1}, f2[] = {4, 2, 2, 6, 2, 2, 4}, f3[] = {3, 3, 9, 3, 3, 12};
      put_runs(m, w, 0, 1, true, f1, 5);
      put_runs(m, w, w - 7, 2, true, f1, 5);
      put_runs(m, w, 3, 4, false, f2, 7);
      put_runs(m, w, 0, 6, true, f3, 6);
      put_runs(m, w, w - 9, 8, false, f2, 6);
      for (size_t y = 0; y < 9; y++)
        for (size_t x = 0; x < w; x++) m[x * w + (w - 1 - y)] = m[y * w + x]; /* columns too */
      long want = ref_penalty(m, w), got = qr_mask_penalty(m, w);
      if (want != got) fail_msg("width %zu round %d: penalty %ld, reference %ld", w, round, got, want);
    }
  }
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_mask_tables_match_table10),   cmocka_unit_test(test_format_bits),
      cmocka_unit_test(test_same_symbols_as_libqrencode), cmocka_unit_test(test_choice_independent_of_start),
      cmocka_unit_test(test_penalty_matches_reference),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
