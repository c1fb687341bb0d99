"""Helpers for testing the server-rendered pages over HTTP: a cookie-keeping form client, the
dashboard's sign-in, and the sandbox payment of an order. Used by test_dashboard.py and
test_shop_pages.py."""
import http.client
import re
import subprocess
import urllib.parse

from conftest import BIN, REQUEST_TIMEOUT_S

PASSWORD = "correct horse battery"


class Browser:
    """Keeps cookies like a browser (per name; Max-Age=0 deletes) and sends urlencoded forms
    with the Origin a browser would send. Redirects are not followed."""

    def __init__(self, port, user_agent="Mozilla/5.0 (X11; Linux x86_64) Chrome/120.0 Safari/537.36"):
        self.port = port
        self.origin = f"http://127.0.0.1:{port}"
        self.cookies = {}
        self.user_agent = user_agent

    def request(self, method, path, form=None, headers=None, origin="default"):
        h = {"User-Agent": self.user_agent, "Accept": "text/html"}
        if self.cookies:
            h["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if form is not None:
            body = urllib.parse.urlencode(form).encode()
            h["Content-Type"] = "application/x-www-form-urlencoded"
            if origin == "default":
                h["Origin"] = self.origin
            elif origin:
                h["Origin"] = origin
        h.update(headers or {})
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=REQUEST_TIMEOUT_S)
        try:
            conn.request(method, path, body=body, headers=h)
            r = conn.getresponse()
            page = Page(r.status, r.getheaders(), r.read())
        finally:
            conn.close()
        for value in page.headers_named("Set-Cookie"):
            name, _, rest = value.partition("=")
            cookie_value = rest.split(";")[0]
            if "Max-Age=0" in value:
                self.cookies.pop(name, None)
            else:
                self.cookies[name] = cookie_value
        return page

    def get(self, path, **kw):
        return self.request("GET", path, **kw)

    def post(self, path, form, **kw):
        return self.request("POST", path, form=form, **kw)


class Page:
    def __init__(self, status, headers, body):
        self.status = status
        self.headers = headers
        self.body = body
        self.text = body.decode("utf-8", "replace")

    def headers_named(self, name):
        return [v for k, v in self.headers if k.lower() == name.lower()]

    def header(self, name):
        values = self.headers_named(name)
        return values[0] if values else None

    @property
    def location(self):
        return self.header("Location")

    def field(self, name):
        """The value of the first input named `name` (HTML-unescaped)."""
        m = re.search(r'name="%s" value="([^"]*)"' % re.escape(name), self.text)
        return None if m is None else html_unescape(m.group(1))

    def __repr__(self):
        return f"<Page {self.status} {self.text[:400]!r}>"


def html_unescape(s):
    return (s.replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", '"').replace("&#39;", "'")
            .replace("&amp;", "&"))


def set_password(server, merchant_id, password=PASSWORD):
    r = subprocess.run([BIN, "merchant", "passwd", "--id", str(merchant_id), "--password-stdin"], cwd=server.dir,
                       env=server.env, input=password + "\n", capture_output=True, text=True, timeout=60)
    return r


def sign_in(server, merchant_id, password=PASSWORD):
    """A Browser signed into the dashboard as `merchant_id`; its csrf attribute holds the token."""
    b = Browser(server.port)
    page = b.get("/M/login")
    assert page.status == 200, page
    r = b.post("/M/login", {"login_token": page.field("login_token"), "merchant": str(merchant_id),
                            "password": password})
    assert r.status == 303 and r.location == "/M/", r
    home = b.get("/M/")
    assert home.status == 200, home
    b.csrf = home.field("csrf")
    assert b.csrf and len(b.csrf) == 64
    return b


def new_merchant(server, name="Test Shop"):
    """(merchant_id, api client) with a dashboard password set."""
    merchant_id, key = server.new_merchant(name)
    assert set_password(server, merchant_id).returncode == 0
    return merchant_id, server.client(key)


def product(c, **fields):
    body = {"title": "青花瓷杯 Porcelain cup", "price_minor": 8800, "stock": 10, "delivery": "physical"}
    body.update(fields)
    r = c.post("/v1/products", body)
    assert r.status == 201, r
    return r.json


def place_order(server, code, quantity=1, address="上海市南京东路 1 号"):
    """Places an order through the checkout pages; returns (browser, token)."""
    b = Browser(server.port)
    r = b.post("/checkout", {"code": code, "quantity": str(quantity)})
    assert r.status == 303 and r.location == "/checkout", r
    r = b.post("/checkout", {"place": "1", "name": "李雷", "phone": "13800138000", "address": address})
    assert r.status == 303 and r.location.startswith("/O/"), r
    return b, r.location[len("/O/"):]


def pay(server, browser, token):
    """Pays the order in the sandbox wallet and delivers the wallet's notification now."""
    r = browser.post(f"/O/{token}/pay", {"channel": "sandbox"})
    assert r.status == 303 and "/pay/sandbox/" in r.location, r
    wallet = urllib.parse.urlparse(r.location).path
    r = browser.post(wallet, {"decision": "approve"})
    assert r.status == 303, r
    c = server.client()
    assert c.post("/_test/jobs", {}).status == 200
    c.close()
