import { randomUUID } from 'node:crypto';
import { uuidv7 } from '@pos/contracts';
import { signIn } from '@pos/edge-hub/testing/hub-harness';
import { afterAll, describe, expect, it } from 'vitest';
import { expectStatus } from '../guarantee-till.js';
import { mountSmallDisk, type SmallDisk } from './edge-disk.js';
import {
  type Answer,
  type EdgeStore,
  eventsPer,
  hubDb,
  hubDbNames,
  openEdgeStore,
  outboxFaults,
  postOnce,
  TAKEOUT_STATIONS,
  takeoutOrder,
  ticketsOf,
  until,
} from './edge-store.js';

// The hub's data directory is on a 48 MB filesystem that a filler file then fills to the last
// byte. Orders are rung in until SQLite cannot write: that order is refused with a 503
// problem+json (the hub is fine, its storage is not; Retry-After says when to try again), and
// nothing of it is left half-written. The hub stays up; once the filler is deleted the same
// request with the same Idempotency-Key makes the order, once.

let disk: SmallDisk | undefined;
let store: EdgeStore | undefined;

afterAll(async () => {
  // A hub that died on the full disk says why in its own output.
  if (store && store.hub.child.exitCode !== null) process.stderr.write(store.hub.output());
  await store?.close();
  disk?.unmount();
});

function placeOrder(url: string, token: string, id: string, key: string): Promise<Answer> {
  return postOnce(`${url}/api/v1/orders`, token, takeoutOrder(id), key);
}

describe('the hub on a full disk', () => {
  it('refuses the write with a 503, keeps nothing half-written, and takes it once space returns', async () => {
    disk = mountSmallDisk(48);
    store = await openEdgeStore(disk.dir);
    const { hub } = store;
    const token = await signIn(hub.url, '1234');

    const acknowledged: string[] = [];
    const first = randomUUID();
    expect((await placeOrder(hub.url, token, first, randomUUID())).status).toBe(201);
    acknowledged.push(first);

    disk.fill();
    expect(disk.freeBytes()).toBe(0);

    // SQLite's log (WAL) may have room left from before; orders go in until it has none.
    let refused: { id: string; key: string; answer: Answer } | undefined;
    for (let i = 0; i < 600 && !refused; i++) {
      const id = randomUUID();
      const key = randomUUID();
      const answer = await placeOrder(hub.url, token, id, key);
      if (answer.status === 201) acknowledged.push(id);
      else refused = { id, key, answer };
    }
    expect(refused, 'no order was refused on a full disk').toBeDefined();
    const { id, key, answer } = refused as NonNullable<typeof refused>;
    expect(answer.status, JSON.stringify(answer.body)).toBe(503);
    expect(answer.contentType).toMatch(/^application\/problem\+json/);
    expect(answer.retryAfter).toBe('5');
    expect(answer.body).toMatchObject({
      type: 'urn:pos:problem:unavailable',
      status: 503,
      instance: '/api/v1/orders',
    });
    expect(answer.body.detail).toMatch(/storage is full/);

    // Still up and answering; the refused order does not exist.
    expect(hub.child.exitCode).toBeNull();
    expect((await fetch(`${hub.url}/health`)).status).toBe(200);
    const again = await placeOrder(hub.url, token, id, key);
    expect(again.status).toBe(503);
    const lookup = await fetch(`${hub.url}/api/v1/orders/${id}`, {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(lookup.status).toBe(404);

    // Nothing half-written: every order with its lines and its one event, no line or event
    // without its order, and every acknowledged order there.
    const expectWhole = () => {
      const db = hubDb(disk!.dir, 'orders');
      try {
        const ids = new Set(
          (db.prepare('SELECT id FROM orders').all() as { id: string }[]).map((r) => r.id),
        );
        const withLines = new Set(
          (
            db.prepare('SELECT DISTINCT order_id FROM order_items').all() as { order_id: string }[]
          ).map((r) => r.order_id),
        );
        const created = eventsPer(db, 'order.created.v1', 'orderId');
        expect(
          [...withLines].filter((o) => !ids.has(o)),
          'lines without an order',
        ).toEqual([]);
        expect(
          [...created.keys()].filter((o) => !ids.has(o)),
          'events without an order',
        ).toEqual([]);
        for (const o of ids) {
          expect(withLines.has(o), `lines of ${o}`).toBe(true);
          expect(created.get(o), `order.created.v1 of ${o}`).toBe(1);
        }
        for (const o of acknowledged) expect(ids.has(o), `acknowledged ${o}`).toBe(true);
        return ids;
      } finally {
        db.close();
      }
    };
    expect(expectWhole().has(id)).toBe(false);

    // Cash on the orders already taken, until the payments database cannot write either: that
    // payment is refused the same way and leaves no trace; every one before it is whole.
    const payments = `${hub.url}/api/v1/payments/process`;
    const paid: string[] = [];
    let unpaid: { body: Record<string, unknown>; key: string; answer: Answer } | undefined;
    for (const orderId of acknowledged) {
      const body = { paymentId: uuidv7(), orderId, tender: 'cash', receipt: 'none' };
      const k = randomUUID();
      const taken = await postOnce(payments, token, body, k);
      if (taken.status === 201) paid.push(orderId);
      else {
        unpaid = { body, key: k, answer: taken };
        break;
      }
    }
    expect(unpaid, 'no payment was refused on a full disk').toBeDefined();
    const refusedPayment = unpaid as NonNullable<typeof unpaid>;
    expect(refusedPayment.answer.status, JSON.stringify(refusedPayment.answer.body)).toBe(503);
    expect(refusedPayment.answer.contentType).toMatch(/^application\/problem\+json/);
    const paymentId = refusedPayment.body.paymentId as string;
    const expectNoTrace = () => {
      const db = hubDb(disk!.dir, 'payments');
      try {
        const row = db.prepare('SELECT id FROM payments WHERE id = ?').get(paymentId);
        expect(row, 'refused payment stored').toBeUndefined();
        for (const type of ['payment.initiated.v1', 'payment.completed.v1']) {
          expect(eventsPer(db, type, 'paymentId').get(paymentId), type).toBeUndefined();
        }
        const completed = eventsPer(db, 'payment.completed.v1', 'orderId');
        for (const o of paid) expect(completed.get(o), `payment of ${o}`).toBe(1);
      } finally {
        db.close();
      }
    };
    expectNoTrace();
    expect(hub.child.exitCode).toBeNull();

    // Space returns: the same request, same key, makes the order once.
    disk.free();
    const retried = await placeOrder(hub.url, token, id, key);
    expect(retried.status, JSON.stringify(retried.body)).toBe(201);
    acknowledged.push(id);
    const replay = await placeOrder(hub.url, token, id, key);
    expect(replay.status).toBe(201);
    expect(replay.body.id).toBe(id);
    expect((await placeOrder(hub.url, token, id, randomUUID())).status).toBe(200);
    const after = randomUUID();
    expect((await placeOrder(hub.url, token, after, randomUUID())).status).toBe(201);
    acknowledged.push(after);
    expect(expectWhole().size).toBe(acknowledged.length);

    // And the refused payment, sent again unchanged, is taken once.
    const again2 = await postOnce(payments, token, refusedPayment.body, refusedPayment.key);
    expect(again2.status, JSON.stringify(again2.body)).toBe(201);
    expect(again2.body).toMatchObject({ id: paymentId, status: 'completed' });
    const replayed = await postOnce(payments, token, refusedPayment.body, refusedPayment.key);
    expect(replayed.status).toBe(201);
    const paidOrder = refusedPayment.body.orderId as string;
    const balance = expectStatus(
      await store.manager.get(`/api/v1/payments?orderId=${paidOrder}`),
      [200],
      'balance',
    );
    expect(balance.payments).toHaveLength(1);
    expect(balance.paidCents).toBe(balance.totalCents);

    // Everything acknowledged reaches the kitchen, once, including what was committed while
    // the other services could not write.
    const cashier = store.manager;
    const numbers = new Map<string, number>();
    for (const o of acknowledged) {
      numbers.set(o, expectStatus(await cashier.get(`/api/v1/orders/${o}`), [200], o).number);
    }
    const expected = acknowledged.length * TAKEOUT_STATIONS.length;
    await until(
      `${expected} kitchen tickets`,
      () => store!.kitchen.jobs().length >= expected,
      45_000,
    );
    await new Promise((r) => setTimeout(r, 1_500));
    for (const [o, n] of numbers) {
      expect(ticketsOf(store.kitchen, n), `tickets of ${o} (#${n})`).toHaveLength(
        TAKEOUT_STATIONS.length,
      );
    }
    expect(store.kitchen.jobs()).toHaveLength(expected);

    for (const name of hubDbNames(disk.dir)) {
      const db = hubDb(disk.dir, name);
      try {
        expect(outboxFaults(db), `${name}.db outbox`).toEqual([]);
      } finally {
        db.close();
      }
    }
    expect(hub.child.exitCode).toBeNull();
  }, 120_000);
});
