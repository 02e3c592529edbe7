import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { InventoryModule } from '../inventory/module.js';
import {
  type ApiClient,
  eventually,
  moduleOf,
  PINS,
  startTestHub,
  type TestHub,
} from '../testing/hub-harness.js';

let t: TestHub;
let cashier: ApiClient;
let manager: ApiClient;
let failCommit = false;

beforeAll(async () => {
  t = await startTestHub({
    orders: {
      beforeCommit: () => {
        if (failCommit) throw new Error('injected: the order write failed');
      },
    },
  });
  cashier = await t.as(PINS.cashier);
  manager = await t.as(PINS.manager);
});
afterAll(() => t.stop());

const ribeye = (quantity: number) => ({
  menuItemId: 'main-ribeye',
  modifierIds: ['mod-steak-medium-rare', 'mod-side-mash'],
  quantity,
});

async function held(ingredientId: string) {
  const res = await manager.get(`/api/v1/inventory/items?q=${ingredientId}`);
  const row = res.body.items.find((i: { ingredientId: string }) => i.ingredientId === ingredientId);
  return { reserved: row.reserved as number, available: row.available as number };
}

/** Events the order service committed to its outbox for one order. */
function outboxEvents(orderId: string): string[] {
  const db = new Database(join(t.dir, 'hub', 'orders.db'), { readonly: true });
  try {
    const rows = db.prepare('SELECT event_type, envelope FROM outbox ORDER BY seq').all() as {
      event_type: string;
      envelope: string;
    }[];
    return rows
      .filter((r) => (JSON.parse(r.envelope).Payload as { orderId?: string }).orderId === orderId)
      .map((r) => r.event_type);
  } finally {
    db.close();
  }
}

async function itemAvailable(id: string): Promise<boolean> {
  const res = await cashier.get(`/api/v1/menu/items/${id}`);
  return res.body.available as boolean;
}

describe('the order saga', () => {
  it('step 1, menu check fails: nothing is reserved or written', async () => {
    const before = await held('ribeye');
    const id = randomUUID();
    const res = await cashier.post('/api/v1/orders', {
      id,
      type: 'takeout',
      items: [ribeye(1), { menuItemId: 'no-such-dish', quantity: 1 }],
    });
    expect(res.status).toBe(400);
    expect(await held('ribeye')).toEqual(before);
    expect(outboxEvents(id)).toEqual([]);
  });

  it('step 2, stock runs short: 409 naming the ingredient, nothing held or written', async () => {
    const before = await held('ribeye');
    const id = randomUUID();
    const res = await cashier.post('/api/v1/orders', {
      id,
      type: 'takeout',
      items: [ribeye(before.available + 1)],
    });
    expect(res.status).toBe(409);
    expect(res.body.detail).toMatch(/ribeye/i);
    expect(res.body.shortages[0]).toMatchObject({
      ingredientId: 'ribeye',
      available: before.available,
    });
    expect(await held('ribeye')).toEqual(before);
    expect((await cashier.get(`/api/v1/orders/${id}`)).status).toBe(404);
  });

  it('step 3, the order write fails: the reservation is released, and a retry goes through once', async () => {
    const before = await held('ribeye');
    const body = { id: randomUUID(), type: 'takeout', items: [ribeye(1)] };
    failCommit = true;
    const failed = await cashier.post('/api/v1/orders', body);
    failCommit = false;
    expect(failed.status).toBe(500);
    expect(failed.body.detail).not.toMatch(/injected/);
    expect(await held('ribeye')).toEqual(before);
    expect((await cashier.get(`/api/v1/orders/${body.id}`)).status).toBe(404);
    expect(outboxEvents(body.id)).toEqual([]);

    const retried = await cashier.post('/api/v1/orders', body);
    expect(retried.status).toBe(201);
    expect((await held('ribeye')).reserved).toBe(before.reserved + 1);
    await eventually(() => outboxEvents(body.id).length === 1);
    expect(outboxEvents(body.id)).toEqual(['order.created.v1']);
    await cashier.post(`/api/v1/orders/${body.id}/cancel`, {
      reason: 'test',
      approval: { managerPin: PINS.manager },
    });
    await eventually(async () => (await held('ribeye')).reserved === before.reserved);
  });

  it('a crash between reserve and write: the hold is released at restart', async () => {
    const before = await held('ribeye');
    const orphan = randomUUID();
    const inventory = moduleOf<InventoryModule>(t, 'inventory');
    expect(
      await inventory.port().reserve({
        reservationId: orphan,
        orderId: orphan,
        lines: [{ ...ribeye(2), modifierIds: [] }],
      }),
    ).toEqual({ ok: true });
    expect((await held('ribeye')).reserved).toBe(before.reserved + 2);

    await t.restart();
    cashier = await t.as(PINS.cashier);
    manager = await t.as(PINS.manager);
    expect(await held('ribeye')).toEqual(before);
  });

  it('86s an item when orders use up its stock, and brings it back on stock-in', async () => {
    const { available } = await held('ribeye');
    expect(available).toBeGreaterThan(0);
    const last = await cashier.post('/api/v1/orders', {
      id: randomUUID(),
      type: 'takeout',
      items: [ribeye(available)],
    });
    expect(last.status).toBe(201);
    await eventually(async () => !(await itemAvailable('main-ribeye')));

    const soldOut = await cashier.post('/api/v1/orders', {
      id: randomUUID(),
      type: 'takeout',
      items: [ribeye(1)],
    });
    expect(soldOut.status).toBe(409);
    expect(soldOut.body.errors[0]).toEqual({
      field: 'items.0.menuItemId',
      message: '12 oz Ribeye is sold out',
    });

    const stockIn = await manager.post('/api/v1/inventory/stock-in', {
      ingredientId: 'ribeye',
      quantity: 12,
    });
    expect(stockIn.status).toBe(200);
    await eventually(() => itemAvailable('main-ribeye'));
    expect(
      (
        await cashier.post('/api/v1/orders', {
          id: randomUUID(),
          type: 'takeout',
          items: [ribeye(1)],
        })
      ).status,
    ).toBe(201);
  });
});
