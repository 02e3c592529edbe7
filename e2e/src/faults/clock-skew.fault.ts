import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { uuidv7 } from '@pos/contracts';
import type { Browser, Page } from 'playwright-core';
import { afterAll, describe, expect, it } from 'vitest';
import { buildKitchenDisplay, buildTerminal, launchChromium } from '../browser.js';
import { expectStatus, Till } from '../guarantee-till.js';
import { openKitchenScreen, openOrderId, openTerminal, sendTableOrder } from './edge-screens.js';
import { type EdgeStore, hubDb, openEdgeStore } from './edge-store.js';

// Screens whose clocks are wrong by ten minutes: a terminal ten minutes ahead rings up orders,
// one kitchen screen runs ten minutes ahead and another ten minutes behind. Orders are
// accepted as usual and stamped with the hub's time; the kitchen screens show the tickets in
// the order the hub took them, with true ages (seconds, not "10:00", and not stuck at 0:00),
// and none turns late; the terminal's status bar tells ages from the hub's clock too.

const TEN_MINUTES = 10 * 60_000;
const dataDir = mkdtempSync(join(tmpdir(), 'pos-fault-clock-'));
let store: EdgeStore | undefined;
let browser: Browser | undefined;

afterAll(async () => {
  await browser?.close();
  await store?.close();
  rmSync(dataDir, { recursive: true, force: true });
});

/** The bar tickets a kitchen screen shows, in screen order, with their age in seconds. */
async function barTickets(page: Page) {
  return page.$$eval('[data-testid="ticket"]', (els: any[]) =>
    els.map((el) => {
      const [m, s] = String(el.querySelector('.age')?.textContent ?? '').split(':');
      return {
        orderId: String(el.getAttribute('data-order')),
        ageSeconds: Number(m) * 60 + Number(s),
        late: el.classList.contains('late') || el.classList.contains('warning'),
      };
    }),
  );
}

describe('screens with clocks ten minutes off', () => {
  it('take orders, show ages and ticket order from the hub clock, and reject nothing', async () => {
    buildTerminal();
    buildKitchenDisplay();
    [store, browser] = await Promise.all([
      openEdgeStore(dataDir, { stock: false }),
      launchChromium(),
    ]);
    const s = store;
    const cashier = new Till(s.hub.url, '1234');
    const [ahead, behind] = await Promise.all([
      openKitchenScreen(browser, s.hub.url, 'bar', TEN_MINUTES),
      openKitchenScreen(browser, s.hub.url, 'bar', -TEN_MINUTES),
    ]);
    const terminal = await openTerminal(browser, s.hub.url, '1234', TEN_MINUTES);
    // The skew really is in the pages.
    const skew = await terminal.page.evaluate(() => Date.now());
    expect(skew - Date.now()).toBeGreaterThan(TEN_MINUTES - 5_000);

    // A from the terminal ten minutes ahead (its order ID carries its clock), B from a
    // terminal with the right time, C from the skewed terminal again.
    const t0 = Date.now();
    await sendTableOrder(terminal.page, 'T2', ['drink-ginger-beer']);
    const a = await openOrderId(terminal.page);
    await new Promise((r) => setTimeout(r, 1_100));
    const b = uuidv7();
    expectStatus(
      await cashier.call('POST', '/api/v1/orders', {
        id: b,
        type: 'takeout',
        items: [{ menuItemId: 'drink-cola', variantId: 'large', quantity: 1 }],
      }),
      [201],
      'order B',
    );
    await new Promise((r) => setTimeout(r, 1_100));
    await terminal.page.click('[data-tab="tables"]');
    await sendTableOrder(terminal.page, 'T3', ['drink-ginger-beer']);
    const c = await openOrderId(terminal.page);
    const t1 = Date.now();

    // Stamped by the hub: within the test's own (the hub's) clock, not ten minutes ahead.
    const created: number[] = [];
    for (const id of [a, b, c]) {
      const order = expectStatus(await cashier.get(`/api/v1/orders/${id}`), [200], id);
      const at = Date.parse(order.createdAt);
      expect(at, `createdAt of ${id}`).toBeGreaterThanOrEqual(t0 - 1_000);
      expect(at, `createdAt of ${id}`).toBeLessThanOrEqual(t1 + 1_000);
      created.push(at);
    }
    expect([...created].sort((x, y) => x - y)).toEqual(created);

    // The skewed terminal pays C in cash: accepted once.
    await terminal.page.click('[data-testid="pay"]');
    await terminal.page.click('[data-tender="cash"]');
    await terminal.page.locator('[data-testid="cash-options"] button').first().click();
    await terminal.page.waitForSelector('[data-testid="paid-in-full"]', { timeout: 15_000 });
    const paid = expectStatus(await cashier.get(`/api/v1/payments?orderId=${c}`), [200], 'c');
    expect(paid.payments).toHaveLength(1);
    expect(paid.balanceCents).toBe(0);

    // Both kitchen screens: A, B, C in the hub's order, each once, with ages of seconds.
    for (const screen of [ahead, behind]) {
      await screen.page.waitForFunction(
        (n: number) =>
          (globalThis as any).document.querySelectorAll('[data-testid="ticket"]').length >= n,
        3,
        { timeout: 15_000 },
      );
    }
    await new Promise((r) => setTimeout(r, 3_000)); // ages must move on from 0:00
    const elapsed = Math.ceil((Date.now() - t0) / 1_000);
    for (const screen of [ahead, behind]) {
      const tickets = await barTickets(screen.page);
      expect(tickets.map((t) => t.orderId)).toEqual([a, b, c]);
      for (const t of tickets) {
        expect(t.late, `ticket ${t.orderId} marked late`).toBe(false);
        expect(t.ageSeconds).toBeGreaterThanOrEqual(2);
        expect(t.ageSeconds).toBeLessThanOrEqual(elapsed + 2);
      }
    }

    // The terminal's status bar: the events waiting for the cloud (this hub is not linked),
    // with the oldest one's age by the hub's clock: seconds, not ten minutes.
    await terminal.page.waitForSelector('[data-testid="status-bar"]:has-text("oldest")', {
      timeout: 15_000,
    });
    const bar = (await terminal.page.textContent('[data-testid="status-bar"]')) ?? '';
    expect(bar).toMatch(/oldest \d+ s ago/);

    // Nothing was refused or doubled for the skew: three orders, one created event each.
    const db = hubDb(dataDir, 'orders');
    try {
      const rows = db.prepare('SELECT id FROM orders').all() as { id: string }[];
      expect(rows.map((r) => r.id).sort()).toEqual([a, b, c].sort());
    } finally {
      db.close();
    }
    for (const screen of [terminal, ahead, behind]) expect(screen.errors).toEqual([]);
  }, 120_000);
});
