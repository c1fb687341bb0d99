// The transaction loop in real browsers: a buyer inside WeChat on an iPhone opens a product
// link, orders, pays in the sandbox wallet and sees the order paid (the page updates itself
// when the wallet's notification lands); the merchant signs in and ships; the buyer confirms
// receipt; the merchant's available balance rises by the price minus the platform fee.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { URL_BASE, FEE_BPS, openDevice, screenshot, signIn, physicalProduct, minorUnits } from "./lib.mjs";

let buyer, merchant, product, orderUrl, orderId, balanceBefore;
const QUANTITY = 2;

before(async () => {
  product = await physicalProduct();
  buyer = await openDevice("wechatIphone");
  merchant = await openDevice("desktop");
});

after(async () => {
  await buyer?.close();
  await merchant?.close();
});

async function availableBalance(page) {
  await page.goto(URL_BASE + "/M/money");
  return minorUnits(await page.textContent("[data-available='CNY']"));
}

test("the merchant's balance before the sale", async () => {
  await signIn(merchant.page);
  balanceBefore = await availableBalance(merchant.page);
});

test("a WeChat buyer opens the product link and sees what works in WeChat", async () => {
  const page = buyer.page;
  await page.goto(`${URL_BASE}/P/${product.code}?ch=wechat_group`);
  assert.equal(await page.textContent("h1"), product.title);
  assert.match(await page.getAttribute("body", "class"), /client-wechat/);
  // No desktop hand-off QR inside WeChat, and the share token can be copied.
  assert.equal(await page.isVisible(".handoff"), false);
  assert.ok(await page.isVisible(".share [data-copy]"));
  await screenshot(page, "buyer-wechat-product.png", { fullPage: true });
});

test("the buyer orders through the checkout", async () => {
  const page = buyer.page;
  await page.fill("input[name=quantity]", String(QUANTITY));
  await Promise.all([page.waitForURL(/\/checkout$/), page.click("form.buy button.btn.block:not(.ghost)")]);
  // Sending the form empty shows the messages next to the fields, not an error page.
  await page.click("form[action='/checkout'] button[type=submit]");
  assert.ok(await page.isVisible("#e-name"));
  assert.ok(await page.isVisible("#e-phone"));
  await page.goto(URL_BASE + "/checkout"); /* the cart is in a cookie: it is still there */
  await page.fill("#f-name", "李雷");
  await page.fill("#f-phone", "138 0013 8000");
  await page.fill("#f-address", "上海市黄浦区南京东路 1 号");
  await page.fill("#f-note", "请在工作日送货");
  await screenshot(page, "buyer-wechat-checkout.png", { fullPage: true });
  await Promise.all([page.waitForURL(/\/O\/[0-9A-Z]{16}$/), page.click("form[action='/checkout'] button[type=submit]")]);
  orderUrl = page.url();
  assert.equal(await page.getAttribute("main", "data-state"), "pending_payment");
});

test("the buyer pays in the sandbox wallet and the order page turns paid by itself", async () => {
  const page = buyer.page;
  await Promise.all([page.waitForURL(/\/pay\/sandbox\//), page.click("button.wallet-sandbox")]);
  await screenshot(page, "buyer-wallet.png");
  await Promise.all([page.waitForURL((u) => u.toString() === orderUrl), page.click("button[value=approve]")]);
  // Back on the order page before the wallet's notification arrived, or after: either way the
  // page must reach "paid" without the buyer reloading it.
  await page.waitForSelector("main[data-state=paid]");
  assert.match(await page.textContent("[data-state-text]"), /已付款/);
  await screenshot(page, "buyer-wechat-paid.png", { fullPage: true });
});

test("the merchant signs in, finds the order and ships it", async () => {
  const page = merchant.page;
  await page.goto(URL_BASE + "/M/orders?state=paid");
  const link = page.locator("tbody tr a").first();
  orderId = (await link.textContent()).replace("#", "");
  await link.click();
  await page.waitForURL(new RegExp(`/M/orders/${orderId}$`));
  await page.fill("#f-carrier", "SF Express 顺丰");
  await page.fill("#f-tracking_number", "SF1234567890");
  await Promise.all([page.waitForURL(new RegExp(`/M/orders/${orderId}$`)), page.click("form[action$='/ship'] button")]);
  assert.equal(await page.getAttribute("[data-state]", "data-state"), "shipped");
});

test("the buyer sees the shipment and confirms receipt", async () => {
  const page = buyer.page;
  await page.waitForSelector("main[data-state=shipped]"); // the page noticed the shipment by itself
  assert.equal(await page.textContent("[data-tracking]"), "SF1234567890");
  await Promise.all([page.waitForURL(orderUrl), page.click("button[data-action=confirm]")]);
  await page.waitForSelector("main[data-state=completed]");
});

test("the merchant's balance rose by the price minus the fee", async () => {
  const total = product.price_minor * QUANTITY;
  const fee = Math.floor((total * FEE_BPS) / 10000);
  const after = await availableBalance(merchant.page);
  assert.equal(after - balanceBefore, total - fee);
  await merchant.page.goto(URL_BASE + "/M/");
  await screenshot(merchant.page, "dashboard-overview.png", { fullPage: true });
});
