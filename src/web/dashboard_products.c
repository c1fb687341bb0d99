/* dashboard_products.c — the merchant's products in the dashboard.
 *
 *   GET  /M/products[?status=]           list (current, active, draft, archived, all)
 *   GET  /M/products/new, POST /M/products          create
 *   GET  /M/products/{id}, POST /M/products/{id}    edit; QR (SVG/PNG), link, share token and text
 *   POST /M/products/{id}/archive                   archive
 *   GET  /M/products/{id}/sheet.pdf                 a print sheet of its price tags
 * Products are written through the same store functions as POST/PATCH /v1/products, after the
 * same checks (the API's limits, restated here for the form's own messages). */
#include <stdio.h>
#include <string.h>

#include "app.h"
#include "core/qr.h"
#include "core/status.h"
#include "core/utf8.h"
#include "store/products.h"
#include "web/dashboard.h"
#include "web/forms.h"
#include "web/pages.h"
#include "web/share.h"
#include "web/sheet.h"
#include "web/urls.h"

/* The API's product limits (api/products.c, issue #2). */
#define PRODUCT_TITLE_CHARS_MAX       200
#define PRODUCT_DESCRIPTION_CHARS_MAX 5000
#define PRODUCT_STOCK_MAX             1000000000LL
#define PRODUCT_URL_BYTES_MAX         2048
/* Products listed on one page of the dashboard. */
#define DASH_PRODUCTS_LISTED_MAX 100
/* The QR code shown on a product's page, and the size of the downloadable images. */
#define DASH_PRODUCT_QR_PX  200
#define DASH_QR_DOWNLOAD_PX 600
/* Currencies offered in the form (the allowlist has more; the API accepts them all). */
static const char *const form_currencies[] = {"CNY", "HKD", "USD", "EUR", "JPY"};

struct product_form {
  struct str title, description, price, currency, stock, delivery, status, image_url;
  const char *title_error, *description_error, *price_error, *stock_error, *url_error;
};

static bool has_control(struct str s, bool newlines) {
  for (size_t i = 0; i < s.len; i++) {
    unsigned char c = (unsigned char)s.data[i];
    if (newlines && (c == '\n' || c == '\r' || c == '\t')) continue;
    if (c < 0x20 || c == 0x7f) return true;
  }
  return false;
}

static bool is_one_of(struct str s, const char *const *names, size_t n) {
  for (size_t i = 0; i < n; i++)
    if (str_eq(s, str_from_cstr(names[i]))) return true;
  return false;
}

static bool is_http_url(struct str url) {
  bool scheme = str_has_prefix(url, STR_LIT("http://")) || str_has_prefix(url, STR_LIT("https://"));
  return scheme && url.len <= PRODUCT_URL_BYTES_MAX && url.len > 8 && !has_control(url, false) &&
         str_find(url, STR_LIT(" "), false) < 0;
}

/* Checks the form and applies it to `p`; false when a field has a message. */
static bool apply_form(const struct page *page, struct product_form *f, struct product *p) {
  static const char *const deliveries[] = {"physical", "virtual", "auto"};
  static const char *const statuses[] = {"active", "draft", "archived"};
  if (str_trim(f->title).len == 0 || !utf8_valid(f->title) ||
      utf8_count(f->title) > PRODUCT_TITLE_CHARS_MAX || has_control(f->title, false))
    f->title_error = page_t(page, MSG_ERR_TITLE);
  if (!utf8_valid(f->description) || utf8_count(f->description) > PRODUCT_DESCRIPTION_CHARS_MAX ||
      has_control(f->description, true))
    f->description_error = page_t(page, MSG_ERR_DESCRIPTION);
  enum currency currency = CURRENCY_DEFAULT;
  if (!is_one_of(f->currency, form_currencies, sizeof form_currencies / sizeof form_currencies[0]) ||
      currency_from_code(f->currency, &currency) != HT_OK ||
      money_parse(str_trim(f->price), currency, &p->price_minor) != HT_OK || p->price_minor < 1 ||
      p->price_minor > AMOUNT_MINOR_MAX)
    f->price_error = page_t(page, MSG_ERR_PRICE);
  long long stock = 0;
  if (str_to_i64(str_trim(f->stock), &stock) != HT_OK || stock < 0 || stock > PRODUCT_STOCK_MAX)
    f->stock_error = page_t(page, MSG_ERR_STOCK);
  if (f->image_url.len && !is_http_url(str_trim(f->image_url))) f->url_error = page_t(page, MSG_ERR_URL);
  if (!is_one_of(f->delivery, deliveries, 3)) f->delivery = STR_LIT("physical");
  if (!is_one_of(f->status, statuses, 3)) f->status = STR_LIT("active");
  if (f->title_error || f->description_error || f->price_error || f->stock_error || f->url_error)
    return false;
  p->title = str_trim(f->title);
  p->description = f->description;
  p->currency = str_from_cstr(currency_code(currency));
  p->stock = stock;
  p->delivery = f->delivery;
  p->status = f->status;
  p->image_url = f->image_url.len ? str_trim(f->image_url) : (struct str){0};
  return true;
}

static void read_form(struct dash *d, struct product_form *f) {
  memset(f, 0, sizeof *f);
  f->title = web_field(&d->form, "title");
  f->description = web_field(&d->form, "description");
  f->price = web_field(&d->form, "price");
  f->currency = web_field(&d->form, "currency");
  f->stock = web_field(&d->form, "stock");
  f->delivery = web_field(&d->form, "delivery");
  f->status = web_field(&d->form, "status");
  f->image_url = web_field(&d->form, "image_url");
}

static void form_from_product(struct request *req, const struct product *p, struct product_form *f) {
  memset(f, 0, sizeof *f);
  enum currency c = CURRENCY_DEFAULT;
  currency_from_code(p->currency, &c);
  char price[MONEY_DECIMAL_BYTES];
  size_t len;
  if (money_format(p->price_minor, c, price, sizeof price, &len) != HT_OK) price[0] = '\0';
  f->title = p->title;
  f->description = p->description;
  f->price = str_from_cstr(arena_strndup(&req->arena, price, strlen(price)));
  f->currency = p->currency;
  f->stock = str_from_cstr(arena_printf(&req->arena, "%lld", (long long)p->stock));
  f->delivery = p->delivery;
  f->status = p->status;
  f->image_url = p->image_url.data ? p->image_url : STR_LIT("");
}

static void select_field(struct buf *out, const char *name, const char *label, struct str current,
                         const char *const *values, const char *const *labels, size_t n) {
  html_raw(out, "<div class=\"field\"><label for=\"f-%s\">%s</label><select id=\"f-%s\" name=\"%s\">", name,
           label, name, name);
  for (size_t i = 0; i < n; i++)
    html_raw(out, "<option value=\"%s\"%s>%s</option>", values[i],
             str_eq(current, str_from_cstr(values[i])) ? " selected" : "", labels[i]);
  buf_append_cstr(out, "</select></div>");
}

static void render_form(struct dash *d, const char *action, const struct product_form *f) {
  struct page *page = &d->page;
  struct buf *out = page->out;
  html_raw(out, "<form method=\"post\" action=\"%s\" class=\"card stack\" novalidate>", action);
  dash_csrf_field(d);
  html_input(out, "text", "title", page_t(page, MSG_TITLE), f->title, f->title_error,
             " maxlength=\"200\" required");
  html_textarea(out, "description", page_t(page, MSG_DESCRIPTION), f->description, f->description_error,
                " rows=\"4\" maxlength=\"5000\"");
  buf_append_cstr(out, "<div class=\"row\">");
  html_input(out, "text", "price", page_t(page, MSG_PRICE), f->price, f->price_error,
             " inputmode=\"decimal\" placeholder=\"12.50\" required");
  select_field(out, "currency", page_t(page, MSG_CURRENCY), f->currency.len ? f->currency : STR_LIT("CNY"),
               form_currencies, form_currencies, sizeof form_currencies / sizeof form_currencies[0]);
  html_input(out, "number", "stock", page_t(page, MSG_STOCK), f->stock.len ? f->stock : STR_LIT("0"),
             f->stock_error, " min=\"0\" required");
  buf_append_cstr(out, "</div>");
  static const char *const deliveries[] = {"physical", "virtual", "auto"};
  const char *delivery_labels[] = {page_t(page, MSG_DELIVERY_PHYSICAL), page_t(page, MSG_DELIVERY_VIRTUAL),
                                   page_t(page, MSG_DELIVERY_AUTO)};
  select_field(out, "delivery", page_t(page, MSG_DELIVERY), f->delivery, deliveries, delivery_labels, 3);
  static const char *const statuses[] = {"active", "draft", "archived"};
  const char *status_labels[] = {page_t(page, MSG_PRODUCT_ACTIVE), page_t(page, MSG_PRODUCT_DRAFT),
                                 page_t(page, MSG_PRODUCT_ARCHIVED)};
  select_field(out, "status", page_t(page, MSG_STATUS), f->status, statuses, status_labels, 3);
  html_input(out, "url", "image_url", page_t(page, MSG_IMAGE_URL), f->image_url, f->url_error,
             " placeholder=\"https://\"");
  html_raw(out, "<button class=\"btn block\">%s</button></form>", page_t(page, MSG_SAVE));
}

static const char *status_label(const struct page *page, struct str status) {
  if (str_eq(status, STR_LIT("draft"))) return page_t(page, MSG_PRODUCT_DRAFT);
  if (str_eq(status, STR_LIT("archived"))) return page_t(page, MSG_PRODUCT_ARCHIVED);
  return page_t(page, MSG_PRODUCT_ACTIVE);
}

static const char *price_of(struct request *req, const struct product *p) {
  enum currency c = CURRENCY_DEFAULT;
  currency_from_code(p->currency, &c);
  return web_money(req, p->price_minor, c);
}

/* ---- list ---- */

void web_dash_products(struct request *req, struct response *res) {
  struct dash d;
  if (!dash_begin(req, res, &d)) return;
  static const struct {
    const char *name;
    enum product_listing which;
    enum msg label;
  } filters[] = {{"", PRODUCTS_CURRENT, MSG_ALL},
                 {"active", PRODUCTS_ACTIVE, MSG_PRODUCT_ACTIVE},
                 {"draft", PRODUCTS_DRAFT, MSG_PRODUCT_DRAFT},
                 {"archived", PRODUCTS_ARCHIVED, MSG_PRODUCT_ARCHIVED}};
  struct str status = request_query(req, "status");
  size_t chosen = 0;
  for (size_t i = 1; status.data && i < sizeof filters / sizeof filters[0]; i++)
    if (str_eq(status, str_from_cstr(filters[i].name))) chosen = i;
  struct product *items = arena_alloc(&req->arena, sizeof *items * DASH_PRODUCTS_LISTED_MAX);
  size_t count = 0;
  int rc = items ? store_product_list(req->db, &req->arena, d.merchant.id, filters[chosen].which, 0,
                                      DASH_PRODUCTS_LISTED_MAX, items, &count)
                 : HT_ENOMEM;
  if (rc != HT_OK) return response_status_error(req, res, rc, "products");
  struct page *page = &d.page;
  struct buf *out = page->out;
  dash_page_begin(&d, page_t(page, MSG_NAV_PRODUCTS), DASH_PRODUCTS);
  html_raw(out,
           "<div class=\"row\"><a class=\"btn\" href=\"/M/products/new\">+ %s</a><nav class=\"filters\">",
           page_t(page, MSG_NEW_PRODUCT));
  for (size_t i = 0; i < sizeof filters / sizeof filters[0]; i++)
    html_raw(out, "<a class=\"btn small %s\" href=\"/M/products%s%s\">%s</a>", i == chosen ? "" : "ghost",
             i ? "?status=" : "", filters[i].name, page_t(page, filters[i].label));
  buf_append_cstr(out, "</nav></div><section class=\"card table-wrap\">");
  if (count == 0)
    html_raw(out, "<p class=\"muted\">%s</p>", page_t(page, MSG_NO_PRODUCTS));
  else {
    html_raw(out,
             "<table><thead><tr><th>%s</th><th class=\"num\">%s</th><th "
             "class=\"num\">%s</th><th>%s</th></tr></thead>"
             "<tbody>",
             page_t(page, MSG_TITLE), page_t(page, MSG_PRICE), page_t(page, MSG_STOCK),
             page_t(page, MSG_STATUS));
    for (size_t i = 0; i < count; i++) {
      const struct product *p = &items[i];
      html_raw(out, "<tr data-product=\"%lld\"><td><a href=\"/M/products/%lld\">", (long long)p->id,
               (long long)p->id);
      html_text(out, p->title);
      html_raw(out,
               "</a><br><span class=\"muted mono\">%s</span></td><td class=\"num\">%s</td><td "
               "class=\"num\">%lld</td>"
               "<td><span class=\"badge %.*s\">%s</span></td></tr>",
               p->code, price_of(req, p), (long long)p->stock, STR_FMT(p->status),
               status_label(page, p->status));
    }
    buf_append_cstr(out, "</tbody></table>");
  }
  buf_append_cstr(out, "</section>");
  dash_page_end(&d, 200);
}

/* ---- create ---- */

void web_dash_product_new(struct request *req, struct response *res) {
  struct dash d;
  if (!dash_begin(req, res, &d)) return;
  struct product_form f = {
      .currency = STR_LIT("CNY"), .delivery = STR_LIT("physical"), .status = STR_LIT("active")};
  dash_page_begin(&d, page_t(&d.page, MSG_NEW_PRODUCT), DASH_PRODUCTS);
  render_form(&d, "/M/products", &f);
  dash_page_end(&d, 200);
}

void web_dash_product_create(struct request *req, struct response *res) {
  struct dash d;
  if (!dash_begin(req, res, &d)) return;
  struct product_form f;
  read_form(&d, &f);
  struct product p = {.merchant_id = d.merchant.id};
  if (!apply_form(&d.page, &f, &p)) {
    dash_page_begin(&d, page_t(&d.page, MSG_NEW_PRODUCT), DASH_PRODUCTS);
    render_form(&d, "/M/products", &f);
    return dash_page_end(&d, 422);
  }
  int rc = store_product_create(req->db, &p, req->now_ms);
  if (rc != HT_OK) return response_status_error(req, res, rc, "product");
  web_see_other(req, res, arena_printf(&req->arena, "/M/products/%lld?saved=1", (long long)p.id));
}

/* ---- one product ---- */

static bool load_product(struct dash *d, struct product *p) {
  int64_t id = dash_path_id(d->page.req);
  int rc = id ? store_product_get(d->page.req->db, &d->page.req->arena, d->merchant.id, id, p) : HT_ENOTFOUND;
  if (rc == HT_ENOTFOUND)
    dash_not_found(d);
  else if (rc != HT_OK)
    response_status_error(d->page.req, d->page.res, rc, "product");
  return rc == HT_OK;
}

static void render_share(struct dash *d, const struct product *p) {
  struct request *req = d->page.req;
  struct page *page = &d->page;
  struct buf *out = page->out;
  const char *url = url_public(req->app, &req->arena, URL_PRODUCT, p->code);
  html_raw(out, "<section class=\"card\"><h2>%s</h2><div class=\"row\"><div class=\"qr-box\">",
           page_t(page, MSG_QR_CODE));
  struct qr_options opts = qr_options_default();
  opts.size_px = DASH_PRODUCT_QR_PX;
  const char *text = url_qr_text(req->app, &req->arena, URL_SCAN, p->code);
  if (text) qr_render_text(str_from_cstr(text), &opts, QR_FORMAT_SVG, out);
  html_raw(out,
           "</div><div class=\"stack\"><a class=\"btn ghost small\" download=\"%s.svg\" "
           "href=\"/qr/%s.svg?size=%d\">%s</a>"
           "<a class=\"btn ghost small\" download=\"%s.png\" href=\"/qr/%s.png?size=%d\">%s</a>"
           "<a class=\"btn ghost small\" href=\"/M/products/%lld/sheet.pdf\">%s</a></div></div>",
           p->code, p->code, DASH_QR_DOWNLOAD_PX, page_t(page, MSG_DOWNLOAD_SVG), p->code, p->code,
           DASH_QR_DOWNLOAD_PX, page_t(page, MSG_DOWNLOAD_PNG), (long long)p->id,
           page_t(page, MSG_PRINT_SHEET));
  html_raw(out, "<h2>%s</h2><p class=\"row\"><a href=\"", page_t(page, MSG_LINK));
  html_url(out, str_from_cstr(url));
  buf_append_cstr(out, "\">");
  html_text(out, str_from_cstr(url));
  buf_append_cstr(out, "</a><button class=\"btn ghost small\" type=\"button\" data-copy=\"");
  html_attr(out, str_from_cstr(url));
  html_raw(out, "\" data-copied=\"%s\">%s</button></p>", page_t(page, MSG_COPIED), page_t(page, MSG_COPY));
  int64_t expires_at_ms = 0;
  if (str_eq(p->status, STR_LIT("active")) && share_ensure(req, p, &expires_at_ms) == HT_OK) {
    const char *token = share_token_text(req, p->code, SHARE_TOKEN_DELIM_YEN_FULLWIDTH, false);
    const char *message = share_message(req, page->lang, p, token, url);
    html_raw(out, "<h2>%s</h2><p class=\"row\"><span class=\"token\" data-token>",
             page_t(page, MSG_SHARE_TOKEN));
    html_text(out, str_from_cstr(token));
    buf_append_cstr(out, "</span><button class=\"btn ghost small\" type=\"button\" data-copy=\"");
    html_attr(out, str_from_cstr(token));
    html_raw(out, "\" data-copied=\"%s\">%s</button></p><h2>%s</h2><p class=\"muted\" data-share-text>",
             page_t(page, MSG_COPIED), page_t(page, MSG_COPY), page_t(page, MSG_SHARE_TEXT));
    html_text(out, str_from_cstr(message ? message : ""));
    buf_append_cstr(out, "</p><p><button class=\"btn ghost small\" type=\"button\" data-copy=\"");
    html_attr(out, str_from_cstr(message ? message : ""));
    html_raw(out, "\" data-copied=\"%s\">%s</button></p>", page_t(page, MSG_COPIED), page_t(page, MSG_COPY));
  }
  buf_append_cstr(out, "</section>");
}

static void render_product(struct dash *d, const struct product *p, const struct product_form *f,
                           int status) {
  struct page *page = &d->page;
  struct buf *out = page->out;
  dash_page_begin(d, page_t(page, MSG_NAV_PRODUCTS), DASH_PRODUCTS);
  if (request_query(page->req, "saved").data && status == 200)
    html_raw(out, "<p class=\"notice\" role=\"status\">%s</p>", page_t(page, MSG_SAVED));
  html_raw(out, "<p><a href=\"/P/%s\">%s ↗</a> · <span class=\"badge %.*s\">%s</span></p>", p->code,
           page_t(page, MSG_VIEW_PAGE), STR_FMT(p->status), status_label(page, p->status));
  buf_append_cstr(out, "<div class=\"product\">");
  render_form(d, arena_printf(&page->req->arena, "/M/products/%lld", (long long)p->id), f);
  render_share(d, p);
  buf_append_cstr(out, "</div>");
  if (!str_eq(p->status, STR_LIT("archived"))) {
    html_raw(out, "<form method=\"post\" action=\"/M/products/%lld/archive\">", (long long)p->id);
    dash_csrf_field(d);
    html_raw(out, "<button class=\"btn link\">%s</button></form>", page_t(page, MSG_ARCHIVE));
  }
  dash_page_end(d, status);
}

void web_dash_product(struct request *req, struct response *res) {
  struct dash d;
  struct product p;
  if (!dash_begin(req, res, &d) || !load_product(&d, &p)) return;
  struct product_form f;
  form_from_product(req, &p, &f);
  render_product(&d, &p, &f, 200);
}

void web_dash_product_update(struct request *req, struct response *res) {
  struct dash d;
  struct product p;
  if (!dash_begin(req, res, &d) || !load_product(&d, &p)) return;
  struct product_form f;
  read_form(&d, &f);
  struct product before = p;
  if (!apply_form(&d.page, &f, &p)) return render_product(&d, &before, &f, 422);
  int rc = store_product_update(req->db, &p, req->now_ms);
  if (rc != HT_OK) return response_status_error(req, res, rc, "product");
  web_see_other(req, res, arena_printf(&req->arena, "/M/products/%lld?saved=1", (long long)p.id));
}

void web_dash_product_archive(struct request *req, struct response *res) {
  struct dash d;
  struct product p;
  if (!dash_begin(req, res, &d) || !load_product(&d, &p)) return;
  p.status = STR_LIT("archived");
  int rc = store_product_update(req->db, &p, req->now_ms);
  if (rc != HT_OK) return response_status_error(req, res, rc, "product");
  web_see_other(req, res, "/M/products");
}

/* ---- the print sheet ---- */

static int append_pdf(void *ctx, const unsigned char *data, size_t len) { return buf_append(ctx, data, len); }

void web_dash_product_sheet(struct request *req, struct response *res) {
  struct dash d;
  struct product p;
  if (!dash_begin(req, res, &d) || !load_product(&d, &p)) return;
  int64_t expires_at_ms = 0;
  const char *token = str_eq(p.status, STR_LIT("active")) && share_ensure(req, &p, &expires_at_ms) == HT_OK
                          ? share_token_text(req, p.code, SHARE_TOKEN_DELIM_YEN_FULLWIDTH, false)
                          : "";
  struct sheet_options opts = sheet_options_default();
  struct sheet_label label = {.title = p.title,
                              .price = str_from_cstr(price_of(req, &p)),
                              .token = str_from_cstr(token),
                              .link = str_from_cstr(url_qr_text(req->app, &req->arena, URL_SCAN, p.code))};
  /* One page of the same tag: a shelf's worth. */
  size_t copies = (size_t)opts.columns * opts.rows;
  struct sheet_label *labels = arena_alloc(&req->arena, sizeof *labels * copies);
  if (!labels) return response_status_error(req, res, HT_ENOMEM, "sheet");
  for (size_t i = 0; i < copies; i++) labels[i] = label;
  struct sheet_array array = {.labels = labels, .count = copies};
  res->body.len = 0;
  struct sheet_io io = {
      .next_label = sheet_array_next, .next_ctx = &array, .write = append_pdf, .write_ctx = &res->body};
  int rc = sheet_render(&opts, &io, NULL);
  if (rc != HT_OK) {
    res->body.len = 0;
    return response_status_error(req, res, rc, "sheet");
  }
  res->status = 200;
  res->content_type = "application/pdf";
  response_header(req, res, "Content-Disposition",
                  arena_printf(&req->arena, "attachment; filename=\"hutong-%s-sheet.pdf\"", p.code));
}
