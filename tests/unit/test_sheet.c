/*
 * Unit tests for web/sheet: price-tag PDFs read back by tools we did not write. Every page is
 * rasterized by pdftoppm (poppler-utils) at 150 dpi and zbarimg must find every code of that
 * page with its exact text; pdftotext must find the titles, prices and tokens; pdffonts must
 * list the embedded Noto CJK fonts; pdfinfo must report the paper size. Options and label
 * fields are tested on both sides of every limit, and writer/iterator errors must surface.
 */
#include <math.h>
#include <stdbool.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "core/arena.h"
#include "core/qr.h"
#include "core/status.h"
#include "web/sheet.h"

/* The sanitizers ask the program for these in sanitizer builds (nothing calls them otherwise).
 * Two leaks are not ours: cairo 1.16 (Debian 12) loses 768 bytes per embedded CFF font subset
 * inside cairo_surface_finish() (three subsets per sheet: the Noto fonts we use), and
 * fontconfig a few bytes while it loads its configuration, once per process. They are
 * suppressed by the function they happen under, which needs whole stacks: the system
 * libraries have no frame pointers, so the slow unwinder must record allocations. */
const char *__asan_default_options(void);
const char *__asan_default_options(void) { return "fast_unwind_on_malloc=0"; }
const char *__lsan_default_suppressions(void);
const char *__lsan_default_suppressions(void) {
  return "leak:cairo_surface_finish\nleak:FcInitLoadConfigAndFonts\n";
}

#define LABELS_MAX     64
#define TOOL_OUT_BYTES (1u << 20)

/* ---- helpers ---- */

struct file_sink {
  FILE *f;
  size_t bytes;
  size_t fail_after; /* refuse writes once this many bytes went through (SIZE_MAX: never) */
};

static int sink_write(void *ctx, const unsigned char *data, size_t len) {
  struct file_sink *s = ctx;
  if (s->bytes + len > s->fail_after) return HT_EIO;
  if (s->f && fwrite(data, 1, len, s->f) != len) return HT_EIO;
  s->bytes += len;
  return HT_OK;
}

struct progress_log {
  size_t calls;
  size_t done[16];
  size_t total;
};

static void progress_record(void *ctx, size_t done, size_t total) {
  struct progress_log *log = ctx;
  if (log->calls < 16) log->done[log->calls] = done;
  log->calls++;
  log->total = total;
}

static char *temp_dir(void) {
  const char *base = getenv("TMPDIR");
  static char dir[512];
  snprintf(dir, sizeof dir, "%s/hutong_sheet_XXXXXX", base && *base ? base : "/tmp");
  assert_non_null(mkdtemp(dir));
  return dir;
}

static int run_capture(const char *cmd, char *out, size_t out_max) {
  FILE *p = popen(cmd, "r");
  assert_non_null(p);
  size_t n = fread(out, 1, out_max - 1, p);
  out[n] = '\0';
  return pclose(p);
}

/* Renders `labels` with `opts` into `path`; returns sheet_render()'s status. */
static int render_to_file(const struct sheet_options *opts, const struct sheet_label *labels, size_t count,
                          const char *path, struct sheet_stats *stats, struct progress_log *log) {
  struct sheet_array array = {.labels = labels, .count = count};
  struct file_sink sink = {.f = fopen(path, "wb"), .fail_after = SIZE_MAX};
  assert_non_null(sink.f);
  struct sheet_io io = {.next_label = sheet_array_next,
                        .next_ctx = &array,
                        .write = sink_write,
                        .write_ctx = &sink,
                        .progress = log ? progress_record : NULL,
                        .progress_ctx = log,
                        .total_labels = count};
  int rc = sheet_render(opts, &io, stats);
  assert_int_equal(fclose(sink.f), 0);
  return rc;
}

static int cmp_str(const void *a, const void *b) {
  return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Splits `text` in place into its '\n'-terminated lines; returns how many (at most max). */
static size_t split_lines(char *text, const char **lines, size_t max) {
  size_t n = 0;
  for (char *p = text; *p && n < max;) {
    char *end = strchr(p, '\n');
    lines[n++] = p;
    if (!end) break;
    *end = '\0';
    p = end + 1;
  }
  return n;
}

/* Rasterizes page `page` (1-based) of `pdf` at 150 dpi with pdftoppm, optionally only the
 * band from y_pt down h_pt, and returns zbarimg's decoded lines (sorted) in `found`. */
static size_t decode_page(const char *dir, const char *pdf, int page, double y_pt, double h_pt, char *out,
                          const char **found) {
  char cmd[2048], crop[128] = "", png[1024];
  if (h_pt > 0) /* pixels at 150 dpi; the full page width */
    snprintf(crop, sizeof crop, "-x 0 -y %d -W 100000 -H %d", (int)(y_pt * 150 / 72), (int)(h_pt * 150 / 72));
  snprintf(cmd, sizeof cmd, "pdftoppm -r 150 -png %s -f %d -l %d -singlefile '%s' '%s/page'", crop, page,
           page, pdf, dir);
  assert_int_equal(run_capture(cmd, out, TOOL_OUT_BYTES), 0);
  snprintf(png, sizeof png, "%s/page.png", dir);
  snprintf(cmd, sizeof cmd, "zbarimg --raw -q -Sdisable -Sqrcode.enable '%s' 2>/dev/null", png);
  run_capture(cmd, out, TOOL_OUT_BYTES); /* exit status 4 means "nothing found": checked by the caller */
  unlink(png);
  size_t n = split_lines(out, found, LABELS_MAX);
  qsort(found, n, sizeof found[0], cmp_str);
  return n;
}

/* Checks that the sorted `found` equals links[first..first+count) as a set, each once. */
static void assert_links_equal(const char **found, size_t n, const struct sheet_label *labels, size_t first,
                               size_t count, const char *where) {
  const char *want[LABELS_MAX];
  if (n != count) fail_msg("%s: zbarimg found %zu codes, want %zu", where, n, count);
  for (size_t i = 0; i < count; i++) want[i] = labels[first + i].link.data; /* NUL-terminated by the caller */
  qsort(want, count, sizeof want[0], cmp_str);
  for (size_t i = 0; i < count; i++) assert_string_equal(found[i], want[i]);
}

/* Checks that page `page` holds exactly the links labels[first..first+count), laid out in
 * `opts`' grid. Two passes at 150 dpi: the whole page, where every code zbarimg reports must
 * be one of the page's, each once; then each row of labels on its own, where zbarimg must
 * find exactly that row's codes. The rows are needed because zbar stops pairing finder
 * patterns after max(8192, pixels / 512) failed triples in a row, a budget that a page of 21
 * codes (63 finder patterns, 39,711 triples) at 150 dpi can exhaust: it then misses a few
 * codes that decode fine on their own. */
static void assert_page_codes(const char *dir, const char *pdf, int page, const struct sheet_options *opts,
                              double page_h_mm, const struct sheet_label *labels, size_t first,
                              size_t count) {
  char *out = malloc(TOOL_OUT_BYTES), where[64];
  const char *found[LABELS_MAX];
  assert_non_null(out);
  size_t n = decode_page(dir, pdf, page, 0, 0, out, found);
  assert_true(n >= 1);
  for (size_t i = 0; i < n; i++) {
    bool known = false;
    for (size_t j = first; j < first + count; j++) known |= strcmp(found[i], labels[j].link.data) == 0;
    if (!known || (i > 0 && strcmp(found[i], found[i - 1]) == 0))
      fail_msg("page %d: stray %s", page, found[i]);
  }
  double mm = 72.0 / 25.4, cell_h = (page_h_mm - 2 * opts->margin_mm) / opts->rows * mm;
  for (size_t row = 0; row * opts->columns < count; row++) {
    size_t row_first = first + row * opts->columns, row_count = count - row * opts->columns;
    if (row_count > opts->columns) row_count = opts->columns;
    n = decode_page(dir, pdf, page, opts->margin_mm * mm + (double)row * cell_h, cell_h, out, found);
    snprintf(where, sizeof where, "page %d row %zu", page, row);
    assert_links_equal(found, n, labels, row_first, row_count, where);
  }
  free(out);
}

/* Checks pdfinfo's page count and page size (points, ±0.5). */
static void assert_pdf_info(const char *pdf, int pages, double w_mm, double h_mm) {
  char cmd[1024], out[4096];
  snprintf(cmd, sizeof cmd, "pdfinfo '%s'", pdf);
  assert_int_equal(run_capture(cmd, out, sizeof out), 0);
  const char *p = strstr(out, "Pages:"), *size = strstr(out, "Page size:");
  double w = 0, h = 0;
  int n = 0;
  assert_true(p && size && sscanf(p, "Pages: %d", &n) == 1 &&
              sscanf(size, "Page size: %lf x %lf", &w, &h) == 2);
  assert_int_equal(n, pages);
  if (fabs(w - w_mm * 72 / 25.4) > 0.5 || fabs(h - h_mm * 72 / 25.4) > 0.5)
    fail_msg("page size %.1f x %.1f pt, want %.1f x %.1f mm", w, h, w_mm, h_mm);
}

/* ---- the labels of the main test ---- */

static const char *const titles[] = {
    "云南普洱熟茶 357克 七子饼",
    "Hand-thrown celadon tea cup, 120 ml",
    "手工红糖 500g",
    "景德镇手绘青花瓷茶具套装 一壶四杯 礼盒装 送长辈 送客户 高档大气 限量版典藏款",
    "Organic Sichuan pepper (花椒) 100 g",
    "A very long English title that keeps going well past two lines of the price tag so it has to "
    "be cut with an ellipsis",
    "桂花乌龙",
    "",
};
#define TITLES_COUNT (sizeof titles / sizeof titles[0])

struct label_store {
  struct sheet_label labels[LABELS_MAX];
  char links[LABELS_MAX][48];
  char prices[LABELS_MAX][16];
  char tokens[LABELS_MAX][32];
};

static void make_labels(struct label_store *s, size_t count) {
  static const char crockford[] = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
  for (size_t i = 0; i < count; i++) {
    char code[7];
    for (int k = 0; k < 6; k++) code[k] = crockford[(i * 7 + (size_t)k * 13 + 3) % 32];
    code[6] = '\0';
    /* alternate the two link shapes the server emits */
    snprintf(s->links[i], sizeof s->links[i],
             i % 2 ? "HTTPS://SHOP.EXAMPLE/P/%s" : "HTTP://127.0.0.1:8080/P/%s", code);
    snprintf(s->prices[i], sizeof s->prices[i], "¥%zu.%02zu", 3 + i * 7, (i * 37) % 100);
    snprintf(s->tokens[i], sizeof s->tokens[i], "￥%sM￥", code);
    s->labels[i] = (struct sheet_label){.title = str_from_cstr(titles[i % TITLES_COUNT]),
                                        .price = str_from_cstr(s->prices[i]),
                                        .token = str_from_cstr(s->tokens[i]),
                                        .link = str_from_cstr(s->links[i])};
  }
}

/* ---- tests ---- */

/* 30 mixed labels on A4 3×7: two pages, every code decoded on the page it belongs to. */
static void test_sheet_codes_decode(void **state) {
  (void)state;
  static struct label_store store;
  make_labels(&store, 30);
  char *dir = temp_dir(), pdf[600], cmd[2048];
  snprintf(pdf, sizeof pdf, "%s/sheet.pdf", dir);
  struct sheet_options opts = sheet_options_default();
  struct sheet_stats stats;
  struct progress_log log = {0};
  assert_int_equal(render_to_file(&opts, store.labels, 30, pdf, &stats, &log), HT_OK);
  assert_int_equal(stats.labels, 30);
  assert_int_equal(stats.pages, 2);
  assert_int_equal(stats.bad_label, SIZE_MAX);
  assert_int_equal(log.calls, 2);
  assert_int_equal(log.done[0], 21);
  assert_int_equal(log.done[1], 30);
  assert_int_equal(log.total, 30);
  assert_page_codes(dir, pdf, 1, &opts, 297.0, store.labels, 0, 21);
  assert_page_codes(dir, pdf, 2, &opts, 297.0, store.labels, 21, 9);
  assert_pdf_info(pdf, 2, 210.0, 297.0);

  char *out = malloc(TOOL_OUT_BYTES);
  assert_non_null(out);
  /* The CJK text is real text in an embedded Noto CJK subset, not tofu or outlines. */
  snprintf(cmd, sizeof cmd, "pdffonts '%s'", pdf);
  assert_int_equal(run_capture(cmd, out, TOOL_OUT_BYTES), 0);
  assert_non_null(strstr(out, "NotoSansCJK"));
  assert_non_null(strstr(out, "NotoSansMonoCJK"));
  snprintf(cmd, sizeof cmd, "pdftotext -raw '%s' -", pdf);
  assert_int_equal(run_capture(cmd, out, TOOL_OUT_BYTES), 0);
  assert_non_null(strstr(out, "云南普洱熟茶")); /* the rest wraps to a second line */
  assert_non_null(strstr(out, "桂花乌龙"));
  assert_non_null(strstr(out, "手工红糖 500g"));
  assert_non_null(strstr(out, "扫码或复制口令购买"));
  for (size_t i = 0; i < 30; i++) {
    if (!strstr(out, store.prices[i])) fail_msg("price %s missing", store.prices[i]);
    if (!strstr(out, store.tokens[i])) fail_msg("token %s missing", store.tokens[i]);
  }
  /* A long title is cut to two lines: the second ends in an ellipsis glyph whose text (cairo
   * maps a glyph cluster to the characters it stands for) is the whole elided rest, so the
   * PDF stays searchable; the line after it is the price. Unwrapped, the rest would span
   * several lines. */
  assert_non_null(
      strstr(out, "景德镇手绘青花瓷茶具\n套装 一壶四杯 礼盒装 送长辈 送客户 高档大气 限量版典藏款\n¥"));
  assert_non_null(strstr(
      out, "keeps going well past two lines of the price tag so it has to be cut with an ellipsis\n¥"));
  free(out);
  unlink(pdf);
  rmdir(dir);
}

/* The other papers and grids, and the level-H codes, decode too. */
static void test_sheet_other_papers(void **state) {
  (void)state;
  static struct label_store store;
  make_labels(&store, 12);
  static const struct {
    enum sheet_paper paper;
    unsigned columns, rows;
    double qr_mm;
    double w_mm, h_mm;
  } layouts[] = {
      {SHEET_PAPER_A5, 2, 5, 20.0, 148.0, 210.0},
      {SHEET_PAPER_LETTER, 3, 6, 25.0, 215.9, 279.4},
      {SHEET_PAPER_A4, 1, 1, SHEET_QR_MM_MAX, 210.0, 297.0},
  };
  char *dir = temp_dir(), pdf[600];
  snprintf(pdf, sizeof pdf, "%s/sheet.pdf", dir);
  for (size_t i = 0; i < sizeof layouts / sizeof layouts[0]; i++) {
    struct sheet_options opts = sheet_options_default();
    opts.paper = layouts[i].paper;
    opts.columns = layouts[i].columns;
    opts.rows = layouts[i].rows;
    opts.qr_mm = layouts[i].qr_mm;
    opts.ec = QR_EC_H;
    opts.cut_guides = i != 1;
    size_t per_page = layouts[i].columns * layouts[i].rows, count = per_page < 12 ? per_page : 12;
    assert_int_equal(render_to_file(&opts, store.labels, count, pdf, NULL, NULL), HT_OK);
    assert_pdf_info(pdf, 1, layouts[i].w_mm, layouts[i].h_mm);
    assert_page_codes(dir, pdf, 1, &opts, layouts[i].h_mm, store.labels, 0, count);
  }
  unlink(pdf);
  rmdir(dir);
}

static void test_options_limits(void **state) {
  (void)state;
  struct sheet_options o = sheet_options_default();
  assert_int_equal(sheet_options_check(&o), HT_OK);
  assert_true(o.qr_mm >= 20.0); /* never under ~20 mm by default */
  struct {
    enum sheet_paper paper;
    unsigned columns, rows;
    double qr_mm, margin_mm;
    int want;
  } cases[] = {
      {SHEET_PAPER_A4, 0, 7, 22, 10, HT_ERANGE},
      {SHEET_PAPER_A4, 1, 7, 22, 10, HT_OK},
      {SHEET_PAPER_LETTER, SHEET_COLUMNS_MAX, 7, SHEET_QR_MM_MIN, 0, HT_OK},
      {SHEET_PAPER_LETTER, SHEET_COLUMNS_MAX + 1, 7, SHEET_QR_MM_MIN, 0, HT_ERANGE},
      {SHEET_PAPER_A4, 3, 0, 22, 10, HT_ERANGE},
      {SHEET_PAPER_A4, 3, 1, 22, 10, HT_OK},
      {SHEET_PAPER_A4, 3, SHEET_ROWS_MAX, SHEET_QR_MM_MIN, 0, HT_OK},
      {SHEET_PAPER_A4, 3, SHEET_ROWS_MAX + 1, SHEET_QR_MM_MIN, 0, HT_ERANGE},
      {SHEET_PAPER_A4, 3, 7, SHEET_QR_MM_MIN, 10, HT_OK},
      {SHEET_PAPER_A4, 3, 7, SHEET_QR_MM_MIN - 0.1, 10, HT_ERANGE},
      {SHEET_PAPER_A4, 1, 1, SHEET_QR_MM_MAX, 10, HT_OK},
      {SHEET_PAPER_A4, 1, 1, SHEET_QR_MM_MAX + 0.1, 10, HT_ERANGE},
      {SHEET_PAPER_A4, 1, 1, NAN, 10, HT_ERANGE},
      {SHEET_PAPER_A4, 3, 7, 22, 0, HT_OK},
      {SHEET_PAPER_A4, 3, 7, 22, -0.1, HT_ERANGE},
      {SHEET_PAPER_A4, 1, 1, 22, SHEET_MARGIN_MM_MAX, HT_OK},
      {SHEET_PAPER_A4, 1, 1, 22, SHEET_MARGIN_MM_MAX + 0.1, HT_ERANGE},
      /* height fit: a 28 mm code needs 38.7 mm with its quiet zone, 29 mm 40.0 mm; A4 rows
       * of 7 are 39.6 mm high */
      {SHEET_PAPER_A4, 1, 7, 28, 10, HT_OK},
      {SHEET_PAPER_A4, 1, 7, 29, 10, HT_ERANGE},
      /* width fit: A4 columns of 3 are 63.3 mm; minus the 3 mm pad and the code with its
       * quiet zone (27 mm: 37.3 mm, 28 mm: 38.7 mm) that leaves 23.0 / 21.7 mm of text */
      {SHEET_PAPER_A4, 3, 6, 27, 10, HT_OK},
      {SHEET_PAPER_A4, 3, 6, 28, 10, HT_ERANGE},
      /* width fit: A5 in 3 columns with 10 mm margins leaves 19 mm of text */
      {SHEET_PAPER_A5, 3, 5, 15, 10, HT_ERANGE},
      {SHEET_PAPER_A5, 2, 5, 15, 10, HT_OK},
      {(enum sheet_paper)(SHEET_PAPER_LETTER + 1), 3, 7, 22, 10, HT_EINVAL},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    o = sheet_options_default();
    o.paper = cases[i].paper;
    o.columns = cases[i].columns;
    o.rows = cases[i].rows;
    o.qr_mm = cases[i].qr_mm;
    o.margin_mm = cases[i].margin_mm;
    int rc = sheet_options_check(&o);
    if (rc != cases[i].want)
      fail_msg("case %zu: got %s, want %s", i, ht_status_name(rc), ht_status_name(cases[i].want));
  }
  o = sheet_options_default();
  o.ec = (enum qr_ec)(QR_EC_H + 1);
  assert_int_equal(sheet_options_check(&o), HT_EINVAL);
  o = sheet_options_default();
  static char hint[SHEET_HINT_BYTES_MAX + 1];
  memset(hint, 'h', sizeof hint);
  o.hint = (struct str){hint, SHEET_HINT_BYTES_MAX};
  assert_int_equal(sheet_options_check(&o), HT_OK);
  o.hint.len++;
  assert_int_equal(sheet_options_check(&o), HT_ETOOBIG);
  o.hint = STR_LIT("\xe6\x89");
  assert_int_equal(sheet_options_check(&o), HT_EINVAL);
  o.hint = STR_LIT("");
  assert_int_equal(sheet_options_check(&o), HT_OK);
}

static void test_label_limits(void **state) {
  (void)state;
  static char big[QR_TEXT_BYTES_MAX + 1];
  memset(big, 'A', sizeof big);
  struct sheet_label ok = {STR_LIT("茶"), STR_LIT("¥1.00"), STR_LIT("￥7K3QX9M￥"),
                           STR_LIT("HTTP://X/P/7K3QX9")};
  assert_int_equal(sheet_label_check(&ok), HT_OK);
  struct sheet_label l = ok;
  l.link = STR_LIT("");
  assert_int_equal(sheet_label_check(&l), HT_EINVAL);
  l.link = STR_LIT("HTTP://X/\0");
  assert_int_equal(sheet_label_check(&l), HT_EINVAL);
  l.link = (struct str){big, QR_TEXT_BYTES_MAX};
  assert_int_equal(sheet_label_check(&l), HT_OK);
  l.link.len++;
  assert_int_equal(sheet_label_check(&l), HT_ETOOBIG);
  struct {
    struct str *field;
    size_t max;
  } fields[] = {{&l.title, SHEET_TITLE_BYTES_MAX},
                {&l.price, SHEET_PRICE_BYTES_MAX},
                {&l.token, SHEET_TOKEN_BYTES_MAX}};
  for (size_t i = 0; i < 3; i++) {
    l = ok;
    *fields[i].field = (struct str){big, fields[i].max};
    assert_int_equal(sheet_label_check(&l), HT_OK);
    fields[i].field->len++;
    assert_int_equal(sheet_label_check(&l), HT_ETOOBIG);
    *fields[i].field = STR_LIT("\xff");
    assert_int_equal(sheet_label_check(&l), HT_EINVAL);
    *fields[i].field = STR_LIT("");
    assert_int_equal(sheet_label_check(&l), HT_OK);
  }
}

/* SHEET_MODULE_MM_MIN at 22 mm allows 88 modules: version 17 (85) prints, 18 (89) is refused. */
static void test_module_size_limit(void **state) {
  (void)state;
  static char text[QR_TEXT_BYTES_MAX];
  memset(text, 'a', sizeof text); /* byte mode */
  struct arena a;
  arena_init(&a, 1 << 20);
  size_t len17 = 0, len18 = 0;
  for (size_t len = 1; len < sizeof text && !len18; len++) {
    struct qr_code code;
    assert_int_equal(qr_encode(&a, (struct str){text, len}, QR_EC_M, &code), HT_OK);
    if (code.version == 17) len17 = len;
    if (code.version == 18) len18 = len;
    arena_free_all(&a);
  }
  assert_true(len17 > 0 && len18 == len17 + 1);
  char *dir = temp_dir(), pdf[600];
  snprintf(pdf, sizeof pdf, "%s/sheet.pdf", dir);
  struct sheet_options opts = sheet_options_default();
  struct sheet_label labels[2] = {
      {STR_LIT("ok"), STR_LIT("¥1"), STR_LIT("t"), (struct str){text, len17}},
      {STR_LIT("too dense"), STR_LIT("¥1"), STR_LIT("t"), (struct str){text, len18}}};
  struct sheet_stats stats;
  assert_int_equal(render_to_file(&opts, labels, 1, pdf, &stats, NULL), HT_OK);
  assert_int_equal(render_to_file(&opts, labels, 2, pdf, &stats, NULL), HT_ERANGE);
  assert_int_equal(stats.bad_label, 1);
  assert_int_equal(stats.labels, 1);
  unlink(pdf);
  rmdir(dir);
}

static int failing_next(void *ctx, struct sheet_label *label) {
  size_t *left = ctx;
  if (*left == 0) return HT_EBUSY;
  (*left)--;
  *label = (struct sheet_label){STR_LIT("t"), STR_LIT("¥1"), STR_LIT("￥7K3QX9M￥"), STR_LIT("HTTP://X/P/1")};
  return 1;
}

/* Errors of the iterator, of the writer and of a label reach the caller; no labels is an error. */
static void test_render_errors(void **state) {
  (void)state;
  struct sheet_options opts = sheet_options_default();
  struct file_sink sink = {.fail_after = SIZE_MAX};
  size_t left = 25;
  struct sheet_io io = {
      .next_label = failing_next, .next_ctx = &left, .write = sink_write, .write_ctx = &sink};
  struct sheet_stats stats;
  assert_int_equal(sheet_render(&opts, &io, &stats), HT_EBUSY);
  assert_int_equal(stats.labels, 25);
  assert_int_equal(stats.pages, 1);

  struct sheet_array empty = {0};
  io.next_label = sheet_array_next;
  io.next_ctx = &empty;
  assert_int_equal(sheet_render(&opts, &io, NULL), HT_EINVAL);

  static struct label_store store;
  make_labels(&store, 30);
  struct sheet_array array = {.labels = store.labels, .count = 30};
  io.next_ctx = &array;
  sink = (struct file_sink){.fail_after = 10000};
  assert_int_equal(sheet_render(&opts, &io, &stats), HT_EIO);
  assert_true(sink.bytes <= 10000);

  store.labels[4].title = STR_LIT("\xc3\x28");
  array.next = 0;
  sink = (struct file_sink){.fail_after = SIZE_MAX};
  assert_int_equal(sheet_render(&opts, &io, &stats), HT_EINVAL);
  assert_int_equal(stats.bad_label, 4);

  opts.columns = 0;
  assert_int_equal(sheet_render(&opts, &io, &stats), HT_ERANGE);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_sheet_codes_decode), cmocka_unit_test(test_sheet_other_papers),
      cmocka_unit_test(test_options_limits),     cmocka_unit_test(test_label_limits),
      cmocka_unit_test(test_module_size_limit),  cmocka_unit_test(test_render_errors),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
