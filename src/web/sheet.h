/*
 * sheet.h — print-ready PDF sheets of price tags, the offline "scan-to-buy" side.
 *
 * A merchant prints a sheet, cuts along the guides and sticks each tag on a shelf or a
 * poster. Each tag carries the product's QR code (drawn as vector rectangles from the module
 * matrix, so it stays crisp at any printer resolution), its title (Chinese or not, wrapped
 * and ellipsized to two lines), its price and its share token. Text is laid out by Pango
 * with the Noto CJK fonts and drawn by cairo's PDF backend, which embeds font subsets, so
 * the PDF prints the same everywhere. Labels come from an iterator and pages are streamed to
 * a write callback as they are finished: 10,000 tags do not need 10,000 tags in memory.
 * Not core: it reads the system's fonts.
 */
#ifndef HUTONG_WEB_SHEET_H
#define HUTONG_WEB_SHEET_H

#include <stdbool.h>
#include <stddef.h>

#include "core/qr.h"
#include "core/str.h"

/* Labels per page. The narrowest label (a 15 mm code with its quiet zone, the text column,
 * the padding: 45.7 mm) fits four times across Letter (215.9 mm) with no margin; the lowest
 * (SHEET_TEXT_BLOCK_MM_MIN plus padding: 30 mm) nine times down A4 (297 mm). */
#define SHEET_COLUMNS_MAX 4
#define SHEET_ROWS_MAX    9
/* Side of the printed QR symbol (modules only; the quiet zone is added around it). Rule of
 * thumb: a phone scans from about ten times the code's size, so 22 mm reads from a shelf at
 * arm's length (~22 cm); below 15 mm the modules of a short link drop under half a mm. */
#define SHEET_QR_MM_MIN     15.0
#define SHEET_QR_MM_DEFAULT 22.0
#define SHEET_QR_MM_MAX     100.0 /* one tag per A4 page: a poster code */
/* A module under 0.25 mm (3 dots at 300 dpi) smears on office printers: a link that needs a
 * version that dense at the chosen size is refused rather than printed unreadable. */
#define SHEET_MODULE_MM_MIN 0.25
/* Page margin: 10 mm clears every office printer's unprintable edge (typically 3-6 mm). */
#define SHEET_MARGIN_MM_DEFAULT 10.0
#define SHEET_MARGIN_MM_MAX     40.0
/* The text column must hold about eight CJK characters of the 8 pt title a line. */
#define SHEET_TEXT_MM_MIN 22.0
/* The text column's height: two title lines, the price, the hint and the token. */
#define SHEET_TEXT_BLOCK_MM_MIN 24.0
/* Field lengths in bytes: a title is at most 200 characters (the catalog's limit, 3 UTF-8
 * bytes each in CJK); a formatted price and a share token are short by construction. */
#define SHEET_TITLE_BYTES_MAX 600
#define SHEET_PRICE_BYTES_MAX 32
#define SHEET_TOKEN_BYTES_MAX 64
#define SHEET_HINT_BYTES_MAX  120

enum sheet_paper { SHEET_PAPER_A4 = 0, SHEET_PAPER_A5, SHEET_PAPER_LETTER };

/* Page layout. Start from sheet_options_default() and change fields. */
struct sheet_options {
  enum sheet_paper paper;
  unsigned columns, rows; /* labels per page = columns × rows */
  double qr_mm;           /* printed symbol side */
  double margin_mm;       /* page margin on every side */
  enum qr_ec ec;          /* error-correction level of every code */
  bool cut_guides;        /* dashed lines between labels, ticks in the margin */
  struct str hint;        /* small line above the token, e.g. "扫码或复制口令购买"; may be empty */
};

/* One price tag. All fields are UTF-8 views that must stay valid until the next call of the
 * iterator that produced them. */
struct sheet_label {
  struct str title; /* product title; wrapped to two lines, then ellipsized */
  struct str price; /* already formatted: "¥12.50" */
  struct str token; /* share token text: "￥7K3QX9M￥" */
  struct str link;  /* what the QR code holds: "HTTPS://SHOP.EXAMPLE/P/7K3QX9" */
};

/* Where labels come from, where the PDF goes, who hears of progress. Each callback gets its
 * own context pointer. */
struct sheet_io {
  /* Fills `*label` and returns 1, returns 0 after the last label, or a negative HT_E* to
   * abort the sheet (returned by sheet_render()). */
  int (*next_label)(void *ctx, struct sheet_label *label);
  void *next_ctx;
  /* Consumes `len` bytes of PDF; returns HT_OK or a negative HT_E* to abort. */
  int (*write)(void *ctx, const unsigned char *data, size_t len);
  void *write_ctx;
  /* Optional (may be NULL): called after each finished page with the labels done so far and
   * `total_labels`, for a progress bar. */
  void (*progress)(void *ctx, size_t done, size_t total);
  void *progress_ctx;
  size_t total_labels; /* what progress() reports as the total; 0 when unknown */
};

/* What a render did, filled in as far as it got (also on error). */
struct sheet_stats {
  size_t labels;    /* labels drawn */
  size_t pages;     /* pages finished */
  size_t bad_label; /* index of the label that failed validation, or SIZE_MAX */
};

/* Returns the defaults: A4, 3 columns × 7 rows (21 tags of 63 × 40 mm), 22 mm codes, 10 mm
 * margin, level M, cut guides on, hint "扫码或复制口令购买" ("scan, or copy the token, to buy"). */
struct sheet_options sheet_options_default(void);

/* Checks the options: HT_EINVAL for an unknown paper or level or a hint that is not valid
 * UTF-8, HT_ERANGE when a number is outside its limit or the labels do not fit the page
 * (each needs its code with a quiet zone, a text column of SHEET_TEXT_MM_MIN and a height
 * of SHEET_TEXT_BLOCK_MM_MIN), HT_ETOOBIG for a hint longer than SHEET_HINT_BYTES_MAX. */
int sheet_options_check(const struct sheet_options *opts);

/* Checks one label: the link as qr_encode() does, the other fields for valid UTF-8 (HT_EINVAL)
 * and their *_BYTES_MAX (HT_ETOOBIG). The module-size rule is checked while drawing. */
int sheet_label_check(const struct sheet_label *label);

/* Renders every label of `io` into a PDF written through io->write, page by page, in
 * reading order (left to right, top to bottom). Returns HT_OK; the options' error; HT_EINVAL
 * when the iterator yields no label at all; a label's error from sheet_label_check(), or
 * HT_ERANGE when its code's modules would print under SHEET_MODULE_MM_MIN (`stats->bad_label`
 * says which); the iterator's or writer's own error; HT_EIO when cairo or Pango fail. On any
 * error the bytes already written are not a complete PDF and must be discarded. `stats` may
 * be NULL. Memory stays bounded by one page's drawing, whatever the number of labels. */
int sheet_render(const struct sheet_options *opts, const struct sheet_io *io, struct sheet_stats *stats);

/* An iterator over an array, for callers that have all labels at hand: set `labels` and
 * `count`, zero `next`, and pass sheet_array_next as next_label with the struct as next_ctx. */
struct sheet_array {
  const struct sheet_label *labels;
  size_t count;
  size_t next;
};

/* next_label for a struct sheet_array: yields labels[next++] until `count`. */
int sheet_array_next(void *ctx, struct sheet_label *label);

#endif
