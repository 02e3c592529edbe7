import { uuidv7 } from '@pos/contracts';
import {
  type ApiClient,
  PINS,
  startTestHub,
  type TestHub,
} from '@pos/edge-hub/testing/hub-harness';
import {
  demoPrintingConfig,
  SimulatedReader,
  startVirtualPrinter,
  type VirtualPrinter,
} from '@pos/hardware';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildKitchenDisplay, buildTerminal, launchChromium } from './browser.js';
import { freePorts } from './ports.js';

// Page-side globals inside page.evaluate / waitForFunction callbacks.
declare const document: any;
declare const localStorage: any;

// The cashier terminal in headless Chromium against a real hub with a virtual receipt printer
// and the simulated card reader.

let t: TestHub;
let browser: Browser;
let receipt: VirtualPrinter;
let kitchen: VirtualPrinter;
let manager: ApiClient;

beforeAll(async () => {
  buildTerminal();
  buildKitchenDisplay();
  receipt = await startVirtualPrinter({ port: 0, name: 'receipt', codePage: 'PC858' });
  kitchen = await startVirtualPrinter({ port: 0, name: 'kitchen', codePage: 'PC858' });
  const [port] = await freePorts(1);
  t = await startTestHub({
    env: { HUB_PORT: String(port) },
    printing: { initialConfig: () => demoPrintingConfig('127.0.0.1', receipt.port, kitchen.port) },
    payments: {
      readers: () => [
        new SimulatedReader({ id: 'sim-1', latencyMs: 50, defaultCard: '4242424242424242' }),
      ],
    },
  });
  manager = await t.as(PINS.manager);
  const shift = await manager.post(
    '/api/v1/shifts',
    { openingFloatCents: 20_000 },
    {
      'idempotency-key': uuidv7(),
    },
  );
  expect(shift.status).toBe(201);
  browser = await launchChromium();
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await t?.stop();
  await receipt?.close();
  await kitchen?.close();
});

async function terminal(width = 1280, height = 800): Promise<Page> {
  const page = await browser.newPage({ viewport: { width, height } });
  const errors: Error[] = [];
  page.on('pageerror', (err) => errors.push(err));
  await page.goto(`${t.hub.url}/`);
  await page.waitForSelector('[data-testid="login"]');
  for (const d of PINS.cashier) await page.click(`[data-pin-key="${d}"]`);
  await page.click('[data-pin-key="OK"]');
  await page.waitForSelector('[data-testid="who"]');
  expect(errors).toEqual([]);
  return page;
}

async function tapItem(page: Page, category: string, itemId: string) {
  await page.click(`nav.categories button:has-text("${category}")`);
  await page.click(`[data-item="${itemId}"]`);
}

describe('cashier terminal', () => {
  it('rings up a two-seat dine-in order, sends it to the kitchen, splits the bill cash + card with a tip', async () => {
    const page = await terminal();
    expect(await page.textContent('[data-testid="who"]')).toBe('Sam Patel');
    await page.click('[data-tab="tables"]');
    await page.click('[data-table="T5"]');
    expect(await page.textContent('[data-testid="cart-table"]')).toBe('T5');

    // Seat 1: a burger; its doneness is required, so Add stays disabled until it is chosen.
    await page.click('[data-seat="1"]');
    await tapItem(page, 'Burgers', 'burger-classic');
    await page.waitForSelector('[data-testid="modifier-dialog"]');
    expect(await page.isDisabled('[data-testid="add-item"]')).toBe(true);
    await page.click('[data-modifier="mod-burger-medium-rare"]');
    await page.click('[data-modifier="mod-bacon"]');
    await page.click('[data-testid="add-item"]');
    // Seat 2: a ginger beer.
    await page.click('[data-seat="2"]');
    await tapItem(page, 'Drinks', 'drink-ginger-beer');
    await page.waitForFunction(
      () => document.querySelectorAll('[data-testid="cart-line"]').length === 2,
    );
    await page.click('[data-testid="send"]');
    await page.waitForSelector('[data-testid="open-order"]');
    const number = Number((await page.textContent('.order-number'))?.replace('#', ''));

    // The kitchen has it.
    const cook = await t.as(PINS.cook);
    const grill = (await cook.get('/api/v1/kds/stations/grill/tickets')).body.tickets as {
      number: number;
    }[];
    expect(grill.some((x) => x.number === number)).toBe(true);

    // Pay: seat 1 in cash, exact; seat 2 by card with an 18 % tip; one tap each.
    receipt.clear();
    await page.click('[data-testid="pay"]');
    await page.waitForSelector('[data-testid="payment-dialog"]');
    await page.click('[data-split-seat="1"]');
    await page.click('[data-tender="cash"]');
    const exact = page.locator('[data-testid="cash-options"] button').first();
    await exact.dblclick(); // a double tap pays once
    await page.waitForSelector('[data-testid="payment-result"]');
    await page.click('[data-split-seat="2"]');
    await page.click('[data-tender="card"]');
    await page.click('[data-tip="18"]');
    await page.waitForSelector('[data-testid="paid-in-full"]', { timeout: 15_000 });
    expect(await page.locator('[data-testid="payment-row"]').count()).toBe(2);

    // The receipt reached the printer, with both tenders.
    const jobs = await receipt.waitForJobs(2, 15_000);
    const last = jobs.map((j) => j.text).find((text) => text.includes('visa **** 4242'));
    expect(last).toContain(`Order #${number}`);
    expect(last).toMatch(/Cash\s+\$/);
    expect(last).toMatch(/Tip\s+\$/);

    // Reprint it, and ask for it by email (queued for the cloud).
    receipt.clear();
    await page.click('[data-testid="reprint"]');
    const [copy] = await receipt.waitForJobs(1, 10_000);
    expect(copy?.text).toContain('visa **** 4242');
    await page.fill('input[type="email"]', 'guest@example.com');
    await page.click('[data-testid="email-receipt"]');
    await page.waitForSelector(
      '[data-testid="payment-result"]:has-text("emailed to guest@example.com")',
    );

    await page.click('[data-testid="close-payment"]');
    await page.click('[data-tab="tables"]');
    await page.waitForSelector('[data-table="T5"][data-status="paid"]', { timeout: 10_000 });
    await page.close();
  });

  it('greys out an item the moment it is 86ed, without a reload', async () => {
    const page = await terminal();
    await page.click('nav.categories button:has-text("Drinks")');
    const tea = '[data-item="drink-iced-tea"]';
    expect(await page.isDisabled(tea)).toBe(false);
    const res = await manager.post('/api/v1/inventory/availability/drink-iced-tea', {
      available: false,
      reason: 'out of tea',
    });
    expect(res.status).toBe(200);
    await page.waitForSelector(`${tea}:disabled`, { timeout: 10_000 });
    await manager.post('/api/v1/inventory/availability/drink-iced-tea', { available: true });
    await page.waitForSelector(`${tea}:enabled`, { timeout: 10_000 });
    await page.close();
  });

  it('a refund asks for a manager PIN', async () => {
    const page = await terminal();
    await page.click('[data-tab="tables"]');
    await page.click('[data-table="T6"]');
    await tapItem(page, 'Drinks', 'drink-ginger-beer');
    await page.click('[data-testid="send"]');
    await page.click('[data-testid="pay"]');
    await page.click('[data-tender="cash"]');
    await page.locator('[data-testid="cash-options"] button').first().click();
    await page.waitForSelector('[data-testid="paid-in-full"]');
    await page.click('[data-testid="refund"]');
    await page.waitForSelector('[data-testid="manager-pin"]');
    for (const d of PINS.manager)
      await page.click(`[data-testid="manager-pin"] [data-pin-key="${d}"]`);
    await page.click('[data-testid="manager-pin"] [data-pin-key="OK"]');
    await page.waitForFunction(() =>
      document.querySelector('[data-testid="payment-row"]')?.textContent?.includes('refunded'),
    );
    await page.close();
  });

  it('voiding a sent item asks for a manager PIN and strikes it off the order', async () => {
    const page = await terminal();
    await page.click('[data-tab="tables"]');
    await page.click('[data-table="T7"]');
    await tapItem(page, 'Drinks', 'drink-ginger-beer');
    await page.click('[data-seat="2"]');
    await tapItem(page, 'Drinks', 'drink-ginger-beer');
    await page.click('[data-testid="send"]');
    await page.waitForSelector('[data-testid="open-order"] [data-void]');
    const before = await page.textContent('[data-testid="order-total"]');
    await page.locator('[data-void]').first().click();
    await page.click('[data-choice="Guest changed their mind"]');
    await page.waitForSelector('[data-testid="manager-pin"]');
    for (const d of PINS.manager)
      await page.click(`[data-testid="manager-pin"] [data-pin-key="${d}"]`);
    await page.click('[data-testid="manager-pin"] [data-pin-key="OK"]');
    await page.waitForSelector('[data-testid="open-order"] .line.voided', { timeout: 10_000 });
    expect(await page.textContent('[data-testid="order-total"]')).not.toBe(before);
    await page.close();
  });

  it('keeps the cart through a hub restart and sends the order once', async () => {
    const page = await terminal();
    await page.click('[data-tab="tables"]');
    await page.click('[data-table="T8"]');
    await tapItem(page, 'Drinks', 'drink-ginger-beer');
    await tapItem(page, 'Drinks', 'drink-ginger-beer');
    await page.waitForSelector('[data-testid="cart-line"]');
    const orderId = await page.evaluate(
      () =>
        (JSON.parse(localStorage.getItem('pos.state') ?? '{}') as { cart: { orderId: string } })
          .cart.orderId,
    );

    await t.hub.stop();
    await page.click('[data-testid="send"]');
    await page.waitForSelector('[data-testid="notice"]');
    expect(await page.textContent('[data-testid="notice"]')).toMatch(/not reachable/);
    await page.waitForSelector('[data-testid="hub-status"]:has-text("not reachable")', {
      timeout: 10_000,
    });
    expect(await page.locator('[data-testid="cart-line"]').count()).toBe(1);

    await t.restart();
    await page.reload();
    await page.waitForSelector('[data-testid="cart-line"]', { timeout: 15_000 });
    expect(await page.textContent('[data-testid="cart-line"]')).toContain('2×');
    await page.click('[data-testid="send"]');
    await page.waitForSelector('[data-testid="open-order"]', { timeout: 15_000 });
    const cashier = await t.as(PINS.cashier);
    const order = await cashier.get(`/api/v1/orders/${orderId}`);
    expect(order.status).toBe(200);
    expect(order.body.items[0].quantity).toBe(2);
    const onTable = (await cashier.get('/api/v1/orders?tableId=T8')).body.orders as unknown[];
    expect(onTable).toHaveLength(1);
    await page.close();
  });
});
