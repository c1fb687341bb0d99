"""The cluster under test: one PostgreSQL, two `hutong serve` nodes on it, nginx in front.

Everything listens on 127.0.0.1 on free ports and lives in one temporary directory, removed at
the end. The PostgreSQL cluster is the one HUTONG_TEST_DB names (make test's throwaway cluster;
a fresh database is made in it and dropped) or, when unset, one started here with
tests/pg/cluster.sh and stopped at the end. Every wait is bounded.

Nodes are "a" and "b". Both have the same secret, the same database URL (with
application_name=hutong-node-<name>, so a test can tell their sessions apart in
pg_stat_activity) and the same public URL: nginx's, so the links and the sandbox wallet's
notifications they emit go through the load balancer like a buyer's requests.
"""
import hashlib
import hmac
import http.client
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", ".."))
sys.path.insert(0, os.path.join(ROOT, "tests", "api"))
import pg  # noqa: E402  (tests/api/pg.py: psql helpers, databases per run)

BIN = os.environ.get("HUTONG_BIN", os.path.join(ROOT, "build", "src", "hutong"))
SECRET = "cluster-secret-0123456789abcdef0123456789abcdef"
# Bounded waits.
START_TIMEOUT_S = 20
STOP_TIMEOUT_S = 20
REQUEST_TIMEOUT_S = 30
# HTTP worker threads per node: more than the cores, so that requests of a race really overlap.
NODE_THREADS = 4
# The advisory lock of the background jobs (JOBS_LOCK_ID in src/store/jobs_lock.h).
JOBS_LOCK_ID = 0x486A6F62
# The sandbox wallet's notification key: HMAC-SHA256(secret, this) (src/pay/sandbox.h).
SANDBOX_KEY_LABEL = b"hutong-sandbox-notify"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_port(port, proc=None, timeout_s=START_TIMEOUT_S, what="server"):
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"{what} exited with {proc.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"{what} did not listen on port {port} within {timeout_s} s")


def wait_for(what, probe, timeout_s=20, interval_s=0.05):
    """Calls probe() until it returns something true; returns it. Fails after timeout_s."""
    deadline = time.monotonic() + timeout_s
    while True:
        value = probe()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout_s} s waiting for {what}")
        time.sleep(interval_s)


class Response:
    def __init__(self, status, headers, body):
        self.status, self.headers, self.body = status, headers, body

    @property
    def json(self):
        return json.loads(self.body)

    @property
    def text(self):
        return self.body.decode("utf-8", "replace")

    def header(self, name):
        for k, v in self.headers:
            if k.lower() == name.lower():
                return v
        return None

    def __repr__(self):
        return f"<Response {self.status} {self.body[:300]!r}>"


class Client:
    """A keep-alive HTTP client of one port; `key` is sent as a Bearer token. Not thread-safe:
    one per thread."""

    def __init__(self, port, key=None, timeout_s=REQUEST_TIMEOUT_S):
        self.port, self.key, self.timeout_s = port, key, timeout_s
        self.conn = None

    def request(self, method, path, body=None, headers=None, retry=True, raw=None):
        h = {"Authorization": f"Bearer {self.key}"} if self.key else {}
        data = raw
        if body is not None:
            data = json.dumps(body, ensure_ascii=False).encode()
            h["Content-Type"] = "application/json"
        h.update(headers or {})
        for attempt in range(2 if retry else 1):
            if self.conn is None:
                self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=self.timeout_s)
            try:
                self.conn.request(method, path, body=data, headers=h)
                r = self.conn.getresponse()
                payload = r.read()
                if (r.getheader("Connection") or "").lower() == "close":
                    self.close()
                return Response(r.status, r.getheaders(), payload)
            except (ConnectionError, http.client.HTTPException, OSError):
                self.close()
                if attempt == (1 if retry else 0):
                    raise
        raise AssertionError("unreachable")

    def get(self, path, **kw):
        return self.request("GET", path, **kw)

    def post(self, path, body=None, **kw):
        return self.request("POST", path, body=body, **kw)

    def patch(self, path, body=None, **kw):
        return self.request("PATCH", path, body=body, **kw)

    def close(self):
        if self.conn is not None:
            self.conn.close()
            self.conn = None


class Node:
    """One `hutong serve` process."""

    def __init__(self, cluster, name):
        self.cluster, self.name = cluster, name
        self.port = free_port()
        self.dir = os.path.join(cluster.dir, f"node-{name}")
        os.makedirs(self.dir)
        self.proc = None
        self.log_file = None
        self.starts = 0

    def named(self, url):
        """`url` with this node's application_name (sessions in pg_stat_activity say whose)."""
        sep = "&" if "?" in url else "?"
        return f"{url}{sep}application_name=hutong-node-{self.name}"

    def env(self):
        env = dict(os.environ)
        env.update({
            "HUTONG_LISTEN": f"127.0.0.1:{self.port}",
            "HUTONG_DB": self.named(self.cluster.pool_db_url),
            # The jobs lock and the change listener: always a real session (docs/SCALING.md).
            "HUTONG_DB_SESSION": self.named(self.cluster.db_url),
            "HUTONG_SECRET": SECRET,
            "HUTONG_PUBLIC_URL": f"http://127.0.0.1:{self.cluster.nginx_port}",
            "HUTONG_ACCESS_LOG": os.path.join(self.dir, "access.log"),
            "HUTONG_THREADS": str(NODE_THREADS),
            "HUTONG_TEST_HOOKS": "1",
            "HUTONG_GUARD_FEEDS_DIR": os.path.join(self.dir, "feeds"),
            # nginx, in front, connects from here: its X-Forwarded-For names the client.
            "HUTONG_TRUSTED_PROXIES": "127.0.0.1",
        })
        return env

    def start(self):
        self.starts += 1
        self.log_file = open(os.path.join(self.dir, f"server-{self.starts}.log"), "wb")
        self.proc = subprocess.Popen([BIN, "serve"], cwd=self.dir, env=self.env(), stdout=self.log_file,
                                     stderr=self.log_file)
        wait_port(self.port, self.proc, what=f"node {self.name}")
        return self

    def running(self):
        return self.proc is not None and self.proc.poll() is None

    def kill(self):
        """SIGKILL: the node dies mid-whatever, as a crash or an OOM kill would end it."""
        if self.running():
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait(timeout=STOP_TIMEOUT_S)
        self._close_log()

    def stop(self):
        """SIGTERM and wait; returns the exit status (None when it was not running)."""
        if not self.running():
            self._close_log()
            return None
        self.proc.send_signal(signal.SIGTERM)
        try:
            code = self.proc.wait(timeout=STOP_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            code = self.proc.wait()
        self._close_log()
        return code

    def _close_log(self):
        if self.log_file:
            self.log_file.close()
            self.log_file = None

    def log(self):
        try:
            with open(os.path.join(self.dir, f"server-{self.starts}.log"), "rb") as fh:
                return fh.read().decode("utf-8", "replace")
        except OSError:
            return ""

    def client(self, key=None):
        return Client(self.port, key)

    def advance_clock(self, ms):
        c = self.client()
        try:
            r = c.post("/_test/clock", {"advance_ms": ms})
            assert r.status == 200, r
        finally:
            c.close()


def pg_script(name, *args, timeout_s):
    """Runs tests/pg/NAME with ARGS (start or stop a throwaway server); its CompletedProcess."""
    return subprocess.run([os.path.join(ROOT, "tests", "pg", name), *args], capture_output=True, timeout=timeout_s)


class Pgbouncer:
    """A pgbouncer in transaction mode in front of a PostgreSQL server (tests/pg/pgbouncer.sh)."""

    def __init__(self, server_url):
        self.server_url = server_url
        self.url = None
        self.dir = None

    def start(self):
        self.dir = tempfile.mkdtemp(prefix="hutong-cluster-pgbouncer-")
        r = pg_script("pgbouncer.sh", "start", self.dir, self.server_url, timeout_s=60)
        if r.returncode != 0:
            self.stop()
            raise RuntimeError(f"pgbouncer did not start: {r.stderr.decode()}")
        self.url = r.stdout.decode().strip()
        return self

    def stop(self):
        if self.dir:
            pg_script("pgbouncer.sh", "stop", self.dir, timeout_s=60)
            self.dir = None

    def clients(self, database):
        """How many client connections pgbouncer holds for `database` (its admin console)."""
        rows = pg.psql(pg.with_database(self.url, "pgbouncer"), "SHOW CLIENTS")
        return sum(1 for row in rows if database in row)


class PostgresCluster:
    """The PostgreSQL server the clusters' databases live in: HUTONG_TEST_DB's, or one
    started here with tests/pg/cluster.sh (stopped by stop())."""

    def __init__(self):
        self.url = os.environ.get("HUTONG_TEST_DB")
        self.dir = None

    def start(self):
        if not self.url or self.url == "sqlite":
            # Its own directory: under root cluster.sh hands it to another user.
            self.dir = tempfile.mkdtemp(prefix="hutong-cluster-pg-")
            r = pg_script("cluster.sh", "start", self.dir, timeout_s=120)
            if r.returncode != 0:
                pg_script("cluster.sh", "stop", self.dir, timeout_s=120)
                raise RuntimeError(f"PostgreSQL did not start: {r.stderr.decode()}")
            self.url = r.stdout.decode().strip()
        return self

    def stop(self):
        if self.dir:
            pg_script("cluster.sh", "stop", self.dir, timeout_s=120)
            self.dir = None


class Cluster:
    """Two nodes and nginx over a fresh database of `cluster_url`'s server. With `pooler_url`
    (a pgbouncer in transaction mode in front of that server: tests/pg/pgbouncer.sh) the
    nodes' pools go through it with prepare=off, and only their session connections go to
    PostgreSQL directly, as docs/SCALING.md describes."""

    def __init__(self, cluster_url, pooler_url=None):
        self.dir = tempfile.mkdtemp(prefix="hutong-cluster-")
        self.cluster_url = cluster_url
        self.pooler_url = pooler_url
        self.db_url = None
        self.pool_db_url = None
        self.nginx_port = free_port()
        self.nginx_pid_file = os.path.join(self.dir, "nginx.pid")
        self.nodes = {}
        # How far the nodes' clocks were moved (tests keep the two equal between tests).
        self.clock_offset_ms = {"a": 0, "b": 0}

    # ---- lifecycle ----

    def start(self):
        self.db_url = pg.create_database(self.cluster_url)
        self.pool_db_url = self.db_url
        if self.pooler_url:
            self.pool_db_url = pg.with_database(self.pooler_url, pg.database_name(self.db_url)) + "?prepare=off"
        # Migrate once before the nodes start, so that their first requests do not race it.
        self.cli("migrate")
        self.nodes = {name: Node(self, name) for name in ("a", "b")}
        self.start_nginx()
        for node in self.nodes.values():
            node.start()
        return self

    def stop(self):
        """Stops everything; returns {node: exit status} of the nodes that were running."""
        codes = {}
        for name, node in self.nodes.items():
            codes[name] = node.stop()
        self.stop_nginx()
        if self.db_url:
            try:
                pg.drop_database(self.cluster_url, self.db_url)
            except Exception as e:  # keep cleaning
                print(f"cluster: dropping the database failed: {e}", file=sys.stderr)
        if not os.environ.get("HUTONG_TEST_KEEP"):
            shutil.rmtree(self.dir, ignore_errors=True)
        return codes

    def start_nginx(self):
        upstreams = "\n".join(f"    server 127.0.0.1:{n.port} max_fails=1 fail_timeout=2s;"
                              for n in self.nodes.values())
        tmp = os.path.join(self.dir, "nginx")
        os.makedirs(tmp, exist_ok=True)
        conf = f"""
worker_processes 1;
pid {self.nginx_pid_file};
error_log {self.dir}/nginx-error.log warn;
events {{ worker_connections 1024; }}
http {{
  access_log {self.dir}/nginx-access.log;
  client_body_temp_path {tmp};
  proxy_temp_path {tmp};
  fastcgi_temp_path {tmp};
  uwsgi_temp_path {tmp};
  scgi_temp_path {tmp};
  upstream hutong {{
{upstreams}
    keepalive 32;
  }}
  server {{
    listen 127.0.0.1:{self.nginx_port};
    client_max_body_size 2m;
    location / {{
      proxy_pass http://hutong;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header Host $http_host;
      proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
      proxy_connect_timeout 2s;
      proxy_read_timeout 60s;
    }}
  }}
}}
"""
        path = os.path.join(self.dir, "nginx.conf")
        with open(path, "w") as fh:
            fh.write(conf)
        r = subprocess.run(["nginx", "-c", path, "-p", self.dir, "-g", "daemon on;"], capture_output=True,
                           timeout=30)
        if r.returncode != 0:
            raise RuntimeError(f"nginx did not start: {r.stderr.decode()}")
        wait_port(self.nginx_port, what="nginx")

    def stop_nginx(self):
        try:
            with open(self.nginx_pid_file) as fh:
                pid = int(fh.read().strip())
        except (OSError, ValueError):
            return
        try:
            os.kill(pid, signal.SIGQUIT)
        except ProcessLookupError:
            return
        deadline = time.monotonic() + STOP_TIMEOUT_S
        while time.monotonic() < deadline:
            try:
                os.kill(pid, 0)
            except ProcessLookupError:
                return
            time.sleep(0.05)
        os.kill(pid, signal.SIGKILL)

    def ensure_running(self):
        """Restarts any node a test killed (with the same clock offset as the other)."""
        for name, node in self.nodes.items():
            if not node.running():
                node.start()
                if self.clock_offset_ms[name]:
                    node.advance_clock(self.clock_offset_ms[name])

    # ---- time ----

    def advance_clock(self, ms, nodes=("a", "b")):
        for name in nodes:
            self.nodes[name].advance_clock(ms)
            self.clock_offset_ms[name] += ms

    def even_clocks(self):
        """Moves the slower clock forward to the faster one."""
        top = max(self.clock_offset_ms.values())
        for name, offset in self.clock_offset_ms.items():
            if offset < top:
                self.advance_clock(top - offset, nodes=(name,))

    # ---- access ----

    def lb(self, key=None):
        """A client of the load balancer."""
        return Client(self.nginx_port, key)

    def node(self, name):
        return self.nodes[name]

    def cli(self, *args, check=True):
        env = dict(os.environ, HUTONG_DB=self.db_url, HUTONG_SECRET=SECRET)
        r = subprocess.run([BIN, *args], cwd=self.dir, env=env, capture_output=True, timeout=120)
        if check and r.returncode != 0:
            raise RuntimeError(f"hutong {' '.join(args)} failed: {r.stderr.decode()}")
        return r

    def sql(self, query, *params):
        """Runs one statement on the cluster's database (`?` placeholders); rows of strings."""
        return pg.psql(self.db_url, pg.bind(query, params))

    def scalar(self, query, *params):
        rows = self.sql(query, *params)
        return rows[0][0] if rows else None

    def new_merchant(self, name="Cluster Shop"):
        merchant_id = int(self.cli("merchant", "create", "--name", name).stdout.strip())
        key = self.cli("apikey", "create", "--merchant", str(merchant_id)).stdout.decode().strip()
        return merchant_id, key

    def ledger_verify(self):
        r = self.cli("ledger", "verify", check=False)
        return r.returncode, r.stdout.decode() + r.stderr.decode()

    def jobs_lock_holder(self):
        """The node whose session holds the jobs lock ("a", "b") or None."""
        holder = self.scalar(
            "SELECT a.application_name FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid"
            f" WHERE l.locktype = 'advisory' AND l.objid = {JOBS_LOCK_ID} AND l.granted")
        return holder[len("hutong-node-"):] if holder else None

    # ---- the sandbox wallet's notification, signed as it signs them ----

    def sandbox_notify(self, client, merchant_id, reference, amount_minor, status="SUCCESS", node_clock="a"):
        """POSTs a signed payment notification for our payment `reference`; returns the response."""
        body = json.dumps({"id": "n-" + secrets.token_hex(8), "type": "payment", "out_trade_no": reference,
                           "status": status, "amount": amount_minor, "currency": "CNY"}).encode()
        ts = str(int(time.time() + self.clock_offset_ms[node_clock] / 1000))
        nonce = secrets.token_hex(16)
        key = hmac.new(SECRET.encode(), SANDBOX_KEY_LABEL, hashlib.sha256).digest()
        signature = hmac.new(key, f"{ts}\n{nonce}\n".encode() + body + b"\n", hashlib.sha256).hexdigest()
        headers = {"Content-Type": "application/json", "X-Sandbox-Timestamp": ts, "X-Sandbox-Nonce": nonce,
                   "X-Sandbox-Signature": signature}
        conn = http.client.HTTPConnection("127.0.0.1", client.port, timeout=REQUEST_TIMEOUT_S)
        try:
            conn.request("POST", f"/notify/sandbox/{merchant_id}", body=body, headers=headers)
            r = conn.getresponse()
            return Response(r.status, r.getheaders(), r.read())
        finally:
            conn.close()


class Shop:
    """A merchant and its product, with the buyer's and merchant's steps of the loop."""

    def __init__(self, cluster, stock=1000, price_minor=1999, delivery="physical", title="集群测试 cluster item"):
        self.cluster = cluster
        self.merchant_id, self.key = cluster.new_merchant()
        c = cluster.lb(self.key)
        r = c.post("/v1/products", {"title": title, "price_minor": price_minor, "stock": stock,
                                    "delivery": delivery})
        c.close()
        assert r.status == 201, r
        self.product = r.json
        self.price_minor = price_minor

    def place(self, client, quantity=1, headers=None):
        return client.post("/v1/orders", {"items": [{"product_code": self.product["code"], "quantity": quantity}],
                                          "buyer": {"name": "张三", "phone": "13800000000"},
                                          "shipping_address": "北京市东城区 1 号"}, headers=headers)

    def pay_started(self, client, order):
        """Starts a sandbox payment and approves it on the wallet's page (as the buyer would):
        the sandbox wallet now owes our notification. Returns the payment."""
        r = client.post(f"/v1/buyer/orders/{order['token']}/payments", {"channel": "sandbox"})
        assert r.status == 201, r
        payment = r.json
        r = client.request("POST", url_path(payment["pay_url"]), headers={
            "Content-Type": "application/x-www-form-urlencoded"}, raw=b"decision=approve")
        assert r.status == 303, r
        return payment

    def paid_order(self, client, quantity=1):
        """Places an order and pays it through the sandbox wallet; the notification is sent
        here, signed as the wallet signs it, so the order is paid when this returns (the
        wallet's own delivery, by whichever node runs the jobs, is then a duplicate)."""
        r = self.place(client, quantity)
        assert r.status == 201, r
        order = r.json
        payment = self.pay_started(client, order)
        r = self.cluster.sandbox_notify(client, self.merchant_id, payment["reference"],
                                        self.price_minor * quantity)
        assert r.status == 200, r
        return order

    def shipped_order(self, client, merchant_client):
        order = self.paid_order(client)
        r = merchant_client.post(f"/v1/orders/{order['id']}/ship", {"carrier": "顺丰", "tracking_number": "SF1234567890"})
        assert r.status == 200 and r.json["state"] == "shipped", r
        return order


def url_path(url):
    return urllib.parse.urlsplit(url).path
