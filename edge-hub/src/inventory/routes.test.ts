import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, startTestHub, type TestHub } from './inventory.fixture.js';

let t: TestHub;
let manager: string;
let cashier: string;

beforeAll(async () => {
  t = await startTestHub();
  manager = await t.token(['manager']);
  cashier = await t.token(['cashier']);
});

afterAll(async () => {
  await t.stop(true);
});

const fields = (body: { errors?: { field: string }[] }) => (body.errors ?? []).map((e) => e.field);

describe('inventory routes: who may call', () => {
  it('asks for a token (401) and the manager role to move stock (403)', async () => {
    const body = { ingredientId: 'bun', quantity: 5 };
    const anonymous = await t.api('POST', '/api/v1/inventory/stock-in', { body });
    expect(anonymous.status).toBe(401);
    expect(anonymous.body.type).toBe('urn:pos:problem:unauthenticated');
    const byCashier = await t.api('POST', '/api/v1/inventory/stock-in', { token: cashier, body });
    expect(byCashier.status).toBe(403);
    expect((await t.api('GET', '/api/v1/inventory/transactions', { token: cashier })).status).toBe(
      403,
    );
    expect((await t.api('GET', '/api/v1/inventory/items', { token: cashier })).status).toBe(200);
  });

  it('declares a role for every inventory route', async () => {
    const mine = t.hub.routes.filter((r) => r.path.startsWith('/api/v1/inventory'));
    expect(mine.map((r) => `${r.method} ${r.path}`).sort()).toEqual([
      'GET /api/v1/inventory/items',
      'GET /api/v1/inventory/levels',
      'GET /api/v1/inventory/suppliers',
      'GET /api/v1/inventory/transactions',
      'POST /api/v1/inventory/adjust',
      'POST /api/v1/inventory/availability/:menuItemId',
      'POST /api/v1/inventory/stock-in',
      'POST /api/v1/inventory/stock-out',
    ]);
    expect(mine.every((r) => r.access !== 'public')).toBe(true);
  });
});

describe('inventory routes: bad input', () => {
  it('answers 404 for an unknown ingredient', async () => {
    const res = await t.api('POST', '/api/v1/inventory/stock-in', {
      token: manager,
      body: { ingredientId: 'unicorn', quantity: 1 },
    });
    expect(res.status).toBe(404);
    expect(res.body.detail).toMatch(/unicorn/);
    const ledger = await t.api('GET', '/api/v1/inventory/transactions?ingredientId=unicorn', {
      token: manager,
    });
    expect(ledger.status).toBe(404);
  });

  it.each([
    ['negative', -5],
    ['zero', 0],
    ['fractional', 1.5],
    ['absurd', 10_000_001],
    ['a string', '5'],
  ])('refuses a %s quantity with 400 naming the field', async (_what, quantity) => {
    for (const path of ['stock-in', 'stock-out']) {
      const res = await t.api('POST', `/api/v1/inventory/${path}`, {
        token: manager,
        body: { ingredientId: 'bun', quantity, reason: 'test' },
      });
      expect(res.status).toBe(400);
      expect(res.body.type).toBe('urn:pos:problem:validation');
      expect(fields(res.body)).toContain('quantity');
    }
  });

  it('lists every bad field at once', async () => {
    const res = await t.api('POST', '/api/v1/inventory/stock-out', {
      token: manager,
      body: { ingredientId: '', quantity: -1, qty: 3 },
    });
    expect(res.status).toBe(400);
    expect(fields(res.body)).toEqual(
      expect.arrayContaining(['ingredientId', 'quantity', 'reason']),
    );
  });

  it('will not take stock promised to orders (409 with the numbers)', async () => {
    const orderId = randomUUID();
    await t.inventory.port().reserve({
      reservationId: orderId,
      orderId,
      lines: [{ menuItemId: 'burger', modifierIds: [], quantity: 4 }],
    });
    const res = await t.api('POST', '/api/v1/inventory/stock-out', {
      token: manager,
      body: { ingredientId: 'patty', quantity: 7, reason: 'dropped' },
    });
    expect(res.status).toBe(409);
    expect(res.body).toMatchObject({ onHand: 10, reserved: 4, requested: 7, maxRemovable: 6 });
    t.inventory.port().release(orderId);
  });

  it('takes exactly one of countedQuantity and delta', async () => {
    for (const body of [
      { ingredientId: 'cheese', reason: 'count' },
      { ingredientId: 'cheese', countedQuantity: 4, delta: -1, reason: 'count' },
      { ingredientId: 'cheese', delta: 0, reason: 'count' },
      { ingredientId: 'cheese', countedQuantity: -1, reason: 'count' },
    ]) {
      const res = await t.api('POST', '/api/v1/inventory/adjust', { token: manager, body });
      expect(res.status, JSON.stringify(body)).toBe(400);
    }
    const below = await t.api('POST', '/api/v1/inventory/adjust', {
      token: manager,
      body: { ingredientId: 'cheese', delta: -6, reason: 'count' },
    });
    expect(below.status).toBe(409);
  });
});

describe('inventory routes: counts, lists and the ledger', () => {
  it('adjusts to a count and announces it', async () => {
    const res = await t.api('POST', '/api/v1/inventory/adjust', {
      token: manager,
      body: { ingredientId: 'cheese', countedQuantity: 3, reason: 'weekly count' },
    });
    expect(res.status).toBe(200);
    expect(res.body.ingredient).toMatchObject({ ingredientId: 'cheese', onHand: 3, available: 3 });
    await eventually(() => t.seen.some((e) => e.EventType === 'inventory.adjusted.v1'));
    const adjusted = t.seen.find((e) => e.EventType === 'inventory.adjusted.v1');
    expect(adjusted?.Payload).toMatchObject({
      ingredientId: 'cheese',
      delta: -2,
      reason: 'weekly count',
    });
    const same = await t.api('POST', '/api/v1/inventory/adjust', {
      token: manager,
      body: { ingredientId: 'cheese', countedQuantity: 3, reason: 'recount' },
    });
    expect(same.body.transactionId).toBeNull();
  });

  it('lists ingredients with their supplier, filtered by name', async () => {
    const res = await t.api('GET', '/api/v1/inventory/items?q=BEEF', { token: cashier });
    expect(res.body.items).toEqual([
      {
        ingredientId: 'patty',
        name: 'Beef patty',
        unit: 'each',
        onHand: 10,
        reserved: 0,
        available: 10,
        reorderPoint: 2,
        parLevel: 20,
        supplier: { supplierId: 'acme-meats', name: 'Acme Meats' },
        low: false,
      },
    ]);
    const suppliers = await t.api('GET', '/api/v1/inventory/suppliers', { token: manager });
    expect(suppliers.body.suppliers).toEqual([
      { id: 'acme-meats', name: 'Acme Meats', phone: null, email: null, leadTimeDays: 2 },
    ]);
  });

  it('pages the ledger newest first with a cursor', async () => {
    for (let i = 1; i <= 5; i++) {
      await t.api('POST', '/api/v1/inventory/stock-in', {
        token: manager,
        body: { ingredientId: 'potato', quantity: i, note: `delivery ${i}` },
      });
    }
    const seen: number[] = [];
    let cursor: string | null = null;
    do {
      const query: string = `ingredientId=potato&limit=2${cursor ? `&cursor=${cursor}` : ''}`;
      const page = await t.api('GET', `/api/v1/inventory/transactions?${query}`, {
        token: manager,
      });
      expect(page.status).toBe(200);
      seen.push(...page.body.transactions.map((r: { quantity: number }) => r.quantity));
      cursor = page.body.nextCursor;
    } while (cursor);
    // Five deliveries, newest first, then the opening stock from the seed.
    expect(seen).toEqual([5, 4, 3, 2, 1, 1000]);
    const bad = await t.api('GET', '/api/v1/inventory/transactions?cursor=abc&limit=0', {
      token: manager,
    });
    expect(fields(bad.body)).toEqual(expect.arrayContaining(['query.cursor', 'query.limit']));
  });
});
