import { EVENT_TYPES, type EventType } from '@pos/contracts';
import { AppError, handle } from '@pos/kit';
import { SyncClient } from '@pos/sync/client/index';
import type { Change, ChangeTopic } from '@pos/sync/protocol';
import { z } from 'zod';
import type { HubModule } from '../hub.js';
import type { MenuService } from '../menu/menu-service.js';
import { ServiceStore } from '../service-store.js';
import type { Access } from '../staff/access.js';
import type { ChangeApplier } from './appliers.js';
import { SqliteSyncState, SqliteUpstreamQueue, syncHubSchema } from './store.js';

/** The inbox consumer that numbers the hub's events for the cloud. */
export const SYNC_UPSTREAM_CONSUMER = 'sync-upstream';

/**
 * What the cloud needs from a store: its orders, payments, stock and kitchen timings, and the
 * items it takes off (86) or puts back, which guests ordering online must not be offered.
 */
export const UPSTREAM_EVENTS: readonly EventType[] = EVENT_TYPES.filter(
  (t) => /^(order|payment|inventory|kds)\./.test(t) || t === 'menu.itemavailabilitychanged.v1',
);

/**
 * What the hub does with each topic of the change feed but menus (rosters, config, loyalty
 * rules). Each payload is whole by itself; an applier throws on one it cannot use (it is then
 * logged and skipped, not retried: the cloud checked it, so it is a fault to fix there).
 */
export type ChangeAppliers = Partial<Record<Exclude<ChangeTopic, 'menu'>, ChangeApplier>>;

export interface SyncModuleOptions {
  menu: () => MenuService;
  /** Appliers for the other topics, looked up when a change arrives. */
  changes?: () => ChangeAppliers;
  /** Backoff and polling, shorter in tests. */
  client?: {
    backoff?: { minMs: number; maxMs: number };
    heartbeatMs?: number;
    longPollMs?: number;
  };
}

export interface SyncModule extends HubModule {
  client(): SyncClient;
  settle(): Promise<void>;
}

const STAFF: Access = ['cashier', 'cook'];
const EnrolBody = z
  .object({
    /** The cloud's sync service; CLOUD_SYNC_URL when left out. */
    cloudUrl: z
      .url({ protocol: /^https?$/ })
      .max(500)
      .optional(),
    code: z.string().trim().min(12).max(40),
  })
  .strict();
const BacklogQuery = z
  .object({ limit: z.coerce.number().int().min(1).max(500).default(20) })
  .strict();

/**
 * Sync on the hub (ARCHITECTURE "Sync"): every order, payment, stock and kitchen event is
 * numbered into `sync.db` as it arrives (once, through the inbox) and pushed to the cloud in
 * that order; menu versions published in the cloud come down the change feed and are applied
 * all-or-nothing. Offline, events wait; `GET /api/v1/sync/status` says how many and since when.
 */
export function syncModule(options: SyncModuleOptions): SyncModule {
  let started: { client: SyncClient; store: ServiceStore } | undefined;
  const running = () => {
    if (!started) throw new Error('the sync module has not started');
    return started;
  };
  return {
    name: 'sync',
    subscribe(subscriptions) {
      subscriptions.add(SYNC_UPSTREAM_CONSUMER, UPSTREAM_EVENTS);
    },
    async start(ctx) {
      const store = await ServiceStore.open(ctx, {
        name: 'sync',
        // A paid order's events must not be lost between the order's file and the cloud.
        synchronous: 'FULL',
        schemas: [syncHubSchema],
      });
      try {
        const queue = new SqliteUpstreamQueue(store.db, ctx.clock);
        const state = new SqliteSyncState(store.db);
        const client = new SyncClient({
          queue,
          state,
          logger: ctx.logger.child({ module: 'sync' }),
          clock: ctx.clock,
          heartbeatMs: ctx.config.syncHeartbeatMs,
          ...options.client,
          hubState: () => ({ menuVersion: options.menu().version() }),
          applyChange: async (change: Change) => {
            if (change.topic !== 'menu') {
              const apply = options.changes?.()[change.topic];
              if (!apply) return;
              try {
                await apply(change.payload, { replay: false });
                // Kept whole, to apply again at start (its caps and rates live in memory).
                if (change.topic === 'store-config')
                  state.set('storeConfig', JSON.stringify(change.payload));
                ctx.logger.info(
                  { topic: change.topic, cursor: change.cursor },
                  'sync: change applied',
                );
              } catch (err) {
                ctx.logger.error(
                  { err: (err as Error).message, topic: change.topic, cursor: change.cursor },
                  'sync: change from the cloud refused',
                );
              }
              return;
            }
            // Until the cloud's first menu arrives the hub runs the one it was installed with.
            const first = state.get('cloudMenuVersion') === undefined;
            const result = options.menu().applyVersion(change.payload, { replaceLocal: first });
            if (result.ok) state.set('cloudMenuVersion', String(result.version));
            if (!result.ok && result.reason === 'invalid-document') {
              // Kept out, not retried forever: the cloud checked it, so this is a fault to fix.
              ctx.logger.error(
                { issues: result.issues, cursor: change.cursor },
                'sync: menu from the cloud refused',
              );
            }
          },
        });
        const savedConfig = state.get('storeConfig');
        const applyConfig = options.changes?.()['store-config'];
        if (savedConfig && applyConfig) {
          try {
            await applyConfig(JSON.parse(savedConfig), { replay: true });
          } catch (err) {
            ctx.logger.error(
              { err: (err as Error).message },
              'sync: saved store config not applied',
            );
          }
        }
        await store.consume(
          SYNC_UPSTREAM_CONSUMER,
          UPSTREAM_EVENTS,
          (event) => {
            queue.enqueue(event);
          },
          () => queue.committed(),
        );
        // A hub set up with a code in its environment enrols itself on first start.
        const code = ctx.config.syncEnrolmentCode;
        const cloudUrl = ctx.config.cloudSyncUrl;
        if (!client.enrolled && code && cloudUrl) {
          await client
            .enrol(cloudUrl, code, ctx.config.storeId)
            .then((s) => ctx.logger.info({ storeId: s.storeId }, 'sync: hub enrolled'))
            .catch((err: unknown) =>
              ctx.logger.error(
                { err: (err as Error).message },
                'sync: enrolment failed; enrol from the terminal or `npm run pos-hub -- enrol`',
              ),
            );
        }
        client.start();
        started = { client, store };

        const router = ctx.secureRouter();
        router.get(
          '/api/v1/sync/status',
          STAFF,
          handle({}, () => client.status()),
        );
        router.get(
          '/api/v1/sync/backlog',
          STAFF,
          handle({ query: BacklogQuery }, ({ query }) => {
            const status = client.status();
            return {
              pendingEvents: status.pendingEvents,
              oldestPendingAt: status.oldestPendingAt,
              ...queue.backlog(status.lastSequenceConfirmed, query.limit),
            };
          }),
        );
        router.post(
          '/api/v1/sync/now',
          STAFF,
          handle({}, (_input, _req, res) => {
            if (!client.enrolled)
              throw new AppError('conflict', 'This hub is not enrolled with the cloud yet');
            client.syncNow();
            res.status(202);
            return client.status();
          }),
        );
        router.post(
          '/api/v1/sync/enrol',
          ['manager'],
          handle({ body: EnrolBody }, async ({ body }, _req, res) => {
            const cloudUrl = body.cloudUrl ?? ctx.config.cloudSyncUrl;
            if (!cloudUrl)
              throw new AppError('validation', 'Which cloud to enrol with', {
                errors: [
                  { field: 'cloudUrl', message: 'required (or set CLOUD_SYNC_URL on the hub)' },
                ],
              });
            try {
              const enrolled = await client.enrol(cloudUrl, body.code, ctx.config.storeId);
              res.status(201);
              return { ...enrolled, status: client.status() };
            } catch (err) {
              const status = (err as { status?: number }).status;
              if (status === 401 || status === 404)
                throw new AppError('validation', 'The cloud did not accept that enrolment code', {
                  errors: [{ field: 'code', message: 'not valid, already used, or expired' }],
                });
              if (status === undefined && /set up as/.test((err as Error).message))
                throw new AppError('conflict', (err as Error).message);
              // The cloud answered and refused (a malformed code, too many tries): say so.
              if (status === 400 || status === 409 || status === 422)
                throw new AppError('validation', 'The cloud refused that enrolment', {
                  errors: [{ field: 'code', message: (err as Error).message.slice(0, 300) }],
                });
              if (status === 429)
                throw new AppError(
                  'rate-limited',
                  'Too many enrolment attempts; try again shortly',
                  {
                    headers: { 'Retry-After': '30' },
                  },
                );
              throw new AppError(
                'unavailable',
                `The cloud could not be reached: ${(err as Error).message}`,
              );
            }
          }),
        );
        return {
          routes: (app) => {
            app.use(router.router);
          },
          readiness: () => ({ state: client.status().state }),
          close: async () => {
            await client.stop();
            await store.settle();
            await store.close();
          },
        };
      } catch (err) {
        await store.close();
        throw err;
      }
    },
    client: () => running().client,
    settle: () => running().store.settle(),
  };
}
