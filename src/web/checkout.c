/* checkout.c — the cart and the checkout: POST /cart, GET /checkout, POST /checkout.
 *
 * The product page's "Buy now" posts {code, quantity} to /checkout: the product goes into the
 * cart (a cookie, cart.h) and the buyer lands on GET /checkout, which shows the cart and the
 * order form (name, phone, a shipping address when anything is physical, a note). Posting
 * that form (place=1) calls orders_place() in the route's write transaction and sends the
 * buyer to the order page /O/{token}; bad input re-renders the form with the message next to
 * the field and a 4xx status (the transaction rolls back: nothing is reserved). Everything
 * the page shows is read again from the database; the cookie only names products. */
#include <stdio.h>
#include <string.h>

#include "app.h"
#include "core/status.h"
#include "core/utf8.h"
#include "pay/orders.h"
#include "store/products.h"
#include "web/forms.h"
#include "web/pages.h"
#include "web/shop.h"

_Static_assert(CART_LINES_MAX == ORDER_LINES_MAX, "a cart is one order");

/* The buyer fields' limits: the same as POST /v1/orders (api/orders.c) takes. */
#define BUYER_NAME_CHARS_MAX       50
#define BUYER_PHONE_CHARS_MIN      5
#define BUYER_PHONE_CHARS_MAX      20
#define SHIPPING_ADDRESS_CHARS_MAX 300
#define ORDER_NOTE_CHARS_MAX       300

/* ---- shared pieces (shop.h) ---- */

bool web_is_https(const struct request *req) { return strncmp(req->app->public_url, "https:", 6) == 0; }

void shop_cart_read(struct request *req, struct cart *cart) {
  if (cart_parse(request_cookie(req, CART_COOKIE_NAME), cart) != HT_OK) cart->count = 0;
}

void shop_cart_write(struct request *req, struct response *res, const struct cart *cart) {
  char value[CART_COOKIE_BYTES_MAX + 1];
  if (cart_format(cart, value, sizeof value) != HT_OK) value[0] = '\0';
  const char *cookie =
      arena_printf(&req->arena, "%s=%s; Path=/; Max-Age=%d; HttpOnly; SameSite=Lax%s", CART_COOKIE_NAME,
                   value, cart->count ? CART_COOKIE_MAX_AGE_S : 0, web_is_https(req) ? "; Secure" : "");
  if (cookie) response_header(req, res, "Set-Cookie", cookie);
}

void shop_header(struct page *page, const struct merchant *m) {
  struct buf *out = page->out;
  struct cart cart;
  shop_cart_read(page->req, &cart);
  html_raw(out, "<header class=\"top\"><a class=\"shop\" href=\"/S/%s\">", m->code);
  html_text(out, m->name);
  buf_append_cstr(out, "</a><nav>");
  if (cart.count)
    html_raw(out, "<a class=\"cart-link\" href=\"/checkout\">%s <span class=\"count\">%lld</span></a>",
             page_t(page, MSG_CART), (long long)cart_units(&cart));
  html_raw(out, "<a href=\"/\">%s</a></nav></header>", page_t(page, MSG_SITE_NAME));
}

/* ---- the cart's contents, read back from the database ---- */

struct checkout_line {
  struct product product;
  bool available; /* active and found */
  int64_t quantity;
  const char *error; /* message under the line */
};

struct checkout {
  struct cart cart;
  struct checkout_line lines[CART_LINES_MAX];
  size_t count;
  struct merchant merchant;
  bool has_merchant;
  bool physical; /* some line needs shipping */
  enum currency currency;
  int64_t total_minor;
};

static int load_checkout(struct request *req, struct checkout *c) {
  memset(c, 0, sizeof *c);
  shop_cart_read(req, &c->cart);
  struct db *db = request_db_try(req);
  if (!db) return HT_EBUSY;
  c->currency = CURRENCY_DEFAULT;
  for (size_t i = 0; i < c->cart.count; i++) {
    struct checkout_line *line = &c->lines[c->count++];
    line->quantity = c->cart.lines[i].quantity;
    int rc = store_product_by_code(db, &req->arena, str_from_cstr(c->cart.lines[i].code), &line->product);
    if (rc == HT_ENOTFOUND) {
      snprintf(line->product.code, sizeof line->product.code, "%s", c->cart.lines[i].code);
      line->product.title = str_from_cstr(c->cart.lines[i].code);
      continue;
    }
    if (rc != HT_OK) return rc;
    line->available = str_eq(line->product.status, STR_LIT("active"));
    if (!c->has_merchant) {
      rc = store_merchant_get(db, &req->arena, line->product.merchant_id, &c->merchant);
      if (rc != HT_OK) return rc;
      c->has_merchant = true;
      currency_from_code(line->product.currency, &c->currency);
    }
    if (!line->available) continue;
    if (str_eq(line->product.delivery, STR_LIT("physical"))) c->physical = true;
    int64_t amount = 0;
    if (money_mul(line->product.price_minor, line->quantity, &amount) == HT_OK)
      money_add(c->total_minor, amount, &c->total_minor);
  }
  return HT_OK;
}

/* ---- the page ---- */

struct checkout_form {
  struct str name, phone, address, note;
  const char *name_error, *phone_error, *address_error, *note_error;
  const char *banner; /* a message above the form */
};

static void render_line(struct page *page, const struct checkout *c, const struct checkout_line *line) {
  struct buf *out = page->out;
  const struct product *p = &line->product;
  html_raw(out, "<li class=\"line%s\"><div class=\"line-main\"><a href=\"/P/%s\">",
           line->available ? "" : " gone", p->code);
  html_text(out, p->title);
  buf_append_cstr(out, "</a>");
  if (line->available) {
    int64_t amount = 0;
    money_mul(p->price_minor, line->quantity, &amount);
    html_raw(out, "<span class=\"muted\">%s × %lld</span><strong>%s</strong>",
             web_money(page->req, p->price_minor, c->currency), (long long)line->quantity,
             web_money(page->req, amount, c->currency));
  }
  buf_append_cstr(out, "</div>");
  if (line->error || !line->available)
    html_raw(out, "<p class=\"error\">%s</p>", line->error ? line->error : page_t(page, MSG_ERR_UNAVAILABLE));
  html_raw(
      out,
      "<form class=\"row line-edit\" method=\"post\" action=\"/cart\"><input type=\"hidden\" name=\"code\" "
      "value=\"%s\">",
      p->code);
  if (line->available)
    html_raw(out,
             "<label>%s <input type=\"number\" name=\"quantity\" min=\"1\" max=\"%d\" value=\"%lld\"></label>"
             "<button class=\"btn ghost small\" name=\"action\" value=\"set\">%s</button>",
             page_t(page, MSG_QUANTITY), CART_QUANTITY_MAX, (long long)line->quantity,
             page_t(page, MSG_UPDATE));
  html_raw(out, "<button class=\"btn ghost small\" name=\"action\" value=\"remove\">%s</button></form></li>",
           page_t(page, MSG_REMOVE));
}

static void render_form(struct page *page, const struct checkout *c, const struct checkout_form *f) {
  struct buf *out = page->out;
  html_raw(out,
           "<section class=\"card\"><form method=\"post\" action=\"/checkout\" class=\"stack\" novalidate>");
  buf_append_cstr(out, "<input type=\"hidden\" name=\"place\" value=\"1\">");
  html_input(out, "text", "name", page_t(page, MSG_BUYER_NAME), f->name, f->name_error,
             " autocomplete=\"name\" maxlength=\"50\" required");
  html_input(out, "tel", "phone", page_t(page, MSG_BUYER_PHONE), f->phone, f->phone_error,
             " autocomplete=\"tel\" inputmode=\"tel\" maxlength=\"20\" required");
  if (c->physical)
    html_textarea(out, "address", page_t(page, MSG_SHIPPING_ADDRESS), f->address, f->address_error,
                  " autocomplete=\"street-address\" maxlength=\"300\" rows=\"3\" required");
  html_textarea(out, "note", page_t(page, MSG_NOTE), f->note, f->note_error, " maxlength=\"300\" rows=\"2\"");
  html_raw(out, "<p class=\"total\">%s <strong>%s</strong></p>", page_t(page, MSG_TOTAL),
           web_money(page->req, c->total_minor, c->currency));
  html_raw(out, "<button class=\"btn block\" type=\"submit\">%s</button>", page_t(page, MSG_PLACE_ORDER));
  html_raw(out, "<p class=\"muted\">%s</p>", page_t(page, MSG_PAY_CHOOSE));
  buf_append_cstr(out, "</form></section>");
}

static void render_checkout(struct request *req, struct response *res, const struct checkout *c,
                            const struct checkout_form *f, int status) {
  struct page page;
  page_init(&page, req, res);
  struct page_meta meta = {.title = str_from_cstr(page_t(&page, MSG_CHECKOUT)), .noindex = true};
  page_begin(&page, &meta);
  struct buf *out = page.out;
  if (c->has_merchant)
    shop_header(&page, &c->merchant);
  else
    html_raw(out, "<header class=\"top\"><a href=\"/\">%s</a></header>", page_t(&page, MSG_SITE_NAME));
  html_raw(out, "<main class=\"wrap narrow\"><h1>%s</h1>", page_t(&page, MSG_CHECKOUT));
  if (f->banner) html_raw(out, "<p class=\"banner error\" role=\"alert\">%s</p>", f->banner);
  if (c->count == 0) {
    html_raw(out,
             "<section class=\"card\"><p>%s</p><p><a class=\"btn ghost\" href=\"/\">%s</a></p></section>",
             page_t(&page, MSG_CART_EMPTY), page_t(&page, MSG_SITE_NAME));
  } else {
    html_raw(out, "<section class=\"card\"><h2>%s</h2><ul class=\"lines\">", page_t(&page, MSG_CART));
    for (size_t i = 0; i < c->count; i++) render_line(&page, c, &c->lines[i]);
    buf_append_cstr(out, "</ul></section>");
    if (c->total_minor > 0) render_form(&page, c, f);
  }
  buf_append_cstr(out, "</main>");
  page_end(&page, status);
}

void web_checkout_page(struct request *req, struct response *res) {
  struct checkout c;
  int rc = load_checkout(req, &c);
  if (rc != HT_OK) return response_status_error(req, res, rc, "checkout");
  struct checkout_form f = {0};
  render_checkout(req, res, &c, &f, 200);
}

/* ---- changing the cart ---- */

/* Puts `code` × `quantity` into the cart; a product of another shop than the cart's starts a
 * new cart. False (with a page written) when the product is not for sale. */
static bool put_in_cart(struct request *req, struct response *res, struct cart *cart, struct str code,
                        int64_t quantity, bool add) {
  char canon[CODE_LEN_MAX + 1];
  size_t len = 0;
  struct product p, first;
  struct db *db = request_db(req, res);
  if (!db) return false;
  int rc = code_normalize(code, canon, sizeof canon, &len) == HT_OK && len == CODE_PUBLIC_LEN
               ? store_product_by_code(db, &req->arena, str_from_cstr(canon), &p)
               : HT_ENOTFOUND;
  if (rc == HT_OK && !str_eq(p.status, STR_LIT("active"))) rc = HT_ENOTFOUND;
  if (rc == HT_ENOTFOUND) {
    page_message(req, res, 404, MSG_UNAVAILABLE_TITLE, MSG_UNAVAILABLE_BODY);
    return false;
  }
  if (rc != HT_OK) {
    response_status_error(req, res, rc, "product");
    return false;
  }
  if (cart->count &&
      (store_product_by_code(db, &req->arena, str_from_cstr(cart->lines[0].code), &first) != HT_OK ||
       first.merchant_id != p.merchant_id))
    cart->count = 0;
  rc = add ? cart_add(cart, str_from_cstr(canon), quantity) : cart_set(cart, str_from_cstr(canon), quantity);
  if (rc != HT_OK) {
    page_message(req, res, rc == HT_ETOOBIG ? 409 : 400, MSG_CART,
                 rc == HT_ETOOBIG ? MSG_ERR_CART_FULL : MSG_ERR_FORM);
    return false;
  }
  return true;
}

static bool read_quantity(struct str text, int64_t *quantity) {
  long long q = 0;
  if (text.len == 0)
    q = 1;
  else if (str_to_i64(str_trim(text), &q) != HT_OK)
    return false;
  *quantity = q;
  return q >= 0 && q <= CART_QUANTITY_MAX;
}

void web_cart_update(struct request *req, struct response *res) {
  struct form form;
  if (!web_same_origin(req)) return web_refuse_cross_site(req, res);
  if (!web_form_read(req, &form)) return page_message(req, res, 400, MSG_CART, MSG_ERR_FORM);
  struct str action = web_field(&form, "action"), code = web_field(&form, "code");
  int64_t quantity = 0;
  bool remove = str_eq(action, STR_LIT("remove"));
  if (!remove && !read_quantity(web_field(&form, "quantity"), &quantity))
    return page_message(req, res, 400, MSG_CART, MSG_ERR_FORM);
  struct cart cart;
  shop_cart_read(req, &cart);
  if (remove) {
    if (cart_set(&cart, code, 0) != HT_OK) return page_message(req, res, 400, MSG_CART, MSG_ERR_FORM);
  } else if (str_eq(action, STR_LIT("add"))) {
    if (quantity < 1) return page_message(req, res, 400, MSG_CART, MSG_ERR_FORM);
    if (!put_in_cart(req, res, &cart, code, quantity, true)) return;
    shop_cart_write(req, res, &cart);
    return web_see_other(req, res,
                         arena_printf(&req->arena, "/P/%s?added=1", cart.lines[cart.count - 1].code));
  } else if (!put_in_cart(req, res, &cart, code, quantity, false)) {
    return;
  }
  shop_cart_write(req, res, &cart);
  web_see_other(req, res, "/checkout");
}

/* ---- placing the order ---- */

static bool plain_text(struct str s, bool newlines) {
  for (size_t i = 0; i < s.len; i++) {
    unsigned char ch = (unsigned char)s.data[i];
    if ((ch < 0x20 && !(newlines && (ch == '\n' || ch == '\r' || ch == '\t'))) || ch == 0x7f) return false;
  }
  return true;
}

static bool phone_ok(struct str s) {
  size_t digits = 0;
  if (s.len > BUYER_PHONE_CHARS_MAX) return false;
  for (size_t i = 0; i < s.len; i++) {
    char ch = s.data[i];
    if (ch >= '0' && ch <= '9')
      digits++;
    else if (ch != ' ' && ch != '+' && ch != '-' && ch != '(' && ch != ')')
      return false;
  }
  return digits >= BUYER_PHONE_CHARS_MIN;
}

static bool text_ok(struct str s, size_t chars_min, size_t chars_max, bool newlines) {
  return utf8_valid(s) && utf8_count(s) >= chars_min && utf8_count(s) <= chars_max && plain_text(s, newlines);
}

/* Checks the form's fields; false when any has a message. */
static bool check_form(const struct page *page, const struct checkout *c, struct checkout_form *f) {
  if (!text_ok(f->name, 1, BUYER_NAME_CHARS_MAX, false)) f->name_error = page_t(page, MSG_ERR_NAME);
  if (!phone_ok(f->phone)) f->phone_error = page_t(page, MSG_ERR_PHONE);
  if (c->physical && !text_ok(f->address, 1, SHIPPING_ADDRESS_CHARS_MAX, true))
    f->address_error = page_t(page, MSG_ERR_ADDRESS);
  if (!text_ok(f->note, 0, ORDER_NOTE_CHARS_MAX, true)) f->note_error = page_t(page, MSG_ERR_NOTE);
  return !f->name_error && !f->phone_error && !f->address_error && !f->note_error;
}

/* Shows orders_place()'s refusal next to the line or field it names. */
static void show_problem(const struct page *page, struct checkout *c, struct checkout_form *f,
                         const struct order_problem *problem) {
  size_t index = 0;
  if (sscanf(problem->field, "items[%zu]", &index) == 1 && index < c->count) {
    c->lines[index].error = strcmp(problem->code, "out_of_stock") == 0 ? page_t(page, MSG_ERR_OUT_OF_STOCK)
                                                                       : page_t(page, MSG_ERR_UNAVAILABLE);
    f->banner = c->lines[index].error;
  } else if (strcmp(problem->field, "shipping_address") == 0) {
    f->address_error = page_t(page, MSG_ERR_ADDRESS);
  } else {
    f->banner = page_t(page, MSG_ERR_FORM);
  }
}

static struct str optional(struct str s) { return s.len ? s : (struct str){0}; }

static void place_order(struct request *req, struct response *res, const struct form *form) {
  struct checkout c;
  int rc = load_checkout(req, &c);
  if (rc != HT_OK) return response_status_error(req, res, rc, "checkout");
  struct checkout_form f = {.name = str_trim(web_field(form, "name")),
                            .phone = str_trim(web_field(form, "phone")),
                            .address = str_trim(web_field(form, "address")),
                            .note = str_trim(web_field(form, "note"))};
  struct page probe = {.lang = i18n_negotiate(request_query(req, "lang"), request_cookie(req, "lang"),
                                              request_header(req, "Accept-Language"))};
  if (c.count == 0) return render_checkout(req, res, &c, &f, 409);
  if (!check_form(&probe, &c, &f)) return render_checkout(req, res, &c, &f, 422);
  struct order_request r = {.buyer_name = f.name,
                            .buyer_phone = f.phone,
                            .shipping_address = c.physical ? f.address : optional(f.address),
                            .note = optional(f.note),
                            .source_code = str_from_cstr(c.cart.lines[0].code),
                            .client_class =
                                client_class_name(client_detect(request_header(req, "User-Agent")).cls)};
  for (size_t i = 0; i < c.cart.count; i++)
    r.items[i] = (struct order_item){.product_code = str_from_cstr(c.cart.lines[i].code),
                                     .quantity = c.cart.lines[i].quantity};
  r.item_count = c.cart.count;
  struct pay_ctx ctx = {.app = req->app, .arena = &req->arena, .db = req->db, .now_ms = req->now_ms};
  struct order_row row;
  struct order_problem problem;
  rc = orders_place(&ctx, req->db, &r, &row, &problem);
  if (rc == HT_EINVAL) {
    show_problem(&probe, &c, &f, &problem);
    return render_checkout(req, res, &c, &f, problem.status == 409 ? 409 : 422);
  }
  if (rc != HT_OK) return response_status_error(req, res, rc, "order");
  struct cart empty = {.count = 0};
  shop_cart_write(req, res, &empty);
  web_see_other(req, res, arena_printf(&req->arena, "/O/%s", row.token));
}

void web_checkout_post(struct request *req, struct response *res) {
  struct form form;
  if (!web_same_origin(req)) return web_refuse_cross_site(req, res);
  if (!web_form_read(req, &form)) return page_message(req, res, 400, MSG_CHECKOUT, MSG_ERR_FORM);
  if (web_field(&form, "place").len) return place_order(req, res, &form);
  int64_t quantity = 0;
  if (!read_quantity(web_field(&form, "quantity"), &quantity) || quantity < 1)
    return page_message(req, res, 400, MSG_CHECKOUT, MSG_ERR_FORM);
  struct cart cart;
  shop_cart_read(req, &cart);
  if (!put_in_cart(req, res, &cart, web_field(&form, "code"), quantity, false)) return;
  shop_cart_write(req, res, &cart);
  web_see_other(req, res, "/checkout");
}
