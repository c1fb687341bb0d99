/*
 * Unit tests for core/qr. Every rendered code is read back by decoders we did not write:
 * PNGs go straight to zbarimg (zbar-tools), SVGs are rasterized by rsvg-convert (librsvg2-bin)
 * and then decoded by zbarimg, and the decoded text must equal the input byte for byte. The
 * SVG path data and the terminal half blocks are also parsed back into a module matrix and
 * compared with the matrix libqrencode itself produces. Options and texts are tested on both
 * sides of every limit.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>
#include <qrencode.h>

#include "core/arena.h"
#include "core/buf.h"
#include "core/qr.h"
#include "core/status.h"

#define TEST_ARENA_BYTES (64u << 20)
#define TEST_OUT_MAX     (32u << 20)
#define DECODED_MAX      (QR_TEXT_BYTES_MAX + 64)

/* Texts of the kinds the server emits, plus harder ones: lower case (byte mode), a query
 * string, digits (numeric segments), and a UTF-8 title (byte mode, multi-byte). */
static const char *const texts[] = {
    "HTTP://127.0.0.1:8080/P/7K3QX9",
    "HTTPS://SHOP.EXAMPLE/Q/7K3QX9",
    "https://shop.example/p/7k3qx9?utm_source=wechat&ch=poster",
    "HTTPS://SHOP.EXAMPLE/H/0123456789ABCDEFGHJKMNPQRSTVWXYZ0123456789",
    "￥7K3QX9M￥ 复制这段话打开互通 HTTPS://SHOP.EXAMPLE/P/7K3QX9",
};
#define TEXTS_COUNT (sizeof texts / sizeof texts[0])

/* ---- helpers ---- */

static char *temp_path(const char *suffix) {
  const char *dir = getenv("TMPDIR");
  static char path[512];
  snprintf(path, sizeof path, "%s/hutong_qr_XXXXXX%s", dir && *dir ? dir : "/tmp", suffix);
  int fd = mkstemps(path, (int)strlen(suffix));
  assert_true(fd >= 0);
  close(fd);
  return path;
}

static void write_file(const char *path, struct str data) {
  FILE *f = fopen(path, "wb");
  assert_non_null(f);
  assert_int_equal(fwrite(data.data, 1, data.len, f), data.len);
  assert_int_equal(fclose(f), 0);
}

/* Runs `cmd` and returns its whole standard output (NUL-terminated) and exit status. */
static int run_capture(const char *cmd, char *out, size_t out_max) {
  FILE *p = popen(cmd, "r");
  assert_non_null(p);
  size_t n = fread(out, 1, out_max - 1, p);
  out[n] = '\0';
  return pclose(p);
}

/* Decodes the image at `path` with zbarimg and checks it holds exactly `text`, once. */
static void assert_zbar_decodes(const char *path, const char *text) {
  char cmd[1024], decoded[DECODED_MAX];
  snprintf(cmd, sizeof cmd, "zbarimg --raw -q -Sdisable -Sqrcode.enable '%s' 2>/dev/null", path);
  int status = run_capture(cmd, decoded, sizeof decoded);
  size_t len = strlen(text);
  if (status != 0 || strlen(decoded) != len + 1 || memcmp(decoded, text, len) != 0 || decoded[len] != '\n')
    fail_msg("zbarimg on %s (status %d) gave \"%s\", want \"%s\"", path, status, decoded, text);
}

static QRcode *libqrencode_matrix(const char *text, enum qr_ec ec) {
  static const QRecLevel levels[] = {QR_ECLEVEL_L, QR_ECLEVEL_M, QR_ECLEVEL_Q, QR_ECLEVEL_H};
  QRcode *raw = QRcode_encodeString(text, 0, levels[ec], QR_MODE_8, 1);
  assert_non_null(raw);
  return raw;
}

/* A module grid including the quiet zone, for parsed-back renderings; one spare row for the
 * terminal's last half line. */
#define GRID_SIDE_MAX (QR_WIDTH_MODULES_MAX + 2 * QR_MARGIN_MODULES_MAX + 1)
struct grid {
  size_t side;
  unsigned char cell[GRID_SIDE_MAX * GRID_SIDE_MAX];
};

static void assert_grid_matches(const struct grid *g, const QRcode *raw, size_t margin) {
  assert_int_equal(g->side, (size_t)raw->width + 2 * margin);
  for (size_t y = 0; y < g->side; y++) {
    for (size_t x = 0; x < g->side; x++) {
      bool inside =
          x >= margin && y >= margin && x < margin + (size_t)raw->width && y < margin + (size_t)raw->width;
      bool dark = inside && (raw->data[(y - margin) * (size_t)raw->width + (x - margin)] & 1);
      if (g->cell[y * g->side + x] != dark) fail_msg("module (%zu,%zu) differs", x, y);
    }
  }
}

/* ---- options and limits ---- */

static void test_options_limits(void **state) {
  (void)state;
  struct qr_options o = qr_options_default();
  assert_int_equal(o.margin_modules, 4);
  assert_int_equal(o.ec, QR_EC_M);
  assert_int_equal(qr_options_check(&o), HT_OK);
  struct {
    unsigned *field;
    unsigned value;
    int want;
  } cases[] = {
      {&o.scale_px, QR_SCALE_PX_MIN - 1, HT_ERANGE},
      {&o.scale_px, QR_SCALE_PX_MIN, HT_OK},
      {&o.scale_px, QR_SCALE_PX_MAX, HT_OK},
      {&o.scale_px, QR_SCALE_PX_MAX + 1, HT_ERANGE},
      {&o.margin_modules, 0, HT_OK},
      {&o.margin_modules, QR_MARGIN_MODULES_MAX, HT_OK},
      {&o.margin_modules, QR_MARGIN_MODULES_MAX + 1, HT_ERANGE},
      {&o.size_px, 0, HT_OK},
      {&o.size_px, QR_SIZE_PX_MIN - 1, HT_ERANGE},
      {&o.size_px, QR_SIZE_PX_MIN, HT_OK},
      {&o.size_px, QR_SIZE_PX_MAX, HT_OK},
      {&o.size_px, QR_SIZE_PX_MAX + 1, HT_ERANGE},
      {&o.png_bits, 0, HT_EINVAL},
      {&o.png_bits, 1, HT_OK},
      {&o.png_bits, 2, HT_EINVAL},
      {&o.png_bits, 8, HT_OK},
      {&o.png_bits, 16, HT_EINVAL},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    o = qr_options_default(); /* each case changes one field of the defaults */
    *cases[i].field = cases[i].value;
    if (qr_options_check(&o) != cases[i].want) fail_msg("case %zu: value %u", i, cases[i].value);
  }
  o = qr_options_default();
  o.ec = (enum qr_ec)(QR_EC_H + 1);
  assert_int_equal(qr_options_check(&o), HT_EINVAL);
  o.ec = QR_EC_H;
  assert_int_equal(qr_options_check(&o), HT_OK);
  o.term_style = (enum qr_term_style)(QR_TERM_INK_LIGHT + 1);
  assert_int_equal(qr_options_check(&o), HT_EINVAL);
  o.term_style = QR_TERM_INK_LIGHT;
  assert_int_equal(qr_options_check(&o), HT_OK);
}

/* Bad options and texts fail every renderer and leave the buffer as it was. */
static void test_render_rejects_bad_input(void **state) {
  (void)state;
  struct arena a;
  arena_init(&a, TEST_ARENA_BYTES);
  struct buf b;
  buf_init(&b, &a, TEST_OUT_MAX);
  assert_int_equal(buf_append_cstr(&b, "keep"), HT_OK);
  struct qr_options o = qr_options_default();
  struct str link = STR_LIT("HTTPS://SHOP.EXAMPLE/Q/7K3QX9");
  for (int f = QR_FORMAT_SVG; f <= QR_FORMAT_TERMINAL; f++) {
    o.scale_px = QR_SCALE_PX_MAX + 1;
    assert_int_equal(qr_render_text(link, &o, (enum qr_format)f, &b), HT_ERANGE);
    o = qr_options_default();
    o.margin_modules = QR_MARGIN_MODULES_MAX + 1;
    assert_int_equal(qr_render_text(link, &o, (enum qr_format)f, &b), HT_ERANGE);
    o = qr_options_default();
    assert_int_equal(qr_render_text(STR_LIT(""), &o, (enum qr_format)f, &b), HT_EINVAL);
    assert_int_equal(qr_render_text(STR_LIT("A\0B"), &o, (enum qr_format)f, &b), HT_EINVAL);
  }
  assert_int_equal(qr_render_text(link, &o, (enum qr_format)(QR_FORMAT_TERMINAL + 1), &b), HT_EINVAL);
  assert_true(str_eq(buf_view(&b), STR_LIT("keep")));
  arena_free_all(&a);
}

/* QR_TEXT_BYTES_MAX is the byte capacity of version 40-H: the longest text fits at H, one
 * more byte is refused before libqrencode is asked. */
static void test_text_length_limit(void **state) {
  (void)state;
  struct arena a;
  arena_init(&a, TEST_ARENA_BYTES);
  static char text[QR_TEXT_BYTES_MAX + 1];
  for (size_t i = 0; i < sizeof text; i++) text[i] = "hutong-\xe4\xba\x92"[i % 10]; /* bytes ≥ 0x80 too */
  struct qr_code code;
  assert_int_equal(qr_encode(&a, (struct str){text, QR_TEXT_BYTES_MAX}, QR_EC_H, &code), HT_OK);
  assert_int_equal(code.version, 40);
  assert_int_equal(code.width, QR_WIDTH_MODULES_MAX);
  assert_int_equal(qr_encode(&a, (struct str){text, QR_TEXT_BYTES_MAX + 1}, QR_EC_L, &code), HT_ETOOBIG);
  assert_int_equal(qr_encode(&a, STR_LIT("X"), QR_EC_L, &code), HT_OK);
  assert_int_equal(code.version, 1);
  assert_int_equal(qr_encode(&a, STR_LIT("X"), (enum qr_ec)(QR_EC_H + 1), &code), HT_EINVAL);
  arena_free_all(&a);
}

/* qr_encode copies exactly libqrencode's matrix. */
static void test_encode_matches_libqrencode(void **state) {
  (void)state;
  struct arena a;
  arena_init(&a, TEST_ARENA_BYTES);
  for (size_t t = 0; t < TEXTS_COUNT; t++) {
    for (int ec = QR_EC_L; ec <= QR_EC_H; ec++) {
      struct qr_code code;
      assert_int_equal(qr_encode(&a, str_from_cstr(texts[t]), (enum qr_ec)ec, &code), HT_OK);
      QRcode *raw = libqrencode_matrix(texts[t], (enum qr_ec)ec);
      assert_int_equal(code.version, raw->version);
      assert_int_equal(code.width, (size_t)raw->width);
      for (size_t i = 0; i < code.width * code.width; i++)
        assert_int_equal(code.modules[i], raw->data[i] & 1);
      QRcode_free(raw);
    }
  }
  arena_free_all(&a);
}

/* Why links are upper case: alphanumeric mode makes a smaller symbol than byte mode. */
static void test_upper_case_link_is_smaller(void **state) {
  (void)state;
  static const char *const pairs[][2] = {
      {"HTTP://127.0.0.1:8080/P/7K3QX9", "http://127.0.0.1:8080/p/7k3qx9"},
      {"HTTPS://SHOP.EXAMPLE/Q/7K3QX9", "https://shop.example/q/7k3qx9"},
      {"HTTPS://SHOP.EXAMPLE/S/7K3QX9/ITEMS/0123456789ABCDEF",
       "https://shop.example/s/7k3qx9/items/0123456789abcdef"},
  };
  struct arena a;
  arena_init(&a, TEST_ARENA_BYTES);
  for (size_t i = 0; i < sizeof pairs / sizeof pairs[0]; i++) {
    for (int ec = QR_EC_L; ec <= QR_EC_H; ec++) {
      struct qr_code upper, lower;
      assert_int_equal(qr_encode(&a, str_from_cstr(pairs[i][0]), (enum qr_ec)ec, &upper), HT_OK);
      assert_int_equal(qr_encode(&a, str_from_cstr(pairs[i][1]), (enum qr_ec)ec, &lower), HT_OK);
      assert_true(upper.version <= lower.version);
      /* Strictly smaller at the default level M and at H (measured: v2 vs v3, v3 vs v4). */
      if (ec == QR_EC_M || ec == QR_EC_H) {
        if (upper.version >= lower.version)
          fail_msg("%s: v%d, lower case v%d", pairs[i][0], upper.version, lower.version);
      }
    }
  }
  arena_free_all(&a);
}

/* ---- PNG ---- */

static unsigned png_u32(const char *p) {
  const unsigned char *u = (const unsigned char *)p;
  return (unsigned)u[0] << 24 | (unsigned)u[1] << 16 | (unsigned)u[2] << 8 | u[3];
}

/* Checks the PNG signature and IHDR (PNG spec, 11.2.2): side × side, gray, `bits` deep. */
static void assert_png_header(struct str png, unsigned side, unsigned bits) {
  assert_true(png.len > 33);
  assert_memory_equal(png.data, "\x89PNG\r\n\x1a\n", 8);
  assert_memory_equal(png.data + 12, "IHDR", 4);
  assert_int_equal(png_u32(png.data + 16), side);
  assert_int_equal(png_u32(png.data + 20), side);
  assert_int_equal((unsigned char)png.data[24], bits);
  assert_int_equal((unsigned char)png.data[25], 0); /* colour type 0: grayscale */
}

/* Texts × EC levels × module sizes × depths, each decoded by zbarimg. */
static void test_png_decodes_with_zbar(void **state) {
  (void)state;
  static const unsigned scales[] = {2, 3, 5};
  static const unsigned depths[] = {1, 8};
  struct arena a;
  arena_init(&a, TEST_ARENA_BYTES);
  size_t decoded = 0;
  for (size_t t = 0; t < TEXTS_COUNT; t++) {
    for (int ec = QR_EC_L; ec <= QR_EC_H; ec++) {
      for (size_t s = 0; s < sizeof scales / sizeof scales[0]; s++) {
        for (size_t d = 0; d < 2; d++) {
          struct qr_options o = qr_options_default();
          o.ec = (enum qr_ec)ec;
          o.scale_px = scales[s];
          o.png_bits = depths[d];
          struct buf b;
          buf_init(&b, &a, TEST_OUT_MAX);
          assert_int_equal(qr_render_text(str_from_cstr(texts[t]), &o, QR_FORMAT_PNG, &b), HT_OK);
          QRcode *raw = libqrencode_matrix(texts[t], o.ec);
          assert_png_header(buf_view(&b), ((unsigned)raw->width + 8) * scales[s], depths[d]);
          QRcode_free(raw);
          char *path = temp_path(".png");
          write_file(path, buf_view(&b));
          assert_zbar_decodes(path, texts[t]);
          unlink(path);
          decoded++;
        }
      }
    }
  }
  assert_int_equal(decoded, TEXTS_COUNT * 4 * 3 * 2);
  arena_free_all(&a);
}

/* A target size gives an image of exactly that side; a size smaller than the modules fails. */
static void test_png_target_size(void **state) {
  (void)state;
  struct arena a;
  arena_init(&a, TEST_ARENA_BYTES);
  struct str link = STR_LIT("HTTPS://SHOP.EXAMPLE/Q/7K3QX9"); /* version 2 at M: 25 + 8 modules */
  static const unsigned sizes[] = {33, 100, 257, 1000};
  for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
    struct qr_options o = qr_options_default();
    o.size_px = sizes[i];
    o.png_bits = i % 2 ? 8 : 1;
    struct buf b;
    buf_init(&b, &a, TEST_OUT_MAX);
    assert_int_equal(qr_render_text(link, &o, QR_FORMAT_PNG, &b), HT_OK);
    assert_png_header(buf_view(&b), sizes[i], o.png_bits);
    if (sizes[i] >= 66) { /* 2 px per module and more: within what zbar reads */
      char *path = temp_path(".png");
      write_file(path, buf_view(&b));
      assert_zbar_decodes(path, "HTTPS://SHOP.EXAMPLE/Q/7K3QX9");
      unlink(path);
    }
  }
  struct qr_options o = qr_options_default();
  o.size_px = 32; /* one pixel short of 33 modules */
  struct buf b;
  buf_init(&b, &a, TEST_OUT_MAX);
  assert_int_equal(qr_render_text(link, &o, QR_FORMAT_PNG, &b), HT_ERANGE);
  assert_int_equal(qr_render_text(link, &o, QR_FORMAT_SVG, &b), HT_ERANGE);
  assert_int_equal(b.len, 0);
  arena_free_all(&a);
}

/* ---- SVG ---- */

/* Parses our SVG's path data ("M x y.5 h n (m dx dy h n)*") back into a module grid. */
static void svg_parse_path(const char *svg, struct grid *g) {
  unsigned side = 0;
  const char *vb = strstr(svg, "viewBox=\"0 0 ");
  assert_non_null(vb);
  assert_int_equal(sscanf(vb, "viewBox=\"0 0 %u", &side), 1);
  g->side = side;
  memset(g->cell, 0, sizeof g->cell);
  const char *d = strstr(svg, " d=\"M");
  assert_non_null(d);
  d += 4;
  long x = 0, y = 0;
  while (*d == 'M' || *d == 'm') {
    char op = *d++;
    char *end;
    long dx = strtol(d, &end, 10);
    assert_true(*end == ' ');
    long dy = strtol(end + 1, &end, 10);
    if (op == 'M') {
      assert_memory_equal(end, ".5", 2);
      end += 2;
      x = dx, y = dy;
    } else {
      x += dx, y += dy;
    }
    assert_true(*end == 'h');
    long run = strtol(end + 1, &end, 10);
    assert_true(run > 0 && x >= 0 && y >= 0 && x + run <= (long)side && y < (long)side);
    for (long i = 0; i < run; i++) g->cell[(size_t)y * side + (size_t)(x + i)] = 1;
    x += run;
    d = end;
  }
  assert_memory_equal(d, "\"/></svg>\n", 10);
}

static void test_svg_structure_matches_matrix(void **state) {
  (void)state;
  struct arena a;
  arena_init(&a, TEST_ARENA_BYTES);
  static struct grid g;
  static const unsigned margins[] = {0, 1, 4, QR_MARGIN_MODULES_MAX};
  for (size_t t = 0; t < TEXTS_COUNT; t++) {
    for (size_t m = 0; m < 4; m++) {
      struct qr_options o = qr_options_default();
      o.margin_modules = margins[m];
      o.ec = (enum qr_ec)(m % 4);
      struct buf b;
      buf_init(&b, &a, TEST_OUT_MAX);
      assert_int_equal(qr_render_text(str_from_cstr(texts[t]), &o, QR_FORMAT_SVG, &b), HT_OK);
      const char *svg = b.data;
      assert_true(strncmp(svg, "<svg xmlns=\"http://www.w3.org/2000/svg\" ", 40) == 0);
      assert_non_null(strstr(svg, "shape-rendering=\"crispEdges\""));
      assert_non_null(strstr(svg, "<path "));
      assert_null(strstr(strstr(svg, "<path ") + 1, "<path")); /* exactly one path */
      svg_parse_path(svg, &g);
      QRcode *raw = libqrencode_matrix(texts[t], o.ec);
      assert_grid_matches(&g, raw, margins[m]);
      QRcode_free(raw);
    }
  }
  arena_free_all(&a);
}

/* SVGs rasterized by librsvg at several sizes, then decoded by zbarimg. */
static void test_svg_decodes_with_zbar(void **state) {
  (void)state;
  static const unsigned widths_px[] = {150, 333};
  struct arena a;
  arena_init(&a, TEST_ARENA_BYTES);
  for (size_t t = 0; t < TEXTS_COUNT; t++) {
    for (int ec = QR_EC_L; ec <= QR_EC_H; ec++) {
      struct qr_options o = qr_options_default();
      o.ec = (enum qr_ec)ec;
      struct buf b;
      buf_init(&b, &a, TEST_OUT_MAX);
      assert_int_equal(qr_render_text(str_from_cstr(texts[t]), &o, QR_FORMAT_SVG, &b), HT_OK);
      char svg_path[512], cmd[1200], out[256];
      snprintf(svg_path, sizeof svg_path, "%s", temp_path(".svg"));
      write_file(svg_path, buf_view(&b));
      for (size_t w = 0; w < 2; w++) {
        char *png_path = temp_path(".png");
        snprintf(cmd, sizeof cmd, "rsvg-convert -w %u -o '%s' '%s' 2>&1", widths_px[w], png_path, svg_path);
        if (run_capture(cmd, out, sizeof out) != 0) fail_msg("rsvg-convert failed: %s", out);
        assert_zbar_decodes(png_path, texts[t]);
        unlink(png_path);
      }
      unlink(svg_path);
    }
  }
  arena_free_all(&a);
}

/* ---- terminal ---- */

static const char *skip_prefix(const char *p, const char *prefix) {
  size_t n = strlen(prefix);
  return strncmp(p, prefix, n) == 0 ? p + n : NULL;
}

/* Returns `p` past `prefix`, failing the test when it is not there. */
static const char *expect_prefix(const char *p, const char *prefix) {
  const char *next = skip_prefix(p, prefix);
  if (!next) fail_msg("expected \"%s\" at \"%.16s\"", prefix, p);
  return next ? next : p;
}

/* The four glyphs and the halves they ink (bit 1: upper, bit 0: lower). */
static const struct {
  const char *utf8;
  unsigned halves;
} term_glyphs[] = {{" ", 0}, {"\xe2\x96\x84", 1}, {"\xe2\x96\x80", 2}, {"\xe2\x96\x88", 3}};

/* Parses half-block lines back into a module grid; `ink_dark` says what the glyph ink means. */
static void term_parse(const char *text, bool ansi, bool ink_dark, struct grid *g) {
  memset(g->cell, 0, sizeof g->cell);
  size_t row = 0, side = 0;
  const char *p = text;
  while (*p) {
    if (ansi) p = expect_prefix(p, "\x1b[30;47m");
    size_t col = 0;
    while (*p != '\n' && *p != '\x1b') {
      const char *next = NULL;
      unsigned halves = 0;
      for (size_t i = 0; i < 4 && !next; i++) {
        next = skip_prefix(p, term_glyphs[i].utf8);
        halves = term_glyphs[i].halves;
      }
      if (!next) {
        fail_msg("unexpected byte 0x%02x", (unsigned char)*p);
        return;
      }
      g->cell[row * GRID_SIDE_MAX + col] = ((halves & 2) != 0) == ink_dark;
      g->cell[(row + 1) * GRID_SIDE_MAX + col] = ((halves & 1) != 0) == ink_dark;
      col++;
      p = next;
    }
    if (ansi) p = expect_prefix(p, "\x1b[0m");
    assert_true(*p == '\n');
    p++;
    if (side == 0) side = col;
    assert_int_equal(col, side);
    row += 2;
  }
  /* Rows were laid out with a fixed stride; repack to side × side. An odd side leaves a
   * last half row outside the code, which is never inked. */
  assert_true(row == side || row == side + 1);
  if (row == side + 1) {
    for (size_t x = 0; x < side; x++) assert_int_equal(g->cell[side * GRID_SIDE_MAX + x], !ink_dark);
  }
  for (size_t y = 0; y < side; y++) memmove(g->cell + y * side, g->cell + y * GRID_SIDE_MAX, side);
  g->side = side;
}

static void test_terminal_round_trip(void **state) {
  (void)state;
  struct arena a;
  arena_init(&a, TEST_ARENA_BYTES);
  static struct grid g;
  static const unsigned margins[] = {0, 1, 2, 4};
  for (size_t t = 0; t < TEXTS_COUNT; t++) {
    for (int style = QR_TERM_ANSI; style <= QR_TERM_INK_LIGHT; style++) {
      for (size_t m = 0; m < 4; m++) {
        struct qr_options o = qr_options_default();
        o.term_style = (enum qr_term_style)style;
        o.margin_modules = margins[m];
        o.ec = (enum qr_ec)((t + m) % 4);
        struct buf b;
        buf_init(&b, &a, TEST_OUT_MAX);
        assert_int_equal(qr_render_text(str_from_cstr(texts[t]), &o, QR_FORMAT_TERMINAL, &b), HT_OK);
        term_parse(b.data, style == QR_TERM_ANSI, style != QR_TERM_INK_LIGHT, &g);
        QRcode *raw = libqrencode_matrix(texts[t], o.ec);
        assert_grid_matches(&g, raw, margins[m]);
        QRcode_free(raw);
      }
    }
  }
  arena_free_all(&a);
}

/* ---- buffer limits ---- */

/* Each renderer stops at the buffer's maximum with HT_ETOOBIG and leaves no partial output;
 * the same render fits when the maximum is exactly its size. */
static void test_buffer_limit_both_sides(void **state) {
  (void)state;
  struct arena a;
  arena_init(&a, TEST_ARENA_BYTES);
  struct qr_options o = qr_options_default();
  struct str link = STR_LIT("HTTPS://SHOP.EXAMPLE/Q/7K3QX9");
  for (int f = QR_FORMAT_SVG; f <= QR_FORMAT_TERMINAL; f++) {
    struct buf full;
    buf_init(&full, &a, TEST_OUT_MAX);
    assert_int_equal(qr_render_text(link, &o, (enum qr_format)f, &full), HT_OK);
    struct buf exact, short_by_one;
    buf_init(&exact, &a, full.len);
    buf_init(&short_by_one, &a, full.len - 1);
    assert_int_equal(qr_render_text(link, &o, (enum qr_format)f, &exact), HT_OK);
    assert_true(str_eq(buf_view(&exact), buf_view(&full)));
    assert_int_equal(qr_render_text(link, &o, (enum qr_format)f, &short_by_one), HT_ETOOBIG);
    assert_int_equal(short_by_one.len, 0);
  }
  arena_free_all(&a);
}

/* Levels are one letter in either case; anything longer, shorter or different is refused. */
static void test_ec_parse(void **state) {
  (void)state;
  static const struct {
    const char *text;
    int want;
    enum qr_ec ec;
  } cases[] = {{"L", HT_OK, QR_EC_L}, {"m", HT_OK, QR_EC_M},  {"Q", HT_OK, QR_EC_Q},
               {"h", HT_OK, QR_EC_H}, {"", HT_EINVAL, 0},     {"X", HT_EINVAL, 0},
               {"MM", HT_EINVAL, 0},  {"\xcc", HT_EINVAL, 0}, {"1", HT_EINVAL, 0}};
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    enum qr_ec ec = QR_EC_L;
    int rc = qr_ec_parse(str_from_cstr(cases[i].text), &ec);
    if (rc != cases[i].want) fail_msg("case %zu (%s): %d", i, cases[i].text, rc);
    if (rc == HT_OK) assert_int_equal(ec, cases[i].ec);
  }
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_options_limits),
      cmocka_unit_test(test_ec_parse),
      cmocka_unit_test(test_render_rejects_bad_input),
      cmocka_unit_test(test_text_length_limit),
      cmocka_unit_test(test_encode_matches_libqrencode),
      cmocka_unit_test(test_upper_case_link_is_smaller),
      cmocka_unit_test(test_png_decodes_with_zbar),
      cmocka_unit_test(test_png_target_size),
      cmocka_unit_test(test_svg_structure_matches_matrix),
      cmocka_unit_test(test_svg_decodes_with_zbar),
      cmocka_unit_test(test_terminal_round_trip),
      cmocka_unit_test(test_buffer_limit_both_sides),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
