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

// Payments through HTTP and the bus, as a terminal takes them: cash, card, split checks, tips,
// voids and refunds, with the order following each payment.

let printer: VirtualPrinter;
let kitchen: VirtualPrinter;
let t: TestHub;
let cashier: ApiClient;
let manager: ApiClient;
let reader: SimulatedReader;

beforeAll(async () => {
  printer = await startVirtualPrinter({ port: 0, name: 'receipt', codePage: 'PC858' });
  kitchen = await startVirtualPrinter({ port: 0, name: 'kitchen', codePage: 'PC858' });
  t = await startTestHub({
    printing: { initialConfig: () => demoPrintingConfig('127.0.0.1', printer.port, kitchen.port) },
    payments: {
      readers: () => {
        reader = new SimulatedReader({
          id: 'sim-1',
          latencyMs: 30,
          timeoutMs: 3_000,
          defaultCard: '4242424242424242',
        });
        return [reader];
      },
    },
  });
  cashier = await t.as(PINS.cashier);
  manager = await t.as(PINS.manager);
  const shift = await post(cashier, '/api/v1/shifts', { openingFloatCents: 20_000 });
  expect(shift.status).toBe(201);
});

afterAll(async () => {
  await t?.stop();
  await printer?.close();
  await kitchen?.close();
});

/** POST with a fresh Idempotency-Key, as the terminal sends every payment request. */
function post(client: ApiClient, path: string, body: unknown, key = randomUUID()) {
  return client.post(path, body, { 'idempotency-key': key });
}

const burger = (seat: number, quantity = 1) => ({
  menuItemId: 'burger-classic',
  modifierIds: ['mod-burger-medium-rare'],
  quantity,
  seat,
});
const soda = (seat: number) => ({
  menuItemId: 'drink-ginger-beer',
  modifierIds: [],
  quantity: 1,
  seat,
});

async function order(
  items: unknown[] = [burger(1)],
  extra: Record<string, unknown> = {},
): Promise<{ id: string; number: number; totalCents: number; items: { id: string }[] }> {
  const res = await cashier.post('/api/v1/orders', {
    id: uuidv7(),
    type: 'dine-in',
    tableId: 'T4',
    guests: 2,
    items,
    ...extra,
  });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body;
}

async function orderState(id: string) {
  return (await cashier.get(`/api/v1/orders/${id}`)).body as {
    status: string;
    paymentStatus: string;
    version: number;
  };
}

async function waitFor(id: string, paymentStatus: string, status?: string) {
  await eventually(async () => {
    const o = await orderState(id);
    return o.paymentStatus === paymentStatus && (status === undefined || o.status === status);
  });
}

async function pay(body: Record<string, unknown>, client = cashier) {
  return post(client, '/api/v1/payments/process', body);
}

describe('cash', () => {
  it('takes cash with change, confirms the order and prints the receipt with the drawer kick', async () => {
    const o = await order();
    printer.clear();
    const res = await pay({ orderId: o.id, tender: 'cash', tenderedCents: o.totalCents + 1_000 });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({
      status: 'completed',
      tender: 'cash',
      amountCents: o.totalCents,
      tenderedCents: o.totalCents + 1_000,
      changeCents: 1_000,
    });
    expect(res.headers.get('location')).toBe(`/api/v1/payments/${res.body.id}`);
    await waitFor(o.id, 'PAID', 'CONFIRMED');
    // The drawer opens with the receipt, or at once and the receipt follows when the payment
    // beat the order to the printers.
    await eventually(() => printer.jobs().some((j) => j.text.includes(`Order #${o.number}`)));
    const jobs = printer.jobs();
    const receipt = jobs.filter((j) => j.text.includes(`Order #${o.number}`));
    expect(receipt).toHaveLength(1);
    expect(receipt[0]?.text).toMatch(/Cash/i);
    expect(receipt[0]?.text).toMatch(/Change/i);
    expect(jobs.some((j) => j.commands.includes('drawer:pin2'))).toBe(true);
    // Opened once for this sale (the shift's opening kick may print late, so count the log).
    const log = await manager.get('/api/v1/drawer/log');
    const sale = log.body.openings.filter(
      (opening: { reason: string }) => opening.reason === `cash sale #${o.number}`,
    );
    expect(sale).toHaveLength(1);

    const got = await cashier.get(`/api/v1/payments/${res.body.id}`);
    expect(got.status).toBe(200);
    expect(got.body.id).toBe(res.body.id);
  });

  it('answers a retried request with the first payment, never a second one', async () => {
    const o = await order();
    const key = randomUUID();
    const body = { paymentId: uuidv7(), orderId: o.id, tender: 'cash' };
    const first = await post(cashier, '/api/v1/payments/process', body, key);
    const again = await post(cashier, '/api/v1/payments/process', body, key);
    const sameId = await pay(body);
    expect(first.status).toBe(201);
    expect(again.status).toBe(201);
    expect(again.body.id).toBe(first.body.id);
    expect(sameId.status).toBe(200);
    const list = await cashier.get(`/api/v1/payments?orderId=${o.id}`);
    expect(list.body.payments).toHaveLength(1);
    expect(list.body.balanceCents).toBe(0);
  });
});

describe('bad input', () => {
  it('refuses bad amounts, currencies, tenders and missing keys with the fields named', async () => {
    const o = await order();
    const cases: [Record<string, unknown>, string][] = [
      [{ orderId: o.id, tender: 'cash', amountCents: 0 }, 'amountCents'],
      [{ orderId: o.id, tender: 'cash', amountCents: -5 }, 'amountCents'],
      [{ orderId: o.id, tender: 'cash', amountCents: 12.5 }, 'amountCents'],
      [{ orderId: o.id, tender: 'cash', amountCents: o.totalCents + 1 }, 'amountCents'],
      [{ orderId: o.id, tender: 'cash', currency: 'EUR' }, 'currency'],
      [{ orderId: o.id, tender: 'cash', tenderedCents: 100 }, 'tenderedCents'],
      [{ orderId: o.id, tender: 'cheque' }, 'tender'],
      [{ orderId: o.id, tender: 'card', tenderedCents: 5000 }, 'tenderedCents'],
      [{ orderId: 'nope', tender: 'cash' }, 'orderId'],
      [{ orderId: o.id, tender: 'cash', surprise: 1 }, ''],
    ];
    for (const [body, field] of cases) {
      const res = await pay(body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.headers.get('content-type')).toContain('application/problem+json');
      if (field) {
        expect(
          res.body.errors.map((e: { field: string }) => e.field),
          JSON.stringify(body),
        ).toContain(field);
      }
    }
    const noKey = await cashier.post('/api/v1/payments/process', { orderId: o.id, tender: 'cash' });
    expect(noKey.status).toBe(400);
    expect(noKey.body.errors[0].field).toBe('Idempotency-Key');
    expect((await orderState(o.id)).paymentStatus).toBe('UNPAID');
    const list = await cashier.get(`/api/v1/payments?orderId=${o.id}`);
    expect(list.body.payments).toEqual([]);
  });

  it('refuses unknown orders and transactions, cancelled and fully paid orders', async () => {
    expect((await pay({ orderId: uuidv7(), tender: 'cash' })).status).toBe(404);
    expect((await cashier.get(`/api/v1/payments/${uuidv7()}`)).status).toBe(404);
    expect((await cashier.get('/api/v1/payments/not-a-uuid')).status).toBe(400);
    const refundUnknown = await post(manager, `/api/v1/payments/${uuidv7()}/refund`, {
      reason: 'test',
    });
    expect(refundUnknown.status).toBe(404);

    const cancelled = await order();
    const c = await cashier.post(`/api/v1/orders/${cancelled.id}/cancel`, {
      reason: 'guest left',
      approval: { managerPin: PINS.manager },
    });
    expect(c.status).toBe(200);
    const res = await pay({ orderId: cancelled.id, tender: 'cash' });
    expect(res.status).toBe(409);
    expect(res.body.detail).toMatch(/cancelled/);

    const paid = await order();
    expect((await pay({ orderId: paid.id, tender: 'cash' })).status).toBe(201);
    const twice = await pay({ orderId: paid.id, tender: 'cash' });
    expect(twice.status).toBe(409);
    expect(twice.body.detail).toMatch(/already paid/);
  });

  it('refuses a second payment racing the first on the same order', async () => {
    const o = await order();
    reader.presentCard('4000000000007775'); // the processor never answers: the collect waits
    const first = pay({ orderId: o.id, tender: 'card' });
    await eventually(() => reader.status().state === 'processing');
    const second = await pay({ orderId: o.id, tender: 'cash' });
    expect(second.status).toBe(409);
    expect(second.body.detail).toMatch(/Another payment/);
    const done = await first;
    expect(done.body).toMatchObject({ status: 'failed', failure: { reason: 'timeout' } });
    const list = await cashier.get(`/api/v1/payments?orderId=${o.id}`);
    expect(list.body.payments).toHaveLength(1);
    expect(list.body.balanceCents).toBe(o.totalCents);
  });

  it('a card payment sent again while its card is read gets its outcome, never "pending"', async () => {
    const o = await order();
    reader.presentCard('4000000000007775'); // the processor never answers: the collect waits
    const paymentId = uuidv7();
    const first = pay({ paymentId, orderId: o.id, tender: 'card' });
    await eventually(() => reader.status().state === 'processing');
    // The terminal lost the first answer and sends the same payment under a new key.
    const again = await pay({ paymentId, orderId: o.id, tender: 'card' });
    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({ id: paymentId, status: 'failed' });
    expect((await first).body).toMatchObject({ id: paymentId, status: 'failed' });
    expect(reader.status().state).toBe('idle');
  });
});

describe('card', () => {
  it('takes a card with a tip, captured at once, card shown by brand and last four only', async () => {
    const o = await order();
    reader.presentCard('5555555555554444', 'chip');
    const res = await pay({ orderId: o.id, tender: 'card', tipCents: 300 });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({
      status: 'captured',
      tipCents: 300,
      amountCents: o.totalCents,
      card: { brand: 'mastercard', last4: '4444', entryMode: 'chip', offline: false },
    });
    await waitFor(o.id, 'PAID', 'CONFIRMED');
  });

  it('records a decline; a dine-in check stays open and is paid another way', async () => {
    const o = await order();
    reader.presentCard('4000000000000002');
    const declined = await pay({ orderId: o.id, tender: 'card' });
    expect(declined.status).toBe(201);
    expect(declined.body).toMatchObject({ status: 'failed', failure: { reason: 'declined' } });
    reader.presentCard('4000000000008880');
    const removed = await pay({ orderId: o.id, tender: 'card' });
    expect(removed.body.failure.reason).toBe('card-removed');
    expect((await orderState(o.id)).status).toBe('PENDING');
    expect((await pay({ orderId: o.id, tender: 'cash' })).status).toBe(201);
    await waitFor(o.id, 'PAID', 'CONFIRMED');
  });

  it('a paid-first order whose card fails gives its stock back, and takes it again when paid', async () => {
    const beef = async () =>
      (
        (await manager.get('/api/v1/inventory/levels')).body.levels as {
          ingredientId: string;
          reserved: number;
        }[]
      ).find((l) => l.ingredientId === 'beef-patty')?.reserved ?? 0;
    const before = await beef();
    const o = await order([burger(1, 3)], { type: 'takeout', tableId: undefined, guests: 1 });
    await eventually(async () => (await beef()) === before + 3);
    reader.presentCard('4000000000009995');
    const failed = await pay({ orderId: o.id, tender: 'card' });
    expect(failed.body.failure.reason).toBe('insufficient-funds');
    await eventually(async () => (await orderState(o.id)).status === 'PAYMENT_FAILED');
    await eventually(async () => (await beef()) === before);
    expect((await pay({ orderId: o.id, tender: 'cash' })).status).toBe(201);
    await waitFor(o.id, 'PAID', 'CONFIRMED');
    await eventually(async () => (await beef()) === before + 3);
  });

  it('adjusts a tip after authorisation (signed slip), then captures', async () => {
    const o = await order();
    const auth = await pay({ orderId: o.id, tender: 'card', tipAdjustable: true });
    expect(auth.body).toMatchObject({ status: 'authorised', tipCents: 0 });
    await waitFor(o.id, 'PAID');
    const tip = await post(cashier, `/api/v1/payments/${auth.body.id}/tip`, { tipCents: 450 });
    expect(tip.status).toBe(200);
    expect(tip.body).toMatchObject({ status: 'captured', tipCents: 450 });
    const again = await post(cashier, `/api/v1/payments/${auth.body.id}/tip`, { tipCents: 500 });
    expect(again.status).toBe(409);
    const bad = await post(cashier, `/api/v1/payments/${auth.body.id}/tip`, { tipCents: -1 });
    expect(bad.status).toBe(400);
  });
});

describe('split checks', () => {
  it('splits by seat: each seat pays its own items; a seat cannot pay twice', async () => {
    const o = await order([burger(1), soda(1), burger(2)]);
    const balance = await cashier.get(`/api/v1/payments?orderId=${o.id}`);
    const seats = balance.body.seats as { seat: number; dueCents: number }[];
    expect(seats.map((s) => s.seat)).toEqual([1, 2]);
    expect(seats.reduce((sum, s) => sum + s.dueCents, 0)).toBe(o.totalCents);

    const one = await pay({ orderId: o.id, tender: 'cash', split: { by: 'seat', seat: 1 } });
    expect(one.status).toBe(201);
    expect(one.body.amountCents).toBe(seats[0]?.dueCents);
    await waitFor(o.id, 'PARTIALLY_PAID', 'PENDING');
    const dup = await pay({ orderId: o.id, tender: 'card', split: { by: 'seat', seat: 1 } });
    expect(dup.status).toBe(409);
    expect(dup.body.detail).toMatch(/Seat 1 is already paid/);
    const noSeat = await pay({ orderId: o.id, tender: 'cash', split: { by: 'seat', seat: 7 } });
    expect(noSeat.status).toBe(400);
    const two = await pay({ orderId: o.id, tender: 'card', split: { by: 'seat', seat: 2 } });
    expect(two.body.amountCents).toBe(seats[1]?.dueCents);
    await waitFor(o.id, 'PAID', 'CONFIRMED');
  });

  it('splits in equal parts that add up to the cent, across tenders', async () => {
    const o = await order([burger(1), burger(2), soda(3)]);
    const parts = [];
    for (const part of [1, 2, 3]) {
      const tender = part === 2 ? 'card' : 'cash';
      const res = await pay({ orderId: o.id, tender, split: { by: 'equal', parts: 3, part } });
      expect(res.status).toBe(201);
      parts.push(res.body.amountCents as number);
    }
    expect(parts.reduce((a, b) => a + b, 0)).toBe(o.totalCents);
    expect(Math.max(...parts) - Math.min(...parts)).toBeLessThanOrEqual(1);
    await waitFor(o.id, 'PAID', 'CONFIRMED');
  });

  it('splits by item, and a free amount pays whatever is left', async () => {
    const o = await order([burger(1), soda(1), soda(2)]);
    const items = o.items.map((i) => i.id);
    const first = await pay({
      orderId: o.id,
      tender: 'card',
      split: { by: 'items', orderItemIds: [items[0]] },
    });
    expect(first.status).toBe(201);
    const unknown = await pay({
      orderId: o.id,
      tender: 'cash',
      split: { by: 'items', orderItemIds: [randomUUID()] },
    });
    expect(unknown.status).toBe(400);
    const partial = await pay({ orderId: o.id, tender: 'cash', amountCents: 100 });
    expect(partial.status).toBe(201);
    const rest = await pay({ orderId: o.id, tender: 'cash' });
    expect(rest.body.amountCents).toBe(o.totalCents - first.body.amountCents - 100);
    await waitFor(o.id, 'PAID', 'CONFIRMED');
  });
});

describe('voids and refunds', () => {
  it('needs a manager; refunds partly then fully to the original tender', async () => {
    const o = await order();
    reader.presentCard('4242424242424242');
    const card = await pay({ orderId: o.id, tender: 'card', tipCents: 200 });
    expect(card.body.status).toBe('captured');
    const path = `/api/v1/payments/${card.body.id}/refund`;

    const noManager = await post(cashier, path, { reason: 'cold fries', amountCents: 300 });
    expect(noManager.status).toBe(403);
    expect(noManager.body.needsApproval).toBe(true);
    const wrongPin = await post(cashier, path, {
      reason: 'cold fries',
      amountCents: 300,
      approval: { managerPin: '1111' },
    });
    expect(wrongPin.status).toBe(403);

    const part = await post(cashier, path, {
      reason: 'cold fries',
      amountCents: 300,
      approval: { managerPin: PINS.manager },
    });
    expect(part.status).toBe(201);
    expect(part.body).toMatchObject({ kind: 'refund', tender: 'card', amountCents: 300 });
    const tooMuch = await post(manager, path, { reason: 'all of it', amountCents: 1_000_000 });
    expect(tooMuch.status).toBe(400);
    expect(tooMuch.body.errors[0].field).toBe('amountCents');

    const ofRefund = await post(manager, `/api/v1/payments/${part.body.id}/refund`, {
      reason: 'again',
    });
    expect(ofRefund.status).toBe(409);
    expect(ofRefund.body.detail).toMatch(/refund cannot be refunded/);
    const getRefund = await cashier.get(`/api/v1/payments/${part.body.id}`);
    expect(getRefund.body.kind).toBe('refund');

    const rest = await post(manager, path, { reason: 'guest unhappy' });
    expect(rest.status).toBe(201);
    expect(rest.body.amountCents).toBe(o.totalCents + 200 - 300);
    await waitFor(o.id, 'REFUNDED');
    const done = await post(manager, path, { reason: 'once more' });
    expect(done.status).toBe(409);
    const payment = await cashier.get(`/api/v1/payments/${card.body.id}`);
    expect(payment.body.refundedCents).toBe(o.totalCents + 200);
    expect(payment.body.refunds).toHaveLength(2);
  });

  it('voids an authorised card payment: the order owes it again', async () => {
    const o = await order();
    const auth = await pay({ orderId: o.id, tender: 'card', tipAdjustable: true });
    await waitFor(o.id, 'PAID', 'CONFIRMED');
    const refund = await post(manager, `/api/v1/payments/${auth.body.id}/refund`, {
      reason: 'wrong card',
    });
    expect(refund.status).toBe(409);
    expect(refund.body.detail).toMatch(/void it instead/);
    const voided = await post(manager, `/api/v1/payments/${auth.body.id}/void`, {
      reason: 'wrong card',
    });
    expect(voided.status).toBe(201);
    expect(voided.body.kind).toBe('void');
    await waitFor(o.id, 'UNPAID');
    expect((await cashier.get(`/api/v1/payments/${auth.body.id}`)).body.status).toBe('voided');
    const twice = await post(manager, `/api/v1/payments/${auth.body.id}/void`, { reason: 'x' });
    expect(twice.status).toBe(409);
    const again = await pay({ orderId: o.id, tender: 'cash' });
    expect(again.body.amountCents).toBe(o.totalCents);
    await waitFor(o.id, 'PAID');
  });

  it('a captured card payment cannot be voided; a cash refund opens the drawer', async () => {
    const o = await order();
    const card = await pay({ orderId: o.id, tender: 'card', amountCents: 500 });
    const v = await post(manager, `/api/v1/payments/${card.body.id}/void`, { reason: 'x' });
    expect(v.status).toBe(409);
    expect(v.body.detail).toMatch(/refund it instead/);
    const cash = await pay({ orderId: o.id, tender: 'cash' });
    printer.clear();
    const refund = await post(manager, `/api/v1/payments/${cash.body.id}/refund`, {
      reason: 'overcharged',
      amountCents: 100,
    });
    expect(refund.status).toBe(201);
    const jobs = await printer.waitForJobs(1, 10_000);
    expect(jobs.length).toBeGreaterThan(0);
  });
});

describe('methods and readers', () => {
  it('lists tenders and reader status; cooks cannot take payments', async () => {
    const methods = await cashier.get('/api/v1/payments/methods');
    expect(methods.status).toBe(200);
    expect(methods.body.methods.map((m: { tender: string }) => m.tender)).toEqual(['cash', 'card']);
    const card = methods.body.methods[1];
    expect(card.readers[0]).toMatchObject({
      id: 'sim-1',
      kind: 'simulated',
      status: { state: 'idle' },
      capabilities: { storeAndForward: true },
    });
    const cook = await t.as(PINS.cook);
    expect((await cook.get('/api/v1/payments/methods')).status).toBe(403);
    const o = await order();
    expect((await pay({ orderId: o.id, tender: 'cash' }, cook)).status).toBe(403);
    const simulate = await post(cashier, '/api/v1/card-readers/sim-1/simulate', {
      card: '4111 1111 1111 1112',
    });
    expect(simulate.status).toBe(400);
    expect(JSON.stringify(simulate.body)).not.toContain('1111 1111');
  });
});

describe('receipts', () => {
  it('prints the receipt again with its tenders, and queues one for email', async () => {
    const o = await order();
    printer.clear();
    expect((await pay({ orderId: o.id, tender: 'cash', tenderedCents: 5_000 })).status).toBe(201);
    await printer.waitForJobs(1, 10_000); // the receipt of the sale, with the drawer kick
    printer.clear();
    const again = await post(cashier, '/api/v1/payments/receipts', { orderId: o.id });
    expect(again.status).toBe(202);
    const [job] = await printer.waitForJobs(1, 10_000);
    expect(job?.text).toContain(`Order #${o.number}`);
    expect(job?.text).toMatch(/Tendered\s+\$50\.00/);
    expect(job?.commands).not.toContain('drawer:pin2');

    const bad = await post(cashier, '/api/v1/payments/receipts', { orderId: o.id, email: 'nope' });
    expect(bad.status).toBe(400);
    expect(bad.body.errors[0].field).toBe('email');
    const mail = await post(cashier, '/api/v1/payments/receipts', {
      orderId: o.id,
      email: 'guest@example.com',
    });
    expect(mail.status).toBe(202);
    expect(mail.body.queued).toBe('email');
    const db = moduleOf<PaymentModule>(t, 'payments').service().rows.db;
    const queued = db
      .prepare(`SELECT envelope FROM outbox WHERE event_type = 'payment.receiptrequested.v1'`)
      .all() as { envelope: string }[];
    expect(queued.map((r) => JSON.parse(r.envelope).Payload)).toContainEqual(
      expect.objectContaining({ orderId: o.id, email: 'guest@example.com' }),
    );
    expect((await post(cashier, '/api/v1/payments/receipts', { orderId: uuidv7() })).status).toBe(
      404,
    );
  });
});
