import { StoreId } from '@pos/contracts';
import { AppError, handle, type OpenApi } from '@pos/kit';
import type { SqlDatabase } from '@pos/kit/sql';
import type { Express } from 'express';
import type { JWTVerifyGetKey } from 'jose';
import { z } from 'zod';
import { StoreConfig } from '../protocol.js';
import type { ChangeFeed } from './feed.js';
import { requireManager } from './routes.js';

const StoreParams = z.object({ storeId: StoreId });

export function configDocs(docs: OpenApi): OpenApi {
  const tags = ['sync'];
  return docs.add(
    {
      method: 'get',
      path: '/api/v1/sync/stores/:storeId/config',
      summary: "A store's configuration (offline card caps, tax rates, printers)",
      tags,
      auth: 'bearer',
    },
    {
      method: 'put',
      path: '/api/v1/sync/stores/:storeId/config',
      summary: "Replace a store's configuration; its hub applies it within moments",
      tags,
      body: StoreConfig,
      auth: 'bearer',
    },
  );
}

/**
 * Store configuration, set by managers and carried to the store's hub by the change feed
 * (`store-config`), whole each time: the hub applies what it holds, so a hub that was offline
 * for several changes is right after the newest.
 */
export function configRoutes(
  app: Express,
  deps: { db: SqlDatabase; feed: ChangeFeed; jwks: JWTVerifyGetKey | undefined },
): void {
  const { db, feed } = deps;
  const known = async (storeId: string) => {
    if (!(await db.maybeOne('SELECT 1 FROM stores WHERE store_id = $1', [storeId])))
      throw new AppError('not-found', `Store ${storeId} was not found`);
  };
  app.get(
    '/api/v1/sync/stores/:storeId/config',
    handle({ params: StoreParams }, async ({ params }, req) => {
      await requireManager(req, deps.jwks);
      await known(params.storeId);
      const config = await feed.latest(db, params.storeId, 'store-config');
      return { storeId: params.storeId, config: config ?? {} };
    }),
  );
  app.put(
    '/api/v1/sync/stores/:storeId/config',
    handle({ params: StoreParams, body: StoreConfig }, async ({ params, body }, req) => {
      await requireManager(req, deps.jwks);
      await known(params.storeId);
      await db.transaction((tx) => feed.publish(tx, params.storeId, 'store-config', body));
      feed.announce();
      return { storeId: params.storeId, config: body };
    }),
  );
}
