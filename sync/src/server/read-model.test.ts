import { type AnyEvent, makeEvent, uuidv7 } from '@pos/contracts';
import { EVENT_SAMPLES } from '@pos/contracts/event-samples';
import { createLogger } from '@pos/kit';
import { migrateAll, SharedPglite, type SqlDatabase } from '@pos/kit/sql';
import { afterAll, describe, expect, it } from 'vitest';
import {
  applyBatchToReadModel,
  applyParsedBatchToReadModel,
  applyToReadModel,
  type ReadModelEvent,
  readModelSchema,
} from './read-model.js';

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

/** `events` as store `shuffled`, in a random order, in batches of 1 to `maxBatch`. */
async function applyShuffled(
  db: SqlDatabase,
  events: readonly ReadModelEvent[],
  rnd: () => number,
  maxBatch: number,
) {
  const shuffled = events
    .map((e) => ({ ...e, StoreId: 'shuffled' }))
    .map((e) => ({ e, k: rnd() }))
    .sort((a, b) => a.k - b.k)
    .map(({ e }) => e);
  for (let i = 0; i < shuffled.length; ) {
    const size = 1 + Math.floor(rnd() * maxBatch);
    const batch = shuffled.slice(i, i + size);
    await db.transaction((tx) => applyBatchToReadModel(tx, 'shuffled', batch));
    i += size;
  }
}

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
      await applyShuffled(db, events, rnd, 25);
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

// The same, over every event the read model takes: orders changed after they were rung up
// (lines added and voided, sometimes before the lines' own event arrives), payments that failed
// and then completed, tips adjusted more than once, refunds and voids before capture, events
// delivered twice, and events stamped at the same instant or to the microsecond (the later one
// then told by its event id, as PostgreSQL compares them).

function busyDay(storeId: string, rnd: () => number) {
  const events: ReturnType<typeof makeEvent>[] = [];
  let t = Date.parse('2026-03-02T11:00:00.000Z');
  const at = () => {
    // Now and then the same instant as the event before, or a microsecond after it.
    const r = rnd();
    if (r < 0.15) return new Date(t).toISOString();
    if (r < 0.3) return new Date(t).toISOString().replace('Z', `${Math.floor(rnd() * 900) + 100}Z`);
    t += Math.floor(rnd() * 5_000) + 1;
    return new Date(t).toISOString();
  };
  const stamp = (type: string, payload: unknown) => {
    const event = makeEvent(type as never, payload as never, {
      source: 'order-service',
      correlationId: uuidv7() as never,
      storeId: storeId as never,
      timestamp: at() as never,
    });
    events.push(event);
    // Delivered twice now and then.
    if (rnd() < 0.1) events.push(event);
    return event;
  };
  const sampleLine = EVENT_SAMPLES['order.created.v1'].items[1];
  const line = (quantity: number) => ({
    ...sampleLine,
    orderItemId: uuidv7(),
    quantity,
    lineTotalCents: (sampleLine?.unitPriceCents ?? 0) * quantity,
  });
  const voidOf = (orderItemId: string, quantity: number) => ({
    ...EVENT_SAMPLES['order.modified.v1'].voided[0],
    orderItemId,
    quantity,
  });
  const totals = (total: number) => ({
    currency: 'USD',
    subtotalCents: total,
    discountCents: 0,
    taxCents: 0,
    serviceChargeCents: 0,
    totalCents: total,
  });
  for (let i = 0; i < 10; i++) {
    const orderId = uuidv7();
    const lines = [line(2), line(1 + Math.floor(rnd() * 3))];
    stamp('order.created.v1', {
      ...EVENT_SAMPLES['order.created.v1'],
      orderId,
      orderNumber: i + 1,
      customer: undefined,
      items: lines,
      ...totals(1_000 + i),
    });
    if (rnd() < 0.7) {
      const added = line(3);
      // Two voids of one line in one event count together.
      const twice = [
        voidOf(lines[0]?.orderItemId ?? '', 1),
        voidOf(lines[0]?.orderItemId ?? '', 1),
      ];
      stamp('order.modified.v1', {
        ...EVENT_SAMPLES['order.modified.v1'],
        orderId,
        added: [added],
        voided: rnd() < 0.5 ? twice : [voidOf(lines[1]?.orderItemId ?? '', 1)],
        ...totals(2_000 + i),
      });
      if (rnd() < 0.5)
        stamp('order.modified.v1', {
          ...EVENT_SAMPLES['order.modified.v1'],
          orderId,
          added: [],
          voided: [voidOf(added.orderItemId, 1 + Math.floor(rnd() * 3))],
          ...totals(3_000 + i),
        });
    }
    const paymentId = uuidv7();
    const amountCents = 1_000 + i;
    if (rnd() < 0.3) {
      stamp('payment.failed.v1', {
        ...EVENT_SAMPLES['payment.failed.v1'],
        paymentId,
        orderId,
        amountCents,
      });
      stamp('order.paymentfailed.v1', { orderId, paymentId, reason: 'declined', at: at() });
    }
    if (rnd() < 0.8) {
      stamp('payment.completed.v1', {
        ...EVENT_SAMPLES['payment.completed.v1'],
        paymentId,
        orderId,
        amountCents,
        tipCents: 100,
        customer: undefined,
        completedAt: at(),
      });
      for (let n = Math.floor(rnd() * 3); n > 0; n--)
        stamp('payment.tipadjusted.v1', {
          ...EVENT_SAMPLES['payment.tipadjusted.v1'],
          paymentId,
          orderId,
          tipCents: Math.floor(rnd() * 1_000),
          at: at(),
        });
      for (let n = Math.floor(rnd() * 3); n > 0; n--)
        stamp('payment.refundprocessed.v1', {
          ...EVENT_SAMPLES['payment.refundprocessed.v1'],
          refundId: uuidv7(),
          paymentId,
          orderId,
          amountCents: 100 + Math.floor(rnd() * 200),
          voided: rnd() < 0.2,
        });
      stamp('order.confirmed.v1', { ...EVENT_SAMPLES['order.confirmed.v1'], orderId, paymentId });
      stamp('order.preparing.v1', { ...EVENT_SAMPLES['order.preparing.v1'], orderId });
      stamp('order.ready.v1', { ...EVENT_SAMPLES['order.ready.v1'], orderId });
      if (rnd() < 0.6) stamp('order.pickedup.v1', { orderId, at: at() });
    } else if (rnd() < 0.5) {
      stamp('order.cancelled.v1', { orderId, reason: 'guest left', at: at() });
    }
  }
  return events;
}

const everything = async (db: Awaited<ReturnType<SharedPglite['database']>>, storeId: string) => ({
  orders: await db.query(
    `SELECT order_id, order_number, order_type, business_date, created_at, currency,
            subtotal_cents, discount_cents, tax_cents, service_charge_cents, total_cents,
            totals_at, totals_event_id, status, status_final, status_at, status_event_id
       FROM sales_orders WHERE store_id = $1 ORDER BY order_id`,
    [storeId],
  ),
  lines: await db.query(
    `SELECT order_id, order_item_id, menu_item_id, quantity, line_total_cents, voided_quantity,
            sold_quantity, sold_cents
       FROM sales_order_lines WHERE store_id = $1 ORDER BY order_item_id`,
    [storeId],
  ),
  voids: await db.query(
    `SELECT order_id, order_item_id, event_id, quantity FROM sales_line_voids
      WHERE store_id = $1 ORDER BY event_id, order_item_id`,
    [storeId],
  ),
  payments: await db.query(
    `SELECT payment_id, order_id, status, tender, amount_cents, currency, tip_cents, tip_at,
            tip_event_id, refunded_cents, voided, completed_at
       FROM sales_payments WHERE store_id = $1 ORDER BY payment_id`,
    [storeId],
  ),
  refunds: await db.query(
    `SELECT refund_id, payment_id, order_id, amount_cents, voided, processed_at
       FROM sales_refunds WHERE store_id = $1 ORDER BY refund_id`,
    [storeId],
  ),
});

describe('sales read model, every event it takes', () => {
  it('ends the same whatever the order, batching and repeats of the events', async () => {
    const db = await pglite.database('read_model_all_test');
    await migrateAll(db, [readModelSchema]);
    for (let seed = 1; seed <= 12; seed++) {
      const rnd = random(seed);
      const events = busyDay('in-order', rnd);
      await db.transaction(async (tx) => {
        for (const e of events) await applyToReadModel(tx, 'in-order', e);
      });
      const expected = await everything(db, 'in-order');

      // What one event at a time in order gives, checked against the events themselves.
      const unique = [...new Map(events.map((e) => [e.EventId, e])).values()];
      const voided = new Map<string, number>();
      const refunded = new Map<string, number>();
      for (const e of unique) {
        const p = e.Payload as {
          voided?: { orderItemId: string; quantity: number }[];
          paymentId?: string;
          amountCents?: number;
        };
        if (e.EventType === 'order.modified.v1')
          for (const v of p.voided ?? [])
            voided.set(v.orderItemId, (voided.get(v.orderItemId) ?? 0) + v.quantity);
        if (e.EventType === 'payment.refundprocessed.v1' && !(p as { voided?: boolean }).voided)
          refunded.set(
            p.paymentId ?? '',
            (refunded.get(p.paymentId ?? '') ?? 0) + (p.amountCents ?? 0),
          );
      }
      for (const l of expected.lines as { order_item_id: string; quantity: number }[])
        expect(l).toMatchObject({
          voided_quantity: Math.min(l.quantity, voided.get(l.order_item_id) ?? 0),
        });
      for (const p of expected.payments as { payment_id: string }[])
        expect(p).toMatchObject({ refunded_cents: refunded.get(p.payment_id) ?? 0 });
      expect(expected.orders.length).toBe(10);
      expect(expected.voids.length).toBeGreaterThan(0);
      expect(expected.refunds.length).toBeGreaterThan(0);

      // Shuffled, in batches of 1 to 40.
      await applyShuffled(db, events, rnd, 40);
      expect(await everything(db, 'shuffled'), `seed ${seed}, shuffled`).toEqual(expected);

      // Backwards, all in one batch of events already checked against their contracts.
      await db.transaction((tx) =>
        applyParsedBatchToReadModel(tx, 'one-batch', [...events].reverse() as AnyEvent[]),
      );
      expect(await everything(db, 'one-batch'), `seed ${seed}, one batch`).toEqual(expected);

      for (const table of [
        'sales_orders',
        'sales_order_lines',
        'sales_line_voids',
        'sales_payments',
        'sales_refunds',
      ])
        await db.query(`DELETE FROM ${table}`);
    }
    await db.close();
  });
});
