import type { Cloud } from '@pos/cloud-services/cloud';
import { makeEvent, uuidv7, withSequence } from '@pos/contracts';
import { EVENT_SAMPLES } from '@pos/contracts/event-samples';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from './browser.js';
import { callJson, ONE_BURGER_DRAFT, startCloudAsOwner } from './cloud-harness.js';

// The manager portal's stores and sales pages in headless Chromium (in Tokyo), through the
// gateway: a store is created and its enrolment code read off the page; a simulated hub enrols
// with it and pushes a few days of orders and payments to the sync service; the stores page
// then shows that hub online with its menu version and backlog, refreshing itself; the sales
// page reports those orders by day and hour in the browser's time zone, with its charts; a
// new enrolment code locks the old hub out. The menu page publishes to the stores ticked.

const OWNER = { email: 'owner@stores.example', password: 'owner password 1' };
const STORE = 'quay-side-diner';
const OTHER = 'harbour-street';
const TIME_ZONE = 'Asia/Tokyo';
const DAY_MS = 86_400_000;

let cloud: Cloud;
let browser: Browser;
let owner: string;
/** The code read off the stores page, and the credential the simulated hub got for it. */
let code = '';
let credential = '';

beforeAll(async () => {
  ({ cloud, token: owner } = await startCloudAsOwner(OWNER, 'portal-stores-test'));
  await call('PUT', `${cloud.urls.gateway}/api/v1/menu/draft`, owner, ONE_BURGER_DRAFT);
  browser = await launchChromium();
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await cloud?.stop();
});

const call = callJson;

/**
 * A fresh page in Tokyo signed in as the owner on the portal page `hash`; with `clock`, the
 * page's timers are Playwright's, so the stores page's refresh can be brought forward.
 */
async function signIn(hash: string, { clock = false } = {}): Promise<Page> {
  const context = await browser.newContext({ timezoneId: TIME_ZONE });
  const page = await context.newPage();
  page.setDefaultTimeout(10_000);
  if (clock) await page.clock.install();
  await page.goto(`${cloud.urls.gateway}/portal/${hash}`);
  await page.fill('input[name="email"]', OWNER.email);
  await page.fill('input[name="password"]', OWNER.password);
  await page.click('button[type="submit"]');
  await page.waitForSelector(`[data-page="${hash.slice(1)}"] section`);
  return page;
}

const text = async (page: Page, selector: string) => (await page.textContent(selector))?.trim();
const row = (storeId: string, col: string) => `[data-store="${storeId}"] [data-col="${col}"]`;
/** The error shown beside the input `data-field` names (its label is `data-error-after`). */
const errorBeside = (field: string) =>
  `label:has([data-field="${field}"][aria-invalid="true"]) + .field-error`;

// Three days in Tokyo (UTC+9): order E is on the 14th there but the 13th in UTC; A is refunded
// in part and tipped; D is cancelled and not a sale.
const ORDERS = [
  { id: uuidv7(), at: '2026-01-13T20:00:00.000Z', lines: { tea: 2 }, tender: 'cash' },
  { id: uuidv7(), at: '2026-01-14T03:00:00.000Z', lines: { burger: 2 }, tender: 'card', tip: 150 },
  { id: uuidv7(), at: '2026-01-15T05:30:00.000Z', lines: { fries: 3 }, tender: 'cash' },
  { id: uuidv7(), at: '2026-01-16T09:00:00.000Z', lines: { burger: 1, fries: 1 }, tender: 'card' },
] as const;
const NAMES: Record<string, string> = { burger: 'Burger', fries: 'Fries', tea: 'Tea' };
const UNIT_CENTS = 500;

/** The events a hub would send for ORDERS, in its Sequence from 1. */
function hubEvents(storeId: string) {
  const stamp = (type: string, payload: unknown, timestamp: string) =>
    makeEvent(type as never, payload as never, {
      source: 'order-service',
      correlationId: uuidv7() as never,
      storeId: storeId as never,
      timestamp: timestamp as never,
    });
  const later = (at: string, minutes: number) =>
    new Date(Date.parse(at) + minutes * 60_000).toISOString();
  const order = (orderId: string, lines: Record<string, number>) => {
    const items = Object.entries(lines).map(([id, qty]) => ({
      ...EVENT_SAMPLES['order.created.v1'].items[1],
      orderItemId: uuidv7(),
      menuItemId: id,
      name: NAMES[id],
      quantity: qty,
      unitPriceCents: UNIT_CENTS,
      lineTotalCents: UNIT_CENTS * qty,
      modifiers: [],
    }));
    const total = items.reduce((sum, i) => sum + i.lineTotalCents, 0);
    return {
      ...EVENT_SAMPLES['order.created.v1'],
      orderId,
      customer: undefined,
      items,
      subtotalCents: total,
      taxCents: 0,
      totalCents: total,
    };
  };
  const events = ORDERS.flatMap((o) => {
    const created = order(o.id, o.lines);
    const total = created.totalCents;
    const paymentId = uuidv7();
    return [
      stamp('order.created.v1', created, o.at),
      stamp(
        'payment.completed.v1',
        {
          ...EVENT_SAMPLES['payment.completed.v1'],
          paymentId,
          orderId: o.id,
          tender: o.tender,
          amountCents: total,
          tipCents: 'tip' in o ? o.tip : 0,
          customer: undefined,
          categoryAmounts: [],
          ...(o.tender === 'card' ? {} : { card: undefined }),
        },
        later(o.at, 1),
      ),
      ...('tip' in o
        ? [
            stamp(
              'payment.refundprocessed.v1',
              {
                ...EVENT_SAMPLES['payment.refundprocessed.v1'],
                refundId: uuidv7(),
                paymentId,
                orderId: o.id,
                amountCents: 200,
              },
              later(o.at, 60),
            ),
          ]
        : []),
    ];
  });
  const cancelled = uuidv7();
  events.push(
    stamp('order.created.v1', order(cancelled, { tea: 1 }), '2026-01-16T10:00:00.000Z'),
    stamp(
      'order.cancelled.v1',
      { orderId: cancelled, reason: 'guest left', at: '2026-01-16T10:05:00.000Z' },
      '2026-01-16T10:05:00.000Z',
    ),
  );
  return events.map((e, i) => withSequence(e, i + 1));
}

describe('manager portal: stores and sales', () => {
  it('creates a store and shows the one-time code to enrol its hub with', async () => {
    const page = await signIn('#stores');
    expect(await text(page, '[data-testid="stores"]')).toBe('No stores yet: create one below');
    // The ID follows the name until typed in itself.
    await page.fill('input[name="store-name"]', 'Quay Side Diner');
    expect(await page.inputValue('input[name="store-id"]')).toBe(STORE);
    const before = Date.now();
    await page.click('text=Create store');
    await page.waitForSelector(`[data-enrolment="${STORE}"]`);
    code = (await text(page, '[data-testid="enrolment-code"]')) ?? '';
    expect(code).toMatch(/^[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}$/);
    expect(await text(page, `[data-enrolment="${STORE}"]`)).toContain(
      `On the hub: Sync → Enrol, or npm run pos-hub -- enrol ${code}`,
    );
    const expires = Date.parse(
      (await page.getAttribute('[data-testid="enrolment-expires"]', 'datetime')) ?? '',
    );
    expect(expires - before).toBeGreaterThan(DAY_MS - 60_000);
    expect(expires - before).toBeLessThan(DAY_MS + 60_000);
    await page.waitForSelector(`[data-store="${STORE}"]`);
    expect(await text(page, row(STORE, 'hub'))).toBe('Not enrolled');
    expect(await text(page, row(STORE, 'last-sync'))).toBe('never');
    expect(await page.inputValue('input[name="store-name"]')).toBe('');

    // The same ID again is refused beside the ID; the code on screen stays.
    await page.fill('input[name="store-name"]', 'Another Quay');
    await page.fill('input[name="store-id"]', STORE);
    await page.click('text=Create store');
    expect(await text(page, errorBeside('storeId'))).toBe(`Store ${STORE} already exists`);
    expect(await text(page, '[data-testid="enrolment-code"]')).toBe(code);

    const { body } = await call('GET', `${cloud.urls.gateway}/api/v1/sync/stores`, owner);
    expect(body.stores).toEqual([
      expect.objectContaining({ storeId: STORE, name: 'Quay Side Diner', enrolled: false }),
    ]);
    await page.context().close();
  });

  it('publishes the menu to the stores ticked', async () => {
    const other = await call('POST', `${cloud.urls.gateway}/api/v1/sync/stores`, owner, {
      storeId: OTHER,
      name: 'Harbour Street',
    });
    expect(other.status).toBe(201);
    const page = await signIn('#menu');
    await page.waitForSelector(`[data-store-choice="${STORE}"]`);
    expect(await page.$('input[name="stores"]')).toBeNull();
    expect(await page.isChecked(`[data-store-choice="${STORE}"]`)).toBe(true);
    expect(await page.isChecked(`[data-store-choice="${OTHER}"]`)).toBe(true);
    await page.uncheck(`[data-store-choice="${OTHER}"]`);
    await page.click('[data-testid="publish"]');
    await page.waitForSelector('[data-version="1"]');
    expect(await text(page, '[data-version="1"] td:nth-child(3)')).toBe(STORE);

    // None ticked is refused beside the stores.
    await page.uncheck(`[data-store-choice="${STORE}"]`);
    await page.click('[data-testid="publish"]');
    await page.waitForSelector(
      'fieldset[data-field="storeIds"][aria-invalid="true"] + .field-error',
    );
    const { body } = await call('GET', `${cloud.urls.gateway}/api/v1/menu/versions`, owner);
    expect(body.versions.map((v: { storeIds: string[] }) => v.storeIds)).toEqual([[STORE]]);
    await page.context().close();
  });

  it('shows the hub online once it syncs, with its menu version and backlog, refreshing itself', async () => {
    const enrolled = await call('POST', `${cloud.urls.sync}/api/v1/sync/enrol`, '', { code });
    expect(enrolled.status, JSON.stringify(enrolled.body)).toBe(201);
    credential = enrolled.body.credential;

    const page = await signIn('#stores', { clock: true });
    expect(await text(page, row(STORE, 'hub'))).toBe('Never connected');
    expect(await text(page, row(OTHER, 'hub'))).toBe('Not enrolled');

    const events = hubEvents(STORE);
    const pushed = await call('POST', `${cloud.urls.sync}/api/v1/sync/push`, credential, {
      events,
      state: { menuVersion: 1, pendingEvents: 0 },
    });
    expect(pushed.status, JSON.stringify(pushed.body)).toBe(200);
    expect(pushed.body).toEqual({
      lastSequence: events.length,
      applied: events.length,
      skipped: 0,
    });

    // The next refresh, 15 s on, shows it without reloading.
    await page.clock.fastForward(15_000);
    await page.waitForSelector(`${row(STORE, 'hub')}:has-text("Online")`);
    expect(await text(page, row(STORE, 'menu'))).toBe('v1up to date');
    expect(await text(page, row(STORE, 'waiting'))).toBe('0');
    expect(await text(page, row(STORE, 'last-sync'))).toBe('just now');
    const exact = await page.getAttribute(`${row(STORE, 'last-sync')} time`, 'datetime');
    expect(Math.abs(Date.parse(exact ?? '') - Date.now())).toBeLessThan(60_000);

    // A newer menu for the store: the hub still on v1 is behind.
    const v2 = await call('POST', `${cloud.urls.gateway}/api/v1/menu/publish`, owner, {
      storeIds: [STORE],
    });
    expect(v2.body.version).toBe(2);
    await call('POST', `${cloud.urls.sync}/api/v1/sync/push`, credential, {
      events: [],
      state: { menuVersion: 1, pendingEvents: 7, oldestPendingAt: new Date().toISOString() },
    });
    await page.clock.fastForward(15_000);
    await page.waitForSelector(`${row(STORE, 'menu')} .behind`);
    expect(await text(page, row(STORE, 'menu'))).toBe('v1 behindnewest v2');
    expect(await text(page, row(STORE, 'waiting'))).toBe('7oldest just now');

    // Once on another page, it stops asking.
    await page.click('nav a[href="#sales"]');
    await page.waitForSelector('[data-page="sales"] [data-total="orders"]');
    const asked: string[] = [];
    page.on('request', (r) => {
      if (r.url().includes('/api/v1/sync/stores')) asked.push(r.url());
    });
    await page.clock.fastForward(30_000);
    await page.waitForTimeout(500);
    expect(asked).toEqual([]);
    await page.context().close();
  });

  it("reports the hub's sales by day and hour in the browser's time zone", async () => {
    const page = await signIn('#sales');
    // Defaults: the last 7 days to today, in the browser's time zone, all stores.
    const today = new Intl.DateTimeFormat('en-CA', { timeZone: TIME_ZONE }).format(new Date());
    const weekAgo = new Date(Date.parse(today) - 6 * DAY_MS).toISOString().slice(0, 10);
    expect(await page.inputValue('input[name="from"]')).toBe(weekAgo);
    expect(await page.inputValue('input[name="to"]')).toBe(today);
    expect(await page.inputValue('input[name="timeZone"]')).toBe(TIME_ZONE);
    expect(await page.inputValue('select[name="store"]')).toBe('');
    await page.waitForSelector(
      `[data-testid="sales-report"] h2:has-text("All stores, ${weekAgo} to ${today}")`,
    );
    expect(await text(page, '[data-total="orders"] .value')).toBe('0');

    await page.fill('input[name="from"]', '2026-01-14');
    await page.fill('input[name="to"]', '2026-01-16');
    await page.selectOption('select[name="store"]', STORE);
    await page.click('text=Show');
    await page.waitForSelector(
      '[data-testid="sales-report"] h2:text("Quay Side Diner, 2026-01-14 to 2026-01-16")',
    );
    const totals = Object.fromEntries(
      await page.$$eval('[data-total]', (cards) =>
        cards.map((c) => [c.getAttribute('data-total'), c.querySelector('.value')?.textContent]),
      ),
    );
    expect(totals).toEqual({
      orders: '4',
      gross: '45.00',
      refunds: '2.00',
      net: '43.00',
      tips: '1.50',
      average: '10.75',
    });

    const bars = (chart: string) =>
      page.$$eval(`svg[data-chart="${chart}"] rect[data-bar]`, (rects) =>
        rects.map((r) => ({
          key: r.getAttribute('data-bar'),
          value: Number(r.getAttribute('data-value')),
          height: Number(r.getAttribute('height')),
          title: r.querySelector('title')?.textContent,
        })),
      );
    const days = await bars('by-day');
    expect(days.map((d) => [d.key, d.value, d.title])).toEqual([
      ['2026-01-14', 1800, '2026-01-14: 18.00 net from 2 orders'],
      ['2026-01-15', 1500, '2026-01-15: 15.00 net from 1 order'],
      ['2026-01-16', 1000, '2026-01-16: 10.00 net from 1 order'],
    ]);
    const [d14, d15, d16] = days.map((d) => d.height);
    expect(d14).toBeGreaterThan(d15 ?? 0);
    expect(d15).toBeGreaterThan(d16 ?? 0);
    expect(d16).toBeGreaterThan(0);
    expect(await page.getAttribute('svg[data-chart="by-day"]', 'role')).toBe('img');
    expect(await page.getAttribute('svg[data-chart="by-day"]', 'aria-label')).toContain(
      'highest 18.00',
    );
    const hours = await bars('by-hour');
    expect(hours).toHaveLength(24);
    expect(
      Object.fromEntries(hours.filter((h) => h.value !== 0).map((h) => [h.key, h.value])),
    ).toEqual({ 5: 1000, 12: 800, 14: 1500, 18: 1000 });
    expect(hours.find((h) => h.key === '14')?.title).toBe('14:00–14:59: 15.00 net from 1 order');

    const cells = (selector: string) =>
      page.$$eval(selector, (rows) =>
        rows.map((r) => [...r.querySelectorAll('td')].map((td) => td.textContent?.trim())),
      );
    expect(await cells('[data-testid="top-items"] tr')).toEqual([
      ['Friesfries', '4', '20.00'],
      ['Burgerburger', '3', '15.00'],
      ['Teatea', '2', '10.00'],
    ]);
    expect(await cells('[data-testid="tenders"] tr')).toEqual([
      ['Cash', '2', '25.00', '55.6 %'],
      ['Card', '2', '20.00', '44.4 %'],
    ]);
    expect(await cells('[data-testid="store-sales"] tr')).toEqual([
      [`Quay Side Diner${STORE}`, '4', '43.00', '100.0 %'],
    ]);

    // In UTC, order E falls on the 13th: outside the range.
    await page.fill('input[name="timeZone"]', 'UTC');
    await page.click('text=Show');
    await page.waitForSelector('[data-testid="sales-report"] h2:has-text("days and hours in UTC")');
    expect(await text(page, '[data-total="orders"] .value')).toBe('3');
    expect(await text(page, '[data-total="net"] .value')).toBe('33.00');
    await page.context().close();
  });

  it('shows a range that ends before it starts, and an unknown time zone, beside the fields', async () => {
    const page = await signIn('#sales');
    await page.fill('input[name="from"]', '2026-01-16');
    await page.fill('input[name="to"]', '2026-01-14');
    await page.fill('input[name="timeZone"]', 'Mars/Olympus');
    await page.click('text=Show');
    expect(await text(page, errorBeside('query.to'))).toBe('must not be before from');
    expect(await text(page, errorBeside('query.timeZone'))).toContain('unknown time zone');
    expect(await page.$(errorBeside('query.from'))).toBeNull();
    expect(await page.$('[data-testid="sales-report"] section')).toBeNull();

    // Put right (the 16th alone), the report comes back and the errors go.
    await page.fill('input[name="to"]', '2026-01-16');
    await page.fill('input[name="timeZone"]', TIME_ZONE);
    await page.click('text=Show');
    await page.waitForSelector(
      '[data-testid="sales-report"] h2:has-text("All stores, 2026-01-16")',
    );
    expect(await page.$('.field-error')).toBeNull();
    expect(await page.getAttribute('[data-field="query.to"]', 'aria-invalid')).toBeNull();
    expect(await text(page, '[data-total="orders"] .value')).toBe('1');
    expect(await text(page, '[data-total="net"] .value')).toBe('10.00');
    expect(await page.$$eval('svg[data-chart="by-day"] rect[data-bar]', (r) => r.length)).toBe(1);
    await page.context().close();
  });

  it('issues a new enrolment code only when confirmed, locking the old hub out', async () => {
    const page = await signIn('#stores');
    await page.waitForSelector(`${row(STORE, 'hub')}:has-text("Online")`);
    const asked: string[] = [];
    page.once('dialog', (d) => {
      asked.push(d.message());
      void d.dismiss();
    });
    await page.click(`[data-new-code="${STORE}"]`);
    expect(asked[0]).toContain('Quay Side Diner');
    expect(await page.$('[data-testid="enrolment-code"]')).toBeNull();
    const still = await call('POST', `${cloud.urls.sync}/api/v1/sync/push`, credential, {
      events: [],
    });
    expect(still.status).toBe(200);

    page.once('dialog', (d) => void d.accept());
    await page.click(`[data-new-code="${STORE}"]`);
    await page.waitForSelector(`[data-enrolment="${STORE}"]`);
    const fresh = await text(page, '[data-testid="enrolment-code"]');
    expect(fresh).toMatch(/^[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}$/);
    expect(fresh).not.toBe(code);
    await page.waitForSelector(`${row(STORE, 'hub')}:has-text("Revoked")`);
    const locked = await call('POST', `${cloud.urls.sync}/api/v1/sync/push`, credential, {
      events: [],
    });
    expect(locked.status).toBe(401);
    await page.context().close();
  });
});
