/*
 * qr.h — QR codes for the "scan-to-buy" face of a product: text in, SVG/PNG/terminal bytes out.
 *
 * Encoding is libqrencode's (the reference C encoder), except that the mask pattern is chosen
 * by core/qr_mask, which makes libqrencode's own choice at a fraction of its cost, so the
 * symbols are identical. This module adds validated options, a module matrix the print
 * sheets can draw from, and three renderers that write into a caller's `struct buf`: compact
 * SVG path data, 1- or 8-bit grayscale PNG through libpng's write callback (no files), and
 * UTF-8 half blocks for a terminal. Our links are upper case on purpose
 * (`HTTPS://SHOP.EXAMPLE/Q/7K3QX9`): libqrencode then encodes them in alphanumeric mode (5.5
 * bits a character instead of 8), which gives a smaller version, so bigger modules at the
 * same printed size. Everything here is pure: no I/O, no clock, no globals.
 */
#ifndef HUTONG_CORE_QR_H
#define HUTONG_CORE_QR_H

#include <stdbool.h>
#include <stddef.h>

#include "core/arena.h"
#include "core/buf.h"
#include "core/str.h"

/* Version 40 at level H holds 1273 bytes in byte mode (ISO/IEC 18004:2015, Table 7), so any
 * text up to this length encodes at every error-correction level. Links are under 100. */
#define QR_TEXT_BYTES_MAX 1273
/* Version 40 is 17 + 4 × 40 = 177 modules a side (ISO/IEC 18004:2015, 5.3.1). */
#define QR_WIDTH_MODULES_MAX 177
/* Pixels per module: 1 is the smallest that still shows every module; 32 px/module makes a
 * version-3 code about 1200 px wide, more than any screen or 600 dpi print needs. */
#define QR_SCALE_PX_MIN 1
#define QR_SCALE_PX_MAX 32
/* Quiet zone: the spec asks for 4 modules (ISO/IEC 18004:2015, 6.3.8) and that is the
 * default; 0 is allowed for callers that draw their own white border; 16 is plenty. */
#define QR_MARGIN_MODULES_DEFAULT 4
#define QR_MARGIN_MODULES_MAX     16
#define QR_SCALE_PX_DEFAULT       4
/* Target image side: 21 px is a version-1 code at 1 px/module with no margin; 4096 px is
 * 35 cm at 300 dpi, larger than any poster code. */
#define QR_SIZE_PX_MIN 21
#define QR_SIZE_PX_MAX 4096

/* Error-correction levels (ISO/IEC 18004:2015, Table 12): about 7, 15, 25 and 30 % of the
 * codewords can be restored. M is the default; H survives a logo or a torn sticker. */
enum qr_ec { QR_EC_L = 0, QR_EC_M, QR_EC_Q, QR_EC_H };

/* How the terminal renderer maps modules to glyph ink. A phone needs dark modules on a light
 * background, and a terminal's colours are the user's choice, so:
 * - QR_TERM_ANSI (default): each line is wrapped in SGR "black text on white background"
 *   (ESC[30;47m ... ESC[0m) and glyph ink marks dark modules: dark-on-light in any theme
 *   of a terminal that understands ANSI colours.
 * - QR_TERM_INK_DARK: plain text, ink marks dark modules: for light-background terminals,
 *   files and printouts.
 * - QR_TERM_INK_LIGHT: plain text, ink marks light modules: for light-on-dark terminals
 *   without colour support, where the ink is light and the cell background dark. */
enum qr_term_style { QR_TERM_ANSI = 0, QR_TERM_INK_DARK, QR_TERM_INK_LIGHT };

/* What to render. Start from qr_options_default() and change fields. */
struct qr_options {
  enum qr_ec ec;
  unsigned scale_px;       /* pixels per module (PNG, and the SVG's width/height) */
  unsigned size_px;        /* 0, or the whole image's side in px: overrides scale_px */
  unsigned margin_modules; /* quiet zone on every side, in modules */
  unsigned png_bits;       /* PNG sample depth: 1 or 8 (grayscale) */
  enum qr_term_style term_style;
};

/* A symbol: `width` × `width` modules, row-major, a module is dark when bit 0 of its byte is
 * set (libqrencode's layout, so a libqrencode symbol can be viewed without copying). */
struct qr_code {
  int version; /* 1..40 */
  size_t width;
  const unsigned char *modules;
};

enum qr_format { QR_FORMAT_SVG = 0, QR_FORMAT_PNG, QR_FORMAT_TERMINAL };

/* Returns the defaults: level M, 4 px/module, no target size, 4-module quiet zone, 1-bit
 * PNG, ANSI terminal colours. */
struct qr_options qr_options_default(void);

/* Parses an error-correction level written as one letter, L, M, Q or H, in either case (how
 * the HTTP query, the CLI and the sheet options spell it). HT_EINVAL for anything else. */
int qr_ec_parse(struct str text, enum qr_ec *ec);

/* Checks every field against its limit: HT_EINVAL for an unknown enum value or a PNG depth
 * other than 1 or 8, HT_ERANGE for a number outside its *_MIN..*_MAX (size_px may be 0). */
int qr_options_check(const struct qr_options *opts);

/* True when the module at column `x`, row `y` (both < code->width) is dark. */
static inline bool qr_module_dark(const struct qr_code *code, size_t x, size_t y) {
  return (code->modules[y * code->width + x] & 1u) != 0;
}

/* Encodes `text` (any bytes but NUL, 1..QR_TEXT_BYTES_MAX) at level `ec` in the smallest
 * version, letting libqrencode pick numeric/alphanumeric/byte mode per segment. The matrix
 * is copied into `arena` (width² bytes) and lives as long as the arena. Returns HT_EINVAL
 * for empty text, a NUL byte or an unknown level, HT_ETOOBIG past the maximum, HT_ENOMEM
 * when memory runs out. `out` is written only on success. */
int qr_encode(struct arena *arena, struct str text, enum qr_ec ec, struct qr_code *out);

/* Side of the rendered image in pixels for `code` under `opts` (PNG size; SVG width and
 * height): size_px when set, else (width + 2 × margin) × scale_px. HT_ERANGE when size_px
 * is too small to give each module a whole pixel; other errors as qr_options_check(). */
int qr_image_side_px(const struct qr_code *code, const struct qr_options *opts, size_t *side_px);

/* Appends an SVG document: a white background and one <path> of horizontal stroke runs in
 * relative moves, viewBox in modules (quiet zone included), shape-rendering="crispEdges",
 * width/height from qr_image_side_px(). Errors: those of qr_image_side_px(), then
 * HT_ETOOBIG/HT_ENOMEM from the buffer; on error `out` is left as it was. */
int qr_render_svg(const struct qr_code *code, const struct qr_options *opts, struct buf *out);

/* Appends a grayscale PNG (opts->png_bits deep) of qr_image_side_px() pixels a side; when
 * size_px is not a multiple of the modules the extra pixels widen the quiet zone. A row of
 * scratch memory comes from out->arena. Errors as qr_render_svg(). */
int qr_render_png(const struct qr_code *code, const struct qr_options *opts, struct buf *out);

/* Appends the code as UTF-8 half blocks (U+2580 ▀, U+2584 ▄, U+2588 █, space): one character
 * per module column, two module rows per '\n'-terminated line, quiet zone included, inked
 * according to opts->term_style (see enum qr_term_style). Terminal cells are about twice as
 * tall as wide, so modules come out square. scale_px and size_px are not used. Errors as
 * qr_render_svg(). */
int qr_render_terminal(const struct qr_code *code, const struct qr_options *opts, struct buf *out);

/* One call from text to bytes: encodes `text` at opts->ec and renders it in `format` into
 * `out`, without copying the matrix (the fast path the HTTP layer should use). Errors are
 * those of qr_options_check(), qr_encode() and the renderer. */
int qr_render_text(struct str text, const struct qr_options *opts, enum qr_format format, struct buf *out);

#endif
