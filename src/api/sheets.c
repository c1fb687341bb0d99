/* sheets.c — GET /v1/sheets.pdf: the merchant's price-tag sheet as a PDF, the API face of
 * `hutong sheet` (the same labels from web/sheet_labels.h, the same drawing in web/sheet.h).
 *
 * Query: paper, columns, rows, qr_mm, ec (as sheet_option_set reads them), limit (tags in
 * this response) and cursor. A response holds at most SHEET_API_LABELS_MAX tags; when more
 * active products follow, `Link: <...>; rel="next"` and `X-Next-Cursor` name the next part, so
 * a catalogue of any size is fetched as a few bounded PDFs (the command line writes one file
 * of any size). Tokens about to expire are renewed, as on the landing page. */
#include <stdio.h>
#include <string.h>

#include "api/api.h"
#include "api/common.h"
#include "app.h"
#include "core/status.h"
#include "web/sheet_labels.h"

/* Tags per response. Measured on the 2-core machine (10,000 tags: 11 s, 22.6 MB): a tag costs
 * about 1.1 ms and 2.3 KB of PDF, so 2,000 tags take ~2 s and ~4.5 MB, well inside the
 * request arena's body limit, and one request does not hold a worker thread for long. */
#define SHEET_API_LABELS_MAX     2000
#define SHEET_API_LABELS_DEFAULT SHEET_API_LABELS_MAX

static int append_pdf(void *ctx, const unsigned char *data, size_t len) {
  return buf_append(ctx, (const char *)data, len);
}

static bool read_options(struct request *req, struct response *res, struct sheet_options *opts) {
  *opts = sheet_options_default();
  for (size_t i = 0; sheet_option_names[i]; i++) {
    const char *name = sheet_option_names[i];
    struct str value = request_query(req, name);
    if (!value.data) continue;
    int rc = sheet_option_set(opts, name, value);
    if (rc == HT_ERANGE) {
      response_error(req, res, 400, "out_of_range", name, "%s is outside its limits", name);
      return false;
    }
    if (rc != HT_OK) {
      response_error(req, res, 400, "invalid_value", name, "%s is not understood", name);
      return false;
    }
  }
  if (sheet_options_check(opts) != HT_OK) {
    response_error(req, res, 400, "out_of_range", "columns",
                   "the tags do not fit the page: fewer columns or rows, or a smaller qr_mm");
    return false;
  }
  return true;
}

/* Names the next part: the same options with the cursor after `last_id`. */
static void link_next(struct request *req, struct response *res, const struct sheet_options *opts,
                      size_t limit, int64_t last_id) {
  static const char *const papers[] = {
      [SHEET_PAPER_A4] = "a4", [SHEET_PAPER_A5] = "a5", [SHEET_PAPER_LETTER] = "letter"};
  json_t *cursor = api_cursor_json(req, last_id);
  const char *text = json_string_value(cursor);
  response_header(req, res, "X-Next-Cursor", text);
  const char *link = arena_printf(
      &req->arena,
      "</v1/sheets.pdf?paper=%s&columns=%u&rows=%u&qr_mm=%g&ec=%c&limit=%zu&cursor=%s>;"
      " rel=\"next\"",
      papers[opts->paper], opts->columns, opts->rows, opts->qr_mm, "LMQH"[opts->ec], limit, text);
  if (link) response_header(req, res, "Link", link);
  json_decref(cursor);
}

void api_sheets_pdf(struct request *req, struct response *res) {
  struct sheet_options opts;
  size_t limit;
  int64_t before_id;
  if (!read_options(req, res, &opts) ||
      !api_page_params_within(req, res, SHEET_API_LABELS_DEFAULT, SHEET_API_LABELS_MAX, &limit, &before_id))
    return;
  struct db *db = request_db(req, res);
  if (!db) return;
  struct sheet_labels labels;
  sheet_labels_open(&labels, db, req->app, req->merchant_id, req->now_ms, before_id, limit);
  res->body.len = 0;
  struct sheet_io io = {
      .next_label = sheet_labels_next, .next_ctx = &labels, .write = append_pdf, .write_ctx = &res->body};
  struct sheet_stats stats;
  int rc = sheet_render(&opts, &io, &stats);
  bool more = rc == HT_OK && sheet_labels_more(&labels);
  int64_t last_id = labels.last_id;
  sheet_labels_close(&labels);
  if (rc != HT_OK) res->body.len = 0;
  if (rc == HT_EINVAL && stats.labels == 0)
    return response_error(req, res, 404, "not_found", NULL, "no active products to print");
  if (rc == HT_ERANGE && stats.bad_label != SIZE_MAX)
    return response_error(req, res, 400, "out_of_range", "qr_mm",
                          "a code is too dense to print at this size; use a larger qr_mm or a lower ec");
  if (rc != HT_OK) return response_status_error(req, res, rc, "sheet");
  if (more) link_next(req, res, &opts, limit, last_id);
  char count[24];
  snprintf(count, sizeof count, "%zu", stats.labels);
  response_header(req, res, "X-Labels", count);
  response_header(req, res, "Content-Disposition", "attachment; filename=\"sheet.pdf\"");
  res->status = 200;
  res->content_type = "application/pdf";
}
