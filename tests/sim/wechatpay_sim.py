#!/usr/bin/python3
"""wechatpay_sim.py — a local WeChat Pay API v3 simulator for hutong's tests.

Written from WeChat Pay's public v3 documentation (签名生成/签名验证, 回调通知, Native/JSAPI
下单, 查询订单, 关闭订单, 退款申请/查询, 退款结果通知). It checks every request's
`Authorization: WECHATPAY2-SHA256-RSA2048 ...` byte for byte against the merchant's public key
(401 SIGN_ERROR otherwise), answers like the real API with Wechatpay-Signature/-Timestamp/-Nonce/
-Serial headers signed by the platform key, and sends TRANSACTION.SUCCESS and REFUND.*
notifications to the order's notify_url, encrypted with AEAD_AES_256_GCM under the APIv3 key.
Controls (late, twice, out of order, failed first delivery, time-outs) are in simcore.py.
It also plays WeChat's web authorisation (网页授权, snsapi_base) for JSAPI pages: GET
/connect/oauth2/authorize redirects back with a one-time code, and GET /sns/oauth2/access_token
exchanges it (with the app secret) for the buyer's openid.

  wechatpay_sim.py [--port 0]                  serve; prints the port
  wechatpay_sim.py --emit-notification --now T  print one signed, encrypted notification of the
                                               transaction JSON on stdin (headers, blank line, body)
  wechatpay_sim.py --verify-request --now T     check "METHOD\\nURL\\nAuthorization\\n" + body on
                                               stdin like the API would; prints OK or the error code

Keys default to the test-only PEMs in tests/data/keys/.
"""

import argparse
import base64
import json
import os
import re
import secrets
import sys
import threading
import time
import urllib.parse
from datetime import datetime, timedelta, timezone

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import simcore  # noqa: E402

KEYS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "data", "keys")
# Replay window of the v3 signature scheme: 5 minutes either way.
CLOCK_SKEW_S_MAX = 300
# The default APIv3 key of the tests (32 characters, like a real one).
DEFAULT_APIV3_KEY = "hutongTestAPIv3Key0123456789abcd"
# The default app secret (公众号 AppSecret) of the tests' web authorisation.
DEFAULT_APP_SECRET = "hutongTestAppSecret0123456789abc"
BEIJING = timezone(timedelta(hours=8))
AUTH_SCHEME = "WECHATPAY2-SHA256-RSA2048 "


def rfc3339(ts):
    return datetime.fromtimestamp(ts, BEIJING).isoformat(timespec="seconds")


def nonce_str(n=32):
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
    return "".join(secrets.choice(alphabet) for _ in range(n))


def error(status, code, message):
    return status, {"code": code, "message": message}


class WechatPaySim(simcore.Simulator):
    def __init__(self, args):
        super().__init__()
        self.mchid = args.mchid
        self.merchant_serial = args.merchant_serial
        with open(args.merchant_public_key, "rb") as f:
            self.merchant_key = serialization.load_pem_public_key(f.read())
        with open(args.platform_key, "rb") as f:
            self.platform_key = serialization.load_pem_private_key(f.read(), None)
        if args.platform_serial:
            self.platform_serial = args.platform_serial
        else:
            with open(args.platform_cert, "rb") as f:
                self.platform_serial = "%X" % x509.load_pem_x509_certificate(f.read()).serial_number
        self.apiv3_key = args.apiv3_key.encode()
        self.orders = {}
        self.refunds = {}
        self.fixed_now = args.now
        self.appid, self.app_secret = args.appid, args.app_secret
        self.oauth_codes = {}

    def now(self):
        return self.fixed_now if self.fixed_now else super().now()

    # ---- signatures ----
    def sign(self, message):
        sig = self.platform_key.sign(message, padding.PKCS1v15(), hashes.SHA256())
        return base64.b64encode(sig).decode()

    def signed_headers(self, body, tampered=False):
        ts, nonce = str(self.now()), nonce_str()
        sig = self.sign(b"%s\n%s\n%s\n" % (ts.encode(), nonce.encode(), body))
        if tampered:
            sig = ("A" if sig[0] != "A" else "B") + sig[1:]
        return {"Wechatpay-Timestamp": ts, "Wechatpay-Nonce": nonce, "Wechatpay-Signature": sig,
                "Wechatpay-Serial": self.platform_serial, "Request-ID": secrets.token_hex(16)}

    def check_authorization(self, method, url, auth, body):
        """Returns None when valid, else (status, error json) as the API answers."""
        if not auth or not auth.startswith(AUTH_SCHEME):
            return error(401, "SIGN_ERROR", "Authorization 缺失或认证类型错误")
        fields = dict(re.findall(r'(\w+)="([^"]*)"', auth[len(AUTH_SCHEME):]))
        need = ("mchid", "nonce_str", "timestamp", "serial_no", "signature")
        if any(k not in fields for k in need):
            return error(401, "SIGN_ERROR", "Authorization 参数不全")
        if fields["mchid"] != self.mchid:
            return error(401, "SIGN_ERROR", "商户号与签名不符")
        if fields["serial_no"] != self.merchant_serial:
            return error(401, "SIGN_ERROR", "商户证书序列号有误")
        if not fields["timestamp"].isdigit() or abs(self.now() - int(fields["timestamp"])) >= CLOCK_SKEW_S_MAX:
            return error(401, "SIGN_ERROR", "请求时间戳过期")
        message = "%s\n%s\n%s\n%s\n" % (method, url, fields["timestamp"], fields["nonce_str"])
        try:
            self.merchant_key.verify(base64.b64decode(fields["signature"], validate=True),
                                     message.encode() + body + b"\n", padding.PKCS1v15(), hashes.SHA256())
        except Exception:
            return error(401, "SIGN_ERROR", "签名错误")
        return None

    # ---- web authorisation (snsapi_base), for JSAPI pages ----
    def oauth(self, path):
        url = urllib.parse.urlsplit(path)
        q = dict(urllib.parse.parse_qsl(url.query))
        if url.path == "/connect/oauth2/authorize":
            if q.get("appid") != self.appid or q.get("response_type") != "code" or "redirect_uri" not in q:
                return 400, {"Content-Type": "text/plain"}, b"bad authorize request"
            code = secrets.token_hex(16)
            with self.lock:
                self.oauth_codes[code] = "oSim" + secrets.token_hex(12)
            target = q["redirect_uri"] + ("&" if "?" in q["redirect_uri"] else "?") + urllib.parse.urlencode(
                {"code": code, "state": q.get("state", "")})
            return 302, {"Location": target}, b""
        if url.path == "/sns/oauth2/access_token":
            with self.lock:
                openid = self.oauth_codes.pop(q.get("code", ""), None)  # a code works once
            ok = openid and q.get("appid") == self.appid and q.get("secret") == self.app_secret and \
                q.get("grant_type") == "authorization_code"
            answer = ({"access_token": secrets.token_hex(16), "expires_in": 7200, "refresh_token": secrets.token_hex(16),
                       "openid": openid, "scope": "snsapi_base"} if ok else {"errcode": 40029, "errmsg": "invalid code"})
            return 200, {"Content-Type": "application/json"}, json.dumps(answer).encode()
        return 404, {"Content-Type": "text/plain"}, b"not found"

    # ---- API ----
    def handle_api(self, method, path, headers, body):
        if path.startswith(("/connect/", "/sns/")):
            return self.oauth(path)
        denied = self.check_authorization(method, path, headers.get("Authorization"), body)
        status, obj = denied if denied else self.route(method, path, body)
        payload = b"" if obj is None else json.dumps(obj, ensure_ascii=False, separators=(",", ":")).encode()
        out = self.signed_headers(payload)
        if payload:
            out["Content-Type"] = "application/json"
        return status, out, payload

    def route(self, method, path, body):
        url = urllib.parse.urlsplit(path)
        try:
            req = json.loads(body) if body else {}
        except ValueError:
            return error(400, "PARAM_ERROR", "请求体不是合法的 JSON")
        m = re.fullmatch(r"/v3/pay/transactions/out-trade-no/([^/?]+)(/close)?", url.path)
        with self.lock:
            if method == "POST" and url.path in ("/v3/pay/transactions/native", "/v3/pay/transactions/jsapi"):
                return self.create(url.path.endswith("jsapi"), req)
            if m and method == "GET" and not m.group(2):
                query = urllib.parse.parse_qs(url.query)
                if query.get("mchid") != [self.mchid]:
                    return error(400, "PARAM_ERROR", "mchid 不正确")
                order = self.orders.get(m.group(1))
                return (200, self.transaction(order)) if order else error(404, "ORDER_NOT_EXIST", "订单不存在")
            if m and method == "POST" and m.group(2):
                return self.close(m.group(1), req)
            if method == "POST" and url.path == "/v3/refund/domestic/refunds":
                return self.refund(req)
            r = re.fullmatch(r"/v3/refund/domestic/refunds/([^/?]+)", url.path)
            if r and method == "GET":
                refund = self.refunds.get(r.group(1))
                return (200, self.refund_view(refund)) if refund else error(404, "RESOURCE_NOT_EXISTS", "退款单不存在")
        return error(404, "NOT_FOUND", "无此接口")

    def create(self, jsapi, req):
        try:
            total = req["amount"]["total"]
            fields = {k: req[k] for k in ("appid", "mchid", "description", "out_trade_no", "notify_url")}
            openid = req["payer"]["openid"] if jsapi else ""
        except (KeyError, TypeError):
            return error(400, "PARAM_ERROR", "缺少必填参数")
        if fields["mchid"] != self.mchid:
            return error(400, "PARAM_ERROR", "mchid 与请求头不符")
        if not isinstance(total, int) or total < 1:
            return error(400, "PARAM_ERROR", "amount.total 不合法")
        order = self.orders.get(fields["out_trade_no"])
        if order:
            same = all(order[k] == v for k, v in fields.items()) and order["total"] == total
            if not same:
                return error(400, "INVALID_REQUEST", "商户订单号重复")
        else:
            order = dict(fields, total=total, openid=openid, trade_state="NOTPAY", refunded=0,
                         trade_type="JSAPI" if jsapi else "NATIVE", token=secrets.token_hex(8),
                         transaction_id="42000%023d" % secrets.randbelow(10 ** 23))
            self.orders[fields["out_trade_no"]] = order
        if jsapi:
            return 200, {"prepay_id": "wx" + order["token"] + "0000000000000000"}
        return 200, {"code_url": "weixin://wxpay/bizpayurl?pr=" + order["token"]}

    def transaction(self, o):
        t = {"appid": o["appid"], "mchid": o["mchid"], "out_trade_no": o["out_trade_no"],
             "trade_type": o["trade_type"], "trade_state": o["trade_state"],
             "trade_state_desc": {"SUCCESS": "支付成功", "NOTPAY": "未支付", "CLOSED": "已关闭",
                                  "REFUND": "转入退款"}.get(o["trade_state"], o["trade_state"]),
             "amount": {"total": o["total"], "currency": "CNY"}}
        if o["trade_state"] in ("SUCCESS", "REFUND"):
            t.update(transaction_id=o["transaction_id"], bank_type="OTHERS", attach="",
                     success_time=o["success_time"], payer={"openid": o["openid"] or "oSimBuyer0000000000000000000"})
            t["amount"].update(payer_total=o["total"], payer_currency="CNY")
        return t

    def close(self, out_trade_no, req):
        order = self.orders.get(out_trade_no)
        if req.get("mchid") != self.mchid:
            return error(400, "PARAM_ERROR", "mchid 不正确")
        if not order:
            return error(404, "ORDER_NOT_EXIST", "订单不存在")
        if order["trade_state"] in ("SUCCESS", "REFUND"):
            return error(400, "ORDERPAID", "订单已支付")
        order["trade_state"] = "CLOSED"
        return 204, None

    def refund(self, req):
        try:
            no, rno = req["out_trade_no"], req["out_refund_no"]
            amount, total = req["amount"]["refund"], req["amount"]["total"]
        except (KeyError, TypeError):
            return error(400, "PARAM_ERROR", "缺少必填参数")
        existing = self.refunds.get(rno)
        if existing:  # out_refund_no is the idempotency key
            return 200, self.refund_view(existing)
        order = self.orders.get(no)
        if not order:
            return error(404, "RESOURCE_NOT_EXISTS", "订单不存在")
        if order["trade_state"] not in ("SUCCESS", "REFUND"):
            return error(400, "INVALID_REQUEST", "订单未支付")
        if total != order["total"] or amount < 1 or order["refunded"] + amount > order["total"]:
            return error(400, "NOT_ENOUGH", "退款金额超过订单可退金额")
        order["refunded"] += amount
        refund = {"refund_id": "50300%024d" % secrets.randbelow(10 ** 24), "out_refund_no": rno, "order": order,
                  "amount": amount, "status": "PROCESSING", "create_time": rfc3339(self.now()),
                  "notify_url": req.get("notify_url", "")}
        self.refunds[rno] = refund
        threading.Thread(target=self.finish_refund, args=(refund,), daemon=True).start()
        return 200, self.refund_view(refund)

    def refund_view(self, r, notification=False):
        o = r["order"]
        v = {"refund_id": r["refund_id"], "out_refund_no": r["out_refund_no"], "transaction_id": o["transaction_id"],
             "out_trade_no": o["out_trade_no"], "user_received_account": "支付用户零钱",
             "amount": {"total": o["total"], "refund": r["amount"], "payer_total": o["total"],
                        "payer_refund": r["amount"]}}
        if r["status"] == "SUCCESS":
            v["success_time"] = r["success_time"]
        if notification:
            v.update(mchid=self.mchid, refund_status=r["status"])
        else:
            v.update(channel="ORIGINAL", create_time=r["create_time"], status=r["status"], funds_account="AVAILABLE")
            v["amount"]["currency"] = "CNY"
        return v

    def finish_refund(self, refund):
        time.sleep(self.config["refund_delay_ms"] / 1000.0)
        with self.lock:
            refund["status"] = self.config["refund_result"]
            refund["success_time"] = rfc3339(self.now())
            if refund["status"] == "SUCCESS":
                refund["order"]["trade_state"] = "REFUND"
            resource = self.refund_view(refund, notification=True)
        if refund["notify_url"]:
            event = {"SUCCESS": "REFUND.SUCCESS", "CLOSED": "REFUND.CLOSED"}.get(refund["status"], "REFUND.ABNORMAL")
            self.send(self.notification(refund["notify_url"], event, "refund", resource))

    # ---- notifications ----
    def envelope(self, event_type, original_type, resource):
        plaintext = json.dumps(resource, ensure_ascii=False, separators=(",", ":")).encode()
        nonce, aad = nonce_str(12), original_type
        sealed = AESGCM(self.apiv3_key).encrypt(nonce.encode(), plaintext, aad.encode())
        summary = {"TRANSACTION.SUCCESS": "支付成功", "REFUND.SUCCESS": "退款成功"}.get(event_type, "退款状态改变")
        env = {"id": secrets.token_hex(18), "create_time": rfc3339(self.now()), "resource_type": "encrypt-resource",
               "event_type": event_type, "summary": summary,
               "resource": {"original_type": original_type, "algorithm": "AEAD_AES_256_GCM",
                            "ciphertext": base64.b64encode(sealed).decode(), "associated_data": aad, "nonce": nonce}}
        return json.dumps(env, ensure_ascii=False, separators=(",", ":")).encode()

    def notification(self, url, event_type, original_type, resource):
        body = self.envelope(event_type, original_type, resource)

        def build(tampered):
            headers = self.signed_headers(body, tampered)
            headers["Content-Type"] = "application/json"
            return headers, body

        # 回调通知: only HTTP 200 or 204 counts as received.
        return simcore.Notification(url, build, event_type, lambda status, answer: status in (200, 204))

    def simulate_payment(self, args):
        result = args.get("result", "SUCCESS")
        with self.lock:
            order = self.orders.get(args.get("out_trade_no"))
            if not order:
                return 404, {"error": "no such order"}
            order["trade_state"] = result
            if result == "SUCCESS":
                order["success_time"] = rfc3339(self.now())
                order["openid"] = order["openid"] or args.get("openid", "")
            resource = self.transaction(order)
        if result == "SUCCESS":  # WeChat Pay notifies successful payments only
            self.send(self.notification(order["notify_url"], "TRANSACTION.SUCCESS", "transaction", resource),
                      delay_ms=int(args.get("delay_ms", 0)), times=int(args.get("times", 1)),
                      fail_first=bool(args.get("fail_first")), hold=bool(args.get("hold")))
        return 200, {"trade_state": result}


def parse_args(argv):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--port", type=int, default=0)
    p.add_argument("--mchid", default="1230000109")
    p.add_argument("--merchant-serial", default="3775B6A45ACD588826D15E583A95F5DD3E6F2BC3")
    p.add_argument("--merchant-public-key", default=os.path.join(KEYS, "wechatpay_merchant_pub.pem"))
    p.add_argument("--platform-key", default=os.path.join(KEYS, "wechatpay_platform_key.pem"))
    p.add_argument("--platform-cert", default=os.path.join(KEYS, "wechatpay_platform_cert.pem"))
    p.add_argument("--platform-serial", default="",
                   help="sign as this id (e.g. PUB_KEY_ID_... for public-key mode); default: the cert's serial")
    p.add_argument("--apiv3-key", default=DEFAULT_APIV3_KEY)
    p.add_argument("--appid", default="wxd678efh567hg6787", help="the appid of web authorisation")
    p.add_argument("--app-secret", default=DEFAULT_APP_SECRET, help="its app secret (公众号 AppSecret)")
    p.add_argument("--now", type=int, default=0, help="fixed Unix time instead of the clock")
    p.add_argument("--emit-notification", action="store_true")
    p.add_argument("--verify-request", action="store_true")
    return p.parse_args(argv)


def main(argv):
    args = parse_args(argv)
    sim = WechatPaySim(args)
    if args.emit_notification:
        resource = json.loads(sys.stdin.buffer.read())
        note = sim.notification("http://127.0.0.1/", "TRANSACTION.SUCCESS", "transaction", resource)
        headers, body = note.build(False)
        for k in ("Wechatpay-Timestamp", "Wechatpay-Nonce", "Wechatpay-Signature", "Wechatpay-Serial"):
            sys.stdout.write("%s: %s\n" % (k, headers[k]))
        sys.stdout.write("\n")
        sys.stdout.flush()
        sys.stdout.buffer.write(body)
        return 0
    if args.verify_request:
        data = sys.stdin.buffer.read()
        method, url, auth, body = data.split(b"\n", 3)
        denied = sim.check_authorization(method.decode(), url.decode(), auth.decode(), body)
        print("OK" if not denied else denied[1]["code"] + " " + denied[1]["message"])
        return 0 if not denied else 1
    simcore.serve(sim, args.port)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
