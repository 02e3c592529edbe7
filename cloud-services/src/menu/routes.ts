import { MenuItem } from '@pos/contracts';
import { AppError, handle, OpenApi } from '@pos/kit';
import type { SqlDatabase } from '@pos/kit/sql';
import type { Express, Request } from 'express';
import { decodeJwt } from 'jose';
import { z } from 'zod';
import { MenuDraft, Menus } from './menus.js';

const ItemParams = z.object({ id: z.string().regex(/^[a-z0-9][a-z0-9-]{0,63}$/) });
const VersionParams = z.object({ n: z.coerce.number().int().min(1) });
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
    { method: 'get', path: '/api/v1/menu/items', summary: 'Items of the draft', tags },
    {
      method: 'post',
      path: '/api/v1/menu/items',
      summary: 'Add an item to the draft',
      tags,
      body: MenuItem,
      status: 201,
    },
    {
      method: 'put',
      path: '/api/v1/menu/items/:id',
      summary: 'Replace an item in the draft',
      tags,
      body: MenuItem,
    },
    {
      method: 'delete',
      path: '/api/v1/menu/items/:id',
      summary: 'Remove an item from the draft',
      tags,
      status: 204,
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
    { method: 'get', path: '/api/v1/menu/versions/:n', summary: 'One published version', tags },
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
  app.get(
    '/api/v1/menu/items',
    handle({}, async () => ({ items: (await menus.draft()).items })),
  );
  app.post(
    '/api/v1/menu/items',
    handle({ body: MenuItem }, async ({ body }, _req, res) => {
      res.status(201);
      return menus.addItem(body);
    }),
  );
  app.put(
    '/api/v1/menu/items/:id',
    handle({ params: ItemParams, body: MenuItem }, ({ params, body }) =>
      menus.replaceItem(params.id, body),
    ),
  );
  app.delete(
    '/api/v1/menu/items/:id',
    handle({ params: ItemParams }, async ({ params }, _req, res) => {
      await menus.removeItem(params.id);
      res.status(204);
    }),
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
    handle({ params: VersionParams }, ({ params }) => menus.version(params.n)),
  );
  app.get(
    '/api/v1/menu/versions/:from/diff/:to',
    handle({ params: DiffParams }, ({ params }) => menus.diff(params.from, params.to)),
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
