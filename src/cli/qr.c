/* qr.c — `hutong qr CODE`: the QR code of a product, store or link code, offline.
 *
 * It prints the code's scan link (web/urls.h: upper-case origin and /Q/CODE, so a scan is
 * counted as a scan) as UTF-8 half blocks a phone can scan straight off the terminal, or
 * writes it as an SVG or PNG file for print. No database is needed: a code's QR depends only
 * on the code and the public URL, exactly as the server's /qr/{code}.svg draws it. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "app.h"
#include "cli/cli.h"
#include "cli/options.h"
#include "core/arena.h"
#include "core/code.h"
#include "core/qr.h"
#include "core/status.h"
#include "web/urls.h"

/* Pixels per module of a written file when --size is not given: a version-2 code (our links)
 * comes out about 260 px wide, sharp on screen and at 300 dpi on a 2 cm sticker. */
#define QR_CLI_SCALE_PX_DEFAULT 8
/* Memory for one image: the largest PNG (4096 px a side, 8-bit) stays far below this. */
#define QR_CLI_ARENA_BYTES (32u * 1024u * 1024u)
#define QR_CLI_IMAGE_BYTES (16u * 1024u * 1024u)

static const char qr_help[] =
    "usage: hutong qr CODE [--out FILE.svg|FILE.png] [--ec L|M|Q|H] [--size PX] [--margin MODULES]\n"
    "                 [--style ansi|dark|light] [--public-url URL]\n"
    "\n"
    "Prints the QR code of a product, store or link code (its scan link PUBLIC_URL/Q/CODE)\n"
    "as half blocks, or writes it to FILE (SVG or PNG by the extension). The code is read\n"
    "forgivingly (lower case, O for 0, I or L for 1).\n"
    "  --ec       error correction: L 7%, M 15% (default), Q 25%, H 30% of the symbol\n"
    "  --size     side of the written image in px (21..4096; default 8 px per module)\n"
    "  --margin   quiet zone in modules (0..16, default 4)\n"
    "  --style    terminal colours: ansi (default on a terminal), dark (ink is dark, for\n"
    "             files and light terminals; default when not a terminal), light (ink is light)\n"
    "  --public-url  base of the link (default HUTONG_PUBLIC_URL, else " CONFIG_PUBLIC_URL_DEFAULT ")\n";

static bool parse_number(const char *text, const char *name, unsigned min, unsigned max, unsigned *out) {
  long long v = 0;
  if (str_to_i64(str_from_cstr(text), &v) != HT_OK || v < min || v > max) {
    fprintf(stderr, "hutong qr: --%s must be a number from %u to %u\n", name, min, max);
    return false;
  }
  *out = (unsigned)v;
  return true;
}

static bool parse_style(const char *text, enum qr_term_style *style) {
  static const char *const names[] = {"ansi", "dark", "light"}; /* enum qr_term_style order */
  for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
    if (strcmp(text, names[i]) == 0) return *style = (enum qr_term_style)i, true;
  fputs("hutong qr: --style must be ansi, dark or light\n", stderr);
  return false;
}

static bool ends_with(const char *s, const char *suffix) {
  size_t n = strlen(s), m = strlen(suffix);
  return n >= m && strcasecmp(s + n - m, suffix) == 0;
}

/* Reads the options into `opts` and the output format; false after printing the problem. */
static bool parse_options(int argc, char **argv, struct qr_options *opts, enum qr_format *format) {
  *opts = qr_options_default();
  opts->term_style = isatty(STDOUT_FILENO) ? QR_TERM_ANSI : QR_TERM_INK_DARK;
  const char *out = option_value(argc, argv, "out"), *v;
  *format = QR_FORMAT_TERMINAL;
  if (out) {
    opts->scale_px = QR_CLI_SCALE_PX_DEFAULT;
    if (ends_with(out, ".svg"))
      *format = QR_FORMAT_SVG;
    else if (ends_with(out, ".png"))
      *format = QR_FORMAT_PNG;
    else
      return fputs("hutong qr: --out must name a .svg or .png file\n", stderr), false;
  }
  if ((v = option_value(argc, argv, "ec")) && qr_ec_parse(str_from_cstr(v), &opts->ec) != HT_OK)
    return fputs("hutong qr: --ec must be L, M, Q or H\n", stderr), false;
  if ((v = option_value(argc, argv, "size")) &&
      !parse_number(v, "size", QR_SIZE_PX_MIN, QR_SIZE_PX_MAX, &opts->size_px))
    return false;
  if ((v = option_value(argc, argv, "margin")) &&
      !parse_number(v, "margin", 0, QR_MARGIN_MODULES_MAX, &opts->margin_modules))
    return false;
  if ((v = option_value(argc, argv, "style")) && !parse_style(v, &opts->term_style)) return false;
  return true;
}

static int write_file(const char *path, struct str bytes) {
  FILE *f = fopen(path, "wb");
  if (!f) return HT_EIO;
  bool ok = fwrite(bytes.data, 1, bytes.len, f) == bytes.len;
  return fclose(f) == 0 && ok ? HT_OK : HT_EIO;
}

int cli_qr(int argc, char **argv) {
  static const char *const allowed[] = {"out", "ec", "size", "margin", "style", "public-url", "help!", NULL};
  if (option_flag(argc, argv, "help")) return fputs(qr_help, stdout), 0;
  if (!options_check(argc, argv, allowed, 1)) return 2;
  const char *input = option_positional(argc, argv, 0, allowed);
  if (!input) return fputs(qr_help, stderr), 2;
  char code[CODE_LEN_MAX + 1];
  size_t code_len = 0;
  if (code_normalize(str_from_cstr(input), code, sizeof code, &code_len) != HT_OK ||
      code_len != CODE_PUBLIC_LEN)
    return fprintf(stderr, "hutong qr: '%s' is not a %d-symbol code\n", input, CODE_PUBLIC_LEN), 2;
  static struct app app;
  struct qr_options opts;
  enum qr_format format;
  if (!config_app(argc, argv, &app) || !parse_options(argc, argv, &opts, &format)) return 2;
  struct arena arena;
  arena_init(&arena, QR_CLI_ARENA_BYTES);
  struct buf image;
  buf_init(&image, &arena, QR_CLI_IMAGE_BYTES);
  const char *text = url_qr_text(&app, &arena, URL_SCAN, code);
  int rc = text ? qr_render_text(str_from_cstr(text), &opts, format, &image) : HT_ENOMEM;
  const char *out = option_value(argc, argv, "out");
  if (rc == HT_OK && out) rc = write_file(out, buf_view(&image));
  int status = 0;
  if (rc == HT_ERANGE) {
    fprintf(stderr, "hutong qr: --size is too small for this code\n");
    status = 2;
  } else if (rc != HT_OK) {
    fprintf(stderr, "hutong qr: %s%s%s\n", ht_status_name(rc), out ? " writing " : "", out ? out : "");
    status = 1;
  } else if (out) {
    printf("%s\n", text);
    fprintf(stderr, "wrote %s\n", out);
  } else {
    fwrite(image.data, 1, image.len, stdout);
    printf("%s\n", text);
  }
  arena_free_all(&arena);
  return status;
}
