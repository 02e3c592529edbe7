import type { MenuDocument } from '@pos/contracts';
import { demoMenu } from '../demo/menu.js';
import type { HubModule } from '../hub.js';
import { ServiceStore } from '../service-store.js';
import { type AvailabilityEvent, MenuService } from './menu-service.js';
import { menuSchema } from './menu-store.js';
import { menuRoutes } from './routes.js';

/** The inbox consumer that keeps the 86 list; inventory's outbox holds its events for it. */
export const MENU_AVAILABILITY_CONSUMER = 'menu-availability';
const AVAILABILITY_EVENTS = ['menu.itemavailabilitychanged.v1'] as const;

export interface MenuModuleOptions {
  /** The first menu of a hub whose database has none yet (default: the demo restaurant). */
  initialMenu?: () => MenuDocument;
}

export interface MenuModule extends HubModule {
  /** The running replica, for the modules that read the menu (orders) and for sync. */
  service(): MenuService;
  /** Wait until every availability event received so far is applied (for tests, shutdown). */
  settle(): Promise<void>;
}

export function menuModule(options: MenuModuleOptions = {}): MenuModule {
  const initialMenu = options.initialMenu ?? demoMenu;
  let started: { service: MenuService; store: ServiceStore } | undefined;
  const running = () => {
    if (!started) throw new Error('the menu module has not started');
    return started;
  };

  return {
    name: 'menu',
    subscribe(subscriptions) {
      subscriptions.add(MENU_AVAILABILITY_CONSUMER, AVAILABILITY_EVENTS);
    },
    async start(ctx) {
      const store = await ServiceStore.open(ctx, {
        name: 'menu',
        synchronous: 'NORMAL',
        schemas: [menuSchema],
      });
      try {
        const service = MenuService.open(
          {
            db: store.db,
            transaction: (fn) => store.transaction(fn),
            logger: ctx.logger,
            clock: ctx.clock,
            timeZone: ctx.config.timeZone,
          },
          initialMenu,
        );
        await store.consume(
          MENU_AVAILABILITY_CONSUMER,
          AVAILABILITY_EVENTS,
          (event) => {
            if (event.EventType === 'menu.itemavailabilitychanged.v1') {
              service.recordAvailability(event as AvailabilityEvent);
            }
          },
          (event) => {
            if (event.EventType === 'menu.itemavailabilitychanged.v1') {
              service.availabilityCommitted(event as AvailabilityEvent);
            }
          },
        );
        started = { service, store };
        const router = menuRoutes(ctx, service);
        return {
          routes: (app) => {
            app.use(router.router);
          },
          readiness: () => ({ version: service.version() }),
          close: async () => {
            // Let events already received finish before the database closes under them.
            await store.settle();
            await store.close();
          },
        };
      } catch (err) {
        await store.close();
        throw err;
      }
    },
    service: () => running().service,
    settle: () => running().store.settle(),
  };
}
