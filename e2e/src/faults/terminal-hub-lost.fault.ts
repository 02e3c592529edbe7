import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTerminal, launchChromium, Unpluggable } from '../browser.js';
import { expectStatus, Till } from '../guarantee-till.js';
import { runHub } from '../hub-process.js';
import { openOrderId, openTerminal, sendTableOrder } from './edge-screens.js';
import {
  type EdgeStore,
  eventsPer,
  hubDb,
  openEdgeStore,
  outboxFaults,
  until,
} from './edge-store.js';

// The cashier terminal in Chromium loses the hub while a card is being read: once its network
// is cut (the hub goes on reading the card), once because the hub is killed and restarted. The
// cashier sees that the hub is unreachable and taps "Try again", which sends the very same
// payment (same payment ID, same Idempotency-Key). The payment is applied exactly once, the
// screen ends showing what really happened, and there is one order.

const dataDir = mkdtempSync(join(tmpdir(), 'pos-fault-terminal-'));
let store: EdgeStore;
let proxy: Unpluggable;
let browser: Browser;
let cashier: Till;

beforeAll(async () => {
  buildTerminal();
  // The reader takes 2.5 s to answer, so the connection can be lost while it works.
  store = await openEdgeStore(dataDir, { stock: false, env: { SIM_READER_LATENCY_MS: '2500' } });
  proxy = await Unpluggable.start({ host: '127.0.0.1', port: Number(new URL(store.hub.url).port) });
  browser = await launchChromium();
  cashier = new Till(store.hub.url, '1234');
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await proxy?.close();
  await store?.close();
  rmSync(dataDir, { recursive: true, force: true });
});

const notice = '[data-testid="payment-dialog"] [data-testid="notice"]';
const tryAgain = '[data-testid="payment-dialog"] button:has-text("Try again")';

/** Ring up a drink on a table, open the payment, tap card with no tip, wait for the reader. */
async function startCardPayment(page: Page, table: string): Promise<string> {
  await sendTableOrder(page, table, ['drink-ginger-beer']);
  const orderId = await openOrderId(page);
  await page.click('[data-testid="pay"]');
  await page.waitForSelector('[data-testid="payment-dialog"]');
  await page.click('[data-tender="card"]');
  await page.click('[data-tip="0"]');
  await until('the reader to be reading the card', async () => {
    const readers = await cashier.get('/api/v1/card-readers');
    return readers.body?.readers?.[0]?.status?.state === 'processing';
  });
  return orderId;
}

/** What the hub holds for the order: its payments, and the events saying they completed. */
async function settledOnce(orderId: string) {
  const balance = expectStatus(
    await cashier.get(`/api/v1/payments?orderId=${orderId}`),
    [200],
    'balance',
  );
  expect(balance.paidCents).toBe(balance.totalCents);
  expect(balance.balanceCents).toBe(0);
  const settled = balance.payments.filter((p: { status: string }) =>
    ['authorised', 'captured', 'completed'].includes(p.status),
  );
  expect(settled).toHaveLength(1);
  const db = hubDb(dataDir, 'payments');
  try {
    expect(eventsPer(db, 'payment.completed.v1', 'orderId').get(orderId)).toBe(1);
    expect(outboxFaults(db)).toEqual([]);
  } finally {
    db.close();
  }
  return balance.payments as { id: string; status: string; failure: { message: string } | null }[];
}

async function oneOrderOn(table: string, orderId: string) {
  const onTable = expectStatus(await cashier.get(`/api/v1/orders?tableId=${table}`), [200], 't');
  expect(onTable.orders.map((o: { id: string }) => o.id)).toEqual([orderId]);
}

describe('terminal losing the hub in the middle of a card payment', () => {
  it('network cut while the card is read: "Try again" gets the one approval', async () => {
    const { page, errors } = await openTerminal(browser, proxy.url, '1234');
    const orderId = await startCardPayment(page, 'T3');
    proxy.cut();
    await page.waitForSelector(notice);
    expect(await page.textContent(notice)).toMatch(/not reachable.*Try again/s);
    proxy.restore();

    // Sent again while the reader is still at it: the answer is the approval, not "pending".
    await page.click(tryAgain);
    await page.waitForSelector('[data-testid="paid-in-full"]', { timeout: 20_000 });
    expect(await page.textContent('[data-testid="payment-result"]')).toMatch(
      /Card visa ••4242 approved/,
    );
    expect(await page.locator(notice).count()).toBe(0);
    expect(await page.locator('[data-testid="payment-row"]').count()).toBe(1);
    const payments = await settledOnce(orderId);
    expect(payments.map((p) => p.status)).toEqual(['captured']);
    await oneOrderOn('T3', orderId);
    expect(errors).toEqual([]);
    await page.close();
  });

  it('hub killed while the card is read: the retry says so, and the next tap pays once', async () => {
    const { page, errors } = await openTerminal(browser, proxy.url, '1234');
    const orderId = await startCardPayment(page, 'T4');
    await store.hub.kill('SIGKILL');
    await page.waitForSelector(notice);
    expect(await page.textContent(notice)).toMatch(/not reachable.*Try again/s);
    await page.waitForSelector('[data-testid="hub-status"]:has-text("not reachable")', {
      timeout: 15_000,
    });

    store.hub = await runHub(store.hub.env);
    // The same payment again: the hub stopped reading that card when it died, and says so.
    await page.click(tryAgain);
    await page.waitForSelector(`${notice}:has-text("restarted while the card was being read")`, {
      timeout: 15_000,
    });
    expect(await page.locator('[data-testid="paid-in-full"]').count()).toBe(0);
    expect(await page.locator(tryAgain).count()).toBe(0);

    // The guest taps again: a new payment, approved once.
    await page.click('[data-tender="card"]');
    await page.click('[data-tip="0"]');
    await page.waitForSelector('[data-testid="paid-in-full"]', { timeout: 20_000 });
    const payments = await settledOnce(orderId);
    expect(payments.map((p) => p.status).sort()).toEqual(['captured', 'failed']);
    await oneOrderOn('T4', orderId);
    expect(errors).toEqual([]);
    await page.close();
  });
});
