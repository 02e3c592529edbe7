import { makeEvent, uuidv7 } from '@pos/contracts';
import { EVENT_SAMPLES } from '@pos/contracts/event-samples';
import { createLogger } from '@pos/kit';
import { migrateAll, SharedPglite } from '@pos/kit/sql';
import { afterAll, describe, expect, it } from 'vitest';
import { applyBatchToReadModel, applyToReadModel, readModelSchema } from './read-model.js';

// The read model gives the same figures whatever order a store's events arrive in and however
// they are grouped into batches (statuses are reduced per order within a batch): the same
// events applied one at a time in Sequence order and applied in shuffled batches leave the
// same rows.

const pglite = new SharedPglite({ logger: createLogger({ service: 'rm-test', level: 'silent' }) });
afterAll(() => pglite.close());

/** A small deterministic generator, so a failure can be replayed. */
function random(seed: number) {
  let x = seed;
  return () => {
    x = (x * 1_103_515_245 + 12_345) % 2 ** 31;
    return x / 2 ** 31;
  };
}

function dayOfEvents(storeId: string, rnd: () => number) {
  const events = [];
  let t = Date.parse('2026-03-02T11:00:00.000Z');
  const at = () => {
    t += Math.floor(rnd() * 5_000) + 1;
    return new Date(t).toISOString();
  };
  const stamp = (type: string, payload: unknown) =>
    makeEvent(type as never, payload as never, {
      source: 'order-service',
      correlationId: uuidv7() as never,
      storeId: storeId as never,
      timestamp: at() as never,
    });
  for (let i = 0; i < 12; i++) {
    const orderId = uuidv7();
    const total = 500 + Math.floor(rnd() * 3_000);
    events.push(
      stamp('order.created.v1', {
        ...EVENT_SAMPLES['order.created.v1'],
        orderId,
        customer: undefined,
        items: [{ ...EVENT_SAMPLES['order.created.v1'].items[1], orderItemId: uuidv7() }],
        subtotalCents: total,
        taxCents: 0,
        totalCents: total,
      }),
    );
    const path = [
      'order.confirmed.v1',
      'order.preparing.v1',
      'order.ready.v1',
      'order.pickedup.v1',
    ];
    // The first order goes all the way; the others stop somewhere or are cancelled.
    const steps =
      i === 0
        ? path
        : rnd() < 0.2
          ? ['order.cancelled.v1']
          : path.slice(0, 1 + Math.floor(rnd() * 4));
    for (const type of steps) {
      const payload =
        type === 'order.cancelled.v1'
          ? { orderId, reason: 'guest left', at: at() }
          : { ...(EVENT_SAMPLES as Record<string, object>)[type], orderId };
      events.push(stamp(type, payload));
      if (type === 'order.confirmed.v1') {
        events.push(
          stamp('payment.completed.v1', {
            ...EVENT_SAMPLES['payment.completed.v1'],
            paymentId: uuidv7(),
            orderId,
            amountCents: total,
            customer: undefined,
          }),
        );
      }
    }
  }
  return events;
}

const snapshot = async (db: Awaited<ReturnType<SharedPglite['database']>>, storeId: string) => ({
  orders: await db.query(
    `SELECT order_id, status, status_final, status_at, total_cents, created_at FROM sales_orders
      WHERE store_id = $1 ORDER BY order_id`,
    [storeId],
  ),
  payments: await db.query(
    `SELECT payment_id, status, amount_cents, tip_cents FROM sales_payments WHERE store_id = $1
      ORDER BY payment_id`,
    [storeId],
  ),
  lines: await db.query(
    `SELECT order_item_id, quantity, voided_quantity FROM sales_order_lines WHERE store_id = $1
      ORDER BY order_item_id`,
    [storeId],
  ),
});

describe('sales read model', () => {
  it('ends the same whatever the order and batching of the events', async () => {
    const db = await pglite.database('read_model_test');
    await migrateAll(db, [readModelSchema]);
    for (let seed = 1; seed <= 15; seed++) {
      const rnd = random(seed);
      const events = dayOfEvents('in-order', rnd);
      await db.transaction(async (tx) => {
        for (const e of events) await applyToReadModel(tx, 'in-order', e);
      });
      const shuffled = events
        .map((e) => ({ ...e, StoreId: 'shuffled' }))
        .map((e) => ({ e, k: rnd() }))
        .sort((a, b) => a.k - b.k)
        .map(({ e }) => e);
      for (let i = 0; i < shuffled.length; ) {
        const size = 1 + Math.floor(rnd() * 25);
        const batch = shuffled.slice(i, i + size);
        await db.transaction((tx) => applyBatchToReadModel(tx, 'shuffled', batch));
        i += size;
      }
      const expected = await snapshot(db, 'in-order');
      expect(expected.orders.length).toBe(12);
      expect(
        expected.orders.some((o) => o.status === 'completed'),
        JSON.stringify(expected.orders.map((o) => o.status)),
      ).toBe(true);
      expect(await snapshot(db, 'shuffled'), `seed ${seed}`).toEqual(expected);
      await db.query('DELETE FROM sales_orders');
      await db.query('DELETE FROM sales_payments');
      await db.query('DELETE FROM sales_order_lines');
    }
    await db.close();
  });
});
