import {
  MenuCategory,
  MenuItem,
  ModifierGroup,
  NonNegativeCents,
  Station,
  StoreId,
  TaxCategory,
  VariantId,
} from '@pos/contracts';
import { AppError, handle, OpenApi } from '@pos/kit';
import type { SqlDatabase } from '@pos/kit/sql';
import type { Express, Request } from 'express';
import { decodeJwt } from 'jose';
import { z } from 'zod';
import { type DraftCollection, MenuDraft, Menus } from './menus.js';

const ItemParams = z.object({ id: z.string().regex(/^[a-z0-9][a-z0-9-]{0,63}$/) });
const VersionParams = z.object({ n: z.coerce.number().int().min(1) });
const StoreQuery = z.object({ storeId: StoreId.optional() }).strict();
const StoreParams = z.object({ storeId: StoreId });
const StorePrices = z
  .object({
    prices: z
      .array(
        z
          .object({
            itemId: z.string().min(1),
            variantId: VariantId.optional(),
            priceCents: NonNegativeCents,
          })
          .strict(),
      )
      .max(5_000),
  })
  .strict();

/** The parts of the draft with routes of their own: path, collection and the entry's schema. */
const COLLECTION_ROUTES: readonly [string, DraftCollection, z.ZodType][] = [
  ['items', 'items', MenuItem],
  ['categories', 'categories', MenuCategory],
  ['stations', 'stations', Station],
  ['tax-categories', 'taxCategories', TaxCategory],
  ['modifier-groups', 'modifierGroups', ModifierGroup],
];
const DiffParams = z.object({
  from: z.coerce.number().int().min(1),
  to: z.coerce.number().int().min(1),
});
const StoreList = z
  .object({
    storeIds: z
      .array(z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/))
      .min(1)
      .max(500),
  })
  .strict();

/**
 * Who is publishing: the gateway has verified the caller's token before forwarding it, so the
 * service reads its subject without verifying again.
 */
function actor(req: Request): string {
  const match = /^Bearer (.+)$/.exec(req.get('authorization') ?? '');
  try {
    const sub = match?.[1] ? decodeJwt(match[1]).sub : undefined;
    if (sub && /^[0-9a-f-]{36}$/.test(sub)) return sub;
  } catch {
    // fall through
  }
  throw new AppError('unauthenticated', 'Publishing needs a signed-in manager');
}

/** Seed §1.3 endpoints on the draft, plus publishing, versions, diffs and rollback. */
export function menuRoutes(app: Express, db: SqlDatabase): void {
  const menus = new Menus(db);
  const tags = ['menu'];
  const docs = new OpenApi({ title: 'Menu service', version: '1.0.0' }).add(
    {
      method: 'get',
      path: '/api/v1/menu/categories',
      summary: 'Categories of the draft, in order',
      tags,
    },
    ...COLLECTION_ROUTES.flatMap(([path, , schema]) => [
      ...(path === 'categories'
        ? []
        : [
            {
              method: 'get' as const,
              path: `/api/v1/menu/${path}`,
              summary: `${path} of the draft`,
              tags,
            },
          ]),
      {
        method: 'post' as const,
        path: `/api/v1/menu/${path}`,
        summary: `Add to the draft's ${path}`,
        tags,
        body: schema,
        status: 201,
      },
      {
        method: 'put' as const,
        path: `/api/v1/menu/${path}/:id`,
        summary: `Replace one of the draft's ${path}`,
        tags,
        body: schema,
      },
      {
        method: 'delete' as const,
        path: `/api/v1/menu/${path}/:id`,
        summary: `Remove one of the draft's ${path} (409 while an item uses it)`,
        tags,
        status: 204,
      },
    ]),
    {
      method: 'get',
      path: '/api/v1/menu/price-overrides',
      summary: 'Per-store prices on the draft',
      tags,
    },
    {
      method: 'put',
      path: '/api/v1/menu/price-overrides/:storeId',
      summary: "Replace one store's prices on the draft",
      tags,
      body: StorePrices,
    },
    {
      method: 'get',
      path: '/api/v1/menu/stores/:storeId/current',
      summary: 'The newest version published to a store, with its prices',
      tags,
    },
    { method: 'get', path: '/api/v1/menu/draft', summary: 'The whole draft', tags },
    {
      method: 'put',
      path: '/api/v1/menu/draft',
      summary: 'Replace the whole draft',
      tags,
      body: MenuDraft,
    },
    {
      method: 'post',
      path: '/api/v1/menu/publish',
      summary: 'Publish the draft as a new version',
      tags,
      body: StoreList,
      status: 201,
      auth: 'bearer',
    },
    {
      method: 'get',
      path: '/api/v1/menu/versions',
      summary: 'Published versions, newest first',
      tags,
    },
    {
      method: 'get',
      path: '/api/v1/menu/versions/:n',
      summary: 'One published version (?storeId= as that store receives it)',
      tags,
      query: StoreQuery,
    },
    {
      method: 'get',
      path: '/api/v1/menu/versions/:from/diff/:to',
      summary: 'What changed between two versions',
      tags,
    },
    {
      method: 'post',
      path: '/api/v1/menu/versions/:n/rollback',
      summary: 'Publish an earlier version again',
      tags,
      body: StoreList,
      status: 201,
      auth: 'bearer',
    },
  );
  app.get('/openapi.json', (_req, res) => {
    res.json(docs.document());
  });
  app.get(
    '/api/v1/menu/categories',
    handle({}, async () => ({
      categories: [...(await menus.draft()).categories].sort((a, b) => a.sortOrder - b.sortOrder),
    })),
  );
  for (const [path, collection, schema] of COLLECTION_ROUTES) {
    if (path !== 'categories') {
      app.get(
        `/api/v1/menu/${path}`,
        handle({}, async () => ({ [path]: (await menus.draft())[collection] })),
      );
    }
    app.post(
      `/api/v1/menu/${path}`,
      handle({ body: schema }, async ({ body }, _req, res) => {
        res.status(201);
        return menus.add(collection, body as never);
      }),
    );
    app.put(
      `/api/v1/menu/${path}/:id`,
      handle({ params: ItemParams, body: schema }, ({ params, body }) =>
        menus.replace(collection, params.id, body as never),
      ),
    );
    app.delete(
      `/api/v1/menu/${path}/:id`,
      handle({ params: ItemParams }, async ({ params }, _req, res) => {
        await menus.remove(collection, params.id);
        res.status(204);
      }),
    );
  }
  app.get(
    '/api/v1/menu/price-overrides',
    handle({ query: StoreQuery }, async ({ query }) => ({
      priceOverrides: (await menus.draft()).priceOverrides.filter(
        (o) => !query.storeId || o.storeId === query.storeId,
      ),
    })),
  );
  app.put(
    '/api/v1/menu/price-overrides/:storeId',
    handle({ params: StoreParams, body: StorePrices }, async ({ params, body }) => ({
      priceOverrides: await menus.setStorePrices(params.storeId, body.prices as never),
    })),
  );
  app.get(
    '/api/v1/menu/stores/:storeId/current',
    handle({ params: StoreParams }, ({ params }) => menus.current(params.storeId)),
  );
  app.get(
    '/api/v1/menu/draft',
    handle({}, () => menus.draft()),
  );
  app.put(
    '/api/v1/menu/draft',
    handle({ body: MenuDraft }, ({ body }) => menus.saveDraft(body)),
  );
  app.post(
    '/api/v1/menu/publish',
    handle({ body: StoreList }, async ({ body }, req, res) => {
      const published = await menus.publish(body.storeIds, actor(req));
      res.status(201);
      return published;
    }),
  );
  app.get(
    '/api/v1/menu/versions',
    handle({}, async () => ({ versions: await menus.versions() })),
  );
  app.get(
    '/api/v1/menu/versions/:n',
    handle({ params: VersionParams, query: StoreQuery }, ({ params, query }) =>
      menus.version(params.n, query.storeId),
    ),
  );
  app.get(
    '/api/v1/menu/versions/:from/diff/:to',
    handle({ params: DiffParams, query: StoreQuery }, ({ params, query }) =>
      menus.diff(params.from, params.to, query.storeId),
    ),
  );
  app.post(
    '/api/v1/menu/versions/:n/rollback',
    handle({ params: VersionParams, body: StoreList }, async ({ params, body }, req, res) => {
      const published = await menus.rollback(params.n, body.storeIds, actor(req));
      res.status(201);
      return published;
    }),
  );
}
