import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Cloud, startCloud } from '@pos/cloud-services/cloud';
import type { CloudServiceName } from '@pos/cloud-services/config';
import {
  type ApiClient,
  eventually,
  PINS,
  startTestHub,
  type TestHub,
} from '@pos/edge-hub/testing/hub-harness';
import { createLogger } from '@pos/kit';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTerminal, launchChromium } from './browser.js';
import { callJson } from './cloud-harness.js';
import { freePorts } from './ports.js';

// Loyalty at the till across a cloud (every service in one process, its embedded database on
// disk so it can be stopped and started again) and a hub enrolled with it: the cashier looks a
// member up and sees their balance and what the order earns; paying earns the points once in
// the cloud. With the cloud stopped the lookup says it is offline and the guest is attached all
// the same; once the cloud is back the points of that payment are earned, once.

const OWNER = { email: 'owner@loyalty.example', password: 'owner password 1' };
const STORE = 'loyalty-lane';
const PHONE = '+1 555 010 0123';
const OFFLINE = 'Offline — points will be added when the hub reconnects';

const dataDir = mkdtempSync(join(tmpdir(), 'pos-loyalty-cloud-'));
let ports: Record<CloudServiceName, number>;
let cloud: Cloud | undefined;
let owner: string;
let hub: TestHub;
let cashier: ApiClient;
let browser: Browser;
let customerId: string;

/** The cloud on the same ports and data as before, with the owner signed in. */
async function startTheCloud(): Promise<Cloud> {
  const started = await startCloud({
    env: { AUTH_OWNER_EMAIL: OWNER.email, AUTH_OWNER_PASSWORD: OWNER.password },
    ports,
    dataDir,
    logger: createLogger({ service: 'terminal-loyalty-e2e', level: 'silent' }),
  });
  for (let attempt = 0; attempt < 100; attempt++) {
    const res = await callJson(
      'POST',
      `${started.urls.gateway}/api/v1/auth/login`,
      undefined,
      OWNER,
    );
    if (res.status === 200) {
      owner = res.body.accessToken;
      return started;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  await started.stop();
  throw new Error('the owner could not sign in');
}

const gateway = (method: string, path: string, body?: unknown) =>
  callJson(method, `${cloud?.urls.gateway}${path}`, owner, body);

/** The member's points and the payments that earned them, as the cloud has them. */
async function inTheCloud() {
  const account = await gateway('GET', `/api/v1/loyalty/accounts/${customerId}`);
  const ledger = await gateway('GET', `/api/v1/loyalty/accounts/${customerId}/transactions`);
  const earned = (ledger.body.transactions as { kind: string; paymentId: string | null }[]).filter(
    (t) => t.kind === 'earn',
  );
  return {
    balance: account.body.pointsBalance as number,
    earnedBy: earned.map((t) => t.paymentId),
  };
}

beforeAll(async () => {
  const free = await freePorts(7);
  ports = {
    gateway: free[0] as number,
    auth: free[1] as number,
    menu: free[2] as number,
    loyalty: free[3] as number,
    notification: free[4] as number,
    sync: free[5] as number,
    online: free[6] as number,
  };
  cloud = await startTheCloud();
  buildTerminal();
  browser = await launchChromium();
  hub = await startTestHub({
    env: { STORE_ID: STORE },
    sync: { client: { backoff: { minMs: 50, maxMs: 400 }, heartbeatMs: 500, longPollMs: 2_000 } },
    loyalty: { lookupTimeoutMs: 2_000 },
  });
  cashier = await hub.as(PINS.cashier);
  const manager = await hub.as(PINS.manager);
  const shift = await cashier.post(
    '/api/v1/shifts',
    { openingFloatCents: 10_000 },
    { 'idempotency-key': randomUUID() },
  );
  expect(shift.status).toBe(201);

  // The store in the cloud, its hub enrolled with the one-time code.
  const store = await callJson('POST', `${cloud.urls.sync}/api/v1/sync/stores`, owner, {
    storeId: STORE,
    name: 'Loyalty Lane',
  });
  expect(store.status).toBe(201);
  const enrolled = await manager.post('/api/v1/sync/enrol', {
    cloudUrl: cloud.urls.sync,
    code: store.body.enrolmentCode,
  });
  expect(enrolled.status, JSON.stringify(enrolled.body)).toBe(201);

  // A member with a welcome balance.
  const opened = await gateway('POST', '/api/v1/loyalty/accounts', {
    name: 'Ada Lovelace',
    phone: PHONE,
  });
  expect(opened.status).toBe(201);
  customerId = opened.body.customerId;
  const welcome = await gateway('POST', '/api/v1/loyalty/points/add', {
    customerId,
    points: 120,
    reason: 'welcome',
  });
  expect(welcome.status).toBe(200);
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await hub?.stop();
  await cloud?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

async function terminal(): Promise<Page> {
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  const errors: Error[] = [];
  page.on('pageerror', (err) => errors.push(err));
  await page.goto(`${hub.hub.url}/`);
  await page.waitForSelector('[data-testid="login"]');
  for (const d of PINS.cashier) await page.click(`[data-pin-key="${d}"]`);
  await page.click('[data-pin-key="OK"]');
  await page.waitForSelector('[data-testid="who"]');
  expect(errors).toEqual([]);
  return page;
}

/** Two ginger beers to take away, the guest looked up by phone (typed, then Enter). */
async function ringUpWithGuest(page: Page) {
  await page.selectOption('select[aria-label="Order type"]', 'takeout');
  await page.click('nav.categories button:has-text("Drinks")');
  await page.click('[data-item="drink-ginger-beer"]');
  await page.click('[data-item="drink-ginger-beer"]');
  await page.waitForSelector('[data-testid="cart-line"]:has-text("2×")');
  const before = await page.locator('[data-testid="customer"]').boundingBox();
  await page.fill('[data-testid="customer-input"]', PHONE);
  await page.press('[data-testid="customer-input"]', 'Enter');
  await page.waitForSelector('[data-testid="customer-name"]', { timeout: 10_000 });
  // Looking someone up does not move the cart around it.
  expect(await page.locator('[data-testid="customer"]').boundingBox()).toEqual(before);
}

/** Send the order (unless it was), read what the open order says it earns, pay it in cash. */
async function sendAndPay(
  page: Page,
  options: { alreadySent?: boolean } = {},
): Promise<{ orderId: string; estimate: number }> {
  if (!options.alreadySent) await page.click('[data-testid="send"]');
  await page.waitForSelector('[data-testid="open-order"] [data-testid="customer-estimate"]');
  await page.waitForFunction(() =>
    /≈ \d+ pts/.test(
      (globalThis as any).document.querySelector(
        '[data-testid="open-order"] [data-testid="customer-estimate"]',
      )?.textContent ?? '',
    ),
  );
  const text = await page.textContent(
    '[data-testid="open-order"] [data-testid="customer-estimate"]',
  );
  const estimate = Number(/≈ (\d+) pts/.exec(text ?? '')?.[1]);
  const orderId = await page.evaluate(
    () =>
      JSON.parse((globalThis as any).localStorage.getItem('pos.state') ?? '{}')
        .openOrderId as string,
  );
  await page.click('[data-testid="pay"]');
  await page.click('[data-tender="cash"]');
  await page.locator('[data-testid="cash-options"] button').first().click();
  await page.waitForSelector('[data-testid="paid-in-full"]', { timeout: 15_000 });
  await page.click('[data-testid="close-payment"]');
  return { orderId, estimate };
}

/** The payment that paid an order, as the hub has it. */
async function paymentOf(orderId: string): Promise<string> {
  const res = await cashier.get(`/api/v1/payments?orderId=${orderId}`);
  const paid = (res.body.payments as { id: string; status: string }[]).filter(
    (p) => p.status === 'completed' || p.status === 'captured',
  );
  expect(paid).toHaveLength(1);
  return (paid[0] as { id: string }).id;
}

describe('loyalty at the terminal', () => {
  it('brings the earning rules down to the hub, and changes to them', async () => {
    // A fresh cloud: the rules its loyalty service had at first start.
    await eventually(
      async () => (await cashier.get('/api/v1/loyalty/rules')).body.rules !== null,
      20_000,
    );
    const changed = await gateway('PUT', '/api/v1/loyalty/multipliers/soft-drinks', {
      multiplierBp: 20_000,
    });
    expect(changed.status).toBe(200);
    await eventually(async () => {
      const { rules } = (await cashier.get('/api/v1/loyalty/rules')).body;
      return rules?.multipliers.some(
        (m: { categoryId: string; multiplierBp: number }) =>
          m.categoryId === 'soft-drinks' && m.multiplierBp === 20_000,
      );
    }, 20_000);
  });

  it('looks a member up online, shows balance and estimate, and the points arrive once', async () => {
    const page = await terminal();
    await ringUpWithGuest(page);
    expect(await page.textContent('[data-testid="customer-name"]')).toBe('Ada Lovelace');
    expect(await page.textContent('[data-testid="customer-tier"]')).toBe('Member');
    expect(await page.textContent('[data-testid="customer-balance"]')).toBe('120 pts');
    expect(await page.textContent('[data-testid="customer-progress"]')).toBe('380 pts to Silver');
    // Two ginger beers at 4.50 before tax, drinks at double points: 18.
    await page.waitForSelector('[data-testid="customer-estimate"]:has-text("≈ 18 pts")');
    expect(await page.locator('[data-testid="customer-offline"]').count()).toBe(0);

    const { orderId, estimate } = await sendAndPay(page);
    const order = await cashier.get(`/api/v1/orders/${orderId}`);
    expect(order.body.customer).toEqual({ customerId, name: 'Ada Lovelace', phone: PHONE });
    // The total with tax, at double points: what the open order said it would earn.
    expect(estimate).toBe(Math.floor((order.body.totalCents / 100) * 2));

    const paymentId = await paymentOf(orderId);
    await eventually(async () => (await inTheCloud()).balance === 120 + estimate, 20_000);
    await new Promise((r) => setTimeout(r, 1_000));
    expect(await inTheCloud()).toEqual({ balance: 120 + estimate, earnedBy: [paymentId] });
    await page.close();
  });

  it('attaches a member to a table order already sent, and the payment earns their points', async () => {
    const before = await inTheCloud();
    const page = await terminal();
    await page.click('[data-tab="tables"]');
    await page.click('[data-table="T3"]');
    await page.click('nav.categories button:has-text("Drinks")');
    await page.click('[data-item="drink-ginger-beer"]');
    await page.click('[data-testid="send"]');
    const open = '[data-testid="open-order"]';
    await page.waitForSelector(`${open} [data-testid="customer-input"]`);
    await page.fill(`${open} [data-testid="customer-input"]`, PHONE);
    await page.click(`${open} [data-testid="customer-lookup"]`);
    await page.waitForSelector(`${open} [data-testid="customer-name"]:has-text("Ada Lovelace")`);
    const { orderId, estimate } = await sendAndPay(page, { alreadySent: true });
    // The order stays as it was sent; the guest went with the payment.
    expect((await cashier.get(`/api/v1/orders/${orderId}`)).body.customer).toBeNull();
    const paymentId = await paymentOf(orderId);
    await eventually(
      async () => (await inTheCloud()).balance === before.balance + estimate,
      20_000,
    );
    expect((await inTheCloud()).earnedBy).toEqual([paymentId, ...before.earnedBy]);
    await page.close();
  });

  it('with the cloud stopped: says offline, attaches the guest, and earns once it is back', async () => {
    const before = await inTheCloud();
    await cloud?.stop();
    cloud = undefined;
    await eventually(
      async () => (await cashier.get('/api/v1/sync/status')).body.state === 'offline',
      20_000,
    );

    const page = await terminal();
    await ringUpWithGuest(page);
    expect(await page.textContent('[data-testid="customer-offline"]')).toBe(OFFLINE);
    expect(await page.textContent('[data-testid="customer-name"]')).toBe(PHONE);
    // Estimated from the rules the hub holds, at the base rate (the tier is not known offline).
    await page.waitForSelector(
      '[data-testid="customer-estimate"]:has-text("≈ 18 pts at the base rate")',
    );

    const { orderId, estimate } = await sendAndPay(page);
    const order = await cashier.get(`/api/v1/orders/${orderId}`);
    expect(order.body.customer).toEqual({ phone: PHONE });
    expect(
      await page.textContent('[data-testid="open-order"] [data-testid="customer-offline"]'),
    ).toBe(OFFLINE);
    const paymentId = await paymentOf(orderId);
    expect((await cashier.get('/api/v1/sync/status')).body.pendingEvents).toBeGreaterThan(0);

    cloud = await startTheCloud();
    await eventually(
      async () => (await cashier.get('/api/v1/sync/status')).body.pendingEvents === 0,
      30_000,
    );
    await eventually(
      async () => (await inTheCloud()).balance === before.balance + estimate,
      20_000,
    );
    await new Promise((r) => setTimeout(r, 1_000));
    expect(await inTheCloud()).toEqual({
      balance: before.balance + estimate,
      earnedBy: [paymentId, ...before.earnedBy],
    });

    // Online again: the same guest is found as a member, with the new balance.
    const again = await terminal();
    await ringUpWithGuest(again);
    expect(await again.textContent('[data-testid="customer-balance"]')).toBe(
      `${before.balance + estimate} pts`,
    );
    await again.close();
    await page.close();
  });
});
