/* sheet.c — `hutong sheet --merchant ID --out FILE.pdf`: a print-ready PDF of price tags for
 * every active product of a merchant (web/sheet.h draws, web/sheet_labels.h supplies).
 *
 * The PDF is written to FILE.part and renamed over FILE only when complete, so a failed or
 * interrupted run never leaves a truncated sheet where the printer would pick it up. On a
 * terminal, stderr shows a progress bar, page by page. */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "app.h"
#include "cli/cli.h"
#include "cli/options.h"
#include "core/status.h"
#include "platform/clock.h"
#include "store/merchants.h"
#include "store/products.h"
#include "web/sheet_labels.h"

/* Width of the progress bar in characters (fits an 80-column terminal with the counts). */
#define SHEET_PROGRESS_BAR_CHARS 40
/* Longest --out path; the .part sibling needs a few bytes more. */
#define SHEET_PATH_BYTES_MAX 4096

static const char sheet_help[] =
    "usage: hutong sheet --merchant ID --out FILE.pdf [--paper a4|a5|letter] [--columns N]\n"
    "                    [--rows N] [--qr-mm MM] [--ec L|M|Q|H] [--db URL] [--public-url URL]\n"
    "\n"
    "Renders price tags for every active product of the merchant into a print-ready PDF:\n"
    "each tag has the product's QR code, title, price and share token (a token about to\n"
    "expire is renewed first). Defaults: A4, 3 columns x 7 rows, 22 mm codes, level M.\n"
    "  --columns  1..4     --rows  1..9     --qr-mm  15..100\n"
    "  --public-url  base of the links in the codes (default HUTONG_PUBLIC_URL, "
    "else " CONFIG_PUBLIC_URL_DEFAULT ")\n";

/* Command-line spellings of the options sheet_option_set() knows. */
static const struct {
  const char *flag, *name;
} sheet_flags[] = {
    {"paper", "paper"}, {"columns", "columns"}, {"rows", "rows"}, {"qr-mm", "qr_mm"}, {"ec", "ec"}};

struct file_writer {
  FILE *f;
};

static int write_chunk(void *ctx, const unsigned char *data, size_t len) {
  struct file_writer *w = ctx;
  return fwrite(data, 1, len, w->f) == len ? HT_OK : HT_EIO;
}

static void show_progress(void *ctx, size_t done, size_t total) {
  (void)ctx;
  size_t filled = total ? done * SHEET_PROGRESS_BAR_CHARS / total : 0;
  if (filled > SHEET_PROGRESS_BAR_CHARS) filled = SHEET_PROGRESS_BAR_CHARS;
  char bar[SHEET_PROGRESS_BAR_CHARS + 1];
  memset(bar, '#', filled);
  memset(bar + filled, '.', SHEET_PROGRESS_BAR_CHARS - filled);
  bar[SHEET_PROGRESS_BAR_CHARS] = '\0';
  fprintf(stderr, "\r[%s] %zu/%zu tags", bar, done, total);
  fflush(stderr);
}

static bool parse_options(int argc, char **argv, struct sheet_options *opts) {
  *opts = sheet_options_default();
  for (size_t i = 0; i < sizeof sheet_flags / sizeof sheet_flags[0]; i++) {
    const char *v = option_value(argc, argv, sheet_flags[i].flag);
    if (!v) continue;
    int rc = sheet_option_set(opts, sheet_flags[i].name, str_from_cstr(v));
    if (rc != HT_OK) {
      fprintf(stderr, "hutong sheet: --%s %s: %s (see --help)\n", sheet_flags[i].flag, v,
              rc == HT_ERANGE ? "out of range" : "not understood");
      return false;
    }
  }
  if (sheet_options_check(opts) != HT_OK) {
    fputs("hutong sheet: the tags do not fit the page; fewer --columns or --rows, or a smaller --qr-mm\n",
          stderr);
    return false;
  }
  return true;
}

static bool parse_merchant(const char *text, int64_t *id) {
  long long v = 0;
  if (!text || str_to_i64(str_from_cstr(text), &v) != HT_OK || v <= 0) return false;
  *id = v;
  return true;
}

/* Renders into `part`; returns HT_OK or why not, with a message already printed. */
static int render(struct db *db, const struct app *app, int64_t merchant_id, const struct sheet_options *opts,
                  const char *part, size_t total) {
  struct file_writer w = {fopen(part, "wb")};
  if (!w.f) return fprintf(stderr, "hutong sheet: cannot write %s\n", part), HT_EIO;
  struct sheet_labels labels;
  sheet_labels_open(&labels, db, app, merchant_id, clock_now_ms(), 0, 0);
  bool tty = isatty(STDERR_FILENO);
  struct sheet_io io = {.next_label = sheet_labels_next,
                        .next_ctx = &labels,
                        .write = write_chunk,
                        .write_ctx = &w,
                        .progress = tty ? show_progress : NULL,
                        .total_labels = total};
  struct sheet_stats stats;
  int rc = sheet_render(opts, &io, &stats);
  if (tty) fputc('\n', stderr);
  if (fclose(w.f) != 0 && rc == HT_OK) rc = HT_EIO;
  if (rc == HT_OK)
    printf("%zu tags on %zu pages (%zu share tokens issued)\n", stats.labels, stats.pages,
           labels.tokens_issued);
  else if (stats.bad_label != SIZE_MAX)
    fprintf(stderr, "hutong sheet: tag %zu cannot be printed: %s (try a larger --qr-mm or a lower --ec)\n",
            stats.bad_label + 1, ht_status_name(rc));
  else
    fprintf(stderr, "hutong sheet: %s %s\n", ht_status_name(rc), db_error(db));
  sheet_labels_close(&labels);
  return rc;
}

static int run(struct db *db, const struct app *app, int64_t merchant_id, const struct sheet_options *opts,
               const char *out) {
  struct arena arena;
  arena_init(&arena, 1 << 20);
  struct merchant m;
  int rc = store_merchant_get(db, &arena, merchant_id, &m);
  arena_free_all(&arena);
  if (rc == HT_ENOTFOUND)
    return fprintf(stderr, "hutong sheet: no merchant %lld\n", (long long)merchant_id), 1;
  int64_t total = 0;
  if (rc == HT_OK) rc = store_product_count(db, merchant_id, PRODUCTS_ACTIVE, &total);
  if (rc != HT_OK) return fprintf(stderr, "hutong sheet: %s\n", db_error(db)), 1;
  if (total == 0)
    return fprintf(stderr, "hutong sheet: merchant %lld has no active products\n", (long long)merchant_id), 1;
  char part[SHEET_PATH_BYTES_MAX + 8];
  snprintf(part, sizeof part, "%s.part", out);
  rc = render(db, app, merchant_id, opts, part, (size_t)total);
  if (rc == HT_OK && rename(part, out) != 0) {
    fprintf(stderr, "hutong sheet: cannot rename %s to %s\n", part, out);
    rc = HT_EIO;
  }
  if (rc != HT_OK) unlink(part);
  return rc == HT_OK ? 0 : 1;
}

int cli_sheet(int argc, char **argv) {
  static const char *const allowed[] = {"merchant", "out", "paper",      "columns", "rows", "qr-mm",
                                        "ec",       "db",  "public-url", "help!",   NULL};
  if (option_flag(argc, argv, "help")) return fputs(sheet_help, stdout), 0;
  if (!options_check(argc, argv, allowed, 0)) return 2;
  int64_t merchant_id;
  if (!parse_merchant(option_value(argc, argv, "merchant"), &merchant_id))
    return fputs("hutong sheet: --merchant ID is required (see --help)\n", stderr), 2;
  const char *out = option_value(argc, argv, "out");
  if (!out || !*out || strlen(out) > SHEET_PATH_BYTES_MAX)
    return fputs("hutong sheet: --out FILE.pdf is required (see --help)\n", stderr), 2;
  static struct app app;
  struct sheet_options opts;
  if (!config_app(argc, argv, &app) || !parse_options(argc, argv, &opts)) return 2;
  struct db *db = config_open_db(config_db_url(argc, argv));
  if (!db) return 1;
  int status = run(db, &app, merchant_id, &opts, out);
  db_close(db);
  return status;
}
