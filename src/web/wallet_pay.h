/*
 * wallet_pay.h — the pages where a buyer pays with WeChat Pay or Alipay, and their words.
 *
 * GET /pay/{channel}/{reference} shows one payment attempt: the wallet's QR code (WeChat Pay
 * Native's code_url, Alipay precreate's qr_code) to scan, or, inside WeChat, the button that
 * hands the signed JSAPI parameters to WeixinJSBridge. The aggregated pay codes (/PAY/...,
 * aggregate.c) draw the same blocks. The strings of these pages live here, in both languages,
 * rather than in i18n.c, so the wallet pages are one self-contained piece.
 */
#ifndef HUTONG_WEB_WALLET_PAY_H
#define HUTONG_WEB_WALLET_PAY_H

#include "http/request.h"
#include "web/html.h"

/* Pixels of a wallet QR code on these pages. */
#define WALLET_QR_PX 220

enum wallet_text {
  WT_WECHATPAY,
  WT_ALIPAY,
  WT_SANDBOX,
  WT_UNIONPAY_UNAVAILABLE,
  WT_PAY_TITLE,
  WT_AMOUNT,
  WT_SCAN_WECHAT,
  WT_SCAN_ALIPAY,
  WT_LONG_PRESS,
  WT_PAY_BUTTON,
  WT_PAID,
  WT_CLOSED,
  WT_FAILED,
  WT_BACK_TO_ORDER,
  WT_CHOOSE_WALLET,
  WT_SCAN_ANY,
  WT_ENTER_AMOUNT,
  WT_NEXT,
  WT_DAILY_CAP,
  WT_OVER_CAP,
  WT_BAD_AMOUNT,
  WT_RELOAD,
  WT_NOT_AVAILABLE,
  WT_OPEN_IN_WALLET,
  WT_COUNT
};

/* The text of `id` in `lang`. */
const char *wallet_text(enum lang lang, enum wallet_text id);

/* Appends a wallet QR block: a caption, the QR code of `qr_text`, and the hint to scan it
 * (or, inside an app that reads codes by long press, to long-press it). */
void wallet_pay_render_qr(struct page *page, const char *channel, struct str qr_text);

/* Appends the JSAPI block: the signed parameters for WeixinJSBridge (as JSON data, never as
 * code) and the pay button that pay.js wires up; `return_url` is where a paid buyer goes. */
void wallet_pay_render_jsapi(struct page *page, struct str params_json, const char *return_url);

/* GET /pay/{channel}/{reference}. */
void web_wallet_pay_page(struct request *req, struct response *res);

/* GET /PAY/{code}: the aggregated pay code of a store (static) or an order (dynamic). */
void web_pay_code(struct request *req, struct response *res);

/* POST /PAY/{store code}: the amount a buyer enters on a static code (form-encoded). */
void web_pay_code_submit(struct request *req, struct response *res);

/* GET /qr/PAY/{code}.svg: the printable pay code. */
void web_pay_code_qr(struct request *req, struct response *res);

#endif
