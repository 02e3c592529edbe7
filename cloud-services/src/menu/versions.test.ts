import { createLogger } from '@pos/kit';
import { PgDatabase, SharedPglite, type SqlDatabase, type StartedService } from '@pos/kit/sql';
import { lazyTestDatabase } from '@pos/kit/sql/testing';
import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMenuService } from './service.js';

// Managers edit a draft; publishing freezes it into numbered versions, with events, diffs and
// rollback; a menu that is not whole is refused with the fields that are wrong.

const logger = createLogger({ service: 'menu-versions-test', level: 'silent' });
const pglite = new SharedPglite({ logger });
const pg = lazyTestDatabase('pos_menu_versions_test');
afterAll(async () => {
  await pglite.close();
  await pg.dispose();
});

const targets = [
  {
    kind: 'postgres',
    start: async () =>
      startMenuService({
        env: { MENU_DATABASE_URL: (await pg.get()).url },
        host: '127.0.0.1',
        port: 0,
        logger,
      }),
    db: async () => PgDatabase.open({ url: (await pg.get()).url }),
  },
  {
    kind: 'pglite',
    start: () =>
      startMenuService({ env: {}, embedded: pglite, host: '127.0.0.1', port: 0, logger }),
    db: () => pglite.database('menu'),
  },
] as const;

const MANAGER = '0195c000-0000-7000-8000-000000000001';

const draft = {
  currency: 'USD',
  taxCategories: [{ id: 'food', name: 'Food', rateBasisPoints: 825, inclusive: false }],
  stations: [{ id: 'grill', name: 'Grill' }],
  categories: [{ id: 'burgers', name: 'Burgers', sortOrder: 1 }],
  modifierGroups: [
    {
      id: 'grp-doneness',
      name: 'Doneness',
      minChoices: 1,
      maxChoices: 1,
      modifiers: [
        { id: 'mod-rare', name: 'Rare', priceDeltaCents: 0, allergens: [] },
        { id: 'mod-medium', name: 'Medium', priceDeltaCents: 0, allergens: [] },
      ],
    },
  ],
  items: [
    {
      id: 'burger',
      name: 'Burger',
      categoryId: 'burgers',
      priceCents: 1500,
      variants: [],
      modifierGroupIds: ['grp-doneness'],
      taxCategoryId: 'food',
      stationId: 'grill',
      allergens: [],
      available: true,
    },
    {
      id: 'fries',
      name: 'Fries',
      categoryId: 'burgers',
      priceCents: 500,
      variants: [],
      modifierGroupIds: [],
      taxCategoryId: 'food',
      stationId: 'grill',
      allergens: [],
      available: true,
    },
  ],
};

for (const target of targets) {
  describe(`menu versions on ${target.kind}`, () => {
    let svc: StartedService;
    let db: SqlDatabase;
    let token: string;
    beforeAll(async () => {
      svc = await target.start();
      db = await target.db();
      token = await new SignJWT({ roles: ['manager'] })
        .setProtectedHeader({ alg: 'HS256' })
        .setSubject(MANAGER)
        .sign(new Uint8Array(32));
    });
    afterAll(async () => {
      await svc?.stop();
      if (target.kind === 'postgres') await db?.close();
    });
    const call = async (method: string, path: string, body?: unknown, auth = true) => {
      const res = await fetch(`${svc.url}${path}`, {
        method,
        headers: {
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
          ...(auth ? { authorization: `Bearer ${token}` } : {}),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      const text = await res.text();
      return { status: res.status, body: text ? JSON.parse(text) : undefined };
    };

    it('refuses to publish an empty or broken menu, naming what is wrong', async () => {
      const empty = await call('POST', '/api/v1/menu/publish', { storeIds: ['harbour-street'] });
      expect(empty.status).toBe(400);
      expect(empty.body.errors.map((e: { field: string }) => e.field)).toEqual(
        expect.arrayContaining(['items', 'taxCategories']),
      );
      const noPrice = await call('POST', '/api/v1/menu/items', {
        ...draft.items[1],
        id: 'soup',
        priceCents: undefined,
      });
      expect(noPrice.status).toBe(400);
      const negative = await call('POST', '/api/v1/menu/items', {
        ...draft.items[1],
        id: 'soup',
        priceCents: -1,
      });
      expect(negative.status).toBe(400);
      const minOverMax = await call('PUT', '/api/v1/menu/draft', {
        ...draft,
        modifierGroups: [{ ...draft.modifierGroups[0], minChoices: 2, maxChoices: 1 }],
      });
      expect(minOverMax.status).toBe(400);
      // References are checked at publish: an item in a category that does not exist.
      await call('PUT', '/api/v1/menu/draft', {
        ...draft,
        items: [{ ...draft.items[0], categoryId: 'nowhere' }],
      });
      const dangling = await call('POST', '/api/v1/menu/publish', { storeIds: ['harbour-street'] });
      expect(dangling.status).toBe(400);
      expect((await call('GET', '/api/v1/menu/versions')).body.versions).toEqual([]);
    });

    it('publishes versions with events, diffs them, and rolls back as a new version', async () => {
      expect((await call('PUT', '/api/v1/menu/draft', draft)).status).toBe(200);
      expect(
        (await call('POST', '/api/v1/menu/publish', { storeIds: ['harbour-street'] }, false))
          .status,
      ).toBe(401);
      const v1 = await call('POST', '/api/v1/menu/publish', { storeIds: ['harbour-street'] });
      expect(v1.status).toBe(201);
      expect(v1.body).toMatchObject({ version: 1, itemCount: 2, publishedBy: MANAGER });

      const price = await call('PUT', '/api/v1/menu/items/burger', {
        ...draft.items[0],
        priceCents: 1650,
      });
      expect(price.status).toBe(200);
      expect(
        (
          await call('POST', '/api/v1/menu/items', {
            ...draft.items[1],
            id: 'onion-rings',
            name: 'Onion rings',
          })
        ).status,
      ).toBe(201);
      const v2 = await call('POST', '/api/v1/menu/publish', {
        storeIds: ['harbour-street', 'pier-road'],
      });
      expect(v2.body.version).toBe(2);
      const diff = await call('GET', '/api/v1/menu/versions/1/diff/2');
      expect(diff.body).toEqual({
        from: 1,
        to: 2,
        added: ['onion-rings'],
        removed: [],
        changed: [{ id: 'burger', fields: ['priceCents'] }],
      });

      const back = await call('POST', '/api/v1/menu/versions/1/rollback', {
        storeIds: ['harbour-street'],
      });
      expect(back.status).toBe(201);
      expect(back.body).toMatchObject({ version: 3, rolledBackFrom: 1 });
      const v3 = await call('GET', '/api/v1/menu/versions/3');
      expect(v3.body.items.find((i: { id: string }) => i.id === 'burger').priceCents).toBe(1500);
      expect(
        (await call('GET', '/api/v1/menu/versions')).body.versions.map(
          (v: { version: number }) => v.version,
        ),
      ).toEqual([3, 2, 1]);
      expect((await call('GET', '/api/v1/menu/versions/9')).status).toBe(404);

      const events = await db.query<{ event_type: string }>(
        'SELECT event_type FROM menu_outbox ORDER BY seq',
      );
      const types = events.map((e) => e.event_type);
      expect(types.filter((t) => t === 'menu.published.v1')).toHaveLength(3);
      expect(types).toEqual(
        expect.arrayContaining([
          'menu.itemcreated.v1',
          'menu.pricechanged.v1',
          'menu.itemupdated.v1',
        ]),
      );
    });

    it('edits categories, stations, tax categories and modifier groups one at a time', async () => {
      expect((await call('PUT', '/api/v1/menu/draft', draft)).status).toBe(200);
      const breakfast = { id: 'breakfast', name: 'Breakfast', sortOrder: 0 };
      expect((await call('POST', '/api/v1/menu/categories', breakfast)).status).toBe(201);
      expect((await call('POST', '/api/v1/menu/categories', breakfast)).status).toBe(409);
      expect(
        (await call('GET', '/api/v1/menu/categories')).body.categories.map(
          (c: { id: string }) => c.id,
        ),
      ).toEqual(['breakfast', 'burgers']);
      const renamed = await call('PUT', '/api/v1/menu/categories/breakfast', {
        ...breakfast,
        id: 'brunch',
      });
      expect(renamed.status).toBe(400);
      expect(renamed.body.errors).toEqual([{ field: 'id', message: 'must be breakfast' }]);
      expect((await call('PUT', '/api/v1/menu/categories/nope', breakfast)).status).toBe(404);

      expect(
        (await call('POST', '/api/v1/menu/stations', { id: 'fryer', name: 'Fryer' })).status,
      ).toBe(201);
      expect(
        (
          await call('POST', '/api/v1/menu/tax-categories', {
            id: 'drinks',
            name: 'Drinks',
            rateBasisPoints: 1000,
            inclusive: false,
          })
        ).status,
      ).toBe(201);
      const badGroup = await call('POST', '/api/v1/menu/modifier-groups', {
        id: 'grp-sauce',
        name: 'Sauce',
        minChoices: 3,
        maxChoices: 1,
        modifiers: [{ id: 'mod-ketchup', name: 'Ketchup', priceDeltaCents: 0 }],
      });
      expect(badGroup.status).toBe(400);
      expect(badGroup.body.errors.map((e: { field: string }) => e.field)).toContain('minChoices');
      expect(
        (
          await call('POST', '/api/v1/menu/modifier-groups', {
            id: 'grp-sauce',
            name: 'Sauce',
            minChoices: 0,
            maxChoices: 2,
            modifiers: [{ id: 'mod-ketchup', name: 'Ketchup', priceDeltaCents: 0 }],
          })
        ).status,
      ).toBe(201);
      expect(
        (
          await call('PUT', '/api/v1/menu/items/fries', {
            ...draft.items[1],
            stationId: 'fryer',
            modifierGroupIds: ['grp-sauce'],
          })
        ).status,
      ).toBe(200);

      // What an item uses cannot be taken away from under it.
      const used = await call('DELETE', '/api/v1/menu/stations/fryer');
      expect(used.status).toBe(409);
      expect(used.body.items).toEqual(['fries']);
      expect((await call('DELETE', '/api/v1/menu/modifier-groups/grp-sauce')).status).toBe(409);
      expect((await call('DELETE', '/api/v1/menu/categories/breakfast')).status).toBe(204);
      expect((await call('DELETE', '/api/v1/menu/categories/breakfast')).status).toBe(404);
      expect((await call('DELETE', '/api/v1/menu/tax-categories/drinks')).status).toBe(204);
      const after = (await call('GET', '/api/v1/menu/draft')).body;
      expect(after.stations.map((x: { id: string }) => x.id)).toEqual(['grill', 'fryer']);
      expect(after.taxCategories.map((x: { id: string }) => x.id)).toEqual(['food']);
      expect(after.items.find((i: { id: string }) => i.id === 'fries').stationId).toBe('fryer');
    });

    it('publishes per-store prices and serves each store its own menu', async () => {
      expect((await call('PUT', '/api/v1/menu/draft', draft)).status).toBe(200);
      const wrong = await call('PUT', '/api/v1/menu/price-overrides/harbour-street', {
        prices: [
          { itemId: 'burger', priceCents: 1700 },
          { itemId: 'ghost', priceCents: 100 },
          { itemId: 'fries', priceCents: -5 },
        ],
      });
      expect(wrong.status).toBe(400);
      expect(wrong.body.errors.map((e: { field: string }) => e.field)).toEqual([
        'prices.2.priceCents',
      ]);
      const unknown = await call('PUT', '/api/v1/menu/price-overrides/harbour-street', {
        prices: [
          { itemId: 'burger', priceCents: 1700 },
          { itemId: 'ghost', priceCents: 100 },
        ],
      });
      expect(unknown.status).toBe(400);
      expect(unknown.body.errors).toEqual([
        { field: 'prices.1.itemId', message: 'unknown item ghost' },
      ]);
      expect(
        (
          await call('PUT', '/api/v1/menu/price-overrides/harbour-street', {
            prices: [{ itemId: 'burger', priceCents: 1700 }],
          })
        ).status,
      ).toBe(200);
      expect(
        (await call('GET', '/api/v1/menu/price-overrides?storeId=harbour-street')).body
          .priceOverrides,
      ).toEqual([{ storeId: 'harbour-street', itemId: 'burger', priceCents: 1700 }]);

      const published = await call('POST', '/api/v1/menu/publish', {
        storeIds: ['harbour-street', 'pier-road'],
      });
      expect(published.status).toBe(201);
      expect(published.body.priceOverrideCount).toBe(1);
      const n = published.body.version as number;
      const burgerAt = async (path: string) =>
        (await call('GET', path)).body.items.find((i: { id: string }) => i.id === 'burger')
          .priceCents;
      expect(await burgerAt(`/api/v1/menu/versions/${n}?storeId=harbour-street`)).toBe(1700);
      expect(await burgerAt(`/api/v1/menu/versions/${n}?storeId=pier-road`)).toBe(1500);
      expect(await burgerAt(`/api/v1/menu/versions/${n}`)).toBe(1500);
      expect(await burgerAt('/api/v1/menu/stores/harbour-street/current')).toBe(1700);
      expect((await call('GET', `/api/v1/menu/versions/${n}?storeId=elsewhere`)).status).toBe(404);
      expect((await call('GET', '/api/v1/menu/stores/elsewhere/current')).status).toBe(404);
      expect(
        (await call('GET', `/api/v1/menu/versions/${n - 1}/diff/${n}?storeId=harbour-street`)).body
          .changed,
      ).toContainEqual({ id: 'burger', fields: ['priceCents'] });

      // Rolling back to this version later brings its store prices back too.
      expect(
        (await call('PUT', '/api/v1/menu/price-overrides/harbour-street', { prices: [] })).status,
      ).toBe(200);
      const back = await call('POST', `/api/v1/menu/versions/${n}/rollback`, {
        storeIds: ['harbour-street'],
      });
      expect(back.body.priceOverrideCount).toBe(1);
      expect(await burgerAt('/api/v1/menu/stores/harbour-street/current')).toBe(1700);
      // pier-road was not in the rollback: it still runs version n.
      expect((await call('GET', '/api/v1/menu/stores/pier-road/current')).body.version).toBe(n);
    });

    it('publishes menus served at set times, and refuses windows that are not times', async () => {
      const scheduled = {
        ...draft,
        categories: [
          {
            ...draft.categories[0],
            availableAt: [{ days: [1, 2, 3, 4, 5], from: '11:00', to: '15:00' }],
          },
        ],
      };
      const bad = await call('PUT', '/api/v1/menu/draft', {
        ...scheduled,
        items: [{ ...draft.items[0], availableAt: [{ from: '7am', to: '11:00' }] }, draft.items[1]],
      });
      expect(bad.status).toBe(400);
      expect(bad.body.errors.map((e: { field: string }) => e.field)).toEqual([
        'items.0.availableAt.0.from',
      ]);
      expect((await call('PUT', '/api/v1/menu/draft', scheduled)).status).toBe(200);
      const published = await call('POST', '/api/v1/menu/publish', {
        storeIds: ['harbour-street'],
      });
      expect(published.status).toBe(201);
      const menu = (await call('GET', '/api/v1/menu/stores/harbour-street/current')).body;
      expect(menu.categories[0].availableAt).toEqual([
        { days: [1, 2, 3, 4, 5], from: '11:00', to: '15:00' },
      ]);
    });
  });
}
