/*
 * sheet_labels.h — a merchant's catalogue as print-sheet labels, and the sheet's options as
 * named settings: the one place that `hutong sheet` and `GET /v1/sheets.pdf` share.
 *
 * The iterator streams the merchant's active products a page at a time (newest first), so a
 * catalogue of any size is rendered in bounded memory. Each label gets what a buyer needs at
 * the shelf: the title, the price in the display format of core/money.h, the product's share
 * token and, in the QR code, the product's scan link (/Q/CODE, counted as a scan). A product
 * whose token is missing or about to expire gets a fresh one under the landing page's rule
 * (share_token_fresh), checked and issued for a whole page in one transaction, so a printed
 * tag never carries a token that dies within SHARE_RENEW_MARGIN_MS of printing.
 */
#ifndef HUTONG_WEB_SHEET_LABELS_H
#define HUTONG_WEB_SHEET_LABELS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "app.h"
#include "core/arena.h"
#include "store/db.h"
#include "store/products.h"
#include "web/sheet.h"

/* Products read, and their tokens checked in one transaction, at a time: 256 keeps a page's
 * rows (a description may reach 15 KB) within a few MB and a transaction short. */
#define SHEET_LABELS_PAGE_PRODUCTS 256
/* Memory of one page of rows and label texts. */
#define SHEET_LABELS_ARENA_BYTES (8u * 1024u * 1024u)

struct sheet_labels {
  struct db *db;
  const struct app *app;
  int64_t merchant_id;
  int64_t now_ms;
  size_t limit;         /* labels at most; 0 for all */
  int64_t before_id;    /* the next page holds ids below this; 0 reads from the newest */
  struct arena arena;   /* the current page */
  struct product *page; /* SHEET_LABELS_PAGE_PRODUCTS slots in `arena` */
  size_t count, next;   /* products in the page, and the next to yield */
  bool exhausted;       /* the last page has been read */
  size_t labels;        /* labels yielded so far */
  size_t tokens_issued; /* fresh tokens issued so far */
  int64_t last_id;      /* id of the last product yielded */
};

/* Prepares an iterator over the active products of `merchant_id` with id below `before_id`
 * (0: all), stopping after `limit` labels (0: no limit). `db` and `app` must outlive it; it
 * opens its own short write transactions on `db` (the caller must not be inside one). */
void sheet_labels_open(struct sheet_labels *s, struct db *db, const struct app *app, int64_t merchant_id,
                       int64_t now_ms, int64_t before_id, size_t limit);

/* next_label of struct sheet_io over a struct sheet_labels: fills `label` and returns 1, 0
 * after the last one, or a negative HT_E* from the store. Label texts live until the next
 * call. */
int sheet_labels_next(void *ctx, struct sheet_label *label);

/* After the iteration stopped at its limit: true when more active products follow the last
 * label (the caller can continue with before_id = s->last_id). HT_E* errors read as false. */
bool sheet_labels_more(struct sheet_labels *s);

/* Frees the page memory. */
void sheet_labels_close(struct sheet_labels *s);

/* Sets one option of a sheet by name from text, as the command line and the query string
 * write it: "paper" (a4, a5, letter), "columns" (1..SHEET_COLUMNS_MAX), "rows"
 * (1..SHEET_ROWS_MAX), "qr_mm" (a decimal SHEET_QR_MM_MIN..SHEET_QR_MM_MAX) and "ec" (L, M,
 * Q, H). HT_EINVAL for an unknown name or an unreadable value, HT_ERANGE for a number outside
 * its limits. Whether the labels then fit the page is sheet_options_check()'s question. */
int sheet_option_set(struct sheet_options *opts, const char *name, struct str value);

/* The names sheet_option_set() knows, NULL-terminated. */
extern const char *const sheet_option_names[];

#endif
