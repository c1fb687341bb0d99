// Desktop to phone: a desktop buyer sees the "continue on your phone" QR; a second device
// opens the hand-off link it holds, and the desktop page notices within its long-poll.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { URL_BASE, openDevice, physicalProduct } from "./lib.mjs";

let desktop, phone, product;

before(async () => {
  product = await physicalProduct();
  desktop = await openDevice("desktop");
  phone = await openDevice("androidPhone");
});

after(async () => {
  await desktop?.close();
  await phone?.close();
});

test("the desktop page shows a single-use hand-off QR", async () => {
  await desktop.page.goto(`${URL_BASE}/P/${product.code}`);
  assert.ok(await desktop.page.isVisible(".handoff svg"));
  await desktop.page.waitForSelector("[data-handoff-id]");
});

test("a phone opens the hand-off and the desktop page notices", async () => {
  const id = await desktop.page.getAttribute("[data-handoff-id]", "data-handoff-id");
  assert.match(id, /^[0-9A-Z]{16}$/);
  await phone.page.goto(`${URL_BASE}/H/${id}`);
  assert.equal(await phone.page.textContent("h1"), product.title);
  await desktop.page.waitForSelector(".handoff.continued");
  // The code is single-use: a second phone gets the "no longer valid" page.
  const second = await phone.context.newPage();
  const response = await second.goto(`${URL_BASE}/H/${id}`);
  assert.equal(response.status(), 410);
});
