import type { AnyEvent } from '@pos/contracts';
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
import { configDocs, configRoutes } from './config-routes.js';
import { ChangeFeed, feedSchema, MenuFeeder } from './feed.js';
import { type FeedEntry, feedSources } from './feed-sources.js';
import { loyaltyRoutes } from './loyalty-routes.js';
import { onlineDocs, onlineRoutes, onlineSchema, StoreDirectory } from './online.js';
import { readModelSchema } from './read-model.js';
import { reportRoutes } from './reports-routes.js';
import { syncDocs, syncRoutes } from './routes.js';
import { syncSchema } from './schema.js';
import { shiftsSchema } from './shifts.js';
import { Stores } from './stores.js';

export const SYNC_SERVICE = 'sync';

export interface SyncServerOptions {
  /** The menu service, for the versions it carries down (`MENU_URL`). */
  menuUrl?: string;
  /** The auth service, whose JWKS checks managers' tokens (`AUTH_URL`). */
  authUrl?: string;
  /** The loyalty service, which hubs look guests up in through this one (`LOYALTY_URL`). */
  loyaltyUrl?: string;
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
  const loyaltyUrl = options.loyaltyUrl ?? runtime.env.LOYALTY_URL;
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
    schemas: [
      syncSchema,
      feedSchema,
      readModelSchema,
      shiftsSchema,
      onlineSchema,
      cloudInboxSchema,
    ],
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
      // Published menus, rosters, … go into the feed of the stores they are for.
      const sources = feedSources({ menus });
      const consumer = new BusConsumer<AnyEvent>({
        bus: opened.bus,
        db,
        consumer: SYNC_SERVICE,
        bindings: Object.keys(sources),
        parse: (raw) => {
          const r = parseEvent(raw);
          return r.ok
            ? { ok: true, event: r.event as AnyEvent }
            : { ok: false, reason: r.issues.map((i) => `${i.path}: ${i.message}`).join('; ') };
        },
        prepare: async (event) => (await sources[event.EventType]?.prepare(event)) ?? [],
        handle: async (_event, tx, prepared) => {
          for (const entry of prepared as FeedEntry[]) {
            if (entry.retractsOrder) await feed.retractOnlineOrder(tx, entry.retractsOrder);
            // Menus are versions and online orders are orders, each in the feed; the other
            // topics are whole by themselves.
            if (entry.topic === 'menu' || entry.topic.startsWith('online-'))
              await feed.add(tx, entry.storeId, entry.topic, entry.payload);
            else await feed.publish(tx, entry.storeId, entry.topic, entry.payload);
          }
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
        res.json(onlineDocs(configDocs(syncDocs())).document());
      });
      syncRoutes(app, { db, stores: new Stores(db), feed, menus, jwks, pushed: () => wake() });
      configRoutes(app, { db, feed, jwks });
      reportRoutes(app, db, jwks);
      loyaltyRoutes(app, { db, stores: new Stores(db), feed, loyaltyUrl, logger: runtime.logger });
      const silent = Number(runtime.env.HUB_SILENT_AFTER_MS);
      onlineRoutes(
        app,
        new StoreDirectory(db, menus, {
          ...(Number.isInteger(silent) && silent > 0 ? { hubSilentAfterMs: silent } : {}),
        }),
      );
    },
  });
}
