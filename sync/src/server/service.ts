import type { AnyEvent, MenuPublishedV1 } from '@pos/contracts';
import { parseEvent } from '@pos/contracts';
import type { SqlDatabase } from '@pos/kit/sql';
import {
  BusConsumer,
  BusOutboxRelay,
  type CloudServiceRuntime,
  cloudBusFor,
  cloudInboxSchema,
  type StartedService,
  startDatabaseService,
} from '@pos/kit/sql';
import { createRemoteJWKSet, type JWTVerifyGetKey } from 'jose';
import { ChangeFeed, MenuFeeder } from './feed.js';
import { readModelSchema } from './read-model.js';
import { reportRoutes } from './reports-routes.js';
import { syncDocs, syncRoutes } from './routes.js';
import { syncSchema } from './schema.js';
import { Stores } from './stores.js';

export const SYNC_SERVICE = 'sync';

export interface SyncServerOptions {
  /** The menu service, for the versions it carries down (`MENU_URL`). */
  menuUrl?: string;
  /** The auth service, whose JWKS checks managers' tokens (`AUTH_URL`). */
  authUrl?: string;
  /** Instead of fetching the auth service's JWKS (tests). */
  jwks?: JWTVerifyGetKey;
}

const withSlash = (url: string) => (url.endsWith('/') ? url : `${url}/`);

/**
 * The cloud sync service (5009): stores and their enrolment, the push of hub events (applied in
 * `Sequence` order exactly once, folded into the sales read model and fanned out on the cloud
 * bus), and the change feed hubs pull (menu versions as each store receives them).
 */
export function startSyncServer(
  runtime: CloudServiceRuntime,
  options: SyncServerOptions = {},
): Promise<StartedService> {
  const menuUrl = options.menuUrl ?? runtime.env.MENU_URL;
  const authUrl = options.authUrl ?? runtime.env.AUTH_URL;
  const jwks =
    options.jwks ??
    (authUrl
      ? createRemoteJWKSet(new URL('api/v1/auth/.well-known/jwks.json', withSlash(authUrl)))
      : undefined);
  let parts: { feed: ChangeFeed; menus: MenuFeeder } | undefined;
  const partsFor = (db: SqlDatabase) => {
    parts ??= { feed: new ChangeFeed(db), menus: new MenuFeeder(db, menuUrl, runtime.logger) };
    return parts;
  };
  let wake = () => {};
  return startDatabaseService({
    name: SYNC_SERVICE,
    schemas: [syncSchema, readModelSchema, cloudInboxSchema],
    runtime,
    // Event batches are bigger than a typical request body.
    bodyLimit: '4mb',
    background: (db) => {
      const opened = cloudBusFor(runtime);
      if (!opened) return undefined;
      const { feed, menus } = partsFor(db);
      const relay = new BusOutboxRelay({
        db,
        table: 'sync_outbox',
        bus: opened.bus,
        logger: runtime.logger,
        pollMs: 200,
      });
      wake = () => void relay.flush().catch(() => {});
      // A published menu goes into the feed of each store it was published to.
      const consumer = new BusConsumer<AnyEvent>({
        bus: opened.bus,
        db,
        consumer: SYNC_SERVICE,
        bindings: ['menu.published.v1'],
        parse: (raw) => {
          const r = parseEvent(raw);
          return r.ok
            ? { ok: true, event: r.event as AnyEvent }
            : { ok: false, reason: r.issues.map((i) => `${i.path}: ${i.message}`).join('; ') };
        },
        prepare: async (event) => {
          if (event.EventType !== 'menu.published.v1') return [];
          const p = event.Payload as MenuPublishedV1;
          return menus.fetchPublished(p.menuVersion, p.storeIds);
        },
        handle: async (_event, tx, prepared) => {
          for (const { storeId, document } of prepared as { storeId: string; document: unknown }[])
            await feed.add(tx, storeId, 'menu', document);
          feed.announceSoon();
        },
        logger: runtime.logger.child({ part: 'consumer' }),
      });
      const started = consumer
        .start()
        .catch((err: unknown) => runtime.logger.error({ err }, 'menu consumer did not start'));
      relay.start();
      return async () => {
        await started;
        await consumer.stop();
        await relay.stop();
        await opened.close();
      };
    },
    routes: (app, db) => {
      const { feed, menus } = partsFor(db);
      app.get('/openapi.json', (_req, res) => {
        res.json(syncDocs().document());
      });
      syncRoutes(app, { db, stores: new Stores(db), feed, menus, jwks, pushed: () => wake() });
      reportRoutes(app, db, jwks);
    },
  });
}
