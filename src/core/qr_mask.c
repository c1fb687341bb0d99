/*
 * qr_mask.c — bit-parallel mask selection (see qr_mask.h).
 *
 * A symbol is held as `w` lines of up to three 64-bit words, bit x of line y being module
 * (x, y). Every rule is computed "vertically": between consecutive lines, with word-wide AND,
 * OR and popcount, which scores 64 columns at once and never shifts across words. Rows are
 * scored the same way on the transposed symbol, which is built alongside. A mask pattern is
 * periodic (12 modules along either axis covers all eight), so its lines are built from a
 * 12-bit unit replicated by one multiplication.
 *
 * Penalty rules, as libqrencode 4.1 reads ISO/IEC 18004:2015 7.8.3 (and as we must, to pick
 * the same masks): N1 scores 3 + (L - 5) for every run of L >= 5 same-coloured modules in a
 * row or column; N2 scores 3 for every 2×2 block of one colour; N3 scores 40 for every dark run
 * of 3f modules flanked by light, dark runs of exactly f each way (f >= 1, whole runs), when
 * a light run of at least 4f precedes or follows it, the symbol's edge counting as endless
 * light; N4 scores 10 for every whole 5 % that the dark share (rounded to a percent) is away
 * from 50 %. Patterns with f >= 2 need a long dark run between light ones; the rare lines that
 * could hold one are scored by walking their runs instead.
 */
#include "core/qr_mask.h"

#include <assert.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#define LINE_WORDS ((QR_WIDTH_MODULES_MAX + 63) / 64)
/* A mask repeats every 12 modules along rows and columns (lcm of the periods 2, 3, 4, 6). */
#define MASK_PERIOD 12
/* 1 at bits 0, 12, ..., 60: multiplying a 12-bit unit by it repeats the unit across a word. */
#define REPEAT12 0x1001001001001001ull
/* Penalty weights N1..N4 (ISO/IEC 18004:2015, Table 11). */
#define PENALTY_N1 3
#define PENALTY_N2 3
#define PENALTY_N3 40
#define PENALTY_N4 10
/* Function modules carry this flag in libqrencode's layout; masks skip them. */
#define MODULE_FUNCTION 0x80u

typedef uint64_t line_t[LINE_WORDS];

/* The symbol split into planes: d = dark, f = data (not function) modules; t = transposed. */
struct planes {
  size_t w, words;
  line_t dark[QR_WIDTH_MODULES_MAX], data[QR_WIDTH_MODULES_MAX];
  line_t dark_t[QR_WIDTH_MODULES_MAX], data_t[QR_WIDTH_MODULES_MAX];
  line_t m[QR_WIDTH_MODULES_MAX], m_t[QR_WIDTH_MODULES_MAX]; /* one masked candidate */
};

/* Mask patterns over one period (ISO/IEC 18004:2015, Table 10, with i = row = y and
 * j = column = x): mask_rows[k][y % 12] has bit x set (x < 12) when mask k inverts module
 * (x, y); mask_cols[k][x % 12] has bit y set. Both were generated from the table's formulas
 * and test_qr_mask checks every module of every mask against them. */
static const uint16_t mask_rows[QR_MASK_COUNT][MASK_PERIOD] = {
    {0x555, 0xAAA, 0x555, 0xAAA, 0x555, 0xAAA, 0x555, 0xAAA, 0x555, 0xAAA, 0x555, 0xAAA}, /* (i+j) mod 2 */
    {0xFFF, 0x000, 0xFFF, 0x000, 0xFFF, 0x000, 0xFFF, 0x000, 0xFFF, 0x000, 0xFFF, 0x000}, /* i mod 2 */
    {0x249, 0x249, 0x249, 0x249, 0x249, 0x249, 0x249, 0x249, 0x249, 0x249, 0x249, 0x249}, /* j mod 3 */
    {0x249, 0x924, 0x492, 0x249, 0x924, 0x492, 0x249, 0x924, 0x492, 0x249, 0x924, 0x492}, /* (i+j) mod 3 */
    {0x1C7, 0x1C7, 0xE38, 0xE38, 0x1C7, 0x1C7, 0xE38, 0xE38, 0x1C7, 0x1C7, 0xE38, 0xE38}, /* i/2 + j/3 */
    {0xFFF, 0x041, 0x249, 0x555, 0x249, 0x041, 0xFFF, 0x041, 0x249, 0x555, 0x249, 0x041}, /* ij%2 + ij%3 */
    {0xFFF, 0x1C7, 0x6DB, 0x555, 0xB6D, 0xC71, 0xFFF, 0x1C7, 0x6DB, 0x555, 0xB6D, 0xC71},
    {0x555, 0xE38, 0xC71, 0xAAA, 0x1C7, 0x38E, 0x555, 0xE38, 0xC71, 0xAAA, 0x1C7, 0x38E},
};
static const uint16_t mask_cols[QR_MASK_COUNT][MASK_PERIOD] = {
    {0x555, 0xAAA, 0x555, 0xAAA, 0x555, 0xAAA, 0x555, 0xAAA, 0x555, 0xAAA, 0x555, 0xAAA},
    {0x555, 0x555, 0x555, 0x555, 0x555, 0x555, 0x555, 0x555, 0x555, 0x555, 0x555, 0x555},
    {0xFFF, 0x000, 0x000, 0xFFF, 0x000, 0x000, 0xFFF, 0x000, 0x000, 0xFFF, 0x000, 0x000},
    {0x249, 0x924, 0x492, 0x249, 0x924, 0x492, 0x249, 0x924, 0x492, 0x249, 0x924, 0x492},
    {0x333, 0x333, 0x333, 0xCCC, 0xCCC, 0xCCC, 0x333, 0x333, 0x333, 0xCCC, 0xCCC, 0xCCC},
    {0xFFF, 0x041, 0x249, 0x555, 0x249, 0x041, 0xFFF, 0x041, 0x249, 0x555, 0x249, 0x041},
    {0xFFF, 0x1C7, 0x6DB, 0x555, 0xB6D, 0xC71, 0xFFF, 0x1C7, 0x6DB, 0x555, 0xB6D, 0xC71},
    {0x555, 0xE38, 0xC71, 0xAAA, 0x1C7, 0x38E, 0x555, 0xE38, 0xC71, 0xAAA, 0x1C7, 0x38E},
};

bool qr_mask_inverts(int mask, size_t x, size_t y) {
  return ((unsigned)mask_rows[mask][y % MASK_PERIOD] >> (x % MASK_PERIOD)) & 1u;
}

/* Expands a 12-bit period `unit` into the words of a line: word j starts at module 64j. */
static void unit_expand(unsigned unit, size_t words, uint64_t *out) {
  for (size_t j = 0; j < words; j++) {
    unsigned phase = (unsigned)(64 * j % MASK_PERIOD);
    unsigned rot = phase ? ((unit >> phase) | (unit << (MASK_PERIOD - phase))) & 0xFFFu : unit;
    out[j] = rot * REPEAT12;
  }
}

unsigned qr_mask_format_bits(enum qr_ec ec, int mask) {
  static const unsigned ec_bits[] = {1, 0, 3, 2}; /* L, M, Q, H: 01, 00, 11, 10 (Table 12) */
  unsigned data = ec_bits[ec] << 3 | (unsigned)mask;
  unsigned rem = data << 10;
  for (int bit = 14; bit >= 10; bit--)
    if (rem & (1u << bit)) rem ^= 0x537u << (bit - 10); /* generator x^10+x^8+x^5+x^4+x^2+x+1 */
  return ((data << 10) | rem) ^ 0x5412u;
}

static void set_module(line_t *lines, size_t x, size_t y, bool dark) {
  uint64_t bit = 1ull << (x % 64);
  if (dark)
    lines[y][x / 64] |= bit;
  else
    lines[y][x / 64] &= ~bit;
}

/* Writes both copies of the format information (ISO/IEC 18004:2015, 7.9.1, Figure 25):
 * bit i (0 = least significant) goes next to the top-left finder, down column 8 then left
 * along row 8, and next to the other two finders, left along row 8 then down column 8. */
static void write_format(struct planes *p, unsigned format) {
  size_t w = p->w;
  for (size_t i = 0; i < 15; i++) {
    bool dark = (format >> i) & 1u;
    size_t ax = i < 8 ? 8 : i == 8 ? 7 : 14 - i, ay = i < 6 ? i : i < 8 ? i + 1 : 8;
    size_t bx = i < 8 ? w - 1 - i : 8, by = i < 8 ? 8 : w - 15 + i;
    set_module(p->m, ax, ay, dark);
    set_module(p->m_t, ay, ax, dark);
    set_module(p->m, bx, by, dark);
    set_module(p->m_t, by, bx, dark);
  }
}

/* ---- scoring ---- */

static uint64_t valid_bits(size_t w, size_t j) {
  size_t left = w - 64 * j;
  return left >= 64 ? ~0ull : (1ull << left) - 1;
}

/* Bit count without relying on a POPCNT instruction the build may not target. */
static long popcount(uint64_t v) {
  v -= (v >> 1) & 0x5555555555555555ull;
  v = (v & 0x3333333333333333ull) + ((v >> 2) & 0x3333333333333333ull);
  v = (v + (v >> 4)) & 0x0F0F0F0F0F0F0F0Full;
  return (long)((v * 0x0101010101010101ull) >> 56);
}

/* Scores N3 on one line the slow way, run by run, as libqrencode reads the rule. Runs alternate
 * light, dark, light, ...: a line starting dark gets a zero-length phantom light run first. */
static long line_n3_by_runs(const line_t *lines, size_t w, size_t j, unsigned bit) {
  int runs[QR_WIDTH_MODULES_MAX + 2], count = 0;
  bool prev = false;
  for (size_t y = 0; y < w; y++) {
    bool dark = (lines[y][j] >> bit) & 1u;
    if (y == 0 && dark) runs[count++] = 0;
    if (y == 0 || dark != prev) runs[count++] = 0;
    runs[count - 1]++;
    prev = dark;
  }
  long score = 0;
  for (int i = 3; i < count - 2; i += 2) { /* odd indexes are the dark runs */
    if (runs[i] % 3 != 0) continue;
    int f = runs[i] / 3;
    if (runs[i - 2] != f || runs[i - 1] != f || runs[i + 1] != f || runs[i + 2] != f) continue;
    bool before = i == 3 || runs[i - 3] >= 4 * f;        /* the first light run reaches the edge */
    bool after = i + 4 >= count || runs[i + 3] >= 4 * f; /* so does the last */
    if (before || after) score += PENALTY_N3;
  }
  return score;
}

/* N1 + N3 of all columns held in word j of `lines`. */
static long columns_score(const line_t *lines, size_t w, size_t j) {
  uint64_t valid = valid_bits(w, j), prev_run5 = 0;
  long n1 = 0, n3 = 0;
#define D(y)  (lines[(y)][j])
#define L(y)  (~lines[(y)][j] & valid)
#define LX(y) ((y) < 0 || (y) >= (long)w ? valid : L(y)) /* beyond the edge: light */
  /* Columns that may hold a pattern with f >= 2 are scored run by run. Such a pattern has a
   * dark run of 3f >= 6 between whole light runs of f >= 2, so somewhere two light modules
   * precede six dark ones and somewhere two light modules follow six dark ones. */
  uint64_t starts = 0, ends = 0;
  for (size_t y = 0; y + 6 <= w; y++) {
    uint64_t dark6 = D(y) & D(y + 1) & D(y + 2) & D(y + 3) & D(y + 4) & D(y + 5);
    if (y >= 2) starts |= dark6 & L(y - 2) & L(y - 1);
    if (y + 8 <= w) ends |= dark6 & L(y + 6) & L(y + 7);
  }
  uint64_t slow = starts & ends;
  for (size_t y = 0; y + 5 <= w; y++) {
    uint64_t run5 = (D(y) & D(y + 1) & D(y + 2) & D(y + 3) & D(y + 4)) |
                    (L(y) & L(y + 1) & L(y + 2) & L(y + 3) & L(y + 4));
    /* a run of L >= 5 has L - 4 windows of five: with N1 - 1 more per run it scores N1 + L - 5 */
    n1 += popcount(run5) + (PENALTY_N1 - 1) * popcount(run5 & ~prev_run5);
    prev_run5 = run5;
  }
  for (size_t y = 0; y + 7 <= w; y++) {
    uint64_t pattern = D(y) & L(y + 1) & D(y + 2) & D(y + 3) & D(y + 4) & L(y + 5) & D(y + 6);
    if (!pattern) continue;
    uint64_t before = LX((long)y - 1) & LX((long)y - 2) & LX((long)y - 3) & LX((long)y - 4);
    uint64_t after = LX((long)y + 7) & LX((long)y + 8) & LX((long)y + 9) & LX((long)y + 10);
    n3 += PENALTY_N3 * popcount(pattern & LX((long)y - 1) & LX((long)y + 7) & (before | after) & ~slow);
  }
#undef D
#undef L
#undef LX
  for (uint64_t rest = slow; rest; rest &= rest - 1)
    n3 += line_n3_by_runs(lines, w, j, (unsigned)__builtin_ctzll(rest));
  return n1 + n3;
}

/* N2 (2×2 blocks) and the dark count, from the rows. */
static long blocks_score(const struct planes *p, long *dark) {
  long blocks = 0;
  *dark = 0;
  for (size_t y = 0; y < p->w; y++) {
    for (size_t j = 0; j < p->words; j++) {
      *dark += popcount(p->m[y][j]);
      if (y + 1 == p->w) continue;
      uint64_t a = p->m[y][j], b = p->m[y + 1][j];
      uint64_t next_a = j + 1 < p->words ? p->m[y][j + 1] : 0,
               next_b = j + 1 < p->words ? p->m[y + 1][j + 1] : 0;
      uint64_t a1 = (a >> 1) | (next_a << 63), b1 = (b >> 1) | (next_b << 63); /* module x+1 */
      uint64_t same = ~(a ^ b) & ~(a ^ a1) & ~(a ^ b1) & valid_bits(p->w - 1, j);
      blocks += popcount(same);
    }
  }
  return PENALTY_N2 * blocks;
}

static long candidate_score(const struct planes *p) {
  long dark = 0, score = blocks_score(p, &dark);
  for (size_t j = 0; j < p->words; j++)
    score += columns_score(p->m, p->w, j) + columns_score(p->m_t, p->w, j);
  long area = (long)(p->w * p->w), share = (200 * dark + area) / area / 2; /* percent, rounded */
  long off = share > 50 ? share - 50 : 50 - share;
  return score + off / 5 * PENALTY_N4;
}

/* ---- planes ---- */

static void planes_load(struct planes *p, const unsigned char *modules, size_t w) {
  p->w = w;
  p->words = (w + 63) / 64;
  size_t bytes = w * sizeof(line_t);
  memset(p->dark, 0, bytes);
  memset(p->data, 0, bytes);
  memset(p->dark_t, 0, bytes);
  memset(p->data_t, 0, bytes);
  for (size_t y = 0; y < w; y++) {
    const unsigned char *row = modules + y * w;
    for (size_t x = 0; x < w; x++) {
      uint64_t bx = 1ull << (x % 64), by = 1ull << (y % 64);
      if (row[x] & 1u) {
        p->dark[y][x / 64] |= bx;
        p->dark_t[x][y / 64] |= by;
      }
      if (!(row[x] & MODULE_FUNCTION)) {
        p->data[y][x / 64] |= bx;
        p->data_t[x][y / 64] |= by;
      }
    }
  }
}

/* Sets p->m and p->m_t to the symbol masked with pattern k instead of `from_mask`, the
 * pattern it was loaded with. Format information is left as loaded. */
static void planes_mask(struct planes *p, int from_mask, int k) {
  line_t rows[MASK_PERIOD], cols[MASK_PERIOD];
  for (unsigned i = 0; i < MASK_PERIOD; i++) {
    unit_expand((unsigned)(mask_rows[k][i] ^ mask_rows[from_mask][i]), p->words, rows[i]);
    unit_expand((unsigned)(mask_cols[k][i] ^ mask_cols[from_mask][i]), p->words, cols[i]);
  }
  for (size_t y = 0; y < p->w; y++) {
    for (size_t j = 0; j < p->words; j++) {
      p->m[y][j] = p->dark[y][j] ^ (rows[y % MASK_PERIOD][j] & p->data[y][j]);
      p->m_t[y][j] = p->dark_t[y][j] ^ (cols[y % MASK_PERIOD][j] & p->data_t[y][j]);
    }
  }
}

long qr_mask_penalty(const unsigned char *modules, size_t width) {
  static_assert(QR_WIDTH_MODULES_MAX <= 64 * LINE_WORDS, "lines hold a row");
  struct planes p;
  planes_load(&p, modules, width);
  memcpy(p.m, p.dark, width * sizeof(line_t));
  memcpy(p.m_t, p.dark_t, width * sizeof(line_t));
  return candidate_score(&p);
}

int qr_mask_apply_best(unsigned char *modules, size_t width, enum qr_ec ec, int mask_in) {
  assert(width >= 21 && width <= QR_WIDTH_MODULES_MAX && mask_in >= 0 && mask_in < QR_MASK_COUNT);
  struct planes p;
  planes_load(&p, modules, width);
  int best = 0;
  long best_score = 0;
  for (int k = 0; k < QR_MASK_COUNT; k++) {
    planes_mask(&p, mask_in, k);
    write_format(&p, qr_mask_format_bits(ec, k));
    long score = candidate_score(&p);
    if (k == 0 || score < best_score) {
      best = k;
      best_score = score;
    }
  }
  planes_mask(&p, mask_in, best);
  write_format(&p, qr_mask_format_bits(ec, best));
  for (size_t y = 0; y < width; y++) {
    unsigned char *row = modules + y * width;
    for (size_t x = 0; x < width; x++)
      row[x] = (unsigned char)((row[x] & ~1u) | ((p.m[y][x / 64] >> (x % 64)) & 1u));
  }
  return best;
}
