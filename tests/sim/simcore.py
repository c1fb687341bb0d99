"""simcore.py — what both wallet simulators share: the threaded HTTP server on 127.0.0.1, the
control endpoints under /_sim/ that let a test play the buyer and the network, notification
delivery with retries, and the request/delivery log.

Written from the wallets' public specifications for hutong's test suite; it is a test double,
not a wallet. Control endpoints (JSON in, JSON out, no authentication, loopback only):

  POST /_sim/pay      {"out_trade_no", "result", "delay_ms", "times", "fail_first", "hold"}
                      the buyer pays (or the payment fails); a notification follows unless the
                      result sends none. delay_ms = "late"; times = "twice" and more (the same
                      notification again after it was acknowledged); fail_first = the first
                      delivery carries a broken signature, so the merchant must refuse it and
                      the wallet retries; hold = queue it until /_sim/flush.
  POST /_sim/flush    {"order": "forward" | "reverse"}  deliver held notifications ("out of order").
  POST /_sim/timeout  {"path": prefix, "count": 1, "delay_ms": 3000, "apply": true}  the next
                      matching API calls sleep before answering (after applying their effect
                      when apply is true), so the caller times out and must reconcile.
  POST /_sim/config   {"retry_ms": [...], "refund_delay_ms", "refund_result", "clock_offset_s"}
  GET  /_sim/log      {"requests": [...], "deliveries": [...]}
"""

import json
import threading
import time
import urllib.error
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

# Request bodies above this are refused (the wallets' own limits are far lower).
BODY_BYTES_MAX = 1 << 20
# How long one notification POST may take before it counts as a failed delivery.
DELIVERY_TIMEOUT_S = 5


class Notification:
    """One notification to deliver: build(tampered) returns (headers, body bytes)."""

    def __init__(self, url, build, label, accepted):
        self.url = url
        self.build = build
        self.label = label
        self.accepted = accepted  # function(status, body) -> bool, the wallet's ack rule


class Simulator:
    """State and behaviour shared by the wallet simulators; subclasses answer the API."""

    def __init__(self):
        self.lock = threading.RLock()
        self.requests = []
        self.deliveries = []
        self.held = []
        self.timeouts = []
        self.config = {
            "retry_ms": [200, 500, 1000],
            "refund_delay_ms": 0,
            "refund_result": "SUCCESS",
            "clock_offset_s": 0,
        }

    # ---- time ----
    def now(self):
        return int(time.time()) + int(self.config["clock_offset_s"])

    # ---- notifications ----
    def deliver(self, note, tamper_first=False):
        """Posts `note`, retrying on a refused acknowledgement per config retry_ms."""
        schedule = [0] + list(self.config["retry_ms"])
        for attempt, wait_ms in enumerate(schedule):
            time.sleep(wait_ms / 1000.0)
            headers, body = note.build(tamper_first and attempt == 0)
            status, answer = self._post(note.url, headers, body)
            ok = note.accepted(status, answer)
            with self.lock:
                self.deliveries.append({"event": note.label, "url": note.url, "attempt": attempt + 1,
                                        "status": status, "ack": answer, "accepted": ok,
                                        "tampered": tamper_first and attempt == 0})
            if ok:
                return True
        return False

    @staticmethod
    def _post(url, headers, body):
        req = urllib.request.Request(url, data=body, headers=headers, method="POST")
        try:
            with urllib.request.urlopen(req, timeout=DELIVERY_TIMEOUT_S) as resp:
                return resp.status, resp.read().decode("utf-8", "replace")
        except urllib.error.HTTPError as e:
            return e.code, e.read().decode("utf-8", "replace")
        except (urllib.error.URLError, OSError) as e:
            return 0, str(e)

    def send(self, note, delay_ms=0, times=1, fail_first=False, hold=False):
        """Schedules `times` deliveries of `note`, or holds them for /_sim/flush."""
        if hold:
            with self.lock:
                self.held.append((note, times, fail_first))
            return

        def run():
            time.sleep(delay_ms / 1000.0)
            for i in range(times):
                self.deliver(note, tamper_first=fail_first and i == 0)

        threading.Thread(target=run, daemon=True).start()

    def flush(self, order):
        with self.lock:
            held, self.held = self.held, []
        if order == "reverse":
            held.reverse()

        def run():
            for note, times, fail_first in held:
                for i in range(times):
                    self.deliver(note, tamper_first=fail_first and i == 0)

        threading.Thread(target=run, daemon=True).start()
        return len(held)

    # ---- timeouts ----
    def take_timeout(self, path):
        with self.lock:
            for t in self.timeouts:
                if path.startswith(t["path"]) and t["count"] > 0:
                    t["count"] -= 1
                    return t
        return None

    # ---- controls ----
    def control(self, method, path, body):
        """Answers /_sim/*: returns (status, json-able)."""
        if method == "GET" and path == "/_sim/log":
            with self.lock:
                return 200, {"requests": list(self.requests), "deliveries": list(self.deliveries)}
        args = json.loads(body or b"{}")
        if path == "/_sim/pay":
            return self.simulate_payment(args)
        if path == "/_sim/flush":
            return 200, {"flushed": self.flush(args.get("order", "forward"))}
        if path == "/_sim/timeout":
            with self.lock:
                self.timeouts.append({"path": args.get("path", "/"), "count": int(args.get("count", 1)),
                                      "delay_ms": int(args.get("delay_ms", 3000)),
                                      "apply": bool(args.get("apply", True))})
            return 200, {"ok": True}
        if path == "/_sim/config":
            with self.lock:
                self.config.update(args)
            return 200, dict(self.config)
        return 404, {"error": "no such control"}

    def simulate_payment(self, args):
        raise NotImplementedError

    def handle_api(self, method, path, headers, body):
        """Returns (status, headers dict, body bytes). Implemented by each wallet."""
        raise NotImplementedError


def make_handler(sim):
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, fmt, *args):  # quiet: tests read /_sim/log instead
            pass

        def _read_body(self):
            length = int(self.headers.get("Content-Length") or 0)
            if length > BODY_BYTES_MAX:
                raise ValueError("body too large")
            return self.rfile.read(length) if length else b""

        def _answer(self, status, headers, body):
            self.send_response(status)
            for k, v in headers.items():
                self.send_header(k, v)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if body:
                self.wfile.write(body)

        def _dispatch(self, method):
            body = self._read_body()
            if self.path.startswith("/_sim/"):
                status, obj = sim.control(method, self.path.split("?")[0], body)
                self._answer(status, {"Content-Type": "application/json"}, json.dumps(obj).encode())
                return
            timeout = sim.take_timeout(self.path)
            if timeout and not timeout["apply"]:
                time.sleep(timeout["delay_ms"] / 1000.0)
                self.close_connection = True
                return
            status, headers, answer = sim.handle_api(method, self.path, self.headers, body)
            with sim.lock:
                sim.requests.append({"method": method, "path": self.path, "status": status})
            if timeout:
                time.sleep(timeout["delay_ms"] / 1000.0)
            try:
                self._answer(status, headers, answer)
            except (BrokenPipeError, ConnectionResetError):
                pass

        def do_GET(self):
            self._dispatch("GET")

        def do_POST(self):
            self._dispatch("POST")

    return Handler


def serve(sim, port):
    """Serves `sim` on 127.0.0.1:port (0 picks one) and prints the port on stdout."""
    server = ThreadingHTTPServer(("127.0.0.1", port), make_handler(sim))
    server.daemon_threads = True
    print(server.server_address[1], flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
