/*
 * alipay.h — the Alipay open-platform channel (RSA2): core/alipay.h's protocol over libcurl,
 * with each merchant's own credentials (pay/credentials.h).
 *
 * Payments: on a phone (Alipay, Taobao, Tmall, mobile browsers) alipay.trade.wap.pay — the
 * buyer's browser is sent to the gateway with our signed request and pays in Alipay's
 * cashier; on a desktop alipay.trade.precreate — Alipay answers a qr_code that our page shows.
 * Every request is signed with the application key; every synchronous answer is verified with
 * Alipay's public key over the exact bytes of its `<method>_response` member; an answer that
 * does not verify counts as none. Query (ACQ.TRADE_NOT_EXIST before the buyer scans: still
 * waiting, not a failure), close, refund (out_request_no = our refund reference, the
 * idempotency key; a 10000 answer means refunded) and the asynchronous trade_status_sync
 * notifications, verified and checked against our record (app_id, seller_id, out_trade_no,
 * total_amount) and answered "success" or "fail", complete it. A notification carrying
 * out_biz_no and refund_fee reports a refund.
 */
#ifndef HUTONG_PAY_ALIPAY_H
#define HUTONG_PAY_ALIPAY_H

#include "pay/channel.h"

/* The production gateway; configurable per merchant (gateway_url). */
#define ALIPAY_GATEWAY_URL_DEFAULT "https://openapi.alipay.com/gateway.do"

extern const struct pay_channel pay_channel_alipay;

/* True when merchant ctx->merchant_id has Alipay configured (false on any error). */
bool alipay_configured(struct pay_ctx *ctx);

#endif
