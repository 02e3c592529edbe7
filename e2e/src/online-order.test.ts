import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { demoMenu } from '@pos/edge-hub/demo/menu';
import { eventually, PINS } from '@pos/edge-hub/testing/hub-harness';
import { startVirtualPrinter, type VirtualPrinter } from '@pos/hardware';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from './browser.js';
import { callJson } from './cloud-harness.js';
import { type CloudProcess, startCloudProcess } from './guarantee-cloud.js';
import { type HubProcess, startHubProcess } from './hub-process.js';
import { type Mailbox, startMailbox } from './mailbox.js';

// An online order from a guest's phone to the kitchen and back, on real processes: the cloud
// as deployed (every service in its own child process on PostgreSQL and RabbitMQ, e-mail to an
// SMTP server started here) and a store's hub (its own process, with virtual printers),
// enrolled and running the menu published in the cloud. The guest orders
// and pays in the app at /order/ in Chromium; the hub creates the order (the kitchen ticket
// prints, the kitchen display shows it), the cook bumps it, and the guest's page says "ready"
// while the e-mail arrives. A tampered price is refused; a store whose hub has stopped says it
// cannot take online orders, and takes none.

const OWNER = { email: 'owner@online-order.example', password: 'owner password 1' };
const STORE = 'harbour-street';
const GUEST = { name: 'Grace Hopper', email: 'grace@guests.example', password: 'grace password 1' };
const PHONE = { width: 390, height: 844 };

let mailbox: Mailbox;
let cloud: CloudProcess;
let receipt: VirtualPrinter;
let kitchen: VirtualPrinter;
let hub: HubProcess;
let hubStopped = false;
const hubDir = mkdtempSync(join(tmpdir(), 'pos-online-hub-'));
let manager: HubClient;
let cook: HubClient;
let browser: Browser;

const gateway = () => cloud.urls.gateway;
const owner = () => cloud.owner;

interface HubClient {
  get(path: string): Promise<{ status: number; body: any }>;
  post(path: string, body: unknown): Promise<{ status: number; body: any }>;
}

/** Staff signed in at the hub with their PIN. */
async function staffAt(url: string, pin: string): Promise<HubClient> {
  const login = await callJson('POST', `${url}/api/v1/staff/login`, undefined, { pin });
  expect(login.status).toBe(200);
  return {
    get: (path) => callJson('GET', `${url}${path}`, login.body.token),
    post: (path, body) => callJson('POST', `${url}${path}`, login.body.token, body),
  };
}

beforeAll(async () => {
  mailbox = await startMailbox();
  cloud = await startCloudProcess(OWNER, {
    SMTP_URL: mailbox.url,
    // The hub below beats every second: silent for 4 s, it is away.
    HUB_SILENT_AFTER_MS: '4000',
  });

  // The store in the cloud; its hub enrols itself with the code at first start.
  const store = await callJson('POST', `${cloud.urls.sync}/api/v1/sync/stores`, owner(), {
    storeId: STORE,
    name: 'Harbour Street',
  });
  expect(store.status).toBe(201);
  receipt = await startVirtualPrinter({ port: 0, name: 'receipt', codePage: 'PC858' });
  kitchen = await startVirtualPrinter({ port: 0, name: 'kitchen', codePage: 'PC858' });
  hub = await startHubProcess(hubDir, {
    STORE_ID: STORE,
    CLOUD_SYNC_URL: cloud.urls.sync,
    SYNC_ENROLMENT_CODE: store.body.enrolmentCode,
    SYNC_HEARTBEAT_S: '1',
    RECEIPT_PRINTER_PORT: String(receipt.port),
    KITCHEN_PRINTER_PORT: String(kitchen.port),
  });
  manager = await staffAt(hub.url, PINS.manager);
  cook = await staffAt(hub.url, PINS.cook);
  await eventually(
    async () => (await manager.get('/api/v1/sync/status')).body.state === 'online',
    30_000,
  );

  // The demo menu published in the cloud to the store, and running on the hub.
  const { version: _v, publishedAt: _p, ...menu } = demoMenu();
  expect((await callJson('PUT', `${gateway()}/api/v1/menu/draft`, owner(), menu)).status).toBe(200);
  const published = await callJson('POST', `${gateway()}/api/v1/menu/publish`, owner(), {
    storeIds: [STORE],
  });
  expect(published.status).toBe(201);
  await eventually(
    async () => (await manager.get('/api/v1/menu')).body.version === published.body.version,
    15_000,
  );
  browser = await launchChromium();
}, 180_000);

afterAll(async () => {
  await browser?.close();
  if (!hubStopped) await hub?.kill('SIGTERM');
  await receipt?.close();
  await kitchen?.close();
  await cloud?.dispose();
  await mailbox?.close();
  rmSync(hubDir, { recursive: true, force: true });
});

async function phonePage(): Promise<Page> {
  const context = await browser.newContext({ viewport: PHONE });
  return context.newPage();
}

describe('an online order', () => {
  it('goes from the guest to the kitchen and back: paid, printed, shown, bumped, ready, e-mailed, points earned once', async () => {
    const page = await phonePage();
    // The guest has an account, to earn points.
    await page.goto(`${gateway()}/order/`);
    await page.click('#account-link');
    await page.waitForURL(/\/order\/account\/$/);
    await page.click('[data-action="show-register"]');
    await page.fill('#a-displayName', GUEST.name);
    await page.fill('#a-email', GUEST.email);
    await page.fill('#a-password', GUEST.password);
    await page.click('button[type="submit"]');
    await page.waitForSelector('#a-code');
    await page.fill('#a-code', await mailbox.codeFor(GUEST.email));
    await page.click('button[type="submit"]');
    await page.waitForSelector('[data-testid="balance"]');
    expect(await page.textContent('[data-testid="balance"]')).toBe('0');

    await page.goto(`${gateway()}/order/`);
    await page.click(`text=Harbour Street`);
    await page.click('[data-item="burger-double-smash"] button');
    await page.click('dialog button[type="submit"]');
    await page.click('#cart-bar a');
    await page.click('text=Go to checkout');
    await page.fill('#f-name', GUEST.name);
    await page.fill('#f-email', GUEST.email);
    await page.click('text=Continue to payment');
    await page.waitForSelector('form.pay');
    await page.fill('#f-card', '4242 4242 4242 4242');
    await page.click('[data-testid="pay"]');
    await page.waitForURL(/\/order\/track\/\?id=/);
    const orderId = new URL(page.url()).searchParams.get('id') ?? '';
    expect(orderId).toMatch(/^[0-9a-f-]{36}$/);

    // The hub has it: created through its own order path, paid online, confirmed.
    await eventually(
      async () => (await manager.get(`/api/v1/orders/${orderId}`)).status === 200,
      10_000,
    );
    await eventually(
      async () => (await manager.get(`/api/v1/orders/${orderId}`)).body.status === 'CONFIRMED',
      10_000,
    );
    const order = (await manager.get(`/api/v1/orders/${orderId}`)).body;
    expect(order).toMatchObject({ source: 'online', paymentStatus: 'PAID', type: 'pickup' });
    expect(order.items.map((i: { name: string }) => i.name)).toEqual(['Double Smash Burger']);

    // The kitchen ticket printed at the kitchen printer, and the grill's screen shows it.
    await eventually(
      () => kitchen.jobs().some((j) => /Double\s+Smash\s+Burger/i.test(j.text)),
      10_000,
    );
    const grill = (await cook.get('/api/v1/kds/stations/grill/tickets')).body;
    const tickets = grill.tickets.filter((t: { orderId: string }) => t.orderId === orderId);
    expect(tickets).toHaveLength(1);
    await page.waitForSelector(
      '[data-testid="status"][data-status="confirmed"], [data-testid="status"][data-status="received"]',
    );

    // The cook bumps it: the guest's page says ready, and the e-mail arrives.
    expect((await cook.post(`/api/v1/kds/tickets/${tickets[0].id}/bump`, {})).status).toBe(200);
    await page.waitForSelector('[data-testid="status"][data-status="ready"]', { timeout: 15_000 });
    const mail = await mailbox.waitFor(GUEST.email, (m) => m.subject.includes('is ready'));
    expect(`${mail.subject} ${mail.text}`).toContain(String(order.number));

    // The points the payment earned, on the guest's account page, once.
    const history = async () => {
      await page.goto(`${gateway()}/order/account/`);
      await page.waitForSelector('[data-testid="balance"]');
      return {
        balance: Number(await page.textContent('[data-testid="balance"]')),
        visits: await page.$$eval('[data-testid="history"] li', (lis) => lis.length),
      };
    };
    await eventually(async () => (await history()).balance > 0, 15_000);
    const earned = await history();
    expect(earned.visits).toBe(1);
    expect(earned.balance).toBe(Math.floor(order.totalCents / 100));
    await new Promise((r) => setTimeout(r, 1_000));
    expect(await history()).toEqual(earned);
    await page.context().close();
  });

  it('refuses a tampered price, naming the field, and charges nothing', async () => {
    const res = await fetch(`${gateway()}/api/v1/online/orders`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'idempotency-key': randomUUID() },
      body: JSON.stringify({
        storeId: STORE,
        orderType: 'pickup',
        customer: { name: GUEST.name, email: GUEST.email },
        items: [
          { menuItemId: 'burger-double-smash', modifierIds: [], quantity: 1, unitPriceCents: 1 },
        ],
      }),
    });
    expect(res.status).toBe(400);
    expect(res.headers.get('content-type')).toMatch(/application\/problem\+json/);
    const body = (await res.json()) as { errors: { field: string }[] };
    expect(body.errors.map((e) => e.field)).toEqual(['items.0.unitPriceCents']);
  });

  it('says a store whose hub has stopped cannot take online orders, and takes none', async () => {
    await hub.kill('SIGTERM');
    hubStopped = true;
    await eventually(async () => {
      const s = await callJson('GET', `${gateway()}/api/v1/online/stores/${STORE}`, undefined);
      return s.body.acceptingOrders === false;
    }, 15_000);
    const page = await phonePage();
    await page.goto(`${gateway()}/order/`);
    await page.waitForSelector("text=This store can't take online orders right now");
    const refused = await fetch(`${gateway()}/api/v1/online/orders`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'idempotency-key': randomUUID() },
      body: JSON.stringify({
        storeId: STORE,
        orderType: 'pickup',
        customer: { name: GUEST.name, email: GUEST.email },
        items: [{ menuItemId: 'burger-double-smash', modifierIds: [], quantity: 1 }],
      }),
    });
    expect(refused.status).toBe(409);
    expect(((await refused.json()) as { reason: string }).reason).toBe('store-closed');
    await page.context().close();
  });
});
