import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type EventType, makeEvent, uuidv7 } from '@pos/contracts';
import { AppError, createLogger } from '@pos/kit';
import {
  MemoryBus,
  PgDatabase,
  SharedPglite,
  type SqlDatabase,
  type StartedService,
} from '@pos/kit/sql';
import { lazyTestDatabase } from '@pos/kit/sql/testing';
import { startSyncServer } from '@pos/sync/server/service';
import { testTokens } from '@pos/sync/server/test-tokens';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { challengeUrl } from './challenge-routes.js';
import { type PaymentIntentId, SimulatedOnlineProcessor } from './payments/index.js';
import type { RewardHolder } from './rewards.js';
import { startOnlineService } from './service.js';

// The online order's life on PostgreSQL and PGlite, with the real sync service (stores, hub
// heartbeats, menus from a menu stand-in), the in-process bus and the simulated card processor:
// priced by the cloud, paid once, handed to the store through the outbox once, followed through
// the store's events, refunded once when the store rejects, cancels, refunds or never receives.

const logger = createLogger({ service: 'online-test', level: 'silent' });
const pglite = new SharedPglite({ logger });
const pgOnline = lazyTestDatabase('pos_online_test');
const pgSync = lazyTestDatabase('pos_online_sync_test');
const { jwks, tokenFor } = await testTokens();

const food = [{ id: 'food', name: 'Food', rateBasisPoints: 825, inclusive: false }];
const menuOf = (items: { id: string; name: string; priceCents: number }[]) => ({
  version: 3,
  publishedAt: '2026-12-01T09:00:00.000Z',
  currency: 'USD',
  taxCategories: food,
  stations: [{ id: 'grill', name: 'Grill' }],
  categories: [{ id: 'mains', name: 'Mains', sortOrder: 1 }],
  items: items.map((i) => ({
    ...i,
    categoryId: 'mains',
    taxCategoryId: 'food',
    stationId: 'grill',
  })),
});
const MENUS: Record<string, unknown> = {
  'quay-street': menuOf([
    { id: 'burger', name: 'Burger', priceCents: 1_250 },
    { id: 'fish', name: 'Fish and chips', priceCents: 1_450 },
  ]),
  'dock-road': menuOf([{ id: 'pizza', name: 'Pizza', priceCents: 1_100 }]),
  'closed-lane': menuOf([{ id: 'soup', name: 'Soup', priceCents: 600 }]),
};

let menuService: Server;
beforeAll(async () => {
  menuService = createServer((req, res) => {
    const storeId = /^\/api\/v1\/menu\/stores\/([^/]+)\/current$/.exec(req.url ?? '')?.[1];
    const menu = storeId ? MENUS[storeId] : undefined;
    res.writeHead(menu ? 200 : 404, { 'content-type': 'application/json' });
    res.end(JSON.stringify(menu ?? { title: 'Not found' }));
  });
  await new Promise<void>((r) => menuService.listen(0, '127.0.0.1', r));
});
afterAll(async () => {
  await new Promise((r) => menuService.close(r));
  await pglite.close();
  await pgOnline.dispose();
  await pgSync.dispose();
});
const menuUrl = () => `http://127.0.0.1:${(menuService.address() as AddressInfo).port}`;

const targets = [
  {
    kind: 'postgres',
    env: async () => ({
      sync: { SYNC_DATABASE_URL: (await pgSync.get()).url },
      online: { ONLINE_DATABASE_URL: (await pgOnline.get()).url },
    }),
    db: async (name: 'sync' | 'online') =>
      PgDatabase.open({ url: (await (name === 'sync' ? pgSync : pgOnline).get()).url }),
  },
  {
    kind: 'pglite',
    env: async () => ({ sync: {}, online: {} }),
    db: async (name: 'sync' | 'online') => pglite.database(name),
  },
] as const;

interface Answer {
  status: number;
  headers: Headers;
  body: any;
}

for (const target of targets) {
  describe(`online ordering on ${target.kind}`, () => {
    const bus = new MemoryBus();
    const processor = new SimulatedOnlineProcessor();
    /** Loyalty as the ordering service sees it: holds by order, each let go of at most once. */
    const held = new Map<string, { token: string; rewardId: string; released: number }>();
    const rewards: RewardHolder = {
      async hold(token, rewardId, orderId) {
        if (token !== 'guest-token') throw new AppError('unauthenticated', 'Sign in again');
        if (rewardId === 'everything-free') {
          held.set(orderId, { token, rewardId, released: 0 });
          return {
            orderId,
            rewardId,
            name: 'Free meal',
            points: 900,
            discountCents: 100_000,
            pointsBalance: 0,
          };
        }
        held.set(orderId, { token, rewardId, released: 0 });
        return {
          orderId,
          rewardId,
          name: '$5 off',
          points: 300,
          discountCents: 500,
          pointsBalance: 200,
        };
      },
      async release(_token, orderId) {
        const h = held.get(orderId);
        if (h) h.released += 1;
      },
    };
    let sync: StartedService;
    let online: StartedService;
    let syncDb: SqlDatabase;
    let onlineDb: SqlDatabase;
    const hubs: Record<string, string> = {};
    /** Every `online.orderpaid.v1` that reached the bus. */
    const handedOver: any[] = [];
    let stopObserver: () => Promise<void>;

    const call = async (
      base: () => string,
      method: string,
      path: string,
      body?: unknown,
      headers: Record<string, string> = {},
    ): Promise<Answer> => {
      const res = await fetch(`${base()}${path}`, {
        method,
        headers: {
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
          ...headers,
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      const text = await res.text();
      return {
        status: res.status,
        headers: res.headers,
        body: text ? JSON.parse(text) : undefined,
      };
    };
    const toSync = (method: string, path: string, body: unknown, auth: string) =>
      call(() => sync.url, method, path, body, { authorization: `Bearer ${auth}` });
    const api = (method: string, path: string, body?: unknown, headers?: Record<string, string>) =>
      call(() => online.url, method, path, body, headers);
    /** The hub of each open store says it is there (a store takes orders for 45 s after). */
    const heartbeat = async () => {
      for (const credential of Object.values(hubs)) {
        expect((await toSync('POST', '/api/v1/sync/push', { events: [] }, credential)).status).toBe(
          200,
        );
      }
    };
    const until = async (check: () => Promise<boolean> | boolean, ms = 10_000) => {
      const end = Date.now() + ms;
      while (!(await check())) {
        if (Date.now() > end) throw new Error('not in time');
        await new Promise((r) => setTimeout(r, 25));
      }
    };

    beforeAll(async () => {
      const env = await target.env();
      sync = await startSyncServer(
        { env: env.sync, embedded: pglite, host: '127.0.0.1', port: 0, logger, bus },
        { jwks, menuUrl: menuUrl() },
      );
      online = await startOnlineService(
        { env: env.online, embedded: pglite, host: '127.0.0.1', port: 0, logger, bus },
        { syncUrl: sync.url, processor, rewards, sweepEveryMs: 100 },
      );
      syncDb = await target.db('sync');
      onlineDb = await target.db('online');
      stopObserver = await bus.subscribe(
        'test.observer',
        ['online.orderpaid.v1', 'online.orderwithdrawn.v1'],
        (d) => {
          handedOver.push(JSON.parse(d.body.toString('utf8')));
          d.ack();
        },
      );
      const manager = await tokenFor(['manager']);
      for (const [storeId, name] of [
        ['quay-street', 'Quay Street'],
        ['dock-road', 'Dock Road'],
        ['closed-lane', 'Closed Lane'],
      ] as const) {
        const created = await toSync('POST', '/api/v1/sync/stores', { storeId, name }, manager);
        expect(created.status).toBe(201);
        const enrolled = await toSync(
          'POST',
          '/api/v1/sync/enrol',
          { code: created.body.enrolmentCode },
          '',
        );
        expect(enrolled.status).toBe(201);
        // Closed Lane's hub enrolled and then went silent: it never pushes.
        if (storeId !== 'closed-lane') hubs[storeId] = enrolled.body.credential;
      }
      await heartbeat();
    });
    afterAll(async () => {
      await stopObserver?.();
      await online?.stop();
      await sync?.stop();
      if (target.kind === 'postgres') {
        await syncDb?.close();
        await onlineDb?.close();
      }
      await bus.close();
    });

    const customer = { name: 'Ada', email: 'ada@example.com' };
    const cart = (items: unknown[], extra: Record<string, unknown> = {}) => ({
      storeId: 'quay-street',
      orderType: 'pickup',
      customer,
      items,
      ...extra,
    });
    const place = (body: unknown, key: string = randomUUID()) =>
      api('POST', '/api/v1/online/orders', body, { 'idempotency-key': key });
    const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
    const pay = (order: { orderId: string; accessToken: string }, card: string, extra = {}) =>
      api(
        'POST',
        `/api/v1/online/orders/${order.orderId}/payment`,
        { paymentMethod: card, ...extra },
        { ...bearer(order.accessToken), 'idempotency-key': randomUUID() },
      );
    const view = async (order: { orderId: string; accessToken: string }) =>
      (
        await api(
          'GET',
          `/api/v1/online/orders/${order.orderId}`,
          undefined,
          bearer(order.accessToken),
        )
      ).body;
    const intentOf = async (orderId: string) =>
      (
        await onlineDb.one<{ intent_id: string }>(
          'SELECT intent_id FROM online_orders WHERE order_id = $1',
          [orderId],
        )
      ).intent_id as PaymentIntentId;
    /** A placed and paid order of two burgers. */
    const paidOrder = async () => {
      await heartbeat();
      const placed = await place(cart([{ menuItemId: 'burger', quantity: 2 }]));
      expect(placed.status).toBe(201);
      const paid = await pay(placed.body, '4242424242424242');
      expect(paid.status, JSON.stringify(paid.body)).toBe(200);
      return placed.body as { orderId: string; accessToken: string; totalCents: number };
    };
    const fromStore = async (
      type: EventType,
      payload: Record<string, unknown>,
      eventId?: string,
    ) => {
      const event = makeEvent(type, payload as never, {
        source: 'orders-service',
        correlationId: uuidv7() as never,
        storeId: 'quay-street' as never,
        ...(eventId ? { eventId: eventId as never } : {}),
      });
      await bus.publish([
        { routingKey: type, body: Buffer.from(JSON.stringify(event)), messageId: event.EventId },
      ]);
      return event.EventId;
    };
    const created = (orderId: string, orderNumber: number) => ({
      orderId,
      orderNumber,
      businessDate: '2026-12-06',
      orderType: 'pickup',
      source: 'online',
      currency: 'USD',
      items: [
        {
          orderItemId: uuidv7(),
          menuItemId: 'burger',
          name: 'Burger',
          categoryId: 'mains',
          modifiers: [],
          quantity: 2,
          unitPriceCents: 1_250,
          lineTotalCents: 2_500,
          course: 1,
          stationId: 'grill',
          allergens: [],
        },
      ],
      subtotalCents: 2_500,
      discountCents: 0,
      taxCents: 206,
      serviceChargeCents: 0,
      totalCents: 2_706,
    });

    it('prices the cart, takes the payment once and hands the order to the store once', async () => {
      await heartbeat();
      const placed = await place(cart([{ menuItemId: 'burger', quantity: 2 }]));
      expect(placed.status, JSON.stringify(placed.body)).toBe(201);
      expect(placed.body).toMatchObject({
        status: 'awaiting-payment',
        store: { storeId: 'quay-street', name: 'Quay Street' },
        subtotalCents: 2_500,
        taxCents: 206,
        totalCents: 2_706,
        currency: 'USD',
      });
      expect(placed.body.accessToken).toMatch(/^[A-Za-z0-9_-]{43}$/);
      // Only a hash of the token is kept.
      const stored = await onlineDb.query<{ token_hash: string }>(
        'SELECT token_hash FROM online_order_tokens WHERE order_id = $1',
        [placed.body.orderId],
      );
      expect(stored.map((s) => s.token_hash)).not.toContain(placed.body.accessToken);

      const paid = await pay(placed.body, '4242424242424242');
      expect(paid.status, JSON.stringify(paid.body)).toBe(200);
      expect(paid.body).toMatchObject({
        status: 'paid',
        payment: { status: 'paid', card: { brand: 'visa', last4: '4242' } },
        totals: { subtotalCents: 2_500, taxCents: 206, totalCents: 2_706, currency: 'USD' },
        refundedCents: 0,
      });
      expect(paid.body.statusHistory.map((s: { status: string }) => s.status)).toEqual([
        'awaiting-payment',
        'paid',
      ]);
      await until(() => handedOver.some((e) => e.Payload.orderId === placed.body.orderId));
      // Double-clicked: a new key finds it paid, the same key replays; one charge, one hand-off.
      expect((await pay(placed.body, '4242424242424242')).body.status).toBe('paid');
      const key = randomUUID();
      const path = `/api/v1/online/orders/${placed.body.orderId}/payment`;
      const headers = { ...bearer(placed.body.accessToken), 'idempotency-key': key };
      const body = { paymentMethod: '4242424242424242' };
      await api('POST', path, body, headers);
      const replayed = await api('POST', path, body, headers);
      expect(replayed.headers.get('idempotent-replayed')).toBe('true');
      await new Promise((r) => setTimeout(r, 200));
      const events = handedOver.filter((e) => e.Payload.orderId === placed.body.orderId);
      expect(events).toHaveLength(1);
      const intentId = await intentOf(placed.body.orderId);
      expect(processor.chargesFor(intentId)).toHaveLength(1);
      expect(events[0].Payload).toMatchObject({
        orderId: placed.body.orderId,
        storeId: 'quay-street',
        orderType: 'pickup',
        customer,
        items: [{ menuItemId: 'burger', quantity: 2, modifierIds: [] }],
        menuVersion: 3,
        currency: 'USD',
        subtotalCents: 2_500,
        taxCents: 206,
        totalCents: 2_706,
        payment: { intentId, amountCents: 2_706, currency: 'USD', card: { last4: '4242' } },
      });
      // A create retried with its key is the same order, with a token of its own.
      const createKey = randomUUID();
      const first = await place(cart([{ menuItemId: 'fish', quantity: 1 }]), createKey);
      expect(first.status).toBe(201);
      const retried = await place(cart([{ menuItemId: 'fish', quantity: 1 }]), createKey);
      expect(retried.body.orderId).toBe(first.body.orderId);
      expect(retried.body.accessToken).not.toBe(first.body.accessToken);
      expect((await view(retried.body)).orderId).toBe(first.body.orderId);
      const reused = await place(cart([{ menuItemId: 'fish', quantity: 2 }]), createKey);
      expect(reused.status).toBe(409);
    });

    it("takes a signed-in guest's reward as an amount off, and tells the store", async () => {
      await heartbeat();
      const body = cart([{ menuItemId: 'burger', quantity: 2 }], { rewardId: 'five-off' });
      // Points are the guest's own: without their token, no reward.
      expect((await place(body)).status).toBe(401);
      const key = randomUUID();
      const placed = await api('POST', '/api/v1/online/orders', body, {
        'idempotency-key': key,
        ...bearer('guest-token'),
      });
      expect(placed.status, JSON.stringify(placed.body)).toBe(201);
      expect(placed.body).toMatchObject({
        subtotalCents: 2_500,
        discountCents: 500,
        reward: { rewardId: 'five-off', name: '$5 off', points: 300 },
      });
      // $25.00 − $5.00, taxed after the discount.
      expect(placed.body.totalCents).toBe(2_000 + placed.body.taxCents);
      expect(placed.body.taxCents).toBeLessThan(206);
      const paid = await pay(placed.body, '4242424242424242');
      expect(paid.status, JSON.stringify(paid.body)).toBe(200);
      expect(paid.body.totals).toMatchObject({
        discountCents: 500,
        totalCents: placed.body.totalCents,
      });
      await until(() =>
        handedOver.some(
          (e) => e.EventType === 'online.orderpaid.v1' && e.Payload.orderId === placed.body.orderId,
        ),
      );
      const event = handedOver.find((e) => e.Payload.orderId === placed.body.orderId);
      expect(event.Payload).toMatchObject({
        totalCents: placed.body.totalCents,
        discount: { kind: 'amount', amountCents: 500, reason: 'Reward: $5 off' },
        reward: { rewardId: 'five-off', points: 300 },
      });
      expect(held.get(placed.body.orderId)?.released).toBe(0);

      // A reward worth the whole order is refused by field, and its points let go of.
      const free = await api(
        'POST',
        '/api/v1/online/orders',
        cart([{ menuItemId: 'burger', quantity: 1 }], { rewardId: 'everything-free' }),
        { 'idempotency-key': randomUUID(), ...bearer('guest-token') },
      );
      expect(free.status).toBe(400);
      expect(free.body.errors[0].field).toBe('rewardId');
      expect([...held.values()].filter((h) => h.rewardId === 'everything-free')).toEqual([
        expect.objectContaining({ released: 1 }),
      ]);
    });

    it('refuses tampered prices, items of another menu and quantities out of range, by field', async () => {
      await heartbeat();
      const tampered = await place(
        cart([{ menuItemId: 'burger', quantity: 1, priceCents: 1 }], { totalCents: 1 }),
      );
      expect(tampered.status).toBe(400);
      expect(tampered.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      const fields = tampered.body.errors.map((e: { field: string }) => e.field);
      expect(fields).toEqual(expect.arrayContaining(['items.0.priceCents', 'totalCents']));

      const foreign = await place(
        cart([
          { menuItemId: 'burger', quantity: 1 },
          { menuItemId: 'pizza', quantity: 1 },
        ]),
      );
      expect(foreign.status).toBe(400);
      expect(foreign.body.errors.map((e: { field: string }) => e.field)).toEqual([
        'items.1.menuItemId',
      ]);

      const many = await place(
        cart([
          { menuItemId: 'burger', quantity: 100 },
          { menuItemId: 'fish', quantity: 0 },
        ]),
      );
      expect(many.status).toBe(400);
      expect(many.body.errors.map((e: { field: string }) => e.field)).toEqual([
        'items.0.quantity',
        'items.1.quantity',
      ]);

      const nobody = await place(
        cart([{ menuItemId: 'burger', quantity: 1 }], { customer: { name: 'Ada' } }),
      );
      expect(nobody.status).toBe(400);
      expect(nobody.body.errors[0].field).toBe('customer.phone');
      const noTable = await place(
        cart([{ menuItemId: 'burger', quantity: 1 }], { orderType: 'dine-in' }),
      );
      expect(noTable.body.errors.map((e: { field: string }) => e.field)).toEqual(['tableId']);
      const noKey = await api(
        'POST',
        '/api/v1/online/orders',
        cart([{ menuItemId: 'burger', quantity: 1 }]),
      );
      expect(noKey.status).toBe(400);
      expect((await place('not an object')).status).toBe(400);
      const nowhere = await place(
        cart([{ menuItemId: 'burger', quantity: 1 }], { storeId: 'nowhere' }),
      );
      expect(nowhere.status).toBe(404);
    });

    it("refuses an item the store's kitchen has run out of (409, by field)", async () => {
      let sequence = 0;
      const eightySix = (available: boolean) => ({
        ...makeEvent(
          'menu.itemavailabilitychanged.v1',
          { menuItemId: 'fish', available, ...(available ? {} : { reason: 'sold out' }) } as never,
          {
            source: 'menu-service',
            correlationId: uuidv7() as never,
            storeId: 'quay-street' as never,
          },
        ),
        Sequence: ++sequence,
      });
      const hub = hubs['quay-street'] as string;
      const push = (available: boolean) =>
        toSync('POST', '/api/v1/sync/push', { events: [eightySix(available)] }, hub);
      expect((await push(false)).status).toBe(200);
      const soldOut = await place(
        cart([
          { menuItemId: 'burger', quantity: 1 },
          { menuItemId: 'fish', quantity: 1 },
        ]),
      );
      expect(soldOut.status).toBe(409);
      expect(soldOut.body.reason).toBe('unavailable');
      expect(soldOut.body.errors.map((e: { field: string }) => e.field)).toEqual([
        'items.1.menuItemId',
      ]);
      expect((await push(true)).status).toBe(200);
      expect((await place(cart([{ menuItemId: 'fish', quantity: 1 }]))).status).toBe(201);
    });

    it('refuses a store whose hub is silent, and charges nothing', async () => {
      const closed = await place(
        cart([{ menuItemId: 'soup', quantity: 1 }], { storeId: 'closed-lane' }),
      );
      expect(closed.status).toBe(409);
      expect(closed.body.reason).toBe('store-closed');

      // Placed while open; its hub goes silent before the guest pays.
      await heartbeat();
      const placed = await place(cart([{ menuItemId: 'fish', quantity: 1 }]));
      expect(placed.status).toBe(201);
      await syncDb.query(
        `UPDATE stores SET last_seen_at = now() - interval '46 seconds' WHERE store_id = 'quay-street'`,
      );
      const charges = processor.chargesFor().length;
      const refused = await pay(placed.body, '4242424242424242');
      expect(refused.status).toBe(409);
      expect(refused.body.reason).toBe('store-closed');
      expect(processor.chargesFor()).toHaveLength(charges);
      expect((await view(placed.body)).status).toBe('awaiting-payment');
      await heartbeat();
    });

    it('answers 402 for a declined card, then takes a good one', async () => {
      await heartbeat();
      const placed = await place(cart([{ menuItemId: 'fish', quantity: 1 }]));
      const declined = await pay(placed.body, '4000000000000002');
      expect(declined.status).toBe(402);
      expect(declined.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      expect(declined.body).toMatchObject({ status: 402, reason: 'declined' });
      expect(declined.body.detail).toMatch(/declined/i);
      const paid = await pay(placed.body, '4242424242424242');
      expect(paid.status).toBe(200);
      expect(paid.body.status).toBe('paid');
      expect(processor.chargesFor(await intentOf(placed.body.orderId))).toHaveLength(1);
    });

    it('waits for 3-D Secure, then completes the payment', async () => {
      await heartbeat();
      const placed = await place(cart([{ menuItemId: 'burger', quantity: 1 }]));
      const challenged = await pay(placed.body, '4000002760003184', {
        returnUrl: 'https://order.example.com/back',
      });
      expect(challenged.status).toBe(200);
      expect(challenged.body.status).toBe('awaiting-authentication');
      expect(challenged.body.payment.nextAction.redirectUrl).toMatch(/^https?:/);
      const complete = () =>
        api(
          'POST',
          `/api/v1/online/orders/${placed.body.orderId}/payment/complete`,
          undefined,
          bearer(placed.body.accessToken),
        );
      expect((await complete()).body.status).toBe('awaiting-authentication');
      await processor.completeChallenge(await intentOf(placed.body.orderId), 'approve');
      const done = await complete();
      expect(done.status).toBe(200);
      expect(done.body.status).toBe('paid');
      expect(done.body.payment.nextAction).toBeUndefined();
      await until(() => handedOver.some((e) => e.Payload.orderId === placed.body.orderId));

      // A failed challenge is a decline; the guest may try another card.
      const other = await place(cart([{ menuItemId: 'burger', quantity: 1 }]));
      await pay(other.body, '4000002760003184');
      await processor.completeChallenge(await intentOf(other.body.orderId), 'fail');
      const failed = await api(
        'POST',
        `/api/v1/online/orders/${other.body.orderId}/payment/complete`,
        undefined,
        bearer(other.body.accessToken),
      );
      expect(failed.status).toBe(402);
      expect((await view(other.body)).status).toBe('awaiting-payment');
    });

    it("serves the simulated bank's check: approving goes back to the app and pays once", async () => {
      await heartbeat();
      const placed = await place(cart([{ menuItemId: 'burger', quantity: 1 }]));
      await pay(placed.body, '4000002760003184', {
        returnUrl: 'https://shop.example/order/bank-done.html?x=1',
      });
      const intentId = await intentOf(placed.body.orderId);
      const pageUrl = `${online.url}${challengeUrl(intentId)}`;
      const shown = await fetch(pageUrl);
      expect(shown.status).toBe(200);
      const html = await shown.text();
      expect(html).toContain('Confirm your payment');
      expect(html).toMatch(/\$\d+\.\d{2}/);
      expect(html).not.toContain('4000002760003184');
      const approved = await fetch(`${pageUrl}/approve`, { method: 'POST', redirect: 'manual' });
      // Back to the app's own page, on the same site, whatever host the address named.
      expect(approved.status).toBe(303);
      expect(approved.headers.get('location')).toBe('/order/bank-done.html?x=1');
      const done = await api(
        'POST',
        `/api/v1/online/orders/${placed.body.orderId}/payment/complete`,
        undefined,
        bearer(placed.body.accessToken),
      );
      expect(done.body.status).toBe('paid');
      expect(processor.chargesFor(intentId)).toHaveLength(1);
      // Over: the page says so, and approving again charges nothing.
      expect((await fetch(pageUrl)).status).toBe(404);
      await fetch(`${pageUrl}/approve`, { method: 'POST', redirect: 'manual' });
      expect(processor.chargesFor(intentId)).toHaveLength(1);

      // A return address outside the app is not followed.
      const other = await place(cart([{ menuItemId: 'burger', quantity: 1 }]));
      await pay(other.body, '4000002760003184', { returnUrl: 'https://elsewhere.example/steal' });
      const otherIntent = await intentOf(other.body.orderId);
      const failed = await fetch(`${online.url}${challengeUrl(otherIntent)}/fail`, {
        method: 'POST',
        redirect: 'manual',
      });
      expect(failed.status).toBe(200);
      expect(await failed.text()).toContain('You can close this window');
      expect((await fetch(`${online.url}${challengeUrl('pi_unknown')}`)).status).toBe(404);
    });

    it('follows the store: received, then ready, never backwards', async () => {
      const order = await paidOrder();
      await fromStore('order.created.v1', created(order.orderId, 7));
      await fromStore('order.ready.v1', { orderId: order.orderId, at: new Date().toISOString() });
      // Late: changes nothing.
      await fromStore('order.confirmed.v1', {
        orderId: order.orderId,
        confirmedAt: new Date().toISOString(),
      });
      const seen = await view(order);
      expect(seen.status).toBe('ready');
      expect(seen.orderNumber).toBe(7);
      expect(seen.statusHistory.map((s: { status: string }) => s.status)).toEqual([
        'awaiting-payment',
        'paid',
        'received',
        'ready',
      ]);
      // Someone else's order on the bus is not ours.
      await fromStore('order.ready.v1', { orderId: uuidv7(), at: new Date().toISOString() });
    });

    it('refunds a rejected order in full, once', async () => {
      const order = await paidOrder();
      const rejection = {
        orderId: order.orderId,
        reason: 'unavailable',
        message: 'Burger is sold out',
        fields: [{ field: 'items.0.menuItemId', message: 'Burger is sold out' }],
        at: new Date().toISOString(),
      };
      const eventId = await fromStore('order.onlinerejected.v1', rejection);
      await fromStore('order.onlinerejected.v1', rejection, eventId);
      await fromStore('order.onlinerejected.v1', rejection);
      await fromStore('order.cancelled.v1', {
        orderId: order.orderId,
        reason: 'late',
        at: new Date().toISOString(),
      });
      await until(async () => (await view(order)).refundedCents > 0);
      await new Promise((r) => setTimeout(r, 300));
      const seen = await view(order);
      expect(seen).toMatchObject({
        status: 'rejected',
        rejection: { reason: 'unavailable', message: 'Burger is sold out' },
        refundedCents: order.totalCents,
        payment: { status: 'refunded' },
      });
      expect(processor.refundsFor(await intentOf(order.orderId))).toHaveLength(1);
    });

    it("gives a store's refund of an online payment back to the card, once", async () => {
      const order = await paidOrder();
      await fromStore('order.created.v1', created(order.orderId, 8));
      await until(() => handedOver.some((e) => e.Payload.orderId === order.orderId));
      const paymentId = handedOver.find((e) => e.Payload.orderId === order.orderId).Payload.payment
        .paymentId;
      const refund = {
        refundId: uuidv7(),
        paymentId,
        orderId: order.orderId,
        amountCents: 500,
        currency: 'USD',
        reason: 'cold fries',
        approvedBy: uuidv7(),
        tender: 'online',
      };
      const eventId = await fromStore('payment.refundprocessed.v1', refund);
      await fromStore('payment.refundprocessed.v1', refund, eventId);
      await fromStore('payment.refundprocessed.v1', refund);
      // A card refund at the store is the hub's own business.
      await fromStore('payment.refundprocessed.v1', {
        ...refund,
        refundId: uuidv7(),
        tender: 'card',
      });
      await until(async () => (await view(order)).refundedCents > 0);
      await new Promise((r) => setTimeout(r, 300));
      expect(await view(order)).toMatchObject({
        status: 'received',
        refundedCents: 500,
        payment: { status: 'partially-refunded' },
      });
      expect(processor.refundsFor(await intentOf(order.orderId))).toHaveLength(1);
    });

    it('refuses and refunds an order its store has not received in 10 minutes', async () => {
      const order = await paidOrder();
      await onlineDb.query(
        `UPDATE online_orders SET paid_at = now() - interval '11 minutes' WHERE order_id = $1`,
        [order.orderId],
      );
      await until(async () => (await view(order)).refundedCents > 0);
      expect(await view(order)).toMatchObject({
        status: 'rejected',
        rejection: {
          reason: 'store-unreachable',
          message: 'The store did not receive your order; you have not been charged',
        },
        refundedCents: order.totalCents,
      });
      // The store is told: the order leaves its change feed for a hub that has not read it yet,
      // and a hub that has it is told to call it off.
      await until(() =>
        handedOver.some(
          (e) => e.EventType === 'online.orderwithdrawn.v1' && e.Payload.orderId === order.orderId,
        ),
      );
      const feedRows = async () =>
        syncDb.query<{ topic: string }>(
          `SELECT topic FROM change_feed WHERE payload->>'orderId' = $1 ORDER BY cursor`,
          [order.orderId],
        );
      await until(
        async () =>
          (await feedRows()).length > 0 &&
          (await feedRows()).every((r) => r.topic === 'online-withdrawn'),
      );
      expect(await feedRows()).toEqual([{ topic: 'online-withdrawn' }]);
      // The store turning up late changes nothing, and its refund (balancing its own books)
      // gives nothing back twice.
      await fromStore('order.created.v1', created(order.orderId, 9));
      const paymentId = handedOver.find(
        (e) => e.EventType === 'online.orderpaid.v1' && e.Payload.orderId === order.orderId,
      ).Payload.payment.paymentId;
      await fromStore('payment.refundprocessed.v1', {
        refundId: uuidv7(),
        paymentId,
        orderId: order.orderId,
        amountCents: order.totalCents,
        currency: 'USD',
        reason: 'Online order withdrawn',
        approvedBy: uuidv7(),
        tender: 'online',
      });
      await new Promise((r) => setTimeout(r, 300));
      expect(await view(order)).toMatchObject({
        status: 'rejected',
        refundedCents: order.totalCents,
      });
      expect(processor.refundsFor(await intentOf(order.orderId))).toHaveLength(1);
    });

    it('streams the order as Server-Sent Events: the view now, then each change', async () => {
      const order = await paidOrder();
      const url = `${online.url}/api/v1/online/orders/${order.orderId}/events`;
      expect((await fetch(url)).status).toBe(401);
      expect((await fetch(`${url}?access_token=${order.accessToken}`)).status).toBe(400);
      const controller = new AbortController();
      const res = await fetch(url, {
        headers: bearer(order.accessToken),
        signal: controller.signal,
      });
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
      const reader = (res.body as ReadableStream<Uint8Array>).getReader();
      const decoder = new TextDecoder();
      let buffer = '';
      const nextEvent = async () => {
        for (;;) {
          const end = buffer.indexOf('\n\n');
          if (end >= 0) {
            const block = buffer.slice(0, end);
            buffer = buffer.slice(end + 2);
            if (block.startsWith(':')) continue;
            const lines = block.split('\n');
            expect(lines[0]).toBe('event: status');
            return JSON.parse((lines[1] as string).slice('data: '.length));
          }
          const chunk = await reader.read();
          if (chunk.done) throw new Error('stream ended');
          buffer += decoder.decode(chunk.value, { stream: true });
        }
      };
      expect((await nextEvent()).status).toBe('paid');
      await fromStore('order.created.v1', created(order.orderId, 10));
      const changed = await nextEvent();
      expect(changed).toMatchObject({ status: 'received', orderNumber: 10 });
      controller.abort();
    });

    it('opens an order only with its own token', async () => {
      const mine = await paidOrder();
      const theirs = await paidOrder();
      const path = `/api/v1/online/orders/${mine.orderId}`;
      const none = await api('GET', path);
      expect(none.status).toBe(401);
      expect(none.headers.get('www-authenticate')).toMatch(/^Bearer/);
      const wrong = await api('GET', path, undefined, bearer(theirs.accessToken));
      expect(wrong.status).toBe(401);
      expect(wrong.body.orderId).toBeUndefined();
      expect((await api('GET', path, undefined, bearer('nonsense'))).status).toBe(401);
      expect(
        (await api('GET', `/api/v1/online/orders/${uuidv7()}`, undefined, bearer(mine.accessToken)))
          .status,
      ).toBe(404);
      expect(
        (await api('GET', '/api/v1/online/orders/42', undefined, bearer(mine.accessToken))).status,
      ).toBe(400);
      const payOther = await api(
        'POST',
        `${path}/payment`,
        { paymentMethod: '4242424242424242' },
        { ...bearer(theirs.accessToken), 'idempotency-key': randomUUID() },
      );
      expect(payOther.status).toBe(401);
      const noKey = await api(
        'POST',
        `${path}/payment`,
        { paymentMethod: '4242' },
        bearer(mine.accessToken),
      );
      expect(noKey.status).toBe(400);
    });
  });
}
