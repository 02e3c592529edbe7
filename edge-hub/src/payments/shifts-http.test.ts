import { randomUUID } from 'node:crypto';
import { uuidv7 } from '@pos/contracts';
import {
  demoPrintingConfig,
  SimulatedReader,
  startVirtualPrinter,
  type VirtualPrinter,
} from '@pos/hardware';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type ApiClient,
  eventually,
  moduleOf,
  PINS,
  startTestHub,
  type TestHub,
} from '../testing/hub-harness.js';
import type { PaymentModule } from './module.js';

// A trading day through HTTP: open the drawer with a float, sell in cash and by card with
// tips, pay in and out, refund, close with a count by denomination, then the Z report, whose
// figures must equal the day's payments to the cent. The shift's opening, paid-ins and
// paid-outs and closing are written as events, once each, and queued for the cloud.

let printer: VirtualPrinter;
let kitchen: VirtualPrinter;
let t: TestHub;
let cashier: ApiClient;
let cashier2: ApiClient;
let manager: ApiClient;

beforeAll(async () => {
  printer = await startVirtualPrinter({ port: 0, name: 'receipt', codePage: 'PC858' });
  kitchen = await startVirtualPrinter({ port: 0, name: 'kitchen', codePage: 'PC858' });
  t = await startTestHub({
    printing: { initialConfig: () => demoPrintingConfig('127.0.0.1', printer.port, kitchen.port) },
    payments: {
      readers: () => [
        new SimulatedReader({ id: 'sim-1', latencyMs: 10, defaultCard: '4242424242424242' }),
      ],
      policy: { cashRoundingCents: 5 },
    },
  });
  cashier = await t.as(PINS.cashier);
  cashier2 = await t.as(PINS.cashier2);
  manager = await t.as(PINS.manager);
});

afterAll(async () => {
  await t?.stop();
  await printer?.close();
  await kitchen?.close();
});

const post = (client: ApiClient, path: string, body: unknown) =>
  client.post(path, body, { 'idempotency-key': randomUUID() });

async function order(by: ApiClient, quantity: number) {
  const res = await by.post('/api/v1/orders', {
    id: uuidv7(),
    type: 'dine-in',
    tableId: 'T2',
    guests: 2,
    items: [{ menuItemId: 'drink-ginger-beer', modifierIds: [], quantity }],
  });
  expect(res.status).toBe(201);
  return res.body as { id: string; totalCents: number };
}

describe('a trading day', () => {
  it('balances the drawer and the Z report to the cent', async () => {
    expect((await cashier.get('/api/v1/shifts/current')).status).toBe(404);
    const opened = await post(cashier, '/api/v1/shifts', { openingFloatCents: 15_000 });
    expect(opened.status).toBe(201);
    const shiftId = opened.body.id as string;
    expect((await post(cashier, '/api/v1/shifts', { openingFloatCents: 100 })).status).toBe(409);
    expect((await post(cashier, '/api/v1/shifts', { openingFloatCents: -1 })).status).toBe(400);

    // Sales: cash with a tip (rounded to the nickel), card with a tip, a refund, a void.
    const a = await order(cashier, 3);
    const cash = await post(cashier, '/api/v1/payments/process', {
      orderId: a.id,
      tender: 'cash',
      tipCents: 200,
      tenderedCents: 10_000,
    });
    expect(cash.status).toBe(201);
    const collectedCash = a.totalCents + 200 + cash.body.roundingCents;
    expect(collectedCash % 5).toBe(0);
    expect(cash.body.changeCents).toBe(10_000 - collectedCash);

    const b = await order(cashier2, 2);
    const card = await post(cashier2, '/api/v1/payments/process', {
      orderId: b.id,
      tender: 'card',
      tipCents: 350,
    });
    expect(card.body.status).toBe('captured');

    const c = await order(cashier, 1);
    const voided = await post(cashier, '/api/v1/payments/process', {
      orderId: c.id,
      tender: 'cash',
    });
    expect(
      (await post(manager, `/api/v1/payments/${voided.body.id}/void`, { reason: 'rang twice' }))
        .status,
    ).toBe(201);
    await eventually(
      async () => (await cashier.get(`/api/v1/orders/${c.id}`)).body.paymentStatus === 'UNPAID',
    );
    const cPaid = await post(cashier, '/api/v1/payments/process', {
      orderId: c.id,
      tender: 'card',
    });
    const refund = await post(manager, `/api/v1/payments/${cPaid.body.id}/refund`, {
      reason: 'flat drink',
      amountCents: 150,
    });
    expect(refund.status).toBe(201);

    // Paid-in by a cashier; a paid-out needs a manager; the drawer cannot go below zero.
    const paidIn = await post(cashier, `/api/v1/shifts/${shiftId}/cash-movements`, {
      kind: 'paid-in',
      amountCents: 2_000,
      reason: 'change from the bank',
    });
    expect(paidIn.status).toBe(201);
    const outByCashier = await post(cashier, `/api/v1/shifts/${shiftId}/cash-movements`, {
      kind: 'paid-out',
      amountCents: 1_250,
      reason: 'ice delivery',
    });
    expect(outByCashier.status).toBe(403);
    const paidOut = await post(manager, `/api/v1/shifts/${shiftId}/cash-movements`, {
      kind: 'paid-out',
      amountCents: 1_250,
      reason: 'ice delivery',
    });
    expect(paidOut.status).toBe(201);
    const overdraw = await post(manager, `/api/v1/shifts/${shiftId}/cash-movements`, {
      kind: 'paid-out',
      amountCents: 900_000,
      reason: 'too much',
    });
    expect(overdraw.status).toBe(409);

    // The X report of the shift: tenders are the payments, tips by server.
    const x = await manager.get(`/api/v1/reports/x?shiftId=${shiftId}`);
    expect(x.status).toBe(200);
    const tenders = Object.fromEntries(
      (x.body.money.tenders as { tender: string; amountCents: number }[]).map((l) => [
        l.tender,
        l.amountCents,
      ]),
    );
    expect(tenders.cash).toBe(collectedCash);
    expect(tenders.card).toBe(b.totalCents + 350 + c.totalCents);
    expect(x.body.money.totalCents).toBe(collectedCash + b.totalCents + 350 + c.totalCents);
    expect(x.body.money.refunds.amountCents).toBe(150);
    expect(x.body.money.tips.totalCents).toBe(550);
    const tipNames = (x.body.money.tips.byEmployee as { name: string; amountCents: number }[])
      .map((e) => `${e.name}:${e.amountCents}`)
      .sort();
    expect(tipNames).toHaveLength(2);

    // Close with a count: expected = float + cash in - cash out; a count that matches is even.
    const expected = 15_000 + collectedCash + 2_000 - 1_250;
    const summary = await cashier.get(`/api/v1/shifts/${shiftId}`);
    expect(summary.body.expectedCents).toBe(expected);
    const badCount = await post(cashier, `/api/v1/shifts/${shiftId}/close`, {
      counted: [{ denominationCents: 300, count: 1 }],
    });
    expect(badCount.status).toBe(400);
    expect(badCount.body.errors[0].field).toMatch(/^counted\.0/);
    const zOpen = await post(manager, '/api/v1/reports/z', {});
    expect(zOpen.status).toBe(409);

    const counted = countOut(expected - 5); // five cents short
    const closed = await post(cashier, `/api/v1/shifts/${shiftId}/close`, { counted });
    expect(closed.status).toBe(200);
    expect(closed.body).toMatchObject({
      status: 'closed',
      expectedCents: expected,
      countedCents: expected - 5,
      differenceCents: -5,
    });
    expect((await post(cashier, `/api/v1/shifts/${shiftId}/close`, { counted })).status).toBe(409);

    // The shift's events, once each (refused requests wrote none), with the drawer's figures.
    const payments = moduleOf<PaymentModule>(t, 'payments').service().rows.db;
    const shiftEvents = (
      payments
        .prepare(
          `SELECT envelope FROM outbox WHERE event_type IN ('payment.shiftopened.v1',
             'payment.cashmovement.v1', 'payment.shiftclosed.v1') ORDER BY seq`,
        )
        .all() as { envelope: string }[]
    ).map((r) => JSON.parse(r.envelope) as { EventType: string; Payload: any });
    expect(shiftEvents.map((e) => e.EventType)).toEqual([
      'payment.shiftopened.v1',
      'payment.cashmovement.v1',
      'payment.cashmovement.v1',
      'payment.shiftclosed.v1',
    ]);
    const [openedEvent, paidInEvent, paidOutEvent, closedEvent] = shiftEvents;
    expect(openedEvent?.Payload).toMatchObject({
      shiftId,
      openedBy: opened.body.openedBy,
      openingFloatCents: 15_000,
      currency: 'USD',
    });
    expect(paidInEvent?.Payload).toMatchObject({
      movementId: paidIn.body.movement.id,
      shiftId,
      kind: 'paid-in',
      amountCents: 2_000,
      reason: 'change from the bank',
      by: opened.body.openedBy,
    });
    expect(paidOutEvent?.Payload).toMatchObject({
      movementId: paidOut.body.movement.id,
      kind: 'paid-out',
      amountCents: 1_250,
      reason: 'ice delivery',
      by: paidOut.body.movement.by,
    });
    expect(closedEvent?.Payload).toEqual({
      shiftId,
      businessDate: closed.body.businessDate,
      openedBy: opened.body.openedBy,
      openedAt: closed.body.openedAt,
      openingFloatCents: 15_000,
      closedBy: closed.body.closedBy,
      closedAt: closed.body.closedAt,
      cashSalesCents: closed.body.cashSalesCents,
      cashTipsCents: 200,
      cashRoundingCents: closed.body.cashRoundingCents,
      cashRefundsCents: 0,
      cashVoidsCents: closed.body.cashVoidsCents,
      paidInCents: 2_000,
      paidOutCents: 1_250,
      expectedCents: expected,
      countedCents: expected - 5,
      differenceCents: -5,
      counted,
      currency: 'USD',
    });
    // The sync module numbers them for the cloud like every payment event.
    await eventually(async () => {
      const backlog = await cashier.get('/api/v1/sync/backlog');
      const count = (type: string) =>
        (backlog.body.byType as { eventType: string; count: number }[]).find(
          (b) => b.eventType === type,
        )?.count;
      return (
        count('payment.shiftopened.v1') === 1 &&
        count('payment.cashmovement.v1') === 2 &&
        count('payment.shiftclosed.v1') === 1
      );
    });

    // End of day: numbered, stored, printed, and only once.
    printer.clear();
    const z = await post(manager, '/api/v1/reports/z', {});
    expect(z.status).toBe(201);
    expect(z.body.number).toBe(1);
    expect(z.body.money.totalCents).toBe(x.body.money.totalCents);
    expect(z.body.cashDrawer.differenceCents).toBe(-5);
    expect(z.body.sales.grossSalesCents).toBeGreaterThan(0);
    const [slip] = await printer.waitForJobs(1, 10_000);
    expect(slip?.text).toContain('Z REPORT');
    expect((await post(manager, '/api/v1/reports/z', {})).status).toBe(409);
    const stored = await manager.get('/api/v1/reports/z/1');
    expect(stored.body.money).toEqual(z.body.money);
    expect((await manager.get('/api/v1/reports/z/2')).status).toBe(404);
    expect((await cashier.get('/api/v1/reports/z/1')).status).toBe(403);
  });
});

/** Count `total` cents out in notes and coins, largest first. */
function countOut(total: number): { denominationCents: number; count: number }[] {
  const out = [];
  let left = total;
  for (const d of [10_000, 5_000, 2_000, 1_000, 500, 100, 25, 10, 5, 1]) {
    const count = Math.floor(left / d);
    if (count > 0) out.push({ denominationCents: d, count });
    left -= count * d;
  }
  return out;
}
