import type { HubModule } from '../hub.js';
import type { InventoryPort, OrderDirectory } from '../ports.js';
import { ServiceStore } from '../service-store.js';
import { InventoryService } from './inventory-service.js';
import { InventoryStore, inventorySchema } from './inventory-store.js';
import { applyOrderEvent, ORDER_EVENT_TYPES, recoverStale } from './order-events.js';
import { inventoryRoutes } from './routes.js';
import { parseSeed } from './seed-schema.js';
import type { InventorySeed } from './seed-types.js';

export interface InventoryModuleOptions {
  /** Starting data; read only when the inventory database is empty (first start). */
  seed: () => InventorySeed;
  /** The order service's directory; undefined (or throwing) until that module has started. */
  orders: () => OrderDirectory | undefined;
  /** The menu in force, to accept manual 86s of items without a recipe and list them. */
  menu?: () => { itemIds(): string[] };
  /** Crash recovery of held reservations: how often, and how old a hold must be. 30 s each. */
  recovery?: { everyMs?: number; staleAfterMs?: number };
}

/**
 * The inventory module, which is also where the hub gets its `InventoryPort`: after `start`,
 * `port()` returns the running service (before, it throws). Wire it as
 *
 *     const inventory = inventoryModule({ seed: demoInventory, orders: () => orders.service() });
 *     const orders = orderModule({ inventory: () => inventory.port(), … });
 *     modules = [inventory, orders.module, …];
 *
 * It is a `HubModule` itself, so it goes into the module list as it is.
 */
export interface InventoryModule extends HubModule {
  port(): InventoryPort;
}

const CONSUMER = 'inventory';

export function inventoryModule(options: InventoryModuleOptions): InventoryModule {
  const everyMs = options.recovery?.everyMs ?? 30_000;
  const staleAfterMs = options.recovery?.staleAfterMs ?? 30_000;
  let service: InventoryService | undefined;

  return {
    name: 'inventory',
    port(): InventoryPort {
      if (!service) throw new Error('the inventory module has not started');
      return service;
    },
    subscribe(subscriptions) {
      subscriptions.add(CONSUMER, ORDER_EVENT_TYPES);
    },
    async start(ctx) {
      const store = await ServiceStore.open(ctx, {
        name: 'inventory',
        // Stock levels can be recounted; orders and payments are what must survive a power cut.
        synchronous: 'NORMAL',
        schemas: [inventorySchema],
      });
      const rows = new InventoryStore(store.db);
      let svc: InventoryService;
      try {
        svc = new InventoryService(store, rows, { menu: options.menu, logger: ctx.logger });
        if (rows.isEmpty()) svc.seed(parseSeed(options.seed()));
        await store.consume(CONSUMER, ORDER_EVENT_TYPES, (event) =>
          applyOrderEvent(svc, event, ctx.logger),
        );
      } catch (err) {
        await store.close();
        throw err;
      }
      service = svc;

      // The order module usually starts after this one, so until the directory exists the sweep
      // is retried every second; after the first real sweep it runs every `everyMs`. Elapsed
      // time is measured on the monotonic clock: this is a timer, not business time.
      let lastSweep: number | undefined;
      const sweep = () => {
        let directory: OrderDirectory | undefined;
        try {
          directory = options.orders();
        } catch {
          // A module that throws until it has started is as good as absent: ask again later.
          return;
        }
        if (!directory) return;
        // The first sweep runs before the hub takes requests: every hold then belongs to the
        // previous run, however young, so all are settled at once.
        const olderThan = lastSweep === undefined ? 0 : staleAfterMs;
        lastSweep = performance.now();
        try {
          const outcome = recoverStale(svc, directory, olderThan);
          if (outcome.committed + outcome.released > 0) {
            ctx.logger.warn(outcome, 'settled reservations left held by an interrupted order');
          }
        } catch (err) {
          ctx.logger.error({ err }, 'reservation recovery failed; will try again');
        }
      };
      sweep();
      const timer = setInterval(
        () => {
          if (lastSweep === undefined || performance.now() - lastSweep >= everyMs) sweep();
        },
        Math.min(1_000, everyMs),
      );
      timer.unref();

      return {
        routes(app) {
          app.use(inventoryRoutes(ctx.secureRouter(), svc).router);
        },
        readiness() {
          rows.db.prepare('SELECT 1').get();
        },
        async close() {
          clearInterval(timer);
          service = undefined;
          // Let events already received finish, so none is cut off by the closing database.
          await Promise.race([store.settle(), new Promise((r) => setTimeout(r, 2_000).unref())]);
          await store.close();
        },
      };
    },
  };
}
