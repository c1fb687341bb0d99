// Shared pieces of the browser specs: launching Debian's Chromium through playwright-core
// (never a downloaded browser), the emulated devices, the server's address and the seeded
// merchant, and a few helpers.
import { chromium } from "playwright-core";
import { mkdtempSync, rmSync, mkdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export const URL_BASE = process.env.HUTONG_E2E_URL;
export const MERCHANT = process.env.HUTONG_E2E_MERCHANT;
export const PASSWORD = process.env.HUTONG_E2E_PASSWORD;
export const API_KEY = process.env.HUTONG_E2E_API_KEY;
export const STORE = process.env.HUTONG_E2E_STORE;
export const FEE_BPS = Number(process.env.HUTONG_E2E_FEE_BPS || 0);
const SCREENSHOTS = process.env.HUTONG_E2E_SCREENSHOTS;

// The flags of a headless browser that talks to nothing but our server.
const CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
  "--disable-component-update", "--disable-sync", "--no-first-run"];
// Every wait in a spec is bounded.
export const TIMEOUT_MS = 20000;

export const DEVICES = {
  // WeChat's in-app browser on an iPhone 14 (390 × 844 CSS pixels).
  wechatIphone: {
    viewport: { width: 390, height: 844 },
    userAgent: "Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) " +
      "Mobile/15E148 MicroMessenger/8.0.44(0x18002c2a) NetType/WIFI Language/zh_CN",
    isMobile: true, hasTouch: true, deviceScaleFactor: 1, locale: "zh-CN",
    extraHTTPHeaders: { "Accept-Language": "zh-CN,zh;q=0.9" },
  },
  // An Android phone's own browser, 360 px wide (the narrowest layout we promise).
  androidPhone: {
    viewport: { width: 360, height: 780 },
    userAgent: "Mozilla/5.0 (Linux; Android 14; Pixel 7) AppleWebKit/537.36 (KHTML, like Gecko) " +
      "Chrome/120.0.0.0 Mobile Safari/537.36",
    isMobile: true, hasTouch: true, deviceScaleFactor: 1, locale: "zh-CN",
  },
  desktop: {
    viewport: { width: 1280, height: 860 },
    userAgent: "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36",
    deviceScaleFactor: 1, locale: "en-US", extraHTTPHeaders: { "Accept-Language": "en-US,en;q=0.9" },
  },
};

// A browser with its own fresh profile directory, as one device. Close it with close().
export async function openDevice(name) {
  const profile = mkdtempSync(join(tmpdir(), "hutong-e2e-profile-"));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: "/usr/bin/chromium",
    headless: true,
    args: CHROMIUM_ARGS,
    timeout: TIMEOUT_MS,
    ...DEVICES[name],
  });
  context.setDefaultTimeout(TIMEOUT_MS);
  const page = context.pages()[0] || (await context.newPage());
  const dialogs = [];
  page.on("dialog", (d) => { dialogs.push(d.message()); d.dismiss().catch(() => {}); });
  return {
    context, page, dialogs,
    async close() {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

// Saves a screenshot for the README when HUTONG_E2E_SCREENSHOTS names a directory.
export async function screenshot(page, name, options = {}) {
  if (!SCREENSHOTS) return;
  mkdirSync(SCREENSHOTS, { recursive: true });
  await page.screenshot({ path: join(SCREENSHOTS, name), ...options });
}

// Calls the merchant API with the demo key.
export async function api(method, path, body) {
  const r = await fetch(URL_BASE + path, {
    method,
    headers: { Authorization: `Bearer ${API_KEY}`, "Content-Type": "application/json" },
    body: body ? JSON.stringify(body) : undefined,
  });
  const text = await r.text();
  if (!r.ok) throw new Error(`${method} ${path}: ${r.status} ${text}`);
  return JSON.parse(text);
}

// "¥1,234.50" → 123450 (minor units); the currency's two decimals.
export function minorUnits(text) {
  const m = /(-?)[^\d-]*([\d,]+)\.(\d\d)/.exec(text);
  if (!m) throw new Error(`not an amount: ${text}`);
  return (m[1] ? -1 : 1) * (Number(m[2].replace(/,/g, "")) * 100 + Number(m[3]));
}

// Signs the merchant in on `page`.
export async function signIn(page) {
  await page.goto(URL_BASE + "/M/login");
  await page.fill("#f-merchant", MERCHANT);
  await page.fill("#f-password", PASSWORD);
  await Promise.all([page.waitForURL(/\/M\/$/), page.click("form[action='/M/login'] button")]);
}

// The first active physical product of the demo store.
export async function physicalProduct() {
  const list = await api("GET", "/v1/products?limit=100");
  return list.data.find((p) => p.delivery === "physical" && p.status === "active" && p.stock > 5);
}
