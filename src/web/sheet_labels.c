/* sheet_labels.c — products as print-sheet labels, sheet options by name (see sheet_labels.h). */
#include "web/sheet_labels.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/money.h"
#include "core/share_token.h"
#include "core/status.h"
#include "store/links.h"
#include "web/share.h"
#include "web/urls.h"

/* Longest option value read (a paper name, a count, a decimal size in mm). */
#define SHEET_OPTION_VALUE_BYTES_MAX 16
/* Tokens that sheets issue carry this channel, so statistics tell printed tokens apart. */
#define SHEET_TOKEN_CHANNEL "sheet"

const char *const sheet_option_names[] = {"paper", "columns", "rows", "qr_mm", "ec", NULL};

void sheet_labels_open(struct sheet_labels *s, struct db *db, const struct app *app, int64_t merchant_id,
                       int64_t now_ms, int64_t before_id, size_t limit) {
  *s = (struct sheet_labels){.db = db,
                             .app = app,
                             .merchant_id = merchant_id,
                             .now_ms = now_ms,
                             .before_id = before_id,
                             .limit = limit};
  arena_init(&s->arena, SHEET_LABELS_ARENA_BYTES);
}

void sheet_labels_close(struct sheet_labels *s) { arena_free_all(&s->arena); }

/* Gives every product of the page a token that stays valid long enough, in one transaction. */
static int ensure_tokens(struct sheet_labels *s) {
  int rc = db_begin(s->db, true);
  for (size_t i = 0; rc == HT_OK && i < s->count; i++) {
    const struct product *p = &s->page[i];
    int64_t expires_at_ms = 0;
    rc = store_token_latest_expiry(s->db, str_from_cstr(p->code), &expires_at_ms);
    if (rc == HT_ENOTFOUND) rc = HT_OK, expires_at_ms = 0;
    if (rc == HT_OK && !share_token_fresh(expires_at_ms, s->now_ms)) {
      rc = share_issue_at(s->db, p, STR_LIT(SHEET_TOKEN_CHANNEL), s->now_ms, s->app->token_ttl_ms,
                          &expires_at_ms);
      if (rc == HT_OK) s->tokens_issued++;
    }
  }
  if (rc == HT_OK) return db_commit(s->db);
  db_rollback(s->db);
  return rc;
}

/* Reads the next page of products into a fresh arena. */
static int read_page(struct sheet_labels *s) {
  arena_free_all(&s->arena);
  arena_init(&s->arena, SHEET_LABELS_ARENA_BYTES);
  s->count = s->next = 0;
  s->page = arena_alloc(&s->arena, sizeof *s->page * SHEET_LABELS_PAGE_PRODUCTS);
  if (!s->page) return HT_ENOMEM;
  int rc = store_product_list(s->db, &s->arena, s->merchant_id, PRODUCTS_ACTIVE, s->before_id,
                              SHEET_LABELS_PAGE_PRODUCTS, s->page, &s->count);
  if (rc != HT_OK) return rc;
  if (s->count < SHEET_LABELS_PAGE_PRODUCTS) s->exhausted = true;
  if (s->count) s->before_id = s->page[s->count - 1].id;
  return s->count ? ensure_tokens(s) : HT_OK;
}

static struct str label_price(struct arena *arena, const struct product *p) {
  enum currency currency = CURRENCY_DEFAULT;
  currency_from_code(p->currency, &currency);
  char *out = arena_alloc(arena, MONEY_DISPLAY_BYTES);
  size_t len = 0;
  if (!out || money_format_display(p->price_minor, currency, out, MONEY_DISPLAY_BYTES, &len) != HT_OK)
    return STR_LIT("");
  return (struct str){out, len};
}

static struct str label_token(struct arena *arena, const struct product *p) {
  char *out = arena_alloc(arena, SHARE_TOKEN_FORMAT_BYTES);
  size_t len = 0;
  if (!out || share_token_format(str_from_cstr(p->code), SHARE_TOKEN_DELIM_YEN_FULLWIDTH, out,
                                 SHARE_TOKEN_FORMAT_BYTES, &len) != HT_OK)
    return STR_LIT("");
  return (struct str){out, len};
}

int sheet_labels_next(void *ctx, struct sheet_label *label) {
  struct sheet_labels *s = ctx;
  if (s->limit && s->labels >= s->limit) return 0;
  if (s->next == s->count) {
    if (s->exhausted) return 0;
    int rc = read_page(s);
    if (rc != HT_OK) return rc < 0 ? rc : HT_EIO;
    if (s->count == 0) return 0;
  }
  const struct product *p = &s->page[s->next++];
  const char *link = url_qr_text(s->app, &s->arena, URL_SCAN, p->code);
  if (!link) return HT_ENOMEM;
  *label = (struct sheet_label){.title = p->title,
                                .price = label_price(&s->arena, p),
                                .token = label_token(&s->arena, p),
                                .link = str_from_cstr(link)};
  s->labels++;
  s->last_id = p->id;
  return 1;
}

bool sheet_labels_more(struct sheet_labels *s) {
  if (s->next < s->count) return true;
  if (s->exhausted || s->labels == 0) return false;
  struct product probe;
  size_t count = 0;
  int rc =
      store_product_list(s->db, &s->arena, s->merchant_id, PRODUCTS_ACTIVE, s->last_id, 1, &probe, &count);
  return rc == HT_OK && count == 1;
}

/* Copies `value` into `out` as a C string; false when it does not fit or holds a NUL. */
static bool value_cstr(struct str value, char out[SHEET_OPTION_VALUE_BYTES_MAX + 1]) {
  if (value.len == 0 || value.len > SHEET_OPTION_VALUE_BYTES_MAX || memchr(value.data, '\0', value.len))
    return false;
  memcpy(out, value.data, value.len);
  out[value.len] = '\0';
  return true;
}

static int set_count(unsigned *field, struct str value, unsigned max) {
  long long v = 0;
  if (str_to_i64(value, &v) != HT_OK) return HT_EINVAL;
  if (v < 1 || v > max) return HT_ERANGE;
  *field = (unsigned)v;
  return HT_OK;
}

static int set_qr_mm(double *field, struct str value) {
  char text[SHEET_OPTION_VALUE_BYTES_MAX + 1];
  if (!value_cstr(value, text)) return HT_EINVAL;
  char *end = NULL;
  double v = strtod(text, &end);
  if (end == text || *end != '\0' || !isfinite(v)) return HT_EINVAL;
  if (v < SHEET_QR_MM_MIN || v > SHEET_QR_MM_MAX) return HT_ERANGE;
  *field = v;
  return HT_OK;
}

static int set_paper(enum sheet_paper *field, struct str value) {
  static const char *const names[] = {
      [SHEET_PAPER_A4] = "a4", [SHEET_PAPER_A5] = "a5", [SHEET_PAPER_LETTER] = "letter"};
  for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
    if (str_eq_nocase(value, str_from_cstr(names[i]))) return *field = (enum sheet_paper)i, HT_OK;
  return HT_EINVAL;
}

int sheet_option_set(struct sheet_options *opts, const char *name, struct str value) {
  if (strcmp(name, "paper") == 0) return set_paper(&opts->paper, value);
  if (strcmp(name, "columns") == 0) return set_count(&opts->columns, value, SHEET_COLUMNS_MAX);
  if (strcmp(name, "rows") == 0) return set_count(&opts->rows, value, SHEET_ROWS_MAX);
  if (strcmp(name, "qr_mm") == 0) return set_qr_mm(&opts->qr_mm, value);
  if (strcmp(name, "ec") == 0) return qr_ec_parse(value, &opts->ec);
  return HT_EINVAL;
}
