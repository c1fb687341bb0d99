/*
 * qr.c — QR encoding over libqrencode and the SVG, PNG and terminal renderers (see qr.h).
 *
 * The SVG renderer is on the hot path (every product page embeds its code), so it formats
 * numbers by hand into a stack chunk and appends to the buffer a chunk at a time; going
 * through printf for each run would cost more than libqrencode's encoding itself. The PNG
 * renderer hands libpng a write callback that appends to the caller's buffer and a silent
 * error handler, so nothing is ever printed or written to a file.
 */
#include "core/qr.h"

#include <errno.h>
#include <png.h>
#include <qrencode.h>
#include <string.h>

#include "core/qr_mask.h"
#include "core/status.h"

/* libqrencode exports these two but declares them only in its internal headers (split.h,
 * qrencode_inner.h); Debian tracks both in libqrencode4's symbols file since 3.2.0. They let
 * us encode with a fixed mask and pick the best mask ourselves (core/qr_mask.h), which is
 * where libqrencode spends about 90 % of its time. QRcode_encodeString() is exactly
 * split + QRcode_encodeMask(input, -1). */
extern int Split_splitStringToQRinput(const char *string, QRinput *input, QRencodeMode hint,
                                      int casesensitive);
extern QRcode *QRcode_encodeMask(QRinput *input, int mask);

struct qr_options qr_options_default(void) {
  return (struct qr_options){.ec = QR_EC_M,
                             .scale_px = QR_SCALE_PX_DEFAULT,
                             .size_px = 0,
                             .margin_modules = QR_MARGIN_MODULES_DEFAULT,
                             .png_bits = 1,
                             .term_style = QR_TERM_ANSI};
}

int qr_ec_parse(struct str text, enum qr_ec *ec) {
  static const char levels[] = "LMQH"; /* in enum qr_ec order */
  if (text.len != 1) return HT_EINVAL;
  const char *found = memchr(levels, text.data[0] & ~0x20, 4);
  if (!found) return HT_EINVAL;
  *ec = (enum qr_ec)(found - levels);
  return HT_OK;
}

int qr_options_check(const struct qr_options *opts) {
  if ((unsigned)opts->ec > (unsigned)QR_EC_H) return HT_EINVAL;
  if ((unsigned)opts->term_style > (unsigned)QR_TERM_INK_LIGHT) return HT_EINVAL;
  if (opts->png_bits != 1 && opts->png_bits != 8) return HT_EINVAL;
  if (opts->scale_px < QR_SCALE_PX_MIN || opts->scale_px > QR_SCALE_PX_MAX) return HT_ERANGE;
  if (opts->margin_modules > QR_MARGIN_MODULES_MAX) return HT_ERANGE;
  if (opts->size_px != 0 && (opts->size_px < QR_SIZE_PX_MIN || opts->size_px > QR_SIZE_PX_MAX))
    return HT_ERANGE;
  return HT_OK;
}

int qr_image_side_px(const struct qr_code *code, const struct qr_options *opts, size_t *side_px) {
  int rc = qr_options_check(opts);
  if (rc) return rc;
  size_t modules = code->width + 2u * opts->margin_modules;
  if (opts->size_px == 0) {
    *side_px = modules * opts->scale_px;
    return HT_OK;
  }
  if (opts->size_px < modules) return HT_ERANGE;
  *side_px = opts->size_px;
  return HT_OK;
}

/* ---- encoding ---- */

static const QRecLevel qr_levels[] = {QR_ECLEVEL_L, QR_ECLEVEL_M, QR_ECLEVEL_Q, QR_ECLEVEL_H};

/* Encodes into a libqrencode symbol the caller frees with QRcode_free(). */
static int qr_encode_raw(struct str text, enum qr_ec ec, QRcode **out) {
  if ((unsigned)ec > (unsigned)QR_EC_H) return HT_EINVAL;
  if (text.len == 0 || memchr(text.data, '\0', text.len)) return HT_EINVAL;
  if (text.len > QR_TEXT_BYTES_MAX) return HT_ETOOBIG;
  char cstr[QR_TEXT_BYTES_MAX + 1]; /* libqrencode wants a C string; views are not */
  memcpy(cstr, text.data, text.len);
  cstr[text.len] = '\0';
  errno = 0;
  QRinput *input = QRinput_new2(0, qr_levels[ec]); /* version 0: the smallest that fits */
  if (!input) return HT_ENOMEM;
  /* Hint QR_MODE_8 with case sensitivity: libqrencode splits the text into numeric,
   * alphanumeric and byte segments by cost, and never folds case (our links must not). */
  QRcode *raw = NULL;
  if (Split_splitStringToQRinput(cstr, input, QR_MODE_8, 1) == 0) raw = QRcode_encodeMask(input, 0);
  QRinput_free(input);
  if (!raw) return errno == ERANGE ? HT_ETOOBIG : errno == ENOMEM ? HT_ENOMEM : HT_EINVAL;
  qr_mask_apply_best(raw->data, (size_t)raw->width, ec, 0);
  *out = raw;
  return HT_OK;
}

static struct qr_code qr_view(const QRcode *raw) {
  return (struct qr_code){.version = raw->version, .width = (size_t)raw->width, .modules = raw->data};
}

int qr_encode(struct arena *arena, struct str text, enum qr_ec ec, struct qr_code *out) {
  QRcode *raw = NULL;
  int rc = qr_encode_raw(text, ec, &raw);
  if (rc) return rc;
  size_t count = (size_t)raw->width * (size_t)raw->width;
  unsigned char *modules = arena_alloc(arena, count);
  if (!modules) {
    QRcode_free(raw);
    return HT_ENOMEM;
  }
  for (size_t i = 0; i < count; i++) modules[i] = raw->data[i] & 1u;
  *out = (struct qr_code){.version = raw->version, .width = (size_t)raw->width, .modules = modules};
  QRcode_free(raw);
  return HT_OK;
}

/* Puts a buffer back as it was before a failed render. */
static void buf_truncate(struct buf *out, size_t len) {
  out->len = len;
  if (out->data) out->data[len] = '\0';
}

/* ---- SVG ---- */

/* Staging chunk: 4 KiB holds a typical version-3 path whole, so most codes append once. */
#define SVG_CHUNK_BYTES 4096
/* Longest single item written between room checks: "m-209 -209h209" plus slack. */
#define SVG_ITEM_BYTES_MAX 32

struct svg_writer {
  struct buf *out;
  size_t used;
  int rc;
  char chunk[SVG_CHUNK_BYTES];
};

static void svg_flush(struct svg_writer *w) {
  if (w->rc == HT_OK && w->used) w->rc = buf_append(w->out, w->chunk, w->used);
  w->used = 0;
}

static void svg_room(struct svg_writer *w) {
  if (w->used + SVG_ITEM_BYTES_MAX > SVG_CHUNK_BYTES) svg_flush(w);
}

static void svg_char(struct svg_writer *w, char c) { w->chunk[w->used++] = c; }

/* Appends a decimal integer; |v| < 10^6 is all a path coordinate ever needs. */
static void svg_int(struct svg_writer *w, long v) {
  char digits[8];
  size_t n = 0;
  unsigned long u = v < 0 ? (unsigned long)-v : (unsigned long)v;
  if (v < 0) svg_char(w, '-');
  do {
    digits[n++] = (char)('0' + u % 10u);
    u /= 10u;
  } while (u && n < sizeof digits);
  while (n) svg_char(w, digits[--n]);
}

/* Writes one "m dx dy h len" item per horizontal run of dark modules. Strokes of width 1
 * centred on y + 0.5 cover exactly one module row, so a run costs a few bytes. */
static void svg_path_runs(struct svg_writer *w, const struct qr_code *code, long margin) {
  long pen_x = 0, pen_y = 0;
  bool started = false;
  for (size_t y = 0; y < code->width; y++) {
    const unsigned char *row = code->modules + y * code->width;
    size_t x = 0;
    while (x < code->width) {
      if (!(row[x] & 1u)) {
        x++;
        continue;
      }
      size_t start = x;
      while (x < code->width && (row[x] & 1u)) x++;
      long col = margin + (long)start, line = margin + (long)y;
      svg_room(w);
      svg_char(w, started ? 'm' : 'M');
      svg_int(w, started ? col - pen_x : col);
      svg_char(w, ' ');
      svg_int(w, started ? line - pen_y : line);
      if (!started) {
        svg_char(w, '.');
        svg_char(w, '5');
      }
      svg_char(w, 'h');
      svg_int(w, (long)(x - start));
      started = true;
      pen_x = margin + (long)x;
      pen_y = line;
    }
  }
}

int qr_render_svg(const struct qr_code *code, const struct qr_options *opts, struct buf *out) {
  size_t side_px = 0;
  int rc = qr_image_side_px(code, opts, &side_px);
  if (rc) return rc;
  size_t start_len = out->len;
  size_t modules = code->width + 2u * opts->margin_modules;
  rc = buf_printf(out,
                  "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%zu\" height=\"%zu\" viewBox=\"0 0 %zu "
                  "%zu\" shape-rendering=\"crispEdges\"><rect width=\"%zu\" height=\"%zu\" fill=\"#fff\"/>"
                  "<path stroke=\"#000\" d=\"",
                  side_px, side_px, modules, modules, modules, modules);
  if (rc) return rc;
  struct svg_writer w = {.out = out, .used = 0, .rc = HT_OK};
  svg_path_runs(&w, code, (long)opts->margin_modules);
  svg_flush(&w);
  rc = w.rc ? w.rc : buf_append_str(out, STR_LIT("\"/></svg>\n"));
  if (rc) buf_truncate(out, start_len);
  return rc;
}

/* ---- terminal ---- */

/* One line: up to 3 UTF-8 bytes per column of the widest code with the widest quiet zone,
 * plus the two SGR sequences and the newline. */
#define TERM_LINE_BYTES_MAX (3 * (QR_WIDTH_MODULES_MAX + 2 * QR_MARGIN_MODULES_MAX) + 16)
#define TERM_SGR_ON         "\x1b[30;47m" /* black foreground, white background */
#define TERM_SGR_OFF        "\x1b[0m"

static bool term_dark(const struct qr_code *code, long margin, long x, long y) {
  long w = (long)code->width;
  x -= margin;
  y -= margin;
  if (x < 0 || y < 0 || x >= w || y >= w) return false;
  return qr_module_dark(code, (size_t)x, (size_t)y);
}

static size_t term_put(char *line, size_t n, struct str s) {
  memcpy(line + n, s.data, s.len);
  return n + s.len;
}

/* Writes the glyph for a cell whose upper and lower halves are inked or not. */
static size_t term_glyph(char *p, bool upper, bool lower) {
  if (!upper && !lower) {
    *p = ' ';
    return 1;
  }
  /* U+2588 FULL BLOCK, U+2580 UPPER HALF BLOCK, U+2584 LOWER HALF BLOCK. */
  p[0] = (char)0xE2;
  p[1] = (char)0x96;
  p[2] = (char)(upper && lower ? 0x88 : upper ? 0x80 : 0x84);
  return 3;
}

int qr_render_terminal(const struct qr_code *code, const struct qr_options *opts, struct buf *out) {
  int rc = qr_options_check(opts);
  if (rc) return rc;
  size_t start_len = out->len;
  long margin = (long)opts->margin_modules;
  long side = (long)code->width + 2 * margin;
  bool ansi = opts->term_style == QR_TERM_ANSI;
  bool ink_dark = opts->term_style != QR_TERM_INK_LIGHT;
  char line[TERM_LINE_BYTES_MAX];
  for (long y = 0; y < side && rc == HT_OK; y += 2) {
    size_t n = 0;
    if (ansi) n = term_put(line, n, STR_LIT(TERM_SGR_ON));
    for (long x = 0; x < side; x++) {
      bool upper = term_dark(code, margin, x, y) == ink_dark;
      /* An odd side leaves the last line's lower half outside the code: never inked. */
      bool lower = y + 1 < side && term_dark(code, margin, x, y + 1) == ink_dark;
      n += term_glyph(line + n, upper, lower);
    }
    if (ansi) n = term_put(line, n, STR_LIT(TERM_SGR_OFF));
    line[n++] = '\n';
    rc = buf_append(out, line, n);
  }
  if (rc) buf_truncate(out, start_len);
  return rc;
}

/* ---- PNG ---- */

/* Everything libpng's callbacks reach, in arena memory so that nothing a longjmp could
 * leave indeterminate lives in an automatic variable. */
struct qr_png_job {
  const struct qr_code *code;
  struct buf *out;
  int rc;               /* why the write callback gave up */
  size_t side_px;       /* image side */
  size_t scale_px;      /* pixels per module */
  size_t offset_px;     /* white pixels before the first module row/column */
  unsigned bits;        /* 1 or 8 */
  unsigned char *row;   /* one image row */
  unsigned char *blank; /* one white row */
};

static void qr_png_write(png_structp png, png_bytep data, size_t len) {
  struct qr_png_job *job = png_get_io_ptr(png);
  int rc = buf_append(job->out, data, len);
  if (rc) {
    job->rc = rc;
    png_error(png, "output buffer refused");
  }
}

static void qr_png_flush(png_structp png) { (void)png; }

/* libpng's default handlers print to stderr; core code prints nothing. */
static void qr_png_error(png_structp png, png_const_charp msg) {
  (void)msg;
  png_longjmp(png, 1);
}

static void qr_png_warning(png_structp png, png_const_charp msg) {
  (void)png;
  (void)msg;
}

static void qr_png_set_pixel(const struct qr_png_job *job, unsigned char *row, size_t x, bool dark) {
  if (job->bits == 8) {
    row[x] = dark ? 0 : 255;
  } else if (dark) {
    row[x / 8] &= (unsigned char)~(0x80u >> (x % 8)); /* 1-bit gray: 0 is black */
  }
}

/* Fills job->row with module row `y`: white everywhere, then the dark modules. */
static void qr_png_fill_row(const struct qr_png_job *job, size_t y, size_t row_bytes) {
  memcpy(job->row, job->blank, row_bytes);
  for (size_t x = 0; x < job->code->width; x++) {
    if (!qr_module_dark(job->code, x, y)) continue;
    size_t px = job->offset_px + x * job->scale_px;
    for (size_t i = 0; i < job->scale_px; i++) qr_png_set_pixel(job, job->row, px + i, true);
  }
}

static void qr_png_write_image(png_structp png, png_infop info, struct qr_png_job *job) {
  png_set_write_fn(png, job, qr_png_write, qr_png_flush);
  png_set_IHDR(png, info, (png_uint_32)job->side_px, (png_uint_32)job->side_px, (int)job->bits,
               PNG_COLOR_TYPE_GRAY, PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT,
               PNG_FILTER_TYPE_DEFAULT);
  /* Filters do not help 1-bit images (PNG spec, 12.8); for 8-bit, libpng chooses. */
  if (job->bits == 1) png_set_filter(png, 0, PNG_FILTER_NONE);
  png_write_info(png, info);
  size_t row_bytes = job->bits == 8 ? job->side_px : (job->side_px + 7) / 8;
  size_t code_px = job->code->width * job->scale_px;
  for (size_t y = 0; y < job->side_px; y++) {
    bool inside = y >= job->offset_px && y < job->offset_px + code_px;
    if (!inside) {
      png_write_row(png, job->blank);
      continue;
    }
    size_t module_y = (y - job->offset_px) / job->scale_px;
    if ((y - job->offset_px) % job->scale_px == 0) qr_png_fill_row(job, module_y, row_bytes);
    png_write_row(png, job->row);
  }
  png_write_end(png, info);
}

/* Runs libpng under its setjmp error protocol. Neither `png` nor `info` changes after
 * setjmp(), and the job lives in the arena, so all are valid after a longjmp. */
static int qr_png_run(struct qr_png_job *job) {
  png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, NULL, qr_png_error, qr_png_warning);
  if (!png) return HT_ENOMEM;
  png_infop info = png_create_info_struct(png);
  if (!info) {
    png_destroy_write_struct(&png, NULL);
    return HT_ENOMEM;
  }
  if (setjmp(png_jmpbuf(png))) {
    png_destroy_write_struct(&png, &info);
    return job->rc ? job->rc : HT_ENOMEM;
  }
  qr_png_write_image(png, info, job);
  png_destroy_write_struct(&png, &info);
  return HT_OK;
}

int qr_render_png(const struct qr_code *code, const struct qr_options *opts, struct buf *out) {
  size_t side_px = 0;
  int rc = qr_image_side_px(code, opts, &side_px);
  if (rc) return rc;
  size_t modules = code->width + 2u * opts->margin_modules;
  size_t scale_px = side_px / modules;
  size_t row_bytes = opts->png_bits == 8 ? side_px : (side_px + 7) / 8;
  struct qr_png_job *job = arena_alloc(out->arena, sizeof *job);
  unsigned char *rows = arena_alloc(out->arena, 2 * row_bytes);
  if (!job || !rows) return HT_ENOMEM;
  memset(rows, 0xFF, 2 * row_bytes); /* white in both depths */
  *job =
      (struct qr_png_job){.code = code,
                          .out = out,
                          .rc = HT_OK,
                          .side_px = side_px,
                          .scale_px = scale_px,
                          /* leftover pixels of a target size widen the quiet zone evenly */
                          .offset_px = opts->margin_modules * scale_px + (side_px - modules * scale_px) / 2,
                          .bits = opts->png_bits,
                          .row = rows,
                          .blank = rows + row_bytes};
  size_t start_len = out->len;
  rc = qr_png_run(job);
  if (rc) buf_truncate(out, start_len);
  return rc;
}

/* ---- one call ---- */

int qr_render_text(struct str text, const struct qr_options *opts, enum qr_format format, struct buf *out) {
  int rc = qr_options_check(opts);
  if (rc) return rc;
  if ((unsigned)format > (unsigned)QR_FORMAT_TERMINAL) return HT_EINVAL;
  QRcode *raw = NULL;
  rc = qr_encode_raw(text, opts->ec, &raw);
  if (rc) return rc;
  struct qr_code code = qr_view(raw);
  switch (format) {
  case QR_FORMAT_SVG: rc = qr_render_svg(&code, opts, out); break;
  case QR_FORMAT_PNG: rc = qr_render_png(&code, opts, out); break;
  case QR_FORMAT_TERMINAL: rc = qr_render_terminal(&code, opts, out); break;
  }
  QRcode_free(raw);
  return rc;
}
