import type { EventType } from '@pos/contracts';
import type { HubModule } from '../hub.js';
import { ServiceStore } from '../service-store.js';
import { hasRole } from '../staff/access.js';
import { findAppDir, serveApp } from '../static-app.js';
import type { StationThresholds } from './kds-model.js';
import { KdsService } from './kds-service.js';
import { KdsStore, kdsSchema } from './kds-store.js';
import { KdsRealtime } from './realtime.js';
import { kdsRoutes } from './routes.js';

const CONSUMER = 'kds';
const ORDER_EVENTS = [
  'order.created.v1',
  'order.confirmed.v1',
  'order.modified.v1',
  'order.cancelled.v1',
] as const satisfies readonly EventType[];

export interface KdsModuleOptions {
  /** The kitchen stations of the menu in force. */
  stations: () => readonly { id: string; name: string }[];
  /** Ageing thresholds per station (default yellow at 5 min, red at 8 min). */
  thresholds?: Record<string, Partial<StationThresholds>>;
  /** How often tickets are checked for the preparation-time alarm. Default 5 s. */
  lateCheckEveryMs?: number;
  /** Where the built kitchen-display app is (default: `kitchen-display/dist`, or `KDS_APP_DIR`). */
  appDir?: string;
}

export interface KdsModule extends HubModule {
  service(): KdsService;
  realtime(): KdsRealtime | undefined;
}

export function kdsModule(options: KdsModuleOptions): KdsModule {
  let service: KdsService | undefined;
  let live: KdsRealtime | undefined;
  return {
    name: 'kds',
    service() {
      if (!service) throw new Error('the kds module has not started');
      return service;
    },
    realtime: () => live,
    subscribe(subscriptions) {
      subscriptions.add(CONSUMER, ORDER_EVENTS);
    },
    async start(ctx) {
      const store = await ServiceStore.open(ctx, {
        name: 'kds',
        // A kitchen screen can be rebuilt from the order events; tickets are not money.
        synchronous: 'NORMAL',
        schemas: [kdsSchema],
      });
      const rows = new KdsStore(store.db);
      const svc = new KdsService({
        store,
        rows,
        clock: ctx.clock,
        stations: options.stations,
        thresholds: options.thresholds ?? {},
        logger: ctx.logger,
      });
      service = svc;
      const touched = new Map<string, string[]>();
      await store.consume(
        CONSUMER,
        ORDER_EVENTS,
        (event) => {
          touched.set(event.EventId, svc.apply(event));
        },
        (event) => {
          const orders = touched.get(event.EventId);
          touched.delete(event.EventId);
          if (orders) live?.publish(orders);
        },
      );
      const timer = setInterval(() => {
        try {
          live?.publish(svc.checkLate());
        } catch (err) {
          ctx.logger.error({ err }, 'checking ticket ages failed');
        }
      }, options.lateCheckEveryMs ?? 5_000);
      timer.unref();
      const appDir = options.appDir ?? process.env.KDS_APP_DIR ?? findAppDir('kitchen-display');
      return {
        routes(app) {
          app.use(kdsRoutes(ctx.secureRouter(), svc, () => live, ctx.clock).router);
          serveApp(app, '/kds', appDir, 'npm run build:kds');
        },
        attach(server) {
          live = new KdsRealtime(
            server,
            svc,
            ctx.clock,
            ctx.logger.child({ part: 'screens' }),
            async (token) => {
              const staff = await ctx.sessions.verify(token);
              return Boolean(staff && (hasRole(staff, 'cook') || hasRole(staff, 'cashier')));
            },
          );
          return () => live?.close();
        },
        readiness: () => store.db.prepare('SELECT 1').get(),
        async close() {
          clearInterval(timer);
          await store.close();
          service = undefined;
        },
      };
    },
  };
}
