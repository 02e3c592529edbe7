import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { demoMenu } from '@pos/edge-hub/demo/menu';
import { startVirtualPrinter, type VirtualPrinter } from '@pos/hardware';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTerminal, launchChromium } from './browser.js';
import { type HubOrder, hubBooks, sum } from './guarantee-books.js';
import {
  expectEveryEventOnce,
  expectSalesToMatch,
  expectPointsOncePerPayment as pointsOncePerPayment,
  undeliveredToSync,
} from './guarantee-checks.js';
import { type CloudProcess, cloudCall, openMembers, startCloudProcess } from './guarantee-cloud.js';
import { type PushSeen, SyncLink } from './guarantee-link.js';
import {
  expectStatus,
  FLOWS,
  type Flow,
  MANAGER_PIN,
  ReaderQueue,
  type Rung,
  runClient,
  Till,
} from './guarantee-till.js';
import { type HubProcess, runHub, startHubProcess } from './hub-process.js';

// The offline-first promise, end to end on real processes: the cloud (every service in one
// child process, on PostgreSQL and RabbitMQ) and a hub (a child process with virtual printers
// and the simulated card reader) linked through a proxy that can cut the link or lose an
// answer. While the hub is cut off, three terminals ring up hundreds of orders with cash, card
// taken offline (store-and-forward), split checks, changes, cancellations and refunds, and the
// hub is killed with SIGKILL and restarted in the middle. Once the link is back, the cloud's
// read model must hold exactly the hub's orders and payments, to the cent; loyalty members must
// have earned once per payment; offline card payments must have been forwarded; a menu
// published in the cloud meanwhile must reach the hub and the terminal. The same with the
// cloud killed in the middle of the catch-up, and with a batch's answer lost.

// The browser page's own global, in page.waitForFunction callbacks.
declare const document: { querySelector(selector: string): { textContent: string | null } | null };

const STORE = 'guarantee-store';
const OWNER = { email: 'owner@guarantee.example', password: 'guarantee owner 1' };
const MEMBERS = 12;

let cloud: CloudProcess;
let link: SyncLink;
let hub: HubProcess;
let receipt: VirtualPrinter;
let kitchen: VirtualPrinter;
let manager: Till;
let browser: Browser | undefined;
let members: { customerId: string; phone: string }[] = [];
const dataDir = mkdtempSync(join(tmpdir(), 'pos-guarantee-hub-'));
const rung: Rung[] = [];
/** The menu published in the cloud during the first outage, and the terminal open through it. */
const menu: { oldPrice: number; newPrice: number; page?: Page } = { oldPrice: 0, newPrice: 0 };

beforeAll(async () => {
  buildTerminal();
  [cloud, receipt, kitchen] = await Promise.all([
    startCloudProcess(OWNER),
    startVirtualPrinter({ port: 0, name: 'receipt', codePage: 'PC858' }),
    startVirtualPrinter({ port: 0, name: 'kitchen', codePage: 'PC858' }),
  ]);
  link = await SyncLink.start({ host: '127.0.0.1', port: Number(new URL(cloud.urls.sync).port) });
  const store = await owner('POST', `${cloud.urls.sync}/api/v1/sync/stores`, {
    storeId: STORE,
    name: 'Guarantee Street',
  });
  expect(store.status, JSON.stringify(store.body)).toBe(201);
  // A new hub set up with the store's enrolment code enrols itself when it first starts; the
  // loyalty programme and a browser for the terminal are set up meanwhile.
  [hub, members, browser] = await Promise.all([
    startHubProcess(dataDir, {
      STORE_ID: STORE,
      STORE_TIMEZONE: 'UTC',
      CLOUD_SYNC_URL: link.url,
      SYNC_ENROLMENT_CODE: store.body.enrolmentCode,
      PRINTER_HOST: '127.0.0.1',
      RECEIPT_PRINTER_PORT: String(receipt.port),
      KITCHEN_PRINTER_PORT: String(kitchen.port),
      CARD_READER: 'simulated',
      SIM_READER_LATENCY_MS: '5',
      // Every card payment of the outage is taken offline without a manager's override.
      OFFLINE_TOTAL_LIMIT_CENTS: '50000000',
    }),
    openMembers(cloud, MEMBERS, '+1555010'),
    launchChromium(),
  ]);
  manager = new Till(hub.url, MANAGER_PIN);
  const ingredients = expectStatus(
    await manager.get('/api/v1/inventory/items'),
    [200],
    'ingredients',
  ).items as { ingredientId: string }[];
  for (const { ingredientId } of ingredients) {
    expectStatus(
      await manager.post('/api/v1/inventory/stock-in', { ingredientId, quantity: 1_000_000 }),
      [200, 201],
      `stock-in ${ingredientId}`,
    );
  }
  expectStatus(
    await manager.post('/api/v1/shifts', { openingFloatCents: 50_000 }),
    [201],
    'open shift',
  );
  await until('the hub enrolled and online', async () => {
    const s = await syncStatus();
    return s.state === 'online' && s.storeId === STORE;
  });
}, 180_000);

/** Loyalty members, earning one point per dollar: the upper tiers are set out of reach. */
afterAll(async () => {
  await browser?.close();
  await hub?.kill('SIGKILL');
  await link?.close();
  await cloud?.dispose();
  await receipt?.close();
  await kitchen?.close();
  rmSync(dataDir, { recursive: true, force: true });
}, 60_000);

const owner = (method: string, url: string, body?: unknown) =>
  cloudCall(cloud.owner, method, url, body);

const syncStatus = async () =>
  expectStatus(await manager.get('/api/v1/sync/status'), [200], 'sync status');

async function until(what: string, check: () => Promise<boolean>, ms = 30_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`${what}: not within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function cloudPosition(): Promise<number> {
  const [row] = await cloud.sql<{ last_sequence: number }>(
    'sync',
    'SELECT last_sequence FROM stores WHERE store_id = $1',
    [STORE],
  );
  return Number(row?.last_sequence);
}

const processor = async (reachable: boolean) =>
  expectStatus(
    await manager.post('/api/v1/card-readers/simulated-1/simulate', {
      processorReachable: reachable,
    }),
    [200],
    'card processor',
  );

/** Three terminals ringing up `orders` orders between them; `during` runs once half are done. */
async function trade(orders: number, flows: readonly Flow[], during?: () => Promise<void>) {
  const progress = { done: 0 };
  const reader = new ReaderQueue();
  const pins = ['1234', '4321', MANAGER_PIN];
  const clients = pins.map((pin, index) =>
    runClient({
      till: new Till(hub.url, pin),
      reader,
      flows,
      orders: Math.ceil(orders / pins.length),
      index,
      customers: members,
      progress,
    }),
  );
  if (during) {
    const all = Promise.all(clients);
    await Promise.race([all, until('half the orders', async () => progress.done >= orders / 2)]);
    await during();
    rung.push(...(await all).flat());
  } else {
    rung.push(...(await Promise.all(clients)).flat());
  }
}

/**
 * Wait until everything the hub has is in the cloud: nothing waits in the hub's outboxes or its
 * sync queue, and the cloud's position is the hub's last sequence. "Sync now" is pressed once,
 * and again whenever nothing has moved for three seconds (the backoff may be long by then).
 */
async function catchUp(ms = 60_000): Promise<any> {
  const deadline = Date.now() + ms;
  let confirmed = -1;
  let moved = Date.now();
  expectStatus(await manager.post('/api/v1/sync/now'), [202], 'sync now');
  for (;;) {
    const s = await syncStatus();
    if (
      s.state === 'online' &&
      s.pendingEvents === 0 &&
      undeliveredToSync(dataDir) === 0 &&
      (await cloudPosition()) === s.lastSequenceQueued
    ) {
      return s;
    }
    if (s.lastSequenceConfirmed !== confirmed) {
      confirmed = s.lastSequenceConfirmed;
      moved = Date.now();
    } else if (Date.now() - moved > 3_000) {
      expectStatus(await manager.post('/api/v1/sync/now'), [202], 'sync now');
      moved = Date.now();
    }
    if (Date.now() > deadline) {
      throw new Error(`not caught up: ${JSON.stringify(s)}\n${cloud.output().slice(-3_000)}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Once trading stops: the last events have reached the sync queue and nothing more comes. */
async function quiet(): Promise<any> {
  const deadline = Date.now() + 60_000;
  let last = -1;
  for (;;) {
    const s = await syncStatus();
    if (s.lastSequenceQueued === last && undeliveredToSync(dataDir) === 0) return s;
    if (Date.now() > deadline) throw new Error(`the hub did not settle: ${JSON.stringify(s)}`);
    last = s.lastSequenceQueued;
    await new Promise((r) => setTimeout(r, 500));
  }
}

/** Every promise about the cloud's copy of the store, checked against the hub's own books. */
async function expectCloudToMatchHub(): Promise<HubOrder[]> {
  const books = await hubBooks(manager);
  expect(books.length).toBe(new Set(rung.map((r) => r.orderId)).size);
  await expectSalesToMatch(cloud, STORE, books);
  await expectEveryEventOnce(cloud, STORE, dataDir);
  await expectPointsOncePerPayment(books);
  return books;
}

/** Each payment of a member's order earned once, through the bus, and nothing else did. */
async function expectPointsOncePerPayment(books: readonly HubOrder[]): Promise<void> {
  const completed = (
    await cloud.sql<{ event_id: string }>(
      'sync',
      `SELECT event_id::text FROM received_events
        WHERE store_id = $1 AND event_type = 'payment.completed.v1'`,
      [STORE],
    )
  ).map((r) => r.event_id);
  await until(
    'loyalty has taken every payment from the bus',
    async () => {
      const seen = await cloud.sql<{ n: number }>(
        'loyalty',
        `SELECT count(*) AS n FROM cloud_inbox
          WHERE consumer = 'loyalty' AND event_id = ANY($1::text[])`,
        [completed],
      );
      return Number(seen[0]?.n) === completed.length;
    },
    30_000,
  );
  expect(await cloud.sql('loyalty', 'SELECT event_id, reason FROM cloud_dead_letters')).toEqual([]);
  await pointsOncePerPayment(
    cloud,
    books,
    members,
    (method, path) => owner(method, `${cloud.urls.gateway}${path}`),
    'base',
  );
}

/** Offline card payments: there were some, and every one has been forwarded and settled. */
async function expectOfflineCardsForwarded(books: readonly HubOrder[]): Promise<number> {
  await until('the offline card payments forwarded', async () => {
    const q = expectStatus(await manager.get('/api/v1/payments/offline'), [200], 'offline');
    return q.outstandingCents === 0;
  });
  const queue = expectStatus(await manager.get('/api/v1/payments/offline'), [200], 'offline');
  expect(queue.alerts).toEqual([]);
  expect(queue.payments.filter((p: { status: string }) => p.status === 'pending')).toEqual([]);
  const fresh = await hubBooks(manager);
  const offline = fresh.flatMap((o) => o.payments).filter((p) => p.card?.offline);
  for (const p of offline) {
    expect(`${p.id} ${p.status}/${p.offline?.status}`).toMatch(
      / (captured\/approved|voided\/voided)$/,
    );
  }
  expect(fresh.length).toBe(books.length);
  return offline.length;
}

/** The cashier terminal in Chromium, signed in, on the Sides of the menu. */
async function openTerminal(): Promise<Page> {
  const page = await (browser as Browser).newPage();
  await page.goto(`${hub.url}/`);
  await page.waitForSelector('[data-testid="login"]');
  for (const d of '1234') await page.click(`[data-pin-key="${d}"]`);
  await page.click('[data-pin-key="OK"]');
  await page.click('nav.categories button:has-text("Sides")');
  await page.waitForSelector('[data-item="side-fries"]');
  return page;
}

async function terminalPrice(page: Page): Promise<string> {
  return (await page.textContent('[data-item="side-fries"] .price')) ?? '';
}

const money = (cents: number) =>
  new Intl.NumberFormat('en-US', { style: 'currency', currency: 'USD' }).format(cents / 100);

describe('sync guarantee: everything the hub did offline reaches the cloud exactly once', () => {
  it('survives a long outage with three terminals, a SIGKILL of the hub and a menu published meanwhile', async () => {
    // Everything from setting up (stock, the shift) is in the cloud; then the internet goes.
    await catchUp();
    link.cut();
    const before = await cloudPosition();
    await processor(false);
    await until(
      'the hub sees the cloud gone',
      async () => (await syncStatus()).state === 'offline',
    );
    const fries = expectStatus(await manager.get('/api/v1/menu/items/side-fries'), [200], 'fries');
    menu.oldPrice = fries.priceCents as number;
    const newPrice = menu.oldPrice + 111;
    menu.newPrice = newPrice;

    const published = (async () => {
      const { version: _v, publishedAt: _p, ...draft } = demoMenu();
      expect((await owner('PUT', `${cloud.urls.gateway}/api/v1/menu/draft`, draft)).status).toBe(
        200,
      );
      const prices = await owner(
        'PUT',
        `${cloud.urls.gateway}/api/v1/menu/price-overrides/${STORE}`,
        { prices: [{ itemId: 'side-fries', priceCents: newPrice }] },
      );
      expect(prices.status).toBe(200);
      const publish = await owner('POST', `${cloud.urls.gateway}/api/v1/menu/publish`, {
        storeIds: [STORE],
      });
      expect(publish.status, JSON.stringify(publish.body)).toBe(201);
      return publish.body.version as number;
    })();

    let restarts = 0;
    await trade(315, FLOWS, async () => {
      await hub.kill('SIGKILL');
      hub = await runHub(hub.env);
      restarts += 1;
      // The restarted reader starts with the processor up; the outage is not over.
      await processor(false);
    });
    const version = await published;
    expect(restarts).toBe(1);
    expect(rung.length).toBeGreaterThanOrEqual(300);

    // Still cut off: the cloud has nothing new and the hub still runs its old menu. A terminal
    // is opened, to stay open through the rest of the outage.
    const [waiting, page] = await Promise.all([quiet(), openTerminal()]);
    menu.page = page;
    expect(waiting.state).toBe('offline');
    expect(waiting.lastSequenceConfirmed).toBe(before);
    expect(waiting.pendingEvents).toBe(waiting.lastSequenceQueued - before);
    expect(waiting.pendingEvents).toBeGreaterThan(1_000);
    expect(await cloudPosition()).toBe(before);
    expect(
      expectStatus(await manager.get('/api/v1/menu/items/side-fries'), [200], 'fries').priceCents,
    ).toBe(menu.oldPrice);
    expect(await terminalPrice(page)).toBe(money(menu.oldPrice));

    // The internet is back: the cloud, and the card processor.
    link.restore();
    await processor(true);
    const status = await catchUp();
    expect(status.lastSequenceConfirmed).toBe(waiting.lastSequenceQueued);

    const books = await expectCloudToMatchHub();
    expect(books.filter((o) => o.status === 'CANCELLED').length).toBeGreaterThan(20);
    expect(sum(books.flatMap((o) => o.payments.map((p) => p.refundedCents)))).toBeGreaterThan(0);
    expect(await expectOfflineCardsForwarded(books)).toBeGreaterThan(50);

    // The menu published during the outage: on the hub, and the cloud hears it runs it (the
    // terminal left open is the next test).
    await until('the new menu on the hub', async () => {
      const item = await manager.get('/api/v1/menu/items/side-fries');
      return item.body.priceCents === newPrice;
    });
    await until('the cloud knows the hub runs it', async () => {
      const stores = await owner('GET', `${cloud.urls.sync}/api/v1/sync/stores`);
      return stores.body.stores[0]?.hub?.menuVersion === version;
    });
    // The printers were printing all along (kitchen tickets and receipts over TCP).
    expect(kitchen.jobs().length).toBeGreaterThan(0);
    expect(receipt.jobs().length).toBeGreaterThan(0);
  }, 240_000);

  it('shows the menu published during the outage on the terminal left open, without a reload', async () => {
    const page = menu.page as Page;
    // The terminal asks the hub for the menu every 2 s (with its ETag).
    await page
      .waitForFunction(
        ([price]) =>
          document.querySelector('[data-item="side-fries"] .price')?.textContent === price,
        [money(menu.newPrice)],
        { timeout: 10_000 },
      )
      .catch(() => {});
    expect(await terminalPrice(page)).toBe(money(menu.newPrice));
    await page.close();
  }, 30_000);

  it('survives the cloud being killed in the middle of the catch-up', async () => {
    link.cut();
    await until(
      'the hub sees the cloud gone',
      async () => (await syncStatus()).state === 'offline',
    );
    await trade(460, ['cash', 'card-and-cash', 'refunded', 'cancelled', 'seats']);
    const waiting = await quiet();
    // More than four batches (500 events each): the hub keeps two on the way, so a kill at the
    // first answer comes before the last ones.
    expect(waiting.pendingEvents).toBeGreaterThan(2_000);

    // Kill the cloud as soon as the first batch is answered: it is in, the second may be, the
    // rest not.
    let firstAnswer: PushSeen | undefined;
    let killed: Promise<void> | undefined;
    link.onPush = (push, phase) => {
      if (phase === 'answered' && push.status === 200 && !firstAnswer) {
        firstAnswer = push;
        killed = cloud.kill('SIGKILL');
      }
    };
    link.restore();
    expectStatus(await manager.post('/api/v1/sync/now'), [202], 'sync now');
    await until('the cloud killed mid catch-up', async () => killed !== undefined, 30_000);
    await killed;
    link.onPush = undefined;
    expect(firstAnswer?.answer?.lastSequence).toBeGreaterThan(waiting.lastSequenceConfirmed);
    expect(firstAnswer?.answer?.lastSequence).toBeLessThan(waiting.lastSequenceQueued);

    await cloud.start();
    const position = await cloudPosition();
    expect(position).toBeGreaterThanOrEqual(firstAnswer?.answer?.lastSequence ?? 0);
    expect(position).toBeLessThan(waiting.lastSequenceQueued);
    const status = await catchUp();
    expect(status.lastSequenceConfirmed).toBe(waiting.lastSequenceQueued);
    await expectCloudToMatchHub();
  }, 180_000);

  it('applies a batch once when its answer is lost and the hub sends it again', async () => {
    link.cut();
    await until(
      'the hub sees the cloud gone',
      async () => (await syncStatus()).state === 'offline',
    );
    // One batch's worth: with nothing sent behind it, the hub can only learn it arrived by
    // sending it again.
    await trade(30, ['card', 'cash', 'equal-thirds', 'modified', 'refunded']);
    const waiting = await quiet();
    expect(waiting.pendingEvents).toBeLessThan(500);
    // A push cut off with the link may have been applied without the hub hearing of it.
    const already = (await cloudPosition()) - waiting.lastSequenceConfirmed;
    const pushesBefore = link.pushes.length;
    link.dropNextPushAnswer();
    link.restore();
    await catchUp();

    const pushes = link.pushes.slice(pushesBefore);
    const dropped = pushes.findIndex((p) => p.dropped);
    expect(dropped).toBeGreaterThanOrEqual(0);
    const lost = pushes[dropped] as PushSeen;
    expect(lost.firstSequence).toBe(waiting.lastSequenceConfirmed + 1);
    expect(lost.answer).toMatchObject({ applied: lost.events - already, skipped: already });
    expect(lost.answer?.applied).toBeGreaterThan(0);
    // The hub never heard, so it sent the same events again: skipped, nothing applied twice.
    const again = pushes[dropped + 1] as PushSeen;
    expect(again.firstSequence).toBe(lost.firstSequence);
    expect(again.events).toBeGreaterThanOrEqual(lost.events);
    expect(again.answer).toMatchObject({
      skipped: lost.events,
      applied: again.events - lost.events,
    });
    await expectCloudToMatchHub();
  }, 120_000);
});
