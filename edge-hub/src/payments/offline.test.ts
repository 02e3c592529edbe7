import { randomUUID } from 'node:crypto';
import { uuidv7 } from '@pos/contracts';
import { SimulatedReader } from '@pos/hardware';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type ApiClient,
  eventually,
  PINS,
  startTestHub,
  type TestHub,
} from '../testing/hub-harness.js';
import { readerKey } from './readers.js';

// Card payments while the processor is unreachable: taken within the store's limits as the
// reader's encrypted blob, forwarded in order when it is back, and a decline after the guest
// has gone flagged for the manager. A restart in between loses none.

let t: TestHub;
let cashier: ApiClient;
let manager: ApiClient;
let reader: SimulatedReader;
/** The processor state a restarted hub's new reader starts in. */
let reachableAtStart = true;

beforeAll(async () => {
  t = await startTestHub({
    payments: {
      readers: (ctx) => {
        reader = new SimulatedReader({
          id: 'sim-1',
          latencyMs: 20,
          timeoutMs: 3_000,
          defaultCard: '4242424242424242',
          key: readerKey(ctx.config.dataDir, 'sim-1'),
        });
        reader.setProcessorReachable(reachableAtStart);
        return [reader];
      },
      policy: {
        offline: { perTransactionCapCents: 5_000, totalCapCents: 7_000, deadlineMs: 1_500 },
        captureAfterMs: 400,
      },
      forwardEveryMs: 200,
    },
  });
  cashier = await t.as(PINS.cashier);
  manager = await t.as(PINS.manager);
});

afterAll(async () => {
  await t?.stop();
});

const post = (client: ApiClient, path: string, body: unknown) =>
  client.post(path, body, { 'idempotency-key': randomUUID() });

async function order(quantity = 1): Promise<{ id: string; totalCents: number }> {
  const res = await cashier.post('/api/v1/orders', {
    id: uuidv7(),
    type: 'takeout',
    items: [{ menuItemId: 'drink-ginger-beer', modifierIds: [], quantity }],
  });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body;
}

const offline = async () => (await manager.get('/api/v1/payments/offline')).body;

describe('store-and-forward', () => {
  it('takes cards offline within the caps; over them a manager decides; forwards in order', async () => {
    await post(cashier, '/api/v1/card-readers/sim-1/simulate', { processorReachable: false });
    const reader1 = (await cashier.get('/api/v1/card-readers')).body.readers[0];
    expect(reader1.status.state).toBe('offline');

    const small = await order(2); // 9.00 + tax
    const first = await post(cashier, '/api/v1/payments/process', {
      orderId: small.id,
      tender: 'card',
      tipCents: 100,
    });
    expect(first.status).toBe(201);
    expect(first.body).toMatchObject({
      status: 'authorised',
      card: { brand: 'visa', last4: '4242', offline: true },
      offline: { status: 'pending' },
    });
    await eventually(async () => {
      const o = (await cashier.get(`/api/v1/orders/${small.id}`)).body;
      return o.paymentStatus === 'PAID' && o.status === 'CONFIRMED';
    });

    // Over the per-payment cap: refused with the figures, and recorded as failed.
    const big = await order(12);
    const refused = await post(cashier, '/api/v1/payments/process', {
      orderId: big.id,
      tender: 'card',
    });
    expect(refused.status).toBe(409);
    expect(refused.body).toMatchObject({
      needsApproval: true,
      reason: 'offline-limit-exceeded',
      perTransactionCapCents: 5_000,
    });
    const failed = await cashier.get(`/api/v1/payments/${refused.body.paymentId}`);
    expect(failed.body).toMatchObject({
      status: 'failed',
      failure: { reason: 'offline-limit-exceeded' },
    });
    const wrongPin = await post(cashier, '/api/v1/payments/process', {
      orderId: big.id,
      tender: 'card',
      approval: { managerPin: '0000' },
    });
    expect(wrongPin.status).toBe(403);
    const overridden = await post(cashier, '/api/v1/payments/process', {
      orderId: big.id,
      tender: 'card',
      approval: { managerPin: PINS.manager },
    });
    expect(overridden.status).toBe(201);
    expect(overridden.body.card.offline).toBe(true);
    expect(overridden.body.overrideBy).toBeTruthy();

    // The total cap counts what is outstanding: now over it, even for a small one.
    const third = await order(1);
    const overTotal = await post(cashier, '/api/v1/payments/process', {
      orderId: third.id,
      tender: 'card',
    });
    expect(overTotal.status).toBe(409);
    const state = await offline();
    expect(state.outstandingCents).toBe(first.body.amountCents + 100 + overridden.body.amountCents);
    // Cash still works offline.
    expect(
      (await post(cashier, '/api/v1/payments/process', { orderId: third.id, tender: 'cash' }))
        .status,
    ).toBe(409); // no shift open: cash needs a drawer
    expect((await post(cashier, '/api/v1/shifts', { openingFloatCents: 10_000 })).status).toBe(201);
    expect(
      (await post(cashier, '/api/v1/payments/process', { orderId: third.id, tender: 'cash' }))
        .status,
    ).toBe(201);

    // Back online: forwarded oldest first, approved and captured.
    await post(cashier, '/api/v1/card-readers/sim-1/simulate', { processorReachable: true });
    await eventually(async () => (await offline()).outstandingCents === 0);
    for (const id of [first.body.id, overridden.body.id]) {
      const p = (await cashier.get(`/api/v1/payments/${id}`)).body;
      expect(p).toMatchObject({ status: 'captured', offline: { status: 'approved' } });
    }
    const rows = (await offline()).payments as { paymentId: string; status: string }[];
    expect(rows.map((r) => r.paymentId).reverse()).toEqual([first.body.id, overridden.body.id]);
  });

  it('flags a payment declined after forwarding, with its order and amount', async () => {
    await post(cashier, '/api/v1/card-readers/sim-1/simulate', { processorReachable: false });
    const o = await order(1);
    await post(cashier, '/api/v1/card-readers/sim-1/simulate', { card: '4000000000006660' });
    const taken = await post(cashier, '/api/v1/payments/process', {
      orderId: o.id,
      tender: 'card',
    });
    expect(taken.body).toMatchObject({ status: 'authorised', card: { last4: '6660' } });
    await post(cashier, '/api/v1/card-readers/sim-1/simulate', { processorReachable: true });
    await eventually(async () =>
      (await offline()).alerts.some((a: { paymentId: string }) => a.paymentId === taken.body.id),
    );
    const alert = (await offline()).alerts.find(
      (a: { paymentId: string }) => a.paymentId === taken.body.id,
    );
    expect(alert).toMatchObject({
      kind: 'declined-after-forward',
      orderId: o.id,
      amountCents: o.totalCents,
    });
    const p = (await cashier.get(`/api/v1/payments/${taken.body.id}`)).body;
    expect(p.offline).toMatchObject({ status: 'declined', declineReason: 'declined' });
    expect(
      (await cashier.post(`/api/v1/payments/offline/${taken.body.id}/acknowledge`)).status,
    ).toBe(
      400, // needs an Idempotency-Key like every POST here
    );
    const cashierAck = await post(
      cashier,
      `/api/v1/payments/offline/${taken.body.id}/acknowledge`,
      {},
    );
    expect(cashierAck.status).toBe(403);
    const ack = await post(manager, `/api/v1/payments/offline/${taken.body.id}/acknowledge`, {});
    expect(ack.status).toBe(200);
    expect(
      (await offline()).alerts.some((a: { paymentId: string }) => a.paymentId === taken.body.id),
    ).toBe(false);
  });

  it('raises an alert for payments not forwarded before the deadline', async () => {
    await post(cashier, '/api/v1/card-readers/sim-1/simulate', { processorReachable: false });
    const o = await order(1);
    const taken = await post(cashier, '/api/v1/payments/process', {
      orderId: o.id,
      tender: 'card',
    });
    expect(taken.body.offline.status).toBe('pending');
    await eventually(async () =>
      (await offline()).alerts.some(
        (a: { paymentId: string; kind: string }) =>
          a.paymentId === taken.body.id && a.kind === 'overdue',
      ),
    );
    await post(cashier, '/api/v1/card-readers/sim-1/simulate', { processorReachable: true });
    await eventually(async () => (await offline()).outstandingCents === 0);
  });

  it('loses no offline payment across a hub restart, and forwards them after it', async () => {
    await post(cashier, '/api/v1/card-readers/sim-1/simulate', { processorReachable: false });
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) {
      const o = await order(1);
      const res = await post(cashier, '/api/v1/payments/process', {
        orderId: o.id,
        tender: 'card',
      });
      expect(res.body.offline.status).toBe('pending');
      ids.push(res.body.id);
    }
    reachableAtStart = false;
    await t.restart();
    cashier = await t.as(PINS.cashier);
    manager = await t.as(PINS.manager);
    const pending = ((await offline()).payments as { paymentId: string; status: string }[]).filter(
      (p) => p.status === 'pending',
    );
    expect(pending.map((p) => p.paymentId).sort()).toEqual([...ids].sort());
    await post(cashier, '/api/v1/card-readers/sim-1/simulate', { processorReachable: true });
    await eventually(async () => (await offline()).outstandingCents === 0);
    for (const id of ids) {
      const p = (await cashier.get(`/api/v1/payments/${id}`)).body;
      expect(p).toMatchObject({ status: 'captured', offline: { status: 'approved' } });
    }
  });

  it('captures a card payment still waiting for its tip once the capture time has passed', async () => {
    const o = await order(1);
    const auth = await post(cashier, '/api/v1/payments/process', {
      orderId: o.id,
      tender: 'card',
      tipAdjustable: true,
    });
    expect(auth.body.status).toBe('authorised');
    await eventually(
      async () =>
        (await cashier.get(`/api/v1/payments/${auth.body.id}`)).body.status === 'captured',
    );
    const late = await post(cashier, `/api/v1/payments/${auth.body.id}/tip`, { tipCents: 100 });
    expect(late.status).toBe(409);
  });
});
