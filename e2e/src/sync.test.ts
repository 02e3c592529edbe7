import { randomUUID } from 'node:crypto';
import type { Cloud } from '@pos/cloud-services/cloud';
import { demoMenu } from '@pos/edge-hub/demo/menu';
import { posHub } from '@pos/edge-hub/sync/cli';
import type { SyncModule } from '@pos/edge-hub/sync/module';
import {
  type ApiClient,
  eventually,
  moduleOf,
  PINS,
  startTestHub,
  type TestHub,
} from '@pos/edge-hub/testing/hub-harness';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildKitchenDisplay, buildTerminal, launchChromium, Unpluggable } from './browser.js';
import { callJson, startCloudAsOwner } from './cloud-harness.js';

// A hub and the cloud (every service in one process, on the embedded database and bus) with
// the hub's link to the cloud's sync service through a proxy that can be unplugged: the store
// is provisioned and the hub enrolled with a code; orders and payments reach the cloud's read
// model; while the link is down the hub keeps trading and counts what waits; when it is back
// everything arrives once; a menu published in the cloud reaches the hub.

// The browser pages' own global, in page.waitForFunction callbacks.
declare const document: { querySelector(selector: string): { textContent: string | null } | null };

const OWNER = { email: 'owner@sync.example', password: 'owner password 1' };

let cloud: Cloud;
let hub: TestHub;
let link: Unpluggable;
let owner: string;
let cashier: ApiClient;
let manager: ApiClient;
let browser: Browser;

const cloudCall = (method: string, url: string, body?: unknown) =>
  callJson(method, url, owner, body);

beforeAll(async () => {
  ({ cloud, token: owner } = await startCloudAsOwner(OWNER, 'sync-e2e'));
  buildTerminal();
  buildKitchenDisplay();
  browser = await launchChromium();
  const url = new URL(cloud.urls.sync);
  link = await Unpluggable.start({ host: url.hostname, port: Number(url.port) });
  hub = await startTestHub({
    env: { STORE_ID: 'harbour-street' },
    sync: { client: { backoff: { minMs: 50, maxMs: 400 }, heartbeatMs: 500, longPollMs: 2_000 } },
  });
  cashier = await hub.as(PINS.cashier);
  manager = await hub.as(PINS.manager);
  expect(
    (
      await cashier.post(
        '/api/v1/shifts',
        { openingFloatCents: 10_000 },
        { 'idempotency-key': randomUUID() },
      )
    ).status,
  ).toBe(201);
});

afterAll(async () => {
  await browser?.close();
  await hub?.stop();
  await link?.close();
  await cloud?.stop();
});

async function paidOrder(): Promise<{ orderId: string; totalCents: number }> {
  const orderId = randomUUID();
  const placed = await cashier.post('/api/v1/orders', {
    id: orderId,
    type: 'takeout',
    items: [{ menuItemId: 'side-fries', quantity: 1 }],
  });
  expect(placed.status, JSON.stringify(placed.body)).toBe(201);
  const totalCents = placed.body.totalCents as number;
  const paid = await cashier.post(
    '/api/v1/payments/process',
    { orderId, tender: 'cash', tenderedCents: totalCents },
    { 'idempotency-key': randomUUID() },
  );
  expect(paid.status, JSON.stringify(paid.body)).toBe(201);
  return { orderId, totalCents };
}

const syncStatus = async () => (await cashier.get('/api/v1/sync/status')).body;

describe('sync between a hub and the cloud', () => {
  it('enrols the hub with a one-time code from a manager', async () => {
    expect((await syncStatus()).state).toBe('not-enrolled');
    const store = await cloudCall('POST', `${cloud.urls.sync}/api/v1/sync/stores`, {
      storeId: 'harbour-street',
      name: 'Harbour Street',
    });
    expect(store.status).toBe(201);
    const byCashier = await cashier.post('/api/v1/sync/enrol', {
      cloudUrl: link.url,
      code: store.body.enrolmentCode,
    });
    expect(byCashier.status).toBe(403);
    const wrong = await manager.post('/api/v1/sync/enrol', {
      cloudUrl: link.url,
      code: 'AAAA-BBBB-CCCC',
    });
    expect(wrong.status).toBe(400);
    expect(wrong.body.errors[0].field).toBe('code');
    const enrolled = await manager.post('/api/v1/sync/enrol', {
      cloudUrl: link.url,
      code: store.body.enrolmentCode,
    });
    expect(enrolled.status).toBe(201);
    expect(enrolled.body.storeId).toBe('harbour-street');
    await eventually(async () => (await syncStatus()).state === 'online');
  });

  it('carries orders and payments to the cloud, and keeps trading while the link is down', async () => {
    const before = await paidOrder();
    await eventually(async () => (await syncStatus()).pendingEvents === 0);

    link.cut();
    const offline = [await paidOrder(), await paidOrder(), await paidOrder()];
    await eventually(async () => (await syncStatus()).state === 'offline');
    const waiting = await syncStatus();
    expect(waiting.pendingEvents).toBeGreaterThanOrEqual(6);
    expect(waiting.oldestPendingAt).toBeTruthy();
    expect(waiting.lastError).toBeTruthy();

    link.restore();
    // The operator's command: send now, with progress until nothing waits.
    let out = '';
    const code = await posHub(
      ['now', '--timeout', '30'],
      { POS_HUB_URL: hub.hub.url, POS_HUB_PIN: PINS.cashier },
      {
        out: (t) => {
          out += t;
        },
        err: (t) => {
          out += t;
        },
        isTTY: false,
        askPin: async () => PINS.cashier,
        sleep: (ms) => new Promise((r) => setTimeout(r, ms)),
        now: () => Date.now(),
      },
    );
    expect(code, out).toBe(0);
    expect(out).toMatch(/\] 100% (\d+)\/\1 events/);
    expect(out).toContain('Everything is in the cloud.');
    const status = await syncStatus();
    expect(status.state).toBe('online');
    expect(status.lastSequenceConfirmed).toBe(status.lastSequenceQueued);

    // The cloud's read model has each order once, to the cent.
    const day = new Date().toISOString().slice(0, 10);
    const report = await cloudCall(
      'GET',
      `${cloud.urls.sync}/api/v1/sync/reports/sales?from=${day}&to=${day}&storeId=harbour-street`,
    );
    expect(report.status).toBe(200);
    const all = [before, ...offline];
    expect(report.body.totals.orders).toBe(all.length);
    expect(report.body.totals.grossCents).toBe(all.reduce((sum, o) => sum + o.totalCents, 0));
    const stores = await cloudCall('GET', `${cloud.urls.sync}/api/v1/sync/stores`);
    expect(stores.body.stores[0]).toMatchObject({
      storeId: 'harbour-street',
      lastSequence: status.lastSequenceQueued,
    });
  });

  it('brings a menu published in the cloud to the hub, with the store prices', async () => {
    const { version: _v, publishedAt: _p, ...menu } = demoMenu();
    const fries = menu.items.find((i) => i.id === 'side-fries');
    expect(fries).toBeDefined();
    expect((await cloudCall('PUT', `${cloud.urls.gateway}/api/v1/menu/draft`, menu)).status).toBe(
      200,
    );
    expect(
      (
        await cloudCall('PUT', `${cloud.urls.gateway}/api/v1/menu/price-overrides/harbour-street`, {
          prices: [{ itemId: 'side-fries', priceCents: 611 }],
        })
      ).status,
    ).toBe(200);
    const published = await cloudCall('POST', `${cloud.urls.gateway}/api/v1/menu/publish`, {
      storeIds: ['harbour-street'],
    });
    expect(published.status).toBe(201);
    await eventually(async () => {
      const item = await cashier.get('/api/v1/menu/items/side-fries');
      return item.body.priceCents === 611;
    });
    const stores = await cloudCall('GET', `${cloud.urls.sync}/api/v1/sync/stores`);
    await eventually(async () => {
      const s = await cloudCall('GET', `${cloud.urls.sync}/api/v1/sync/stores`);
      return s.body.stores[0].hub.menuVersion === published.body.version;
    });
    expect(stores.status).toBe(200);
    expect(moduleOf<SyncModule>(hub, 'sync').client().status().changeCursor).toBeGreaterThan(0);
  });
  it('shows the cloud link on the terminal and the kitchen screen', async () => {
    const text = (page: Page, testId: string) =>
      page.textContent(`[data-testid="${testId}"]`).then((t) => t ?? '');
    const until = async (page: Page, testId: string, pattern: RegExp) => {
      await page.waitForFunction(
        ([id, source]) =>
          new RegExp(source as string).test(
            document.querySelector(`[data-testid="${id}"]`)?.textContent ?? '',
          ),
        [testId, pattern.source],
        { timeout: 20_000 },
      );
      return text(page, testId);
    };
    const till = await browser.newPage();
    await till.goto(`${hub.hub.url}/`);
    await till.waitForSelector('[data-testid="login"]');
    for (const d of PINS.cashier) await till.click(`[data-pin-key="${d}"]`);
    await till.click('[data-pin-key="OK"]');
    await till.waitForSelector('[data-testid="who"]');
    const kitchen = await browser.newPage({ viewport: { width: 1920, height: 1080 } });
    await kitchen.goto(`${hub.hub.url}/kds/`);
    for (const d of PINS.cook) await kitchen.click(`[data-key="${d}"]`);
    await kitchen.click('[data-key="ok"]');
    await kitchen.click('[data-station="grill"]');

    expect(await until(till, 'cloud-status', /online/)).toBe('Cloud: online');
    expect(await until(kitchen, 'cloud', /online/)).toBe('Cloud online');

    link.cut();
    await paidOrder();
    expect(await until(till, 'cloud-status', /offline/)).toMatch(
      /^Cloud: offline \(last sync \d+ s ago\), trading on$/,
    );
    expect(await until(till, 'sync-waiting', /\d+ events/)).toMatch(
      /^Waiting to sync: \d+ events \(oldest \d+ s ago\)$/,
    );
    expect(await until(kitchen, 'cloud', /offline/)).toMatch(/^Cloud offline · \d+ to sync$/);

    link.restore();
    expect((await cashier.post('/api/v1/sync/now')).status).toBe(202);
    expect(await until(till, 'sync-waiting', /nothing/)).toBe('Waiting to sync: nothing');
    expect(await text(till, 'cloud-status')).toBe('Cloud: online');
    await till.close();
    await kitchen.close();
  });
});
