/*
 * sheet.c — price-tag sheets as PDF through cairo and Pango (see sheet.h).
 *
 * Units: cairo's PDF surface measures in points (1/72 in), so every length in millimetres is
 * converted once into a `struct sheet_geometry` and the drawing code works in points. Each
 * code is drawn at the same place and size in its cell whatever its version: the quiet zone
 * reserved around it is the one of the coarsest symbol (version 1), so denser codes get a bit
 * more white. A code is one cairo path of rectangles (a rectangle per horizontal run of dark
 * modules) filled at once, so a rasterizer sees the union and leaves no seams. Text uses one
 * Pango context on a private font map set to 72 dpi with hinting off (vector output), and
 * one layout per field, reused for every label.
 */
#include "web/sheet.h"

#include <cairo-pdf.h>
#include <cairo.h>
#include <pango/pangocairo.h>
#include <stdint.h>

#include "core/arena.h"
#include "core/status.h"
#include "core/utf8.h"

#define PT_PER_MM (72.0 / 25.4)
/* A symbol has at least 21 modules a side (version 1, ISO/IEC 18004:2015, 5.3.1). */
#define QR_WIDTH_MODULES_MIN 21
/* Room between the text column and the cell's right edge, and above/below the text block. */
#define SHEET_PAD_MM 3.0
/* Scratch for one label's module matrix: a version-40 matrix is 177² = 31,329 bytes. */
#define SHEET_ARENA_BYTES (64u * 1024u)
/* Cut guides reach this far into the page margin as crop ticks. */
#define SHEET_TICK_MM 4.0

/* Fonts (fonts-noto-cjk) and sizes in points: a title legible at arm's length, a price that
 * is the biggest thing on the tag, the token in a monospaced face so 0/O-like glyphs differ. */
#define FONT_TITLE "Noto Sans CJK SC Bold"
#define FONT_PRICE "Noto Sans CJK SC Bold"
#define FONT_TOKEN "Noto Sans Mono CJK SC"
#define FONT_HINT  "Noto Sans CJK SC"
#define TITLE_PT   8.0
#define PRICE_PT   13.0
#define TOKEN_PT   7.5
#define HINT_PT    5.5
#define GAP_MM     1.0 /* between the title and the price */

static const struct {
  double w_mm, h_mm;
} papers[] = {
    [SHEET_PAPER_A4] = {210.0, 297.0},     /* ISO 216 */
    [SHEET_PAPER_A5] = {148.0, 210.0},     /* ISO 216 */
    [SHEET_PAPER_LETTER] = {215.9, 279.4}, /* ANSI: 8.5 × 11 in */
};

struct sheet_options sheet_options_default(void) {
  return (struct sheet_options){.paper = SHEET_PAPER_A4,
                                .columns = 3,
                                .rows = 7,
                                .qr_mm = SHEET_QR_MM_DEFAULT,
                                .margin_mm = SHEET_MARGIN_MM_DEFAULT,
                                .ec = QR_EC_M,
                                .cut_guides = true,
                                .hint = STR_LIT("扫码或复制口令购买")};
}

/* ---- geometry ---- */

struct sheet_geometry {
  double page_w, page_h; /* page, pt */
  double margin;         /* page margin, pt */
  double cell_w, cell_h; /* one label, pt */
  double qr, quiet;      /* symbol side and the quiet zone reserved on each side, pt */
  double text_x, text_w; /* text column: offset from the cell's left edge, width */
  double block_h;        /* height of the text block, centred in the cell */
  double module_min;     /* SHEET_MODULE_MM_MIN in pt */
};

static bool in_range(double v, double min, double max) { return v >= min && v <= max; } /* false for NaN */

static int sheet_geometry(const struct sheet_options *opts, struct sheet_geometry *g) {
  if ((unsigned)opts->paper > (unsigned)SHEET_PAPER_LETTER || (unsigned)opts->ec > (unsigned)QR_EC_H)
    return HT_EINVAL;
  if (opts->columns < 1 || opts->columns > SHEET_COLUMNS_MAX || opts->rows < 1 || opts->rows > SHEET_ROWS_MAX)
    return HT_ERANGE;
  if (!in_range(opts->qr_mm, SHEET_QR_MM_MIN, SHEET_QR_MM_MAX) ||
      !in_range(opts->margin_mm, 0.0, SHEET_MARGIN_MM_MAX))
    return HT_ERANGE;
  double pad = SHEET_PAD_MM * PT_PER_MM;
  g->page_w = papers[opts->paper].w_mm * PT_PER_MM;
  g->page_h = papers[opts->paper].h_mm * PT_PER_MM;
  g->margin = opts->margin_mm * PT_PER_MM;
  g->cell_w = (g->page_w - 2 * g->margin) / opts->columns;
  g->cell_h = (g->page_h - 2 * g->margin) / opts->rows;
  g->qr = opts->qr_mm * PT_PER_MM;
  g->quiet = g->qr * QR_MARGIN_MODULES_DEFAULT / QR_WIDTH_MODULES_MIN;
  g->text_x = g->qr + 2 * g->quiet;
  g->text_w = g->cell_w - g->text_x - pad;
  double block_min = SHEET_TEXT_BLOCK_MM_MIN * PT_PER_MM;
  g->block_h = g->qr > block_min ? g->qr : block_min;
  g->module_min = SHEET_MODULE_MM_MIN * PT_PER_MM;
  if (g->text_w < SHEET_TEXT_MM_MIN * PT_PER_MM) return HT_ERANGE;
  if (g->cell_h < g->qr + 2 * g->quiet || g->cell_h < block_min + 2 * pad) return HT_ERANGE;
  return HT_OK;
}

static int text_check(struct str s, size_t bytes_max) {
  if (s.len > bytes_max) return HT_ETOOBIG;
  return utf8_valid(s) ? HT_OK : HT_EINVAL;
}

int sheet_options_check(const struct sheet_options *opts) {
  struct sheet_geometry g;
  int rc = sheet_geometry(opts, &g);
  return rc ? rc : text_check(opts->hint, SHEET_HINT_BYTES_MAX);
}

int sheet_label_check(const struct sheet_label *label) {
  if (label->link.len == 0 || memchr(label->link.data, '\0', label->link.len)) return HT_EINVAL;
  if (label->link.len > QR_TEXT_BYTES_MAX) return HT_ETOOBIG;
  int rc = text_check(label->title, SHEET_TITLE_BYTES_MAX);
  if (rc == HT_OK) rc = text_check(label->price, SHEET_PRICE_BYTES_MAX);
  if (rc == HT_OK) rc = text_check(label->token, SHEET_TOKEN_BYTES_MAX);
  return rc;
}

int sheet_array_next(void *ctx, struct sheet_label *label) {
  struct sheet_array *array = ctx;
  if (array->next >= array->count) return 0;
  *label = array->labels[array->next++];
  return 1;
}

/* ---- text ---- */

struct sheet_text {
  PangoFontMap *font_map;
  PangoContext *context;
  PangoLayout *title, *price, *token, *hint;
};

static PangoLayout *text_layout(PangoContext *context, const char *family, double size_pt, double width_pt,
                                int lines) {
  PangoLayout *layout = pango_layout_new(context);
  PangoFontDescription *desc = pango_font_description_from_string(family);
  pango_font_description_set_absolute_size(desc, size_pt * PANGO_SCALE);
  pango_layout_set_font_description(layout, desc);
  pango_font_description_free(desc);
  pango_layout_set_single_paragraph_mode(layout, TRUE);
  pango_layout_set_width(layout, (int)(width_pt * PANGO_SCALE));
  pango_layout_set_wrap(layout, PANGO_WRAP_WORD_CHAR);
  pango_layout_set_ellipsize(layout, PANGO_ELLIPSIZE_END);
  pango_layout_set_height(layout, -lines); /* negative: at most that many lines */
  return layout;
}

static void text_close(struct sheet_text *t) {
  PangoLayout *layouts[] = {t->title, t->price, t->token, t->hint};
  for (size_t i = 0; i < sizeof layouts / sizeof layouts[0]; i++)
    if (layouts[i]) g_object_unref(layouts[i]);
  if (t->context) g_object_unref(t->context);
  if (t->font_map) g_object_unref(t->font_map);
}

static int text_open(struct sheet_text *t, cairo_t *cr, const struct sheet_geometry *g) {
  *t = (struct sheet_text){0};
  t->font_map = pango_cairo_font_map_new();
  if (!t->font_map) return HT_EIO;
  /* 72 dpi: one Pango device unit is one PDF point. */
  pango_cairo_font_map_set_resolution(PANGO_CAIRO_FONT_MAP(t->font_map), 72.0);
  t->context = pango_font_map_create_context(t->font_map);
  cairo_font_options_t *fo = cairo_font_options_create();
  cairo_font_options_set_hint_style(fo, CAIRO_HINT_STYLE_NONE);
  cairo_font_options_set_hint_metrics(fo, CAIRO_HINT_METRICS_OFF);
  pango_cairo_context_set_font_options(t->context, fo);
  cairo_font_options_destroy(fo);
  pango_cairo_update_context(cr, t->context);
  t->title = text_layout(t->context, FONT_TITLE, TITLE_PT, g->text_w, 2);
  t->price = text_layout(t->context, FONT_PRICE, PRICE_PT, g->text_w, 1);
  t->token = text_layout(t->context, FONT_TOKEN, TOKEN_PT, g->text_w, 1);
  t->hint = text_layout(t->context, FONT_HINT, HINT_PT, g->text_w, 1);
  return HT_OK;
}

/* Sets the text of `layout` and returns its height in points. */
static double text_set(PangoLayout *layout, struct str s) {
  pango_layout_set_text(layout, s.data, (int)s.len);
  int w = 0, h = 0;
  pango_layout_get_size(layout, &w, &h);
  return (double)h / PANGO_SCALE;
}

static void text_show(cairo_t *cr, PangoLayout *layout, double x, double y, double gray) {
  cairo_set_source_rgb(cr, gray, gray, gray);
  cairo_move_to(cr, x, y);
  pango_cairo_show_layout(cr, layout);
}

/* ---- one sheet ---- */

struct sheet_run {
  const struct sheet_options *opts;
  const struct sheet_io *io;
  struct sheet_stats *stats;
  struct sheet_geometry g;
  int write_rc; /* why io->write refused, if it did */
  cairo_surface_t *surface;
  cairo_t *cr;
  struct sheet_text text;
  struct arena arena;
};

static cairo_status_t sheet_stream_write(void *closure, const unsigned char *data, unsigned int length) {
  struct sheet_run *run = closure;
  if (run->write_rc) return CAIRO_STATUS_WRITE_ERROR;
  int rc = run->io->write(run->io->write_ctx, data, length);
  if (rc == HT_OK) return CAIRO_STATUS_SUCCESS;
  run->write_rc = rc < 0 ? rc : HT_EIO;
  return CAIRO_STATUS_WRITE_ERROR;
}

/* The status to report once cairo has failed: the writer's own error when it caused it. */
static int sheet_cairo_rc(const struct sheet_run *run) {
  if (run->write_rc) return run->write_rc;
  return cairo_status(run->cr) == CAIRO_STATUS_SUCCESS &&
                 cairo_surface_status(run->surface) == CAIRO_STATUS_SUCCESS
             ? HT_OK
             : HT_EIO;
}

/* Dashed lines on every cell boundary, continued into the margin as crop ticks. */
static void sheet_draw_guides(const struct sheet_run *run) {
  const struct sheet_geometry *g = &run->g;
  cairo_t *cr = run->cr;
  double tick = SHEET_TICK_MM * PT_PER_MM, dash[] = {2.0, 2.0};
  double grid_w = g->cell_w * run->opts->columns, grid_h = g->cell_h * run->opts->rows;
  cairo_save(cr);
  cairo_set_source_rgb(cr, 0.7, 0.7, 0.7);
  cairo_set_line_width(cr, 0.3);
  cairo_set_dash(cr, dash, 2, 0.0);
  for (unsigned c = 0; c <= run->opts->columns; c++) {
    double x = g->margin + c * g->cell_w;
    cairo_move_to(cr, x, g->margin - tick);
    cairo_line_to(cr, x, g->margin + grid_h + tick);
  }
  for (unsigned r = 0; r <= run->opts->rows; r++) {
    double y = g->margin + r * g->cell_h;
    cairo_move_to(cr, g->margin - tick, y);
    cairo_line_to(cr, g->margin + grid_w + tick, y);
  }
  cairo_stroke(cr);
  cairo_restore(cr);
}

/* One rectangle per horizontal run of dark modules, all filled at once. */
static void sheet_draw_code(cairo_t *cr, const struct qr_code *code, double x, double y, double module) {
  cairo_new_path(cr);
  for (size_t row = 0; row < code->width; row++) {
    size_t col = 0;
    while (col < code->width) {
      if (!qr_module_dark(code, col, row)) {
        col++;
        continue;
      }
      size_t start = col;
      while (col < code->width && qr_module_dark(code, col, row)) col++;
      cairo_rectangle(cr, x + (double)start * module, y + (double)row * module,
                      (double)(col - start) * module, module);
    }
  }
  cairo_set_source_rgb(cr, 0, 0, 0);
  cairo_fill(cr);
}

static void sheet_draw_text(struct sheet_run *run, const struct sheet_label *label, double x, double y) {
  const struct sheet_geometry *g = &run->g;
  struct sheet_text *t = &run->text;
  double top = y + (g->cell_h - g->block_h) / 2, bottom = top + g->block_h;
  double title_h = text_set(t->title, label->title);
  text_show(run->cr, t->title, x, top, 0.0);
  text_set(t->price, label->price);
  cairo_set_source_rgb(run->cr, 0.78, 0.06, 0.06); /* price-tag red */
  cairo_move_to(run->cr, x, top + title_h + GAP_MM * PT_PER_MM);
  pango_cairo_show_layout(run->cr, t->price);
  double token_h = text_set(t->token, label->token);
  text_show(run->cr, t->token, x, bottom - token_h, 0.15);
  double hint_h = text_set(t->hint, run->opts->hint);
  text_show(run->cr, t->hint, x, bottom - token_h - hint_h, 0.45);
}

/* Draws `label` into cell `slot` of the current page. */
static int sheet_draw_label(struct sheet_run *run, const struct sheet_label *label, size_t slot) {
  const struct sheet_geometry *g = &run->g;
  int rc = sheet_label_check(label);
  struct qr_code code;
  if (rc == HT_OK) rc = qr_encode(&run->arena, label->link, run->opts->ec, &code);
  if (rc) return rc;
  double module = g->qr / (double)code.width;
  if (module < g->module_min) rc = HT_ERANGE;
  double x = g->margin + (double)(slot % run->opts->columns) * g->cell_w;
  double y = g->margin + (double)(slot / run->opts->columns) * g->cell_h;
  if (rc == HT_OK) sheet_draw_code(run->cr, &code, x + g->quiet, y + (g->cell_h - g->qr) / 2, module);
  arena_free_all(&run->arena);
  if (rc == HT_OK) sheet_draw_text(run, label, x + g->text_x, y);
  return rc;
}

/* Finishes the current page: cairo writes it out, the caller hears of progress. */
static int sheet_end_page(struct sheet_run *run) {
  cairo_show_page(run->cr);
  int rc = sheet_cairo_rc(run);
  if (rc) return rc;
  run->stats->pages++;
  if (run->io->progress) run->io->progress(run->io->progress_ctx, run->stats->labels, run->io->total_labels);
  return HT_OK;
}

/* Pulls labels until the iterator ends, a page at a time. */
static int sheet_draw_all(struct sheet_run *run) {
  size_t per_page = (size_t)run->opts->columns * run->opts->rows, slot = 0;
  for (;;) {
    struct sheet_label label;
    int more = run->io->next_label(run->io->next_ctx, &label);
    if (more < 0) return more;
    if (more == 0) break;
    if (slot == 0 && run->opts->cut_guides) sheet_draw_guides(run);
    int rc = sheet_draw_label(run, &label, slot);
    if (rc) {
      run->stats->bad_label = run->stats->labels;
      return rc;
    }
    run->stats->labels++;
    if (++slot == per_page) {
      slot = 0;
      rc = sheet_end_page(run);
      if (rc) return rc;
    }
  }
  if (run->stats->labels == 0) return HT_EINVAL;
  return slot ? sheet_end_page(run) : HT_OK;
}

int sheet_render(const struct sheet_options *opts, const struct sheet_io *io, struct sheet_stats *stats) {
  struct sheet_stats unused;
  struct sheet_run run = {.opts = opts, .io = io, .stats = stats ? stats : &unused};
  *run.stats = (struct sheet_stats){.bad_label = SIZE_MAX};
  int rc = sheet_options_check(opts);
  if (rc == HT_OK) rc = sheet_geometry(opts, &run.g);
  if (rc) return rc;
  arena_init(&run.arena, SHEET_ARENA_BYTES);
  run.surface = cairo_pdf_surface_create_for_stream(sheet_stream_write, &run, run.g.page_w, run.g.page_h);
  cairo_pdf_surface_set_metadata(run.surface, CAIRO_PDF_METADATA_TITLE, "Price tags");
  cairo_pdf_surface_set_metadata(run.surface, CAIRO_PDF_METADATA_CREATOR, "hutong");
  run.cr = cairo_create(run.surface);
  rc = sheet_cairo_rc(&run);
  if (rc == HT_OK) rc = text_open(&run.text, run.cr, &run.g);
  if (rc == HT_OK) rc = sheet_draw_all(&run);
  cairo_surface_finish(run.surface); /* writes the trailer and font subsets */
  if (rc == HT_OK) rc = sheet_cairo_rc(&run);
  text_close(&run.text);
  cairo_destroy(run.cr);
  cairo_surface_destroy(run.surface);
  arena_free_all(&run.arena);
  return rc;
}
