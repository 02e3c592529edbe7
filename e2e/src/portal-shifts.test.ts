import type { Cloud } from '@pos/cloud-services/cloud';
import {
  type AnyEvent,
  type EventPayloadInputs,
  makeEvent,
  uuidv7,
  withSequence,
} from '@pos/contracts';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from './browser.js';
import { callJson, startCloudAsOwner } from './cloud-harness.js';

// The Sales page's shifts table in headless Chromium (in Tokyo), through the gateway: a store's
// hub pushes the events of three cash-drawer shifts (one short, one over, one still open) and
// one of another day; the page lists the shifts of the chosen store and business days with
// their times in the browser's time zone, the cashiers by name, expected, counted and the
// over/short (red when short), and the totals.

const OWNER = { email: 'owner@shifts.example', password: 'owner password 1' };
const STORE = 'quay-side-diner';
const TIME_ZONE = 'Asia/Tokyo';

let cloud: Cloud;
let browser: Browser;
let owner: string;
let credential = '';
const staff: Record<'sam' | 'jess', string> = { sam: '', jess: '' };
const shiftIds: string[] = [];

const call = callJson;

beforeAll(async () => {
  ({ cloud, token: owner } = await startCloudAsOwner(OWNER, 'portal-shifts-test'));
  const created = await call('POST', `${cloud.urls.gateway}/api/v1/sync/stores`, owner, {
    storeId: STORE,
    name: 'Quay Side Diner',
  });
  expect(created.status, JSON.stringify(created.body)).toBe(201);
  const enrolled = await call('POST', `${cloud.urls.sync}/api/v1/sync/enrol`, '', {
    code: created.body.enrolmentCode,
  });
  expect(enrolled.status, JSON.stringify(enrolled.body)).toBe(201);
  credential = enrolled.body.credential;
  for (const [key, displayName] of [
    ['sam', 'Sam Patel'],
    ['jess', 'Jess Lopez'],
  ] as const) {
    const person = await call('POST', `${cloud.urls.gateway}/api/v1/auth/users`, owner, {
      email: `${key}@shifts.example`,
      displayName,
      roles: ['cashier'],
      storeIds: [STORE],
    });
    expect(person.status, JSON.stringify(person.body)).toBe(201);
    staff[key] = person.body.userId;
  }
  browser = await launchChromium();
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await cloud?.stop();
});

function stamp<T extends keyof EventPayloadInputs>(
  type: T,
  payload: EventPayloadInputs[T],
  at: string,
): AnyEvent {
  return makeEvent(type, payload as never, {
    source: 'payments-service',
    correlationId: uuidv7() as never,
    storeId: STORE as never,
    timestamp: at as never,
  }) as AnyEvent;
}

interface Plan {
  businessDate: string;
  openedAt: string;
  openedBy: string;
  floatCents: number;
  cashSalesCents: number;
  movement?: { kind: 'paid-in' | 'paid-out'; amountCents: number; at: string };
  /** Left out: the shift is still open. */
  close?: { at: string; by: string; countedCents: number };
}

/** A shift's events as the hub writes them. */
function shift(plan: Plan): AnyEvent[] {
  const shiftId = uuidv7();
  shiftIds.push(shiftId);
  const opening = {
    shiftId,
    businessDate: plan.businessDate,
    openedBy: plan.openedBy,
    openedAt: plan.openedAt,
    openingFloatCents: plan.floatCents,
    currency: 'USD',
  };
  const events = [stamp('payment.shiftopened.v1', opening, plan.openedAt)];
  const { movement, close } = plan;
  if (movement) {
    events.push(
      stamp(
        'payment.cashmovement.v1',
        {
          movementId: uuidv7(),
          shiftId,
          kind: movement.kind,
          amountCents: movement.amountCents,
          currency: 'USD',
          reason: movement.kind === 'paid-in' ? 'change from the bank' : 'ice delivery',
          by: plan.openedBy,
          at: movement.at,
        },
        movement.at,
      ),
    );
  }
  if (close) {
    const paidIn = movement?.kind === 'paid-in' ? movement.amountCents : 0;
    const paidOut = movement?.kind === 'paid-out' ? movement.amountCents : 0;
    const expected = plan.floatCents + plan.cashSalesCents + paidIn - paidOut;
    events.push(
      stamp(
        'payment.shiftclosed.v1',
        {
          ...opening,
          closedBy: close.by,
          closedAt: close.at,
          cashSalesCents: plan.cashSalesCents,
          cashTipsCents: 0,
          cashRoundingCents: 0,
          cashRefundsCents: 0,
          cashVoidsCents: 0,
          paidInCents: paidIn,
          paidOutCents: paidOut,
          expectedCents: expected,
          countedCents: close.countedCents,
          differenceCents: close.countedCents - expected,
          counted: [{ denominationCents: 1, count: close.countedCents }],
          currency: 'USD',
        },
        close.at,
      ),
    );
  }
  return events;
}

/** A fresh page in Tokyo signed in as the owner on the Sales page. */
async function signIn(): Promise<Page> {
  const context = await browser.newContext({ timezoneId: TIME_ZONE, locale: 'en-GB' });
  const page = await context.newPage();
  page.setDefaultTimeout(10_000);
  await page.goto(`${cloud.urls.gateway}/portal/#sales`);
  await page.fill('input[name="email"]', OWNER.email);
  await page.fill('input[name="password"]', OWNER.password);
  await page.click('button[type="submit"]');
  await page.waitForSelector('[data-page="sales"] [data-testid="shifts-section"]');
  return page;
}

const cells = (page: Page, selector: string) =>
  page.$$eval(selector, (rows) =>
    rows.map((r) =>
      Object.fromEntries(
        [...r.querySelectorAll('[data-col]')].map((c) => [
          c.getAttribute('data-col'),
          c.textContent?.trim(),
        ]),
      ),
    ),
  );

describe('manager portal: shifts on the Sales page', () => {
  it("lists the store's shifts with expected, counted and over/short, red when short", async () => {
    // Business days 10 and 11 Feb in Tokyo (UTC+9); the hub pushes them in its Sequence.
    const events = [
      ...shift({
        businessDate: '2026-02-10',
        openedAt: '2026-02-09T23:00:00.000Z',
        openedBy: staff.sam,
        floatCents: 15_000,
        cashSalesCents: 5_200,
        movement: { kind: 'paid-out', amountCents: 1_000, at: '2026-02-10T02:00:00.000Z' },
        close: { at: '2026-02-10T07:00:00.000Z', by: staff.sam, countedCents: 19_175 },
      }),
      ...shift({
        businessDate: '2026-02-10',
        openedAt: '2026-02-10T07:30:00.000Z',
        openedBy: staff.jess,
        floatCents: 10_000,
        cashSalesCents: 3_000,
        movement: { kind: 'paid-in', amountCents: 2_000, at: '2026-02-10T09:00:00.000Z' },
        close: { at: '2026-02-10T13:30:00.000Z', by: staff.sam, countedCents: 15_010 },
      }),
      ...shift({
        businessDate: '2026-02-11',
        openedAt: '2026-02-10T23:00:00.000Z',
        openedBy: staff.sam,
        floatCents: 10_000,
        cashSalesCents: 0,
      }),
      ...shift({
        businessDate: '2026-02-12',
        openedAt: '2026-02-11T23:00:00.000Z',
        openedBy: staff.jess,
        floatCents: 10_000,
        cashSalesCents: 0,
        close: { at: '2026-02-12T07:00:00.000Z', by: staff.jess, countedCents: 9_000 },
      }),
    ].map((e, i) => withSequence(e, i + 1));
    const pushed = await call('POST', `${cloud.urls.sync}/api/v1/sync/push`, credential, {
      events,
    });
    expect(pushed.status, JSON.stringify(pushed.body)).toBe(200);
    expect(pushed.body).toMatchObject({ lastSequence: events.length, applied: events.length });
    const report = await call(
      'GET',
      `${cloud.urls.gateway}/api/v1/sync/reports/shifts?storeId=${STORE}&from=2026-02-10&to=2026-02-12`,
      owner,
    );
    expect(report.status, JSON.stringify(report.body)).toBe(200);
    expect(report.body.totals.shifts, 'the pushed shifts are in the shifts report').toBe(4);

    const page = await signIn();
    // The default range (the last 7 days) has none of them.
    expect(await page.textContent('[data-testid="shifts"]')).toBe('No shifts in this period');

    await page.fill('input[name="from"]', '2026-02-10');
    await page.fill('input[name="to"]', '2026-02-11');
    await page.selectOption('select[name="store"]', STORE);
    await page.click('text=Show');
    await page.waitForSelector(`[data-testid="shifts"] tr[data-shift="${shiftIds[0]}"]`);
    const [short, over, open] = shiftIds;
    expect(
      await page.$$eval('[data-testid="shifts"] tr[data-shift]', (rows) =>
        rows.map((r) => r.getAttribute('data-shift')),
      ),
    ).toEqual([short, over, open]);
    // One store chosen: no store column.
    expect(await page.$('[data-testid="shifts-section"] [data-col="store"]')).toBeNull();
    expect(await cells(page, '[data-testid="shifts"] tr[data-shift]')).toEqual([
      {
        opened: '10 Feb, 08:00',
        closed: '10 Feb, 16:00',
        cashier: 'Sam Patel',
        expected: '192.00',
        counted: '191.75',
        difference: '−0.25',
      },
      {
        opened: '10 Feb, 16:30',
        closed: '10 Feb, 22:30',
        cashier: 'Jess Lopez closed by Sam Patel',
        expected: '150.00',
        counted: '150.10',
        difference: '+0.10',
      },
      {
        opened: '11 Feb, 08:00',
        closed: 'Open',
        cashier: 'Sam Patel',
        expected: '—',
        counted: '—',
        difference: '—',
      },
    ]);
    const exact = await page.getAttribute(
      `tr[data-shift="${short}"] [data-col="opened"] time`,
      'datetime',
    );
    expect(exact).toBe('2026-02-09T23:00:00.000Z');

    // Short is red; over is not.
    const red = (selector: string) =>
      page.$eval(
        selector,
        (td: any) => td.ownerDocument.defaultView.getComputedStyle(td).color === 'rgb(185, 28, 28)',
      );
    expect(await red(`tr[data-shift="${short}"] [data-col="difference"]`)).toBe(true);
    expect(await red(`tr[data-shift="${over}"] [data-col="difference"]`)).toBe(false);

    // The total of the closed shifts: 0.15 short, in red.
    const [total] = await cells(page, '[data-testid="shifts-total"]');
    expect(total).toEqual({ expected: '342.00', counted: '341.85', difference: '−0.15' });
    expect(await page.textContent('[data-testid="shifts-total"] th')).toBe(
      'Total, 2 closed shifts (1 still open)',
    );
    expect(await red('[data-testid="shifts-total"] [data-col="difference"]')).toBe(true);

    // All stores: each shift names its store.
    await page.selectOption('select[name="store"]', '');
    await page.click('text=Show');
    await page.waitForSelector('[data-testid="shifts-section"] th:text("Store")');
    expect(
      await page.$$eval('[data-testid="shifts"] [data-col="store"]', (tds) =>
        tds.map((td) => td.textContent),
      ),
    ).toEqual(['Quay Side Diner', 'Quay Side Diner', 'Quay Side Diner']);
    await page.context().close();
  });
});
