#!/usr/bin/python3
"""alipay_sim.py — a local Alipay open-platform gateway simulator (RSA2) for hutong's tests.

Written from Alipay's public documentation (公共请求参数, 自行实现签名/验签, 异步通知,
alipay.trade.precreate / wap.pay / query / refund / close). The gateway (POST /gateway.do, or GET
for the wap.pay page flow) verifies every request's RSA2 `sign` byte for byte over the sorted
"k=v&..." content of the non-empty parameters except `sign` with the application public key
(answering code 40002 / isv.invalid-signature otherwise), answers `{"<method>_response":{...},
"sign":"..."}` signed with the platform key over the exact response text, and POSTs signed
trade_status_sync notifications (sign over everything but sign and sign_type) to the order's
notify_url until it answers exactly `success`. Controls are in simcore.py.

  alipay_sim.py [--port 0]                   serve; prints the port
  alipay_sim.py --emit-notification --now T  print one signed notification form for the JSON
                                             order fields on stdin
  alipay_sim.py --verify-request             check a request form on stdin; prints OK or sub_code
"""

import argparse
import base64
import json
import os
import secrets
import sys
import urllib.parse
from datetime import datetime, timedelta, timezone
from decimal import Decimal, InvalidOperation

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import simcore  # noqa: E402

KEYS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "data", "keys")
BEIJING = timezone(timedelta(hours=8))
SUCCESS = {"code": "10000", "msg": "Success"}


def beijing(ts):
    return datetime.fromtimestamp(ts, BEIJING).strftime("%Y-%m-%d %H:%M:%S")


def sign_content(params, drop=("sign",)):
    return "&".join("%s=%s" % (k, params[k]) for k in sorted(params) if k not in drop and params[k] != "")


def yuan(text):
    """Exact yuan text → fen, or None when malformed (at most two decimals)."""
    try:
        d = Decimal(text)
    except (InvalidOperation, TypeError):
        return None
    if d != d.quantize(Decimal("0.01")) or d <= 0:
        return None
    return int(d * 100)


def fen_text(fen):
    return "%d.%02d" % (fen // 100, fen % 100)


def business_error(sub_code, sub_msg):
    return {"code": "40004", "msg": "Business Failed", "sub_code": sub_code, "sub_msg": sub_msg}


class AlipaySim(simcore.Simulator):
    def __init__(self, args):
        super().__init__()
        self.app_id, self.seller_id = args.app_id, args.seller_id
        with open(args.app_public_key, "rb") as f:
            self.app_key = serialization.load_pem_public_key(f.read())
        with open(args.platform_key, "rb") as f:
            self.platform_key = serialization.load_pem_private_key(f.read(), None)
        self.orders = {}
        self.refunds = {}
        self.fixed_now = args.now

    def now(self):
        return self.fixed_now if self.fixed_now else super().now()

    def sign(self, text):
        sig = self.platform_key.sign(text.encode(), padding.PKCS1v15(), hashes.SHA256())
        return base64.b64encode(sig).decode()

    def check_request(self, params):
        """None when the request is acceptable, else the error body."""
        if params.get("sign_type") != "RSA2":
            return {"code": "40002", "msg": "Invalid Arguments", "sub_code": "isv.invalid-signature-type",
                    "sub_msg": "无效的签名类型"}
        try:
            self.app_key.verify(base64.b64decode(params.get("sign", ""), validate=True),
                                sign_content(params).encode(), padding.PKCS1v15(), hashes.SHA256())
        except Exception:
            return {"code": "40002", "msg": "Invalid Arguments", "sub_code": "isv.invalid-signature",
                    "sub_msg": "验签出错，建议检查签名字符串或签名私钥与应用公钥是否匹配，网关生成的验签字符串为：" +
                               sign_content(params)}
        if params.get("app_id") != self.app_id:
            return {"code": "40002", "msg": "Invalid Arguments", "sub_code": "isv.invalid-app-id",
                    "sub_msg": "无效的AppID参数"}
        return None

    # ---- gateway ----
    def handle_api(self, method, path, headers, body):
        url = urllib.parse.urlsplit(path)
        if url.path != "/gateway.do":
            return 404, {"Content-Type": "text/plain"}, b"not found"
        try:
            pairs = urllib.parse.parse_qsl(url.query, keep_blank_values=True, strict_parsing=bool(url.query))
            pairs += urllib.parse.parse_qsl(body.decode(), keep_blank_values=True, strict_parsing=bool(body))
        except (ValueError, UnicodeDecodeError):
            pairs = [("", "")]
        params = dict(pairs)
        api = params.get("method", "")
        key = api.replace(".", "_") + "_response" if api else "error_response"
        if len(params) != len(pairs) or not api:
            return self.respond("error_response", {"code": "40001", "msg": "Missing Required Arguments",
                                                   "sub_code": "isv.missing-method", "sub_msg": "缺少方法名参数"})
        denied = self.check_request(params)
        if denied:
            return self.respond(key, denied)
        try:
            biz = json.loads(params.get("biz_content", "{}"))
        except ValueError:
            return self.respond(key, {"code": "40002", "msg": "Invalid Arguments",
                                      "sub_code": "isv.invalid-parameter", "sub_msg": "biz_content 不是合法的 JSON"})
        handler = {"alipay.trade.precreate": self.precreate, "alipay.trade.wap.pay": self.wap_pay,
                   "alipay.trade.query": self.query, "alipay.trade.refund": self.refund,
                   "alipay.trade.close": self.close}.get(api)
        if not handler:
            return self.respond("error_response", {"code": "40004", "msg": "Business Failed",
                                                   "sub_code": "isv.invalid-method", "sub_msg": "不存在的方法名"})
        with self.lock:
            result = handler(biz, params)
        if api == "alipay.trade.wap.pay" and result.get("code") == "10000":
            page = "<!doctype html><title>支付宝收银台 (simulator)</title><p>%s %s</p>" % (
                result["out_trade_no"], result["total_amount"])
            return 200, {"Content-Type": "text/html; charset=utf-8"}, page.encode()
        return self.respond(key, result)

    def respond(self, key, result):
        # The signed part is exactly the text placed after "<key>":, so build the body around it.
        text = json.dumps(result, ensure_ascii=False, separators=(",", ":"))
        body = '{"%s":%s,"sign":"%s"}' % (key, text, self.sign(text))
        return 200, {"Content-Type": "application/json;charset=utf-8"}, body.encode()

    def create(self, biz, params, scanned):
        fen = yuan(biz.get("total_amount"))
        no = biz.get("out_trade_no")
        if not no or fen is None or not biz.get("subject"):
            return {"code": "40002", "msg": "Invalid Arguments", "sub_code": "isv.invalid-parameter",
                    "sub_msg": "参数无效"}
        order = self.orders.get(no)
        if order and (order["total"] != fen or order["status"] != "WAIT_BUYER_PAY"):
            return business_error("ACQ.CONTEXT_INCONSISTENT", "交易信息被篡改")
        if not order:
            order = {"out_trade_no": no, "total": fen, "subject": biz["subject"], "status": "WAIT_BUYER_PAY",
                     "scanned": scanned, "notify_url": params.get("notify_url", ""), "refunded": 0,
                     "trade_no": "2024%024d" % secrets.randbelow(10 ** 24), "gmt_create": beijing(self.now())}
            self.orders[no] = order
        return dict(SUCCESS, out_trade_no=no, total_amount=fen_text(fen))

    def precreate(self, biz, params):
        result = self.create(biz, params, scanned=False)
        if result.get("code") == "10000":
            result.pop("total_amount")
            result["qr_code"] = "https://qr.alipay.com/sim" + self.orders[biz["out_trade_no"]]["trade_no"][-12:]
        return result

    def wap_pay(self, biz, params):
        if biz.get("product_code") != "QUICK_WAP_WAY":
            return {"code": "40002", "msg": "Invalid Arguments", "sub_code": "isv.invalid-parameter",
                    "sub_msg": "product_code 无效"}
        return self.create(biz, params, scanned=True)

    def order_of(self, biz):
        order = self.orders.get(biz.get("out_trade_no"))
        return order if order and order["scanned"] else None  # unscanned precreate: not a trade yet

    def query(self, biz, params):
        o = self.order_of(biz)
        if not o:
            return business_error("ACQ.TRADE_NOT_EXIST", "交易不存在")
        r = dict(SUCCESS, trade_no=o["trade_no"], out_trade_no=o["out_trade_no"], buyer_logon_id="sim***@example.com",
                 trade_status=o["status"], total_amount=fen_text(o["total"]))
        if o["status"] != "WAIT_BUYER_PAY":
            r["send_pay_date"] = o.get("gmt_payment", o["gmt_create"])
        return r

    def refund(self, biz, params):
        o = self.order_of(biz)
        fen, rno = yuan(biz.get("refund_amount")), biz.get("out_request_no") or biz.get("out_trade_no")
        if not o:
            return business_error("ACQ.TRADE_NOT_EXIST", "交易不存在")
        if fen is None:
            return {"code": "40002", "msg": "Invalid Arguments", "sub_code": "isv.invalid-parameter",
                    "sub_msg": "refund_amount 无效"}
        done = self.refunds.get((o["out_trade_no"], rno))
        if done is None:
            if o["status"] != "TRADE_SUCCESS":
                return business_error("ACQ.TRADE_STATUS_ERROR", "交易状态不合法")
            if o["refunded"] + fen > o["total"]:
                return business_error("ACQ.REFUND_AMT_NOT_EQUAL_TOTAL", "退款金额超限")
            o["refunded"] += fen
            self.refunds[(o["out_trade_no"], rno)] = fen
            o["gmt_refund"] = beijing(self.now()) + ".000"
            if o["refunded"] == o["total"]:
                o["status"] = "TRADE_CLOSED"
            self.send(self.notification(o, out_biz_no=rno))
        elif done != fen:
            return business_error("ACQ.REFUND_AMT_NOT_EQUAL_TOTAL", "退款金额与原请求不一致")
        return dict(SUCCESS, trade_no=o["trade_no"], out_trade_no=o["out_trade_no"], buyer_logon_id="sim***@example.com",
                    fund_change="Y" if done is None else "N", refund_fee=fen_text(o["refunded"]),
                    gmt_refund_pay=o["gmt_refund"][:19])

    def close(self, biz, params):
        o = self.order_of(biz)
        if not o:
            return business_error("ACQ.TRADE_NOT_EXIST", "交易不存在")
        if o["status"] != "WAIT_BUYER_PAY":
            return business_error("ACQ.TRADE_STATUS_ERROR", "交易状态不合法")
        o["status"] = "TRADE_CLOSED"
        return dict(SUCCESS, trade_no=o["trade_no"], out_trade_no=o["out_trade_no"])

    # ---- notifications ----
    def notification_form(self, o, out_biz_no=None, tampered=False):
        total = fen_text(o["total"])
        p = {"gmt_create": o["gmt_create"], "charset": "utf-8", "seller_email": "sim-seller@example.com",
             "subject": o["subject"], "buyer_id": "2088102177846880", "invoice_amount": total,
             "notify_id": secrets.token_hex(16), "fund_bill_list": '[{"amount":"%s","fundChannel":"ALIPAYACCOUNT"}]' % total,
             "notify_type": "trade_status_sync", "trade_status": o["status"], "receipt_amount": total,
             "buyer_pay_amount": total, "app_id": self.app_id, "seller_id": self.seller_id,
             "notify_time": beijing(self.now()), "version": "1.0", "out_trade_no": o["out_trade_no"],
             "total_amount": total, "trade_no": o["trade_no"], "auth_app_id": self.app_id, "point_amount": "0.00"}
        if "gmt_payment" in o:
            p["gmt_payment"] = o["gmt_payment"]
        if out_biz_no:
            p.update(out_biz_no=out_biz_no, refund_fee=fen_text(o["refunded"]), gmt_refund=o["gmt_refund"])
        if o["status"] == "TRADE_CLOSED":
            p["gmt_close"] = beijing(self.now())
        # 异步通知验签: everything but sign and sign_type, sorted, values decoded.
        p["sign"] = self.sign(sign_content(p, drop=("sign", "sign_type")))
        p["sign_type"] = "RSA2"
        if tampered:
            p["total_amount"] = fen_text(o["total"] + 1)
        return urllib.parse.urlencode(p).encode()

    def notification(self, o, out_biz_no=None):
        snapshot = dict(o)

        def build(tampered):
            headers = {"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"}
            return headers, self.notification_form(snapshot, out_biz_no, tampered)

        # Only the exact body "success" stops Alipay's retries.
        return simcore.Notification(o["notify_url"], build, "trade_status_sync:" + o["status"],
                                    lambda status, answer: status == 200 and answer == "success")

    def simulate_payment(self, args):
        result = args.get("result", "TRADE_SUCCESS")
        with self.lock:
            o = self.orders.get(args.get("out_trade_no"))
            if not o:
                return 404, {"error": "no such order"}
            o["scanned"] = True
            o["status"] = result
            if result in ("TRADE_SUCCESS", "TRADE_FINISHED"):
                o["gmt_payment"] = beijing(self.now())
            note = self.notification(o) if o["notify_url"] and result != "WAIT_BUYER_PAY" else None
        if note:
            self.send(note, delay_ms=int(args.get("delay_ms", 0)), times=int(args.get("times", 1)),
                      fail_first=bool(args.get("fail_first")), hold=bool(args.get("hold")))
        return 200, {"trade_status": result}


def parse_args(argv):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--port", type=int, default=0)
    p.add_argument("--app-id", default="2021000122671080")
    p.add_argument("--seller-id", default="2088102147948060")
    p.add_argument("--app-public-key", default=os.path.join(KEYS, "alipay_app_pub.pem"))
    p.add_argument("--platform-key", default=os.path.join(KEYS, "alipay_platform_key.pem"))
    p.add_argument("--now", type=int, default=0, help="fixed Unix time instead of the clock")
    p.add_argument("--emit-notification", action="store_true")
    p.add_argument("--verify-request", action="store_true")
    return p.parse_args(argv)


def main(argv):
    args = parse_args(argv)
    sim = AlipaySim(args)
    if args.emit_notification:
        fields = json.loads(sys.stdin.buffer.read())
        order = {"out_trade_no": fields["out_trade_no"], "total": fields["total_fen"], "subject": fields["subject"],
                 "status": fields.get("trade_status", "TRADE_SUCCESS"), "notify_url": "", "refunded": 0,
                 "trade_no": "2024%024d" % secrets.randbelow(10 ** 24), "gmt_create": beijing(sim.now()),
                 "gmt_payment": beijing(sim.now())}
        sys.stdout.buffer.write(sim.notification_form(order))
        return 0
    if args.verify_request:
        params = dict(urllib.parse.parse_qsl(sys.stdin.read(), keep_blank_values=True))
        denied = sim.check_request(params)
        print("OK" if not denied else denied["sub_code"])
        return 0 if not denied else 1
    simcore.serve(sim, args.port)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
