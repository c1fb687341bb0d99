/*
 * wechatpay.h — the WeChat Pay API v3 channel: core/wechatpay.h's protocol over libcurl, with
 * each merchant's own credentials (pay/credentials.h).
 *
 * Payments: JSAPI when the buyer is inside WeChat and their openid is known (the pay page then
 * calls WeixinJSBridge with the signed paySign parameters), otherwise Native, whose code_url
 * our own page shows as a QR code. Every request is signed (Authorization
 * WECHATPAY2-SHA256-RSA2048) and every answer verified (platform certificate or public key,
 * timestamps 5 minutes or more off refused) before it is believed; an answer that does not
 * verify counts as no answer. Query, close, refund (out_refund_no = our refund reference, the
 * idempotency key) and the TRANSACTION.* / REFUND.* notifications, decrypted with the APIv3
 * key and checked against our own record (mchid, appid, out_trade_no, amount), complete it.
 * trade_state maps onto our outcomes as docs/WALLETS.md tabulates, UNKNOWN included (no
 * usable answer: the record stays or becomes unknown and reconciliation asks again).
 *
 * For JSAPI the openid comes from the payments API or from WeChat's web authorisation
 * (snsapi_base), which the /PAY pages run when the merchant configured an app_secret.
 */
#ifndef HUTONG_PAY_WECHATPAY_H
#define HUTONG_PAY_WECHATPAY_H

#include "pay/channel.h"

/* The production hosts; each is configurable per merchant (base_url, oauth_url, sns_url). */
#define WECHATPAY_BASE_URL_DEFAULT  "https://api.mch.weixin.qq.com"
#define WECHATPAY_OAUTH_URL_DEFAULT "https://open.weixin.qq.com"
#define WECHATPAY_SNS_URL_DEFAULT   "https://api.weixin.qq.com"
/* An openid is 28 characters; the API allows up to 128. */
#define WECHATPAY_OPENID_CHARS_MAX 128

extern const struct pay_channel pay_channel_wechatpay;

/* True when merchant ctx->merchant_id has WeChat Pay configured (false on any error). */
bool wechatpay_configured(struct pay_ctx *ctx);

/* True when it can also run JSAPI from a web page: an app_secret is configured, so the
 * buyer's openid can be obtained by WeChat's web authorisation. */
bool wechatpay_jsapi_ready(struct pay_ctx *ctx);

/* The WeChat authorisation URL (snsapi_base) that brings the buyer back to `redirect_uri`
 * with ?code=...&state=`state`, in the arena. HT_ENOTFOUND when JSAPI is not ready. */
int wechatpay_oauth_url(struct pay_ctx *ctx, const char *redirect_uri, const char *state, const char **url);

/* Exchanges an authorisation `code` for the buyer's openid (copied into the arena).
 * HT_EAUTH when WeChat refuses the code, HT_EIO when it does not answer. */
int wechatpay_oauth_openid(struct pay_ctx *ctx, struct str code, struct str *openid);

#endif
