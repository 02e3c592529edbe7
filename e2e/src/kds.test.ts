import { uuidv7 } from '@pos/contracts';
import {
  type ApiClient,
  PINS,
  startTestHub,
  type TestHub,
} from '@pos/edge-hub/testing/hub-harness';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildKitchenDisplay, launchChromium, Unpluggable } from './browser.js';

// The kitchen-display app in headless Chromium against a real hub: tickets appear on the grill
// and expo screens, bumps on one screen show on the others, a screen whose connection is cut
// while orders arrive shows each of them once when it is back, and a void is struck through.

let t: TestHub;
let browser: Browser;
let cashier: ApiClient;
let proxy: Unpluggable;

beforeAll(async () => {
  buildKitchenDisplay();
  t = await startTestHub();
  cashier = await t.as(PINS.cashier);
  const url = new URL(t.hub.url);
  proxy = await Unpluggable.start({ host: url.hostname, port: Number(url.port) });
  browser = await launchChromium();
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await proxy?.close();
  await t?.stop();
});

/** A screen signed in with the cook's PIN on the keypad, showing `station`. */
async function screen(station: string, base = t.hub.url): Promise<Page> {
  const page = await browser.newPage({ viewport: { width: 1920, height: 1080 } });
  page.on('pageerror', (err) => {
    throw err;
  });
  await page.goto(`${base}/kds/`);
  for (const digit of PINS.cook) await page.click(`[data-key="${digit}"]`);
  await page.click('[data-key="ok"]');
  await page.click(`[data-station="${station}"]`);
  await page.waitForSelector('[data-testid="connection"].live');
  return page;
}

async function order(items: unknown[]) {
  const res = await cashier.post('/api/v1/orders', {
    id: uuidv7(),
    type: 'dine-in',
    tableId: 'T9',
    guests: 2,
    items,
  });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body as { id: string; number: number; items: { id: string }[] };
}

const burger = {
  menuItemId: 'burger-classic',
  modifierIds: ['mod-burger-medium-rare'],
  quantity: 1,
};
const calamari = { menuItemId: 'starter-calamari', modifierIds: [], quantity: 1 };
const ticket = (orderId: string) => `[data-testid="ticket"][data-order="${orderId}"]`;

describe('kitchen display in the browser', () => {
  it('shows an order on the grill and expo screens; bumps there update the others', async () => {
    const grill = await screen('grill');
    const grill2 = await screen('grill');
    const expo = await screen('expo');
    const o = await order([burger, calamari]);
    for (const page of [grill, grill2, expo]) {
      await page.waitForSelector(ticket(o.id), { timeout: 10_000 });
    }
    const text = await grill.textContent(ticket(o.id));
    expect(text).toContain(`#${o.number}`);
    expect(text).toContain('Classic Cheeseburger');
    expect(text).not.toContain('Calamari');
    expect(text).toContain('ALLERGY');
    expect(await expo.textContent(ticket(o.id))).toContain('Crispy Calamari');

    // Tap the burger on one grill screen: its only item is done, so the ticket leaves both
    // grill screens, and the expo shows the grill done.
    await grill.click(`${ticket(o.id)} [data-item]`);
    await grill2.waitForSelector(ticket(o.id), { state: 'detached', timeout: 10_000 });
    await grill.waitForSelector(ticket(o.id), { state: 'detached', timeout: 10_000 });
    await expo.waitForSelector(`${ticket(o.id)} .stations-progress span.done`, { timeout: 10_000 });
    expect(await expo.textContent(`${ticket(o.id)} .stations-progress span.done`)).toBe('Grill');

    // R recalls it to the grill screens; Enter on the selected ticket bumps it again.
    await grill.keyboard.press('r');
    await grill2.waitForSelector(ticket(o.id), { timeout: 10_000 });
    await grill.waitForSelector(ticket(o.id), { timeout: 10_000 });
    await grill.keyboard.press('1');
    await grill.keyboard.press('Enter');
    await grill2.waitForSelector(ticket(o.id), { state: 'detached', timeout: 10_000 });
    for (const page of [grill, grill2, expo]) await page.close();
  });

  it('a screen cut off while two orders arrive shows both, once, when it is back', async () => {
    const grill = await screen('grill', proxy.url);
    const before = await grill.locator('[data-testid="ticket"]').count();
    proxy.cut();
    await grill.waitForSelector('[data-testid="connection"]:not(.live)', { timeout: 10_000 });
    const a = await order([burger]);
    const b = await order([burger]);
    proxy.restore();
    await grill.waitForSelector('[data-testid="connection"].live', { timeout: 20_000 });
    await grill.waitForSelector(ticket(a.id), { timeout: 10_000 });
    await grill.waitForSelector(ticket(b.id), { timeout: 10_000 });
    expect(await grill.locator(ticket(a.id)).count()).toBe(1);
    expect(await grill.locator(ticket(b.id)).count()).toBe(1);
    expect(await grill.locator('[data-testid="ticket"]').count()).toBe(before + 2);
    await grill.close();
  });

  it('strikes a voided item through and marks it VOID', async () => {
    const grill = await screen('grill');
    const o = await order([
      { ...burger, quantity: 1 },
      { ...burger, modifierIds: ['mod-burger-medium'] },
    ]);
    await grill.waitForSelector(ticket(o.id));
    const res = await cashier.put(`/api/v1/orders/${o.id}`, {
      modificationId: uuidv7(),
      void: [{ orderItemId: o.items[0]?.id, reason: 'wrong doneness' }],
      approval: { managerPin: PINS.manager },
    });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    const voided = `${ticket(o.id)} li.void`;
    await grill.waitForSelector(voided, { timeout: 10_000 });
    expect(await grill.textContent(voided)).toContain('VOID');
    const line = await grill.$eval(
      `${voided} .name`,
      (el: any) => el.ownerDocument.defaultView.getComputedStyle(el).textDecorationLine,
    );
    expect(line).toContain('line-through');
    expect(await grill.locator(`${ticket(o.id)}.flash`).count()).toBe(1);
    await grill.close();
  });
});
