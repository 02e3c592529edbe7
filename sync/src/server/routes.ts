import { StoreId } from '@pos/contracts';
import { AppError, handle, OpenApi } from '@pos/kit';
import type { SqlDatabase } from '@pos/kit/sql';
import type { Express, Request } from 'express';
import { type JWTVerifyGetKey, jwtVerify } from 'jose';
import { z } from 'zod';
import { PushRequest } from '../protocol.js';
import type { ChangeFeed, MenuFeeder } from './feed.js';
import { applyBatch, StorePositions } from './push.js';
import type { Stores } from './stores.js';

const CreateStore = z
  .object({ storeId: StoreId, name: z.string().trim().min(1).max(120) })
  .strict();
const StoreParams = z.object({ storeId: StoreId });
const EnrolBody = z.object({ code: z.string().trim().min(12).max(40) }).strict();
const ChangesQuery = z
  .object({
    after: z.coerce.number().int().min(0).default(0),
    waitMs: z.coerce.number().int().min(0).max(30_000).default(0),
  })
  .strict();

const MANAGERS = new Set(['owner', 'manager', 'service']);

/**
 * Managing stores and reading their sales is for owners and managers: their access token from
 * the auth service is checked here too, because this service is also reached directly.
 */
export async function requireManager(
  req: Request,
  jwks: JWTVerifyGetKey | undefined,
): Promise<void> {
  const match = /^Bearer (.+)$/.exec(req.get('authorization') ?? '');
  if (!match?.[1]) throw new AppError('unauthenticated', 'Sign in as a manager');
  if (!jwks) throw new AppError('unavailable', 'Sign-in cannot be checked: AUTH_URL is not set');
  let roles: unknown;
  try {
    const { payload } = await jwtVerify(match[1], jwks, {
      issuer: 'pos-system',
      audience: 'pos-api',
      algorithms: ['EdDSA'],
    });
    roles = payload.roles;
  } catch {
    throw new AppError('unauthenticated', 'The access token is not valid');
  }
  if (!Array.isArray(roles) || !roles.some((r) => MANAGERS.has(String(r)))) {
    throw new AppError('forbidden', 'Only owners and managers may do this');
  }
}

export interface SyncRouteDeps {
  db: SqlDatabase;
  stores: Stores;
  feed: ChangeFeed;
  menus: MenuFeeder;
  jwks: JWTVerifyGetKey | undefined;
  /** Called after a batch committed, so the fan-out starts at once. */
  pushed: () => void;
}

export function syncDocs(): OpenApi {
  const tags = ['sync'];
  return new OpenApi({ title: 'Sync service', version: '1.0.0' }).add(
    {
      method: 'get',
      path: '/api/v1/sync/stores',
      summary: 'Stores, their hubs and last sync',
      tags,
      auth: 'bearer',
    },
    {
      method: 'post',
      path: '/api/v1/sync/stores',
      summary: 'Provision a store; answers its one-time enrolment code',
      tags,
      body: CreateStore,
      status: 201,
      auth: 'bearer',
    },
    {
      method: 'post',
      path: '/api/v1/sync/stores/:storeId/enrolment',
      summary: "A new enrolment code, revoking the hub's credential",
      tags,
      status: 201,
      auth: 'bearer',
    },
    {
      method: 'post',
      path: '/api/v1/sync/enrol',
      summary: 'A hub trades an enrolment code for its store credential',
      tags,
      body: EnrolBody,
      status: 201,
    },
    {
      method: 'post',
      path: '/api/v1/sync/push',
      summary: "A batch of the store's events in Sequence order (store credential)",
      tags,
      body: PushRequest,
      auth: 'bearer',
    },
    {
      method: 'get',
      path: '/api/v1/sync/changes',
      summary: "The store's change feed after a cursor, held open up to waitMs (store credential)",
      tags,
      query: ChangesQuery,
      auth: 'bearer',
    },
  );
}

export function syncRoutes(app: Express, deps: SyncRouteDeps): void {
  const { stores, feed } = deps;
  const positions = new StorePositions();
  app.get(
    '/api/v1/sync/stores',
    handle({}, async (_input, req) => {
      await requireManager(req, deps.jwks);
      return { stores: await stores.list() };
    }),
  );
  app.post(
    '/api/v1/sync/stores',
    handle({ body: CreateStore }, async ({ body }, req, res) => {
      await requireManager(req, deps.jwks);
      res.status(201);
      return stores.create(body.storeId, body.name);
    }),
  );
  app.post(
    '/api/v1/sync/stores/:storeId/enrolment',
    handle({ params: StoreParams }, async ({ params }, req, res) => {
      await requireManager(req, deps.jwks);
      res.status(201);
      return stores.reenrol(params.storeId);
    }),
  );
  app.post(
    '/api/v1/sync/enrol',
    handle({ body: EnrolBody }, async ({ body }, _req, res) => {
      const enrolled = await stores.enrol(body.code);
      // The hub starts from the newest menu published to its store.
      // with its roster and config as they are now.
      const menu = await deps.menus.fetchCurrent(enrolled.storeId);
      await deps.db.transaction(async (tx) => {
        if (menu) await feed.add(tx, enrolled.storeId, 'menu', menu);
        await feed.seed(tx, enrolled.storeId);
      });
      feed.announce();
      res.status(201);
      return enrolled;
    }),
  );
  app.post(
    '/api/v1/sync/push',
    // Events are kept as the hub sent them, an unstorable one with its reason (`push.ts`).
    handle({ body: PushRequest, anyBodyText: true }, async ({ body }, req) => {
      const store = await stores.authenticate(req);
      const result = await applyBatch(deps.db, positions, store.store_id, body.events, body.state);
      if (result.applied > 0) deps.pushed();
      return result;
    }),
  );
  app.get(
    '/api/v1/sync/changes',
    handle({ query: ChangesQuery }, async ({ query }, req) => {
      const store = await stores.authenticate(req);
      const gone = new AbortController();
      req.on('close', () => gone.abort());
      return feed.wait(store.store_id, query.after, query.waitMs, gone.signal);
    }),
  );
}
