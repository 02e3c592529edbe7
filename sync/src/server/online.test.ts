import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gzipSync } from 'node:zlib';
import { makeEvent, uuidv7 } from '@pos/contracts';
import { createLogger } from '@pos/kit';
import {
  MemoryBus,
  PgDatabase,
  SharedPglite,
  type SqlDatabase,
  type StartedService,
} from '@pos/kit/sql';
import { lazyTestDatabase } from '@pos/kit/sql/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSyncServer } from './service.js';
import { testTokens } from './test-tokens.js';

// What a guest ordering online sees, on PostgreSQL and PGlite: the stores, taking orders only
// while their hub is heard from; each store's published menu (from the menu service, here a
// stand-in serving one document) with the items its hub 86'd taken off, and back on when the
// hub says so; 404 for a store that does not exist or has no menu yet, 503 when the menu
// service cannot be reached.

const logger = createLogger({ service: 'sync-online-test', level: 'silent' });
const pglite = new SharedPglite({ logger });
const pg = lazyTestDatabase('pos_sync_online_test');
const { jwks, tokenFor } = await testTokens();

const MENU = {
  version: 3,
  publishedAt: '2026-12-01T09:00:00.000Z',
  currency: 'USD',
  taxCategories: [{ id: 'food', name: 'Food', rateBasisPoints: 825, inclusive: false }],
  stations: [{ id: 'grill', name: 'Grill' }],
  categories: [{ id: 'mains', name: 'Mains', sortOrder: 1 }],
  items: [
    {
      id: 'burger',
      name: 'Burger',
      categoryId: 'mains',
      priceCents: 1_250,
      taxCategoryId: 'food',
      stationId: 'grill',
    },
    {
      id: 'fish',
      name: 'Fish and chips',
      categoryId: 'mains',
      priceCents: 1_450,
      taxCategoryId: 'food',
      stationId: 'grill',
    },
  ],
};

/** The menu service as the sync service asks it: one store has a menu, others none. */
let menuService: Server;
let menuUp = true;
beforeAll(async () => {
  menuService = createServer((req, res) => {
    if (!menuUp) return void res.writeHead(500).end();
    const found = req.url === '/api/v1/menu/stores/quay-street/current';
    res.writeHead(found ? 200 : 404, { 'content-type': 'application/json' });
    res.end(JSON.stringify(found ? MENU : { title: 'Not found' }));
  });
  await new Promise<void>((r) => menuService.listen(0, '127.0.0.1', r));
});
afterAll(async () => {
  await new Promise((r) => menuService.close(r));
  await pglite.close();
  await pg.dispose();
});
const menuUrl = () => `http://127.0.0.1:${(menuService.address() as AddressInfo).port}`;

const targets = [
  {
    kind: 'postgres',
    start: async (bus: MemoryBus) =>
      startSyncServer(
        {
          env: { SYNC_DATABASE_URL: (await pg.get()).url },
          host: '127.0.0.1',
          port: 0,
          logger,
          bus,
        },
        { jwks, menuUrl: menuUrl() },
      ),
    db: async () => PgDatabase.open({ url: (await pg.get()).url }),
  },
  {
    kind: 'pglite',
    start: (bus: MemoryBus) =>
      startSyncServer(
        { env: {}, embedded: pglite, host: '127.0.0.1', port: 0, logger, bus },
        { jwks, menuUrl: menuUrl() },
      ),
    db: async () => pglite.database('sync'),
  },
] as const;

for (const target of targets) {
  describe(`online store directory on ${target.kind}`, () => {
    let svc: StartedService;
    let db: SqlDatabase;
    const bus = new MemoryBus();
    beforeAll(async () => {
      svc = await target.start(bus);
      db = await target.db();
    });
    afterAll(async () => {
      await svc?.stop();
      if (target.kind === 'postgres') await db?.close();
      await bus.close();
    });

    const get = async (path: string) => {
      const res = await fetch(`${svc.url}${path}`);
      return { status: res.status, body: (await res.json()) as any };
    };
    const manager = () => tokenFor(['manager']);
    const post = async (path: string, body: unknown, auth: string, gzip = false) => {
      const res = await fetch(`${svc.url}${path}`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          authorization: `Bearer ${auth}`,
          ...(gzip ? { 'content-encoding': 'gzip' } : {}),
        },
        body: gzip ? gzipSync(JSON.stringify(body)) : JSON.stringify(body),
      });
      return { status: res.status, body: (await res.json()) as any };
    };
    /** A store, enrolled; its hub's credential. */
    const open = async (storeId: string, name: string) => {
      const created = await post('/api/v1/sync/stores', { storeId, name }, await manager());
      expect(created.status).toBe(201);
      const enrolled = await post('/api/v1/sync/enrol', { code: created.body.enrolmentCode }, '');
      expect(enrolled.status).toBe(201);
      return enrolled.body.credential as string;
    };
    let sequence = 0;
    const eightySix = (storeId: string, menuItemId: string, available: boolean) => ({
      ...makeEvent(
        'menu.itemavailabilitychanged.v1',
        { menuItemId, available, ...(available ? {} : { reason: 'sold out' }) } as never,
        { source: 'menu-service', correlationId: uuidv7() as never, storeId: storeId as never },
      ),
      Sequence: ++sequence,
    });

    it('lists the stores, taking orders only while their hub is heard from', async () => {
      const credential = await open('quay-street', 'Quay Street');
      await post(
        '/api/v1/sync/stores',
        { storeId: 'dock-road', name: 'Dock Road' },
        await manager(),
      );
      // Quay Street's hub has not pushed yet: it is not heard from.
      let stores = (await get('/api/v1/online/stores')).body.stores;
      expect(stores).toEqual([
        {
          storeId: 'dock-road',
          name: 'Dock Road',
          acceptingOrders: false,
          reason: 'not-enrolled',
          hubLastSeenAt: null,
        },
        {
          storeId: 'quay-street',
          name: 'Quay Street',
          acceptingOrders: false,
          reason: 'hub-offline',
          hubLastSeenAt: null,
        },
      ]);
      expect((await post('/api/v1/sync/push', { events: [] }, credential)).status).toBe(200);
      stores = (await get('/api/v1/online/stores')).body.stores;
      expect(stores[1]).toMatchObject({ storeId: 'quay-street', acceptingOrders: true });
      expect(Date.parse(stores[1].hubLastSeenAt)).toBeGreaterThan(Date.now() - 10_000);
      // Silent for longer than its heartbeat allows: no more online orders.
      await db.query(
        `UPDATE stores SET last_seen_at = now() - interval '46 seconds' WHERE store_id = 'quay-street'`,
      );
      expect((await get('/api/v1/online/stores/quay-street')).body).toMatchObject({
        acceptingOrders: false,
        reason: 'hub-offline',
      });
      expect((await get('/api/v1/online/stores/nowhere')).status).toBe(404);
      expect((await get('/api/v1/online/stores/Not%20A%20Store')).status).toBe(400);
    });

    it('takes orders only during the opening hours its managers set, and says when it opens', async () => {
      const credential = await open('pier-lane', 'Pier Lane');
      expect((await post('/api/v1/sync/push', { events: [] }, credential)).status).toBe(200);
      const hhmm = (ms: number) => new Date(ms).toISOString().slice(11, 16);
      const now = Date.now();
      const put = async (config: unknown) => {
        const res = await fetch(`${svc.url}/api/v1/sync/stores/pier-lane/config`, {
          method: 'PUT',
          headers: {
            'content-type': 'application/json',
            authorization: `Bearer ${await manager()}`,
          },
          body: JSON.stringify(config),
        });
        return { status: res.status, body: (await res.json()) as any };
      };
      // Opens in two hours (UTC), every day: closed now.
      const later = now + 2 * 3_600_000;
      const closed = await put({
        hours: { timeZone: 'UTC', open: [{ from: hhmm(later), to: hhmm(later + 3_600_000) }] },
      });
      expect(closed.status, JSON.stringify(closed.body)).toBe(200);
      const store = (await get('/api/v1/online/stores/pier-lane')).body;
      expect(store).toMatchObject({
        acceptingOrders: false,
        reason: 'closed',
        hours: { timeZone: 'UTC', description: `${hhmm(later)}–${hhmm(later + 3_600_000)}` },
      });
      const opensIn = Date.parse(store.opensAt) - now;
      expect(opensIn).toBeGreaterThan(2 * 3_600_000 - 120_000);
      expect(opensIn).toBeLessThanOrEqual(2 * 3_600_000);
      // Open from an hour ago to an hour from now, in another time zone: taking orders.
      const tokyo = (ms: number) =>
        new Intl.DateTimeFormat('en-GB', {
          timeZone: 'Asia/Tokyo',
          hour: '2-digit',
          minute: '2-digit',
          hourCycle: 'h23',
        }).format(ms);
      expect(
        (
          await put({
            hours: {
              timeZone: 'Asia/Tokyo',
              open: [{ from: tokyo(now - 3_600_000), to: tokyo(now + 3_600_000) }],
            },
          })
        ).status,
      ).toBe(200);
      const openNow = (await get('/api/v1/online/stores/pier-lane')).body;
      expect(openNow).toMatchObject({ acceptingOrders: true, hours: { timeZone: 'Asia/Tokyo' } });
      expect(openNow.opensAt).toBeUndefined();
      // Hours that cannot be read are refused by field.
      const bad = await put({
        hours: { timeZone: 'Mars/Olympus', open: [{ days: [8], from: '25:00', to: '10:00' }] },
      });
      expect(bad.status).toBe(400);
      expect(bad.body.errors.map((e: { field: string }) => e.field).sort()).toEqual([
        'hours.open.0.days.0',
        'hours.open.0.from',
        'hours.timeZone',
      ]);
      // No hours: open whenever the hub is.
      expect((await put({})).status).toBe(200);
      expect((await get('/api/v1/online/stores/pier-lane')).body).toMatchObject({
        acceptingOrders: true,
      });
    });

    it("serves a store's menu with what its hub has 86'd taken off, and back on", async () => {
      // A new hub for the store (the old one was lost): it enrols with a new code.
      const code = (await post('/api/v1/sync/stores/quay-street/enrolment', {}, await manager()))
        .body.enrolmentCode as string;
      const hub = (await post('/api/v1/sync/enrol', { code }, '')).body.credential as string;
      const before = await get('/api/v1/online/stores/quay-street/menu');
      expect(before.status).toBe(200);
      expect(before.body.menu.items.map((i: { available: boolean }) => i.available)).toEqual([
        true,
        true,
      ]);

      const pushed = await post(
        '/api/v1/sync/push',
        {
          events: [
            eightySix('quay-street', 'burger', false),
            eightySix('quay-street', 'fish', false),
            eightySix('quay-street', 'fish', true),
          ],
        },
        hub,
        true,
      );
      expect(pushed.status).toBe(200);
      const after = (await get('/api/v1/online/stores/quay-street/menu')).body;
      expect(after.store).toMatchObject({ storeId: 'quay-street', acceptingOrders: true });
      expect(after.menu.version).toBe(3);
      expect(after.menu.items).toEqual([
        expect.objectContaining({
          id: 'burger',
          available: false,
          unavailableReason: 'sold out',
          priceCents: 1_250,
        }),
        expect.objectContaining({ id: 'fish', available: true }),
      ]);
      await post('/api/v1/sync/push', { events: [eightySix('quay-street', 'burger', true)] }, hub);
      const back = (await get('/api/v1/online/stores/quay-street/menu')).body;
      expect(back.menu.items[0]).toMatchObject({ id: 'burger', available: true });
      expect(back.menu.items[0].unavailableReason).toBeUndefined();
    });

    it('answers 404 without a published menu, and 503 while the menu service is away', async () => {
      expect((await get('/api/v1/online/stores/dock-road/menu')).status).toBe(404);
      menuUp = false;
      try {
        const away = await get('/api/v1/online/stores/quay-street/menu');
        expect(away.status).toBe(503);
        expect(away.body.title).toBeDefined();
      } finally {
        menuUp = true;
      }
    });
  });
}
