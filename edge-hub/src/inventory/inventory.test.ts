import { randomUUID } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  createdPayload,
  eventually,
  orderLine,
  startTestHub,
  type TestHub,
} from './inventory.fixture.js';

let t: TestHub;
let manager: string;

beforeEach(async () => {
  t = await startTestHub({
    module: { menu: () => ({ itemIds: () => ['burger', 'fries', 'water'] }) },
  });
  manager = await t.token(['manager']);
});

afterEach(async () => {
  await t.stop(true);
});

const level = (id: string) =>
  t.sql<{ onHand: number; reserved: number }>(
    'SELECT on_hand AS onHand, reserved FROM ingredients WHERE id = ?',
    id,
  )[0];
const status = (reservationId: string) =>
  t.sql<{ status: string }>('SELECT status FROM reservations WHERE id = ?', reservationId)[0]
    ?.status;
const burger = (quantity: number, extra: { variantId?: string; modifierIds?: string[] } = {}) => ({
  menuItemId: 'burger',
  modifierIds: extra.modifierIds ?? [],
  quantity,
  ...(extra.variantId ? { variantId: extra.variantId } : {}),
});
const eventsOf = (type: string) => t.seen.filter((e) => e.EventType === type);

describe('reservations (InventoryPort)', () => {
  it('holds the needs of every line once, however often it is asked', async () => {
    const port = t.inventory.port();
    const orderId = randomUUID();
    const lines = [
      burger(2, { modifierIds: ['extra-cheese'] }),
      burger(1, { variantId: 'double' }),
    ];
    expect(await port.reserve({ reservationId: orderId, orderId, lines })).toEqual({ ok: true });
    expect(await port.reserve({ reservationId: orderId, orderId, lines })).toEqual({ ok: true });
    expect(level('bun')).toEqual({ onHand: 10, reserved: 3 });
    expect(level('patty')).toEqual({ onHand: 10, reserved: 4 });
    expect(level('cheese')).toEqual({ onHand: 5, reserved: 2 });
    expect(status(orderId)).toBe('held');
    const held = t.sql<{ ingredientId: string; quantity: number }>(
      `SELECT ingredient_id AS ingredientId, sum(quantity) AS quantity FROM reservation_lines
       WHERE reservation_id = ? GROUP BY ingredient_id ORDER BY ingredient_id`,
      orderId,
    );
    expect(held).toEqual([
      { ingredientId: 'bun', quantity: 3 },
      { ingredientId: 'cheese', quantity: 2 },
      { ingredientId: 'patty', quantity: 4 },
    ]);
    // Holds move no stock on hand, so they leave no ledger row.
    expect(t.sql('SELECT 1 FROM stock_transactions WHERE reservation_id = ?', orderId)).toEqual([]);
  });

  it('holds nothing and names the shortages when any ingredient is short', async () => {
    const port = t.inventory.port();
    const orderId = randomUUID();
    // 3 + 2×4 = 11 patties across two lines; 10 on the shelf.
    const result = await port.reserve({
      reservationId: orderId,
      orderId,
      lines: [
        burger(3),
        burger(4, { variantId: 'double' }),
        { menuItemId: 'fries', modifierIds: [], quantity: 1 },
      ],
    });
    expect(result).toEqual({
      ok: false,
      shortages: [
        {
          menuItemId: 'burger',
          ingredientId: 'patty',
          ingredientName: 'Beef patty',
          unit: 'each',
          needed: 11,
          available: 10,
        },
      ],
    });
    expect(level('patty')).toEqual({ onHand: 10, reserved: 0 });
    expect(level('potato')).toEqual({ onHand: 1000, reserved: 0 });
    expect(status(orderId)).toBeUndefined();
    // The refusal is not remembered: the corrected order may use the same ID.
    expect(await port.reserve({ reservationId: orderId, orderId, lines: [burger(3)] })).toEqual({
      ok: true,
    });
  });

  it('releases once; a second release or an unknown ID changes nothing', async () => {
    const port = t.inventory.port();
    const orderId = randomUUID();
    await port.reserve({ reservationId: orderId, orderId, lines: [burger(2)] });
    port.release(orderId);
    port.release(orderId);
    port.release(randomUUID());
    expect(level('patty')).toEqual({ onHand: 10, reserved: 0 });
    expect(status(orderId)).toBe('released');
    const settled = t.sql<{ settledBy: string }>(
      'SELECT settled_by AS settledBy FROM reservations WHERE id = ?',
      orderId,
    );
    expect(settled).toEqual([{ settledBy: expect.any(String) }]);
    // A released hold is taken again when the same order is retried (its first write failed
    // and was compensated); the order service only asks when the order does not exist.
    expect(await port.reserve({ reservationId: orderId, orderId, lines: [burger(2)] })).toEqual({
      ok: true,
    });
    expect(level('patty')?.reserved).toBe(2);
    expect(status(orderId)).toBe('held');
  });

  it('refuses a line quantity that is not a whole positive number', async () => {
    const port = t.inventory.port();
    const orderId = randomUUID();
    await expect(
      port.reserve({ reservationId: orderId, orderId, lines: [burger(1.5)] }),
    ).rejects.toThrow(RangeError);
  });
});

describe('order events from the bus', () => {
  it('commits on created, consumes on pickup, and ignores redelivered events', async () => {
    const port = t.inventory.port();
    const orderId = randomUUID();
    await port.reserve({ reservationId: orderId, orderId, lines: [burger(2)] });
    const created = await t.publish(
      'order.created.v1',
      createdPayload(orderId, [orderLine('burger', 2)]),
    );
    await eventually(() => status(orderId) === 'committed');
    await t.bus.publishEvent(created);

    const pickedUp = await t.publish('order.pickedup.v1', {
      orderId,
      at: new Date().toISOString(),
    });
    await eventually(() => status(orderId) === 'consumed');
    await t.bus.publishEvent(pickedUp);
    await t.publish('order.cancelled.v1', {
      orderId,
      reason: 'too late',
      at: new Date().toISOString(),
    });
    // Events are applied in arrival order: once the cancel is in, both repeats were seen.
    await eventually(
      () => t.sql('SELECT 1 FROM inbox WHERE event_type = ?', 'order.cancelled.v1').length === 1,
    );
    await eventually(() => eventsOf('inventory.levelchanged.v1').length >= 2);
    expect(t.sql('SELECT 1 FROM inbox')).toHaveLength(3);

    expect(level('patty')).toEqual({ onHand: 8, reserved: 0 });
    expect(level('bun')).toEqual({ onHand: 8, reserved: 0 });
    expect(status(orderId)).toBe('consumed');
    const changes = eventsOf('inventory.levelchanged.v1').map((e) => e.Payload);
    expect(changes).toEqual(
      expect.arrayContaining([
        { ingredientId: 'bun', unit: 'each', previous: 10, current: 8, reason: 'consume', orderId },
        {
          ingredientId: 'patty',
          unit: 'each',
          previous: 10,
          current: 8,
          reason: 'consume',
          orderId,
        },
      ]),
    );
    expect(changes).toHaveLength(2);
  });

  it('releases every reservation of a cancelled order', async () => {
    const port = t.inventory.port();
    const orderId = randomUUID();
    const modification = randomUUID();
    await port.reserve({ reservationId: orderId, orderId, lines: [burger(2)] });
    await port.reserve({
      reservationId: modification,
      orderId,
      lines: [burger(1, { variantId: 'double' })],
    });
    expect(level('patty')?.reserved).toBe(4);
    await t.publish('order.cancelled.v1', {
      orderId,
      reason: 'guest left',
      at: new Date().toISOString(),
    });
    await eventually(() => status(orderId) === 'released' && status(modification) === 'released');
    expect(level('patty')).toEqual({ onHand: 10, reserved: 0 });
  });

  it('gives back a voided line, or books it as waste when the kitchen had it', async () => {
    const port = t.inventory.port();
    const orderId = randomUUID();
    const cheesy = orderLine('burger', 2, { modifierIds: ['extra-cheese'] });
    const plain = orderLine('burger', 3);
    await port.reserve({
      reservationId: orderId,
      orderId,
      lines: [burger(2, { modifierIds: ['extra-cheese'] }), burger(3)],
    });
    await t.publish('order.created.v1', createdPayload(orderId, [cheesy, plain]));
    await eventually(() => status(orderId) === 'committed');
    const voidedBy = randomUUID();
    const modified = {
      orderId,
      added: [],
      currency: 'USD',
      subtotalCents: 0,
      discountCents: 0,
      taxCents: 0,
      serviceChargeCents: 0,
      totalCents: 0,
      modifiedBy: voidedBy,
      at: new Date().toISOString(),
    };
    await t.publish('order.modified.v1', {
      ...modified,
      voided: [
        {
          orderItemId: cheesy.orderItemId,
          quantity: 1,
          reason: 'changed mind',
          voidedBy,
          wasSentToKitchen: false,
        },
      ],
    });
    await eventually(() => level('cheese')?.reserved === 1);
    expect(level('patty')).toEqual({ onHand: 10, reserved: 4 });
    expect(level('cheese')).toEqual({ onHand: 5, reserved: 1 });

    await t.publish('order.modified.v1', {
      ...modified,
      voided: [
        {
          orderItemId: plain.orderItemId,
          quantity: 2,
          reason: 'dropped',
          voidedBy,
          wasSentToKitchen: true,
        },
      ],
    });
    await eventually(() => level('patty')?.reserved === 2);
    expect(level('patty')).toEqual({ onHand: 8, reserved: 2 });
    expect(level('cheese')).toEqual({ onHand: 5, reserved: 1 });
    const waste = t.sql<{ kind: string; who: string; reason: string }>(
      `SELECT kind, who, reason FROM stock_transactions WHERE ingredient_id = 'patty' ORDER BY id DESC LIMIT 1`,
    )[0];
    expect(waste).toEqual({
      kind: 'consume',
      who: voidedBy,
      reason: 'voided after it went to the kitchen: dropped',
    });
  });
});

describe('86ing', () => {
  it('takes an item off when its stock runs out and puts it back on stock-in', async () => {
    const out = await t.api('POST', '/api/v1/inventory/stock-out', {
      token: manager,
      body: { ingredientId: 'patty', quantity: 10, reason: 'freezer failed' },
    });
    expect(out.status).toBe(200);
    await eventually(() => eventsOf('menu.itemavailabilitychanged.v1').length === 1);
    expect(eventsOf('menu.itemavailabilitychanged.v1')[0]?.Payload).toEqual({
      menuItemId: 'burger',
      available: false,
      reason: 'out of Beef patty',
    });
    const levels = await t.api('GET', '/api/v1/inventory/levels', {
      token: await t.token(['cook']),
    });
    expect(levels.body.items).toContainEqual(
      expect.objectContaining({ menuItemId: 'burger', available: false, tracked: true }),
    );
    expect(levels.body.items).toContainEqual(
      expect.objectContaining({ menuItemId: 'water', available: true, tracked: false }),
    );

    await t.api('POST', '/api/v1/inventory/stock-in', {
      token: manager,
      body: {
        ingredientId: 'patty',
        quantity: 1,
        supplierId: 'acme-meats',
        costCents: 250,
        currency: 'USD',
      },
    });
    await eventually(() => eventsOf('menu.itemavailabilitychanged.v1').length === 2);
    expect(eventsOf('menu.itemavailabilitychanged.v1')[1]?.Payload).toMatchObject({
      menuItemId: 'burger',
      available: true,
    });
    await eventually(() => eventsOf('inventory.received.v1').length === 1);
    expect(eventsOf('inventory.received.v1')[0]?.Payload).toEqual({
      ingredientId: 'patty',
      unit: 'each',
      quantity: 1,
      supplierId: 'acme-meats',
      costCents: 250,
      currency: 'USD',
    });
  });

  it('takes an item off when orders hold the last portion', async () => {
    const port = t.inventory.port();
    const orderId = randomUUID();
    await port.reserve({
      reservationId: orderId,
      orderId,
      lines: [{ menuItemId: 'fries', modifierIds: [], quantity: 6 }],
    });
    // 1000 g − 900 g leaves 100 g: less than one 150 g portion.
    await eventually(() => eventsOf('menu.itemavailabilitychanged.v1').length === 1);
    expect(eventsOf('menu.itemavailabilitychanged.v1')[0]?.Payload).toMatchObject({
      menuItemId: 'fries',
      available: false,
    });
    port.release(orderId);
    await eventually(() => eventsOf('menu.itemavailabilitychanged.v1').length === 2);
    expect(eventsOf('menu.itemavailabilitychanged.v1')[1]?.Payload).toMatchObject({
      menuItemId: 'fries',
      available: true,
    });
  });

  it('lets floor staff 86 an item by hand, announcing only real changes', async () => {
    const cashier = await t.token(['cashier']);
    const path = '/api/v1/inventory/availability/fries';
    const off = await t.api('POST', path, {
      token: cashier,
      body: { available: false, reason: 'fryer down' },
    });
    expect(off.status).toBe(200);
    expect(off.body).toMatchObject({
      changed: true,
      item: { available: false, manualAvailable: false, reason: 'fryer down' },
    });
    const again = await t.api('POST', path, {
      token: await t.token(['cook']),
      body: { available: false },
    });
    expect(again.body.changed).toBe(false);
    const on = await t.api('POST', path, { token: cashier, body: { available: true } });
    expect(on.body.item.available).toBe(true);
    await eventually(() => eventsOf('menu.itemavailabilitychanged.v1').length === 2);
    expect(eventsOf('menu.itemavailabilitychanged.v1').map((e) => e.Payload)).toEqual([
      { menuItemId: 'fries', available: false, reason: 'fryer down' },
      { menuItemId: 'fries', available: true, reason: 'back on sale' },
    ]);
    const unknown = await t.api('POST', '/api/v1/inventory/availability/pizza', {
      token: cashier,
      body: { available: false },
    });
    expect(unknown.status).toBe(404);
  });
});

describe('low stock', () => {
  it('alerts once per dip to the reorder point and re-arms above it', async () => {
    const out = (quantity: number) =>
      t.api('POST', '/api/v1/inventory/stock-out', {
        token: manager,
        body: { ingredientId: 'bun', quantity, reason: 'stale' },
      });
    await out(7); // 3 left = the reorder point
    await out(1);
    await t.api('POST', '/api/v1/inventory/stock-in', {
      token: manager,
      body: { ingredientId: 'bun', quantity: 5 },
    });
    await out(4); // 3 again
    await eventually(() => eventsOf('inventory.levelchanged.v1').length === 4);
    expect(eventsOf('inventory.lowstockalert.v1').map((e) => e.Payload)).toEqual([
      { ingredientId: 'bun', name: 'Bun', unit: 'each', level: 3, reorderPoint: 3 },
      { ingredientId: 'bun', name: 'Bun', unit: 'each', level: 3, reorderPoint: 3 },
    ]);
    const items = await t.api('GET', '/api/v1/inventory/items?lowOnly=true', { token: manager });
    expect(items.body.items.map((i: { ingredientId: string }) => i.ingredientId)).toEqual(['bun']);
  });
});
