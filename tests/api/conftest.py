"""Black-box API tests: each module starts a real `hutong serve` on a free port with a fresh
temporary database, and talks to it over HTTP on 127.0.0.1.

Environment:
  HUTONG_BIN      the binary under test (default: build/src/hutong)
  HUTONG_TEST_DB  "sqlite" (default) or a postgres:// URL of a throwaway cluster (see
                  tests/pg/cluster.sh); every Server then gets its own fresh database in it,
                  dropped when it stops (see tests/api/pg.py)
  HUTONG_TEST_KEEP  set to keep the servers' temporary directories (logs) after the run
"""
import http.client
import json
import os
import shutil
import signal
import socket
import subprocess
import sqlite3
import tempfile
import time

import pytest

import pg

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
BIN = os.environ.get("HUTONG_BIN", os.path.join(ROOT, "build", "src", "hutong"))
# Bounded waits: a server that does not answer within this time fails the test.
START_TIMEOUT_S = 20
REQUEST_TIMEOUT_S = 30

TEST_DB = os.environ.get("HUTONG_TEST_DB", "sqlite")
ENGINE = "sqlite" if TEST_DB == "sqlite" else "postgres"
if ENGINE == "postgres" and not TEST_DB.startswith(("postgres://", "postgresql://")):
    raise RuntimeError(f"HUTONG_TEST_DB must be sqlite or a postgres:// URL, not {TEST_DB!r}")

# What the session made and removes at its end, whichever way each test ended.
_session_servers = []
_session_dirs = []
_session_databases = set()


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Response:
    def __init__(self, status, headers, body):
        self.status = status
        self.headers = headers
        self.body = body

    @property
    def json(self):
        return json.loads(self.body)

    @property
    def text(self):
        return self.body.decode("utf-8")

    def header(self, name):
        for k, v in self.headers:
            if k.lower() == name.lower():
                return v
        return None

    def error_code(self):
        return self.json["error"]["code"]

    def __repr__(self):
        return f"<Response {self.status} {self.body[:300]!r}>"


class Client:
    """A keep-alive HTTP client; `key` is sent as a Bearer token when set."""

    def __init__(self, port, key=None):
        self.port = port
        self.key = key
        self.conn = None

    def _connection(self):
        if self.conn is None:
            self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=REQUEST_TIMEOUT_S)
        return self.conn

    def request(self, method, path, body=None, headers=None, raw=None, key="default"):
        h = {}
        auth = self.key if key == "default" else key
        if auth:
            h["Authorization"] = f"Bearer {auth}"
        data = raw
        if body is not None:
            data = json.dumps(body, ensure_ascii=False).encode("utf-8")
            h["Content-Type"] = "application/json"
        if headers:
            h.update(headers)
        for attempt in range(2):
            conn = self._connection()
            try:
                conn.request(method, path, body=data, headers=h)
                r = conn.getresponse()
                payload = r.read()
                if r.getheader("Connection", "").lower() == "close":
                    self.close()
                return Response(r.status, r.getheaders(), payload)
            except (ConnectionError, http.client.RemoteDisconnected, BrokenPipeError):
                self.close()
                if attempt == 1:
                    raise

    def get(self, path, **kw):
        return self.request("GET", path, **kw)

    def post(self, path, body=None, **kw):
        return self.request("POST", path, body=body, **kw)

    def patch(self, path, body=None, **kw):
        return self.request("PATCH", path, body=body, **kw)

    def delete(self, path, **kw):
        return self.request("DELETE", path, **kw)

    def close(self):
        if self.conn is not None:
            self.conn.close()
            self.conn = None


class Server:
    """A running `hutong serve` with its own database and working directory. `engine` picks
    "sqlite" or "postgres" (the latter only when HUTONG_TEST_DB names a cluster); default: the
    engine HUTONG_TEST_DB selects."""

    def __init__(self, extra_env=None, engine=None):
        self.dir = tempfile.mkdtemp(prefix="hutong-test-")
        _session_servers.append(self)
        _session_dirs.append(self.dir)
        self.port = free_port()
        self.engine = engine or ENGINE
        if self.engine == "postgres" and ENGINE != "postgres":
            raise RuntimeError("a PostgreSQL server needs HUTONG_TEST_DB=postgres://...")
        # On PostgreSQL the database is created on first use (start or cli), so a test that
        # points this server at another server's database (db_url and HUTONG_DB) creates none.
        self.db_url = f"sqlite:{self.dir}/hutong.db" if self.engine == "sqlite" else None
        self.owned_database = None
        self.env = dict(os.environ)
        self.env.update({
            "HUTONG_LISTEN": f"127.0.0.1:{self.port}",
            "HUTONG_SECRET": "test-secret-0123456789abcdef0123456789abcdef",
            "HUTONG_ACCESS_LOG": f"{self.dir}/access.log",
            "HUTONG_THREADS": "2",
            "HUTONG_TEST_HOOKS": "1",
        })
        if self.db_url:
            self.env["HUTONG_DB"] = self.db_url
        self.env.update(extra_env or {})
        self.proc = None
        self.stderr = None

    def ensure_database(self):
        if self.db_url is None:
            self.db_url = self.owned_database = pg.create_database(TEST_DB)
            _session_databases.add(self.db_url)
            self.env["HUTONG_DB"] = self.db_url

    def start(self):
        self.ensure_database()
        self.stderr = open(f"{self.dir}/server.log", "wb")
        self.proc = subprocess.Popen([BIN, "serve"], cwd=self.dir, env=self.env, stdout=self.stderr,
                                     stderr=self.stderr)
        deadline = time.monotonic() + START_TIMEOUT_S
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"server exited: {self.log()}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.2):
                    return self
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("server did not start in time")

    def stop(self, sig=signal.SIGTERM, keep_database=False):
        """Stops the server; its PostgreSQL database is dropped unless `keep_database` (a test
        that restarts a server on the same data)."""
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        if self.stderr:
            self.stderr.close()
        if self.owned_database and not keep_database and (self.proc is None or self.proc.poll() is not None):
            pg.drop_database(TEST_DB, self.owned_database)
            _session_databases.discard(self.owned_database)
            self.owned_database = None
        return self.proc.returncode if self.proc else None

    def assert_clean_exit(self, keep_database=False):
        """The server stopped with status 0 and no sanitizer reported anything."""
        code = self.stop(keep_database=keep_database)
        log = self.log()
        for marker in ("AddressSanitizer", "LeakSanitizer", "runtime error:", "UndefinedBehaviorSanitizer"):
            assert marker not in log, f"sanitizer report in server log:\n{log[-4000:]}"
        assert code == 0, f"server exited with {code}:\n{log[-4000:]}"

    def log(self):
        try:
            with open(f"{self.dir}/server.log", "rb") as fh:
                return fh.read().decode("utf-8", "replace")
        except OSError:
            return ""

    def cli(self, *args, check=True):
        """Runs `hutong ARGS` against this server's database; returns stdout."""
        self.ensure_database()
        r = subprocess.run([BIN, *args], cwd=self.dir, env=self.env, capture_output=True, timeout=60)
        if check and r.returncode != 0:
            raise RuntimeError(f"hutong {' '.join(args)} failed: {r.stderr.decode()}")
        return r

    def execute(self, sql, *params):
        """Runs one SQL statement directly on this server's database, behind the server's back
        (to plant rows a concurrent or crashed process would leave). `?` placeholders; returns
        the rows as lists of strings."""
        self.ensure_database()
        if self.engine == "postgres":
            return pg.psql(self.db_url, pg.bind(sql, params))
        db = sqlite3.connect(self.db_url[len("sqlite:"):], timeout=10)
        try:
            with db:
                return [[str(v) for v in row] for row in db.execute(sql, params).fetchall()]
        finally:
            db.close()

    def terminate_backends(self):
        """PostgreSQL only: ends every server process connected to this server's database."""
        return pg.terminate_backends(TEST_DB, self.db_url)

    def new_merchant(self, name="Test Shop"):
        """Creates a merchant and an API key; returns (merchant_id, key)."""
        merchant_id = int(self.cli("merchant", "create", "--name", name).stdout.strip())
        key = self.cli("apikey", "create", "--merchant", str(merchant_id)).stdout.decode().strip()
        return merchant_id, key

    def client(self, key=None):
        return Client(self.port, key)


@pytest.fixture(scope="session", autouse=True)
def session_cleanup():
    """Stops servers, drops databases and removes directories that tests left behind (a test
    that failed before stopping its server, or a server whose database another one reused)."""
    yield
    for s in _session_servers:
        if s.proc and s.proc.poll() is None:
            s.stop(signal.SIGKILL)
    for url in sorted(_session_databases):
        pg.drop_database(TEST_DB, url)
    _session_databases.clear()
    if not os.environ.get("HUTONG_TEST_KEEP"):
        for d in _session_dirs:
            shutil.rmtree(d, ignore_errors=True)


@pytest.fixture(scope="module")
def server():
    s = Server().start()
    yield s
    s.assert_clean_exit()


@pytest.fixture
def merchant(server):
    """A fresh merchant with a key: (client, merchant_id, key)."""
    merchant_id, key = server.new_merchant()
    c = server.client(key)
    yield c, merchant_id, key
    c.close()


@pytest.fixture
def anon(server):
    c = server.client()
    yield c
    c.close()
