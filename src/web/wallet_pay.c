/* wallet_pay.c — the wallet pay pages and their shared blocks (see wallet_pay.h). */
#include "web/wallet_pay.h"

#include <stdio.h>
#include <string.h>

#include "app.h"
#include "core/code.h"
#include "core/money.h"
#include "core/qr.h"
#include "core/status.h"
#include "store/orders.h"
#include "store/payments.h"
#include "store/wallets.h"
#include "web/assets.h"
#include "web/pages.h"

/* Our payment references: 'H', 'P' and CODE_PRIVATE_LEN random symbols (store/payments.c). */
#define PAYMENT_REFERENCE_CHARS (2 + CODE_PRIVATE_LEN)

static const char *const texts[WT_COUNT][LANG_COUNT] = {
    [WT_WECHATPAY] = {"微信支付", "WeChat Pay"},
    [WT_ALIPAY] = {"支付宝", "Alipay"},
    [WT_SANDBOX] = {"沙箱钱包", "Sandbox wallet"},
    [WT_UNIONPAY_UNAVAILABLE] = {"云闪付（暂不支持）", "UnionPay (not available yet)"},
    [WT_PAY_TITLE] = {"付款", "Pay"},
    [WT_AMOUNT] = {"金额", "Amount"},
    [WT_SCAN_WECHAT] = {"请用微信扫码付款", "Scan with WeChat to pay"},
    [WT_SCAN_ALIPAY] = {"请用支付宝扫码付款", "Scan with Alipay to pay"},
    [WT_LONG_PRESS] = {"长按二维码识别付款", "Long-press the code to pay"},
    [WT_PAY_BUTTON] = {"确认支付", "Pay now"},
    [WT_PAID] = {"已付款，谢谢！", "Paid — thank you!"},
    [WT_CLOSED] = {"这笔订单已关闭。", "This order is closed."},
    [WT_FAILED] = {"暂时无法发起付款，请稍后再试或换一种钱包。",
                   "The payment could not be started; try again later or choose another wallet."},
    [WT_BACK_TO_ORDER] = {"查看订单", "View the order"},
    [WT_CHOOSE_WALLET] = {"选择付款方式", "Choose how to pay"},
    [WT_SCAN_ANY] = {"用任意钱包扫码", "Scan with any wallet"},
    [WT_ENTER_AMOUNT] = {"输入付款金额（元）", "Enter the amount (yuan)"},
    [WT_NEXT] = {"下一步", "Next"},
    [WT_DAILY_CAP] = {"付款码每人每天最多", "Pay codes take at most, per buyer per day:"},
    [WT_OVER_CAP] = {"超出今天付款码的限额。", "This is over today's limit for pay codes."},
    [WT_BAD_AMOUNT] = {"请输入正确的金额，例如 12.50。", "Enter an amount such as 12.50."},
    [WT_RELOAD] = {"请重新打开付款码页面。", "Please open the pay code page again."},
    [WT_NOT_AVAILABLE] = {"该商家暂未开通此钱包。", "This shop does not accept this wallet yet."},
    [WT_OPEN_IN_WALLET] = {"请在微信或支付宝中打开。", "Open this in WeChat or Alipay."},
};

const char *wallet_text(enum lang lang, enum wallet_text id) {
  if ((unsigned)id >= WT_COUNT || (unsigned)lang >= LANG_COUNT) return "";
  return texts[id][lang];
}

static bool reads_codes_by_long_press(const struct page *page) {
  return page->caps.wallet == CLIENT_WALLET_WECHAT_JSAPI || page->caps.wallet == CLIENT_WALLET_ALIPAY;
}

void wallet_pay_render_qr(struct page *page, const char *channel, struct str qr_text) {
  struct buf *out = page->out;
  bool wechat = strcmp(channel, "wechatpay") == 0;
  html_raw(out, "<section class=\"card wallet-qr\" data-channel=\"%s\"><h2>%s</h2><div class=\"qr\">",
           channel, wallet_text(page->lang, wechat ? WT_WECHATPAY : WT_ALIPAY));
  struct qr_options opts = qr_options_default();
  opts.size_px = WALLET_QR_PX;
  qr_render_text(qr_text, &opts, QR_FORMAT_SVG, out);
  enum wallet_text hint = reads_codes_by_long_press(page) && !page->caps.is_desktop ? WT_LONG_PRESS
                          : wechat                                                  ? WT_SCAN_WECHAT
                                                                                    : WT_SCAN_ALIPAY;
  html_raw(out, "</div><p class=\"muted\">%s</p></section>", wallet_text(page->lang, hint));
}

void wallet_pay_render_jsapi(struct page *page, struct str params_json, const char *return_url) {
  struct buf *out = page->out;
  html_raw(out, "<section class=\"card wallet-jsapi\"><h2>%s</h2>", wallet_text(page->lang, WT_WECHATPAY));
  buf_append_cstr(out, "<script type=\"application/json\" id=\"wechatpay-jsapi\">");
  json_error_t error;
  json_t *params = json_loadb(params_json.data, params_json.len, 0, &error);
  if (params) html_json(out, params);
  json_decref(params);
  buf_append_cstr(out, "</script><p><button class=\"btn block wechat\" type=\"button\" data-wechatpay-jsapi "
                       "data-return=\"");
  html_attr(out, str_from_cstr(return_url));
  html_raw(out, "\">%s</button></p></section>", wallet_text(page->lang, WT_PAY_BUTTON));
  html_raw(out, "<script src=\"%s\" defer></script>", assets_url("pay.js"));
}

/* The amount line of a payment or order. */
static void render_amount(struct page *page, int64_t amount_minor, enum currency currency) {
  char amount[MONEY_DISPLAY_BYTES];
  size_t len;
  if (money_format_display(amount_minor, currency, amount, sizeof amount, &len) != HT_OK) amount[0] = '\0';
  html_raw(page->out, "<p class=\"muted\">%s</p><p class=\"price\" data-amount>%s</p>",
           wallet_text(page->lang, WT_AMOUNT), amount);
}

void web_wallet_pay_page(struct request *req, struct response *res) {
  struct str channel = request_param(req, 0);
  char reference[CODE_LEN_MAX + 1];
  size_t len = 0;
  if (code_normalize(request_param(req, 1), reference, sizeof reference, &len) != HT_OK ||
      len != PAYMENT_REFERENCE_CHARS)
    return web_not_found(req, res);
  struct db *db = request_db(req, res);
  if (!db) return;
  struct channel_call_row payment;
  struct order_row order;
  struct payment_page data = {0};
  int rc = store_call_by_reference(db, &req->arena, CALL_PAYMENT, str_from_cstr(reference), &payment);
  if (rc == HT_OK && !str_eq(payment.channel, channel)) rc = HT_ENOTFOUND;
  if (rc == HT_OK) rc = store_order_get(db, &req->arena, 0, payment.order_id, &order);
  if (rc == HT_OK) rc = store_payment_page_get(db, &req->arena, str_from_cstr(reference), &data);
  if (rc == HT_ENOTFOUND) return web_not_found(req, res);
  if (rc != HT_OK) return response_status_error(req, res, rc, "payment");
  struct page page;
  page_init(&page, req, res);
  struct page_meta meta = {.title = str_from_cstr(wallet_text(page.lang, WT_PAY_TITLE)), .noindex = true};
  page_begin(&page, &meta);
  const char *order_url = arena_printf(&req->arena, "%s/O/%s", req->app->public_url, order.token);
  html_raw(page.out,
           "<header class=\"top\"><span>%s</span></header><main class=\"wrap\"><section class=\"card\">",
           wallet_text(page.lang, str_eq(channel, STR_LIT("wechatpay")) ? WT_WECHATPAY : WT_ALIPAY));
  render_amount(&page, payment.amount_minor, payment.currency);
  buf_append_cstr(page.out, "</section>");
  if (payment.status == CHANNEL_CALL_SUCCEEDED)
    html_raw(page.out, "<p class=\"done\">%s</p>", wallet_text(page.lang, WT_PAID));
  else if (payment.status == CHANNEL_CALL_FAILED)
    html_raw(page.out, "<p>%s</p>", wallet_text(page.lang, WT_FAILED));
  else if (str_eq(data.kind, STR_LIT("jsapi")))
    wallet_pay_render_jsapi(&page, data.data, order_url);
  else
    wallet_pay_render_qr(&page, str_eq(channel, STR_LIT("wechatpay")) ? "wechatpay" : "alipay", data.data);
  buf_append_cstr(page.out, "<p><a class=\"btn ghost\" href=\"");
  html_url(page.out, str_from_cstr(order_url));
  html_raw(page.out, "\">%s</a></p></main>", wallet_text(page.lang, WT_BACK_TO_ORDER));
  page_end(&page, 200);
}
