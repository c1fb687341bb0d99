// Runs hutong's browser tests: starts one `hutong serve` (temporary SQLite database, free port
// on 127.0.0.1, HUTONG_TEST_HOOKS=1, a 0.6 % platform fee), seeds the demo store, then runs
// every spec in specs/ with node's own test runner (`node --test`, whose "# pass / # fail"
// summary CI reads), and stops the server, failing if it did not exit cleanly.
//
// Environment: HUTONG_BIN (default build/src/hutong), HUTONG_E2E_SCREENSHOTS (a directory:
// the specs save the README's screenshots there; unset, none are written).
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, readdirSync, rmSync, openSync, closeSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join, dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, "..", "..");
const bin = process.env.HUTONG_BIN || join(root, "build", "src", "hutong");
// Bounded waits: the server must answer within START_TIMEOUT_MS and stop within STOP_TIMEOUT_MS;
// the whole browser suite gets SUITE_TIMEOUT_MS.
const START_TIMEOUT_MS = 20000;
const STOP_TIMEOUT_MS = 20000;
const SUITE_TIMEOUT_MS = 10 * 60 * 1000;
// The platform fee the specs check the merchant's balance against (basis points).
const FEE_BPS = 60;

function freePort() {
  return new Promise((ok, fail) => {
    const s = createServer();
    s.unref();
    s.on("error", fail);
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address();
      s.close(() => ok(port));
    });
  });
}

async function waitHealthy(url, proc) {
  const deadline = Date.now() + START_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (proc.exitCode !== null) throw new Error(`server exited with ${proc.exitCode}`);
    try {
      const r = await fetch(url + "/healthz");
      if (r.ok) return;
    } catch { /* not listening yet */ }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error("server did not start in time");
}

function stopServer(proc) {
  return new Promise((ok) => {
    if (proc.exitCode !== null) return ok(proc.exitCode);
    const timer = setTimeout(() => proc.kill("SIGKILL"), STOP_TIMEOUT_MS);
    proc.on("exit", (code, signal) => { clearTimeout(timer); ok(signal ? 128 : code); });
    proc.kill("SIGTERM");
  });
}

const dir = mkdtempSync(join(tmpdir(), "hutong-e2e-"));
const port = await freePort();
const url = `http://127.0.0.1:${port}`;
const env = {
  ...process.env,
  HUTONG_DB: `sqlite:${dir}/hutong.db`,
  HUTONG_LISTEN: `127.0.0.1:${port}`,
  HUTONG_PUBLIC_URL: url,
  HUTONG_SECRET: "e2e-secret-0123456789abcdef0123456789abcdef",
  HUTONG_ACCESS_LOG: `${dir}/access.log`,
  HUTONG_THREADS: "4",
  HUTONG_TEST_HOOKS: "1",
  HUTONG_FEE_BPS: String(FEE_BPS),
};

let status = 1;
let server = null;
try {
  spawnSync(bin, ["migrate"], { cwd: dir, env, stdio: "ignore" });
  const seed = spawnSync(bin, ["demo", "seed", "--key-file", `${dir}/key`, "--password-file", `${dir}/password`],
    { cwd: dir, env, encoding: "utf8" });
  if (seed.status !== 0) throw new Error(`demo seed failed: ${seed.stderr}`);
  const seeded = Object.fromEntries(seed.stdout.trim().split("\n").map((l) => l.split("=")));
  const log = openSync(`${dir}/server.log`, "w");
  server = spawn(bin, ["serve"], { cwd: dir, env, stdio: ["ignore", log, log] });
  closeSync(log);
  await waitHealthy(url, server);
  const specs = readdirSync(join(here, "specs")).filter((f) => f.endsWith(".test.mjs")).sort()
    .map((f) => join(here, "specs", f));
  const run = spawnSync(process.execPath, ["--test", "--test-concurrency=1", ...specs], {
    cwd: here,
    stdio: "inherit",
    timeout: SUITE_TIMEOUT_MS,
    env: {
      ...process.env,
      HUTONG_E2E_URL: url,
      HUTONG_E2E_MERCHANT: seeded.merchant_id,
      HUTONG_E2E_PASSWORD: seeded.password,
      HUTONG_E2E_API_KEY: seeded.api_key,
      HUTONG_E2E_STORE: seeded.store_code,
      HUTONG_E2E_FEE_BPS: String(FEE_BPS),
      HUTONG_E2E_BIN: bin,
      HUTONG_E2E_DIR: dir,
    },
  });
  status = run.status === null ? 1 : run.status;
} catch (e) {
  console.error(`e2e: ${e.message}`);
  status = 1;
} finally {
  if (server) {
    const code = await stopServer(server);
    const log = readFileSync(`${dir}/server.log`, "utf8");
    const sanitizer = /AddressSanitizer|LeakSanitizer|runtime error:/.test(log);
    if (code !== 0 || sanitizer) {
      console.error(`e2e: server exited with ${code}${sanitizer ? " and a sanitizer report" : ""}:\n${log.slice(-4000)}`);
      status = status || 1;
    }
  }
  if (!process.env.HUTONG_E2E_KEEP) rmSync(dir, { recursive: true, force: true });
}
process.exit(status);
