import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type ApiClient,
  eventually,
  PINS,
  startTestHub,
  type TestHub,
} from '../testing/hub-harness.js';

let t: TestHub;
let cashier: ApiClient;
let manager: ApiClient;
let cook: ApiClient;

beforeAll(async () => {
  t = await startTestHub();
  cashier = await t.as(PINS.cashier);
  manager = await t.as(PINS.manager);
  cook = await t.as(PINS.cook);
});
afterAll(() => t.stop());

const burger = (over: Record<string, unknown> = {}) => ({
  menuItemId: 'burger-classic',
  modifierIds: ['mod-burger-medium', 'mod-bacon'],
  quantity: 1,
  ...over,
});
const fries = { menuItemId: 'side-fries', quantity: 2 };
const pint = { menuItemId: 'beer-ipa', variantId: 'pint', quantity: 1, seat: 2 };

function order(over: Record<string, unknown> = {}) {
  return {
    id: randomUUID(),
    type: 'dine-in',
    tableId: 'T5',
    guests: 2,
    items: [burger({ seat: 1 }), fries, pint],
    ...over,
  };
}

/** Exclusive tax per line, rounded half up (positive amounts), as a receipt would show it. */
const tax = (net: number, bp: number) => Math.floor((net * bp + 5000) / 10000);

async function levels() {
  const res = await manager.get('/api/v1/inventory/items');
  expect(res.status).toBe(200);
  const list = res.body.items as { ingredientId: string; reserved: number; onHand: number }[];
  expect(list.length).toBeGreaterThan(10);
  return new Map(list.map((i) => [i.ingredientId, { reserved: i.reserved, onHand: i.onHand }]));
}

async function orderCount() {
  return ((await manager.get('/api/v1/orders?limit=200')).body.orders as unknown[]).length;
}

describe('placing an order', () => {
  it('prices it from the menu, numbers it for the day and sends it with order.created', async () => {
    const body = order();
    const res = await cashier.post('/api/v1/orders', body);
    expect(res.status).toBe(201);
    expect(res.headers.get('location')).toBe(`/api/v1/orders/${body.id}`);
    const o = res.body;
    // burger 1595 + bacon 200; fries 2 × 595; IPA pint 850 (alcohol 10.25 %); food 8.25 %.
    const food = 1795 + 2 * 595;
    const drink = 850;
    expect(o.subtotalCents).toBe(food + drink);
    expect(o.taxCents).toBe(tax(1795, 825) + tax(1190, 825) + tax(850, 1025));
    expect(o.totalCents).toBe(o.subtotalCents + o.taxCents);
    expect(o.items.reduce((s: number, i: { totalCents: number }) => s + i.totalCents, 0)).toBe(
      o.totalCents,
    );
    expect(o).toMatchObject({
      status: 'PENDING',
      paymentStatus: 'UNPAID',
      tableId: 'T5',
      currency: 'USD',
    });
    expect(o.number).toBeGreaterThanOrEqual(1);
    expect(o.items[0]).toMatchObject({
      stationId: 'grill',
      seat: 1,
      course: 1,
      name: 'Classic Cheeseburger',
    });
    expect(o.businessDate).toMatch(/^\d{4}-\d{2}-\d{2}$/);

    const next = await cashier.post('/api/v1/orders', order({ tableId: 'T6' }));
    expect(next.body.number).toBe(o.number + 1);
  });

  it('answers a retried order with the same order, never a second one', async () => {
    const body = order();
    const first = await cashier.post('/api/v1/orders', body);
    const again = await cashier.post('/api/v1/orders', body);
    expect(first.status).toBe(201);
    expect(again.status).toBe(200);
    expect(again.body.id).toBe(first.body.id);
    expect(again.body.number).toBe(first.body.number);
    const changed = await cashier.post('/api/v1/orders', { ...body, tableId: 'T7' });
    expect(changed.status).toBe(409);
    const search = await manager.get(
      `/api/v1/orders?q=%23${first.body.number}&businessDate=${first.body.businessDate}`,
    );
    expect(search.body.orders.filter((x: { id: string }) => x.id === body.id)).toHaveLength(1);
  });

  it('replays an Idempotency-Key retry and refuses the key for another body', async () => {
    const key = randomUUID();
    const body = order({ tableId: 'T8' });
    const first = await cashier.post('/api/v1/orders', body, { 'idempotency-key': key });
    const replay = await cashier.post('/api/v1/orders', body, { 'idempotency-key': key });
    expect(replay.status).toBe(201);
    expect(replay.headers.get('idempotent-replayed')).toBe('true');
    expect(replay.body).toEqual(first.body);
    const other = await cashier.post('/api/v1/orders', order(), { 'idempotency-key': key });
    expect(other.status).toBe(409);
  });

  it('adds an automatic service charge for a large dine-in party', async () => {
    const res = await cashier.post('/api/v1/orders', order({ guests: 8, tableId: 'T11' }));
    const o = res.body;
    const preTax = o.subtotalCents - o.discountCents;
    expect(o.serviceChargeCents).toBe(Math.floor((preTax * 1800 + 5000) / 10000));
    expect(o.totalCents).toBe(preTax + o.taxCents + o.serviceChargeCents);
  });
});

describe('bad orders are refused and change nothing', () => {
  const cases: [string, Record<string, unknown>, number, string][] = [
    [
      'unknown item',
      { items: [{ menuItemId: 'unicorn-steak', quantity: 1 }] },
      400,
      'items.0.menuItemId',
    ],
    [
      'missing required modifier',
      { items: [burger({ modifierIds: ['mod-bacon'] })] },
      400,
      'items.0.modifierIds',
    ],
    [
      'too many choices',
      { items: [burger({ modifierIds: ['mod-burger-medium', 'mod-burger-well-done'] })] },
      400,
      'items.0.modifierIds',
    ],
    ['quantity zero', { items: [burger({ quantity: 0 })] }, 400, 'items.0.quantity'],
    ['absurd quantity', { items: [burger({ quantity: 1000 })] }, 400, 'items.0.quantity'],
    ['fractional quantity', { items: [burger({ quantity: 1.5 })] }, 400, 'items.0.quantity'],
    [
      'negative cents',
      { discount: { kind: 'amount', amountCents: -100, reason: 'x' } },
      400,
      'discount.amountCents',
    ],
    [
      'fractional cents',
      { discount: { kind: 'amount', amountCents: 10.5, reason: 'x' } },
      400,
      'discount.amountCents',
    ],
    ['unknown table', { tableId: 'T99' }, 400, 'tableId'],
    ['dine-in without a table', { tableId: undefined }, 400, 'tableId'],
    ['a price sent by the client', { items: [{ ...fries, unitPriceCents: 1 }] }, 400, 'items.0'],
    ['no items', { items: [] }, 400, 'items'],
    [
      'size missing',
      { items: [{ menuItemId: 'beer-ipa', quantity: 1 }] },
      400,
      'items.0.variantId',
    ],
  ];
  for (const [name, change, status, field] of cases) {
    it(`${name}: ${status} naming ${field}`, async () => {
      const before = await levels();
      const count = await orderCount();
      const res = await cashier.post('/api/v1/orders', order(change));
      expect(res.status).toBe(status);
      expect(res.headers.get('content-type')).toMatch(/problem\+json/);
      expect(res.body.errors.map((e: { field: string }) => e.field)).toContain(field);
      expect(await levels()).toEqual(before);
      expect(await orderCount()).toBe(count);
    });
  }

  it('an unknown order is a 404, a bad id a 400', async () => {
    expect((await cashier.get(`/api/v1/orders/${randomUUID()}`)).status).toBe(404);
    expect((await cashier.get('/api/v1/orders/not-a-uuid')).status).toBe(400);
  });

  it('a cook cannot ring in an order and nobody can without signing in', async () => {
    expect((await cook.post('/api/v1/orders', order())).status).toBe(403);
    const anonymous = await fetch(`${t.hub.url}/api/v1/orders`, { method: 'POST' });
    expect(anonymous.status).toBe(401);
  });
});

describe('status changes', () => {
  it('follows the kitchen to completion and refuses illegal moves with 409', async () => {
    const { body: o } = await cashier.post('/api/v1/orders', order());
    const set = (who: ApiClient, status: string) =>
      who.post(`/api/v1/orders/${o.id}/status`, { status });
    expect((await set(cashier, 'PICKED_UP')).status).toBe(409);
    expect((await set(cook, 'PREPARING')).body.status).toBe('PREPARING');
    expect((await set(cook, 'READY')).body.status).toBe('READY');
    const done = await set(cashier, 'COMPLETED');
    expect(done.body.status).toBe('COMPLETED');
    const illegal = await set(cook, 'PREPARING');
    expect(illegal.status).toBe(409);
    expect(illegal.body.type).toBe('urn:pos:problem:illegal-transition');
    expect((await cashier.post(`/api/v1/orders/${o.id}/cancel`, { reason: 'late' })).status).toBe(
      409,
    );
    const modify = await cashier.put(`/api/v1/orders/${o.id}`, {
      modificationId: randomUUID(),
      add: [fries],
    });
    expect(modify.status).toBe(409);
    const history = (await cashier.get(`/api/v1/orders/${o.id}`)).body.history;
    expect(history.map((h: { to: string }) => h.to)).toEqual([
      'PENDING',
      'PREPARING',
      'READY',
      'COMPLETED',
    ]);
  });

  it('rejects a status that is not set by hand', async () => {
    const { body: o } = await cashier.post('/api/v1/orders', order());
    const res = await cashier.post(`/api/v1/orders/${o.id}/status`, { status: 'CONFIRMED' });
    expect(res.status).toBe(400);
  });
});

describe('changing an order', () => {
  it('adds items and voids a sent item only with a manager', async () => {
    const { body: o } = await cashier.post('/api/v1/orders', order());
    const add = await cashier.put(`/api/v1/orders/${o.id}`, {
      modificationId: randomUUID(),
      add: [{ menuItemId: 'dessert-cheesecake', quantity: 2, course: 2 }],
    });
    expect(add.status).toBe(200);
    expect(add.body.items).toHaveLength(4);
    expect(add.body.totalCents).toBeGreaterThan(o.totalCents);
    expect(add.body.version).toBe(2);

    const friesLine = o.items[1].id;
    const voidFries = {
      modificationId: randomUUID(),
      void: [{ orderItemId: friesLine, quantity: 1, reason: 'dropped' }],
    };
    const refused = await cashier.put(`/api/v1/orders/${o.id}`, voidFries);
    expect(refused.status).toBe(403);
    expect(refused.body.needsApproval).toBe(true);
    const wrongPin = await cashier.put(`/api/v1/orders/${o.id}`, {
      ...voidFries,
      approval: { managerPin: PINS.cashier2 },
    });
    expect(wrongPin.status).toBe(403);
    const approved = await cashier.put(`/api/v1/orders/${o.id}`, {
      ...voidFries,
      approval: { managerPin: PINS.manager },
    });
    expect(approved.status).toBe(200);
    const line = approved.body.items.find((i: { id: string }) => i.id === friesLine);
    expect(line).toMatchObject({ quantity: 2, voidedQuantity: 1, grossCents: 595 });
    const full = (await manager.get(`/api/v1/orders/${o.id}`)).body;
    expect(full.voids).toEqual([
      expect.objectContaining({ orderItemId: friesLine, quantity: 1, reason: 'dropped' }),
    ]);

    const replay = await cashier.put(`/api/v1/orders/${o.id}`, {
      ...voidFries,
      approval: { managerPin: PINS.manager },
    });
    expect(replay.status).toBe(200);
    expect(replay.body.version).toBe(approved.body.version);
    const tooMany = await manager.put(`/api/v1/orders/${o.id}`, {
      modificationId: randomUUID(),
      void: [{ orderItemId: friesLine, quantity: 2, reason: 'x' }],
    });
    expect(tooMany.status).toBe(400);
    const stale = await cashier.put(`/api/v1/orders/${o.id}`, {
      modificationId: randomUUID(),
      add: [fries],
      expectedVersion: 1,
    });
    expect(stale.status).toBe(409);
  });

  it('needs a manager for a discount above the cashier limit', async () => {
    const small = await cashier.post(
      '/api/v1/orders',
      order({ discount: { kind: 'percent', basisPoints: 1000, reason: 'regular' } }),
    );
    expect(small.status).toBe(201);
    expect(small.body.discountCents).toBe(
      Math.floor((small.body.subtotalCents * 1000 + 5000) / 10000),
    );
    const big = order({ discount: { kind: 'percent', basisPoints: 5000, reason: 'complaint' } });
    expect((await cashier.post('/api/v1/orders', big)).status).toBe(403);
    const ok = await cashier.post('/api/v1/orders', {
      ...big,
      approval: { managerPin: PINS.manager },
    });
    expect(ok.status).toBe(201);
  });

  it('cancelling releases the stock the order held', async () => {
    const before = await levels();
    const { body: o } = await cashier.post(
      '/api/v1/orders',
      order({
        items: [
          {
            menuItemId: 'main-ribeye',
            modifierIds: ['mod-steak-medium', 'mod-side-fries'],
            quantity: 1,
          },
        ],
      }),
    );
    await eventually(
      async () =>
        (await levels()).get('ribeye')?.reserved === (before.get('ribeye')?.reserved ?? 0) + 1,
    );
    expect(
      (await cashier.post(`/api/v1/orders/${o.id}/cancel`, { reason: 'guest left' })).status,
    ).toBe(403);
    const cancelled = await cashier.post(`/api/v1/orders/${o.id}/cancel`, {
      reason: 'guest left',
      approval: { managerPin: PINS.manager },
    });
    expect(cancelled.body.status).toBe('CANCELLED');
    await eventually(
      async () => (await levels()).get('ribeye')?.reserved === before.get('ribeye')?.reserved,
    );
  });
});

describe('history search', () => {
  it('filters by status, table and text, and pages with a cursor', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      const res = await cashier.post(
        '/api/v1/orders',
        order({ tableId: 'P3', customer: { name: `Guest Zeta${i}` } }),
      );
      ids.push(res.body.id);
    }
    const byTable = await cashier.get('/api/v1/orders?tableId=P3&limit=2');
    expect(byTable.body.orders).toHaveLength(2);
    const seen = [...byTable.body.orders];
    let cursor = byTable.body.nextCursor;
    while (cursor) {
      const page = await cashier.get(`/api/v1/orders?tableId=P3&limit=2&cursor=${cursor}`);
      seen.push(...page.body.orders);
      cursor = page.body.nextCursor;
    }
    expect(seen.map((o: { id: string }) => o.id).sort()).toEqual([...ids].sort());
    const text = await cashier.get('/api/v1/orders?q=zeta3');
    expect(text.body.orders.map((o: { id: string }) => o.id)).toEqual([ids[3]]);
    const pending = await cashier.get('/api/v1/orders?status=pending,preparing&tableId=P3');
    expect(pending.body.orders).toHaveLength(5);
    const none = await cashier.get(
      `/api/v1/orders?tableId=P3&from=${new Date(Date.now() + 60_000).toISOString()}`,
    );
    expect(none.body.orders).toHaveLength(0);
    expect((await cashier.get('/api/v1/orders?status=BOGUS')).status).toBe(400);
    expect((await cashier.get('/api/v1/orders?cursor=garbage')).status).toBe(400);
    expect((await cashier.get('/api/v1/orders?colour=red')).status).toBe(400);
  });

  it('shows the floor with each table open, ordered or paid', async () => {
    const floor = await cashier.get('/api/v1/tables');
    const tables = floor.body.tables as { id: string; status: string }[];
    expect(tables.length).toBeGreaterThanOrEqual(20);
    expect(tables.find((x) => x.id === 'P3')?.status).toBe('ordered');
    expect(tables.find((x) => x.id === 'B6')?.status).toBe('open');
  });
});
