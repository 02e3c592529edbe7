import { createHash } from 'node:crypto';
import type { EventType } from '@pos/contracts';
import { idempotency, idempotencySchema, SqliteIdempotencyStore } from '@pos/kit';
import type { HubModule } from '../hub.js';
import type { InventoryPort, MenuCatalog, OrderLedger } from '../ports.js';
import { ServiceStore } from '../service-store.js';
import type { Approvals } from '../staff/staff-service.js';
import { demoFloor } from './demo-floor.js';
import { orderLedger } from './order-ledger.js';
import { type OrderPolicy, OrderService } from './order-service.js';
import { OrderStore, orderSchema } from './order-store.js';
import { orderRoutes } from './routes.js';

export interface OrderModuleOptions {
  menu: () => MenuCatalog;
  inventory: () => InventoryPort;
  approvals: () => Approvals;
  policy?: Partial<OrderPolicy>;
  beforeCommit?: (step: 'create' | 'modify') => void;
}

export interface OrderModule extends HubModule {
  /** The running order service (its `exists` is inventory's OrderDirectory). */
  service(): OrderService;
  /** What the payment service reads: orders to pay and the day's sales. */
  ledger(): OrderLedger;
}

const CONSUMER = 'orders';
const PAYMENT_EVENTS = [
  'payment.completed.v1',
  'payment.failed.v1',
  'payment.refundprocessed.v1',
] as const satisfies readonly EventType[];
/** The kitchen's progress; the order service's own events of these types are skipped. */
const KITCHEN_EVENTS = [
  'order.preparing.v1',
  'order.ready.v1',
] as const satisfies readonly EventType[];
const CONSUMED = [...PAYMENT_EVENTS, ...KITCHEN_EVENTS];

export function orderModule(options: OrderModuleOptions): OrderModule {
  let service: OrderService | undefined;
  let ledger: OrderLedger | undefined;
  return {
    name: 'orders',
    service: () => {
      if (!service) throw new Error('the order module has not started');
      return service;
    },
    ledger: () => {
      if (!ledger) throw new Error('the order module has not started');
      return ledger;
    },
    subscribe(subscriptions) {
      subscriptions.add(CONSUMER, CONSUMED);
    },
    async start(ctx) {
      const store = await ServiceStore.open(ctx, {
        name: 'orders',
        synchronous: 'FULL',
        schemas: [orderSchema, idempotencySchema],
      });
      const orders = new OrderStore(store.db);
      if (orders.tables().length === 0) orders.seedTables(demoFloor());
      service = new OrderService({
        store,
        orders,
        menu: options.menu,
        inventory: options.inventory,
        approvals: options.approvals,
        clock: ctx.clock,
        policy: {
          timeZone: ctx.config.timeZone,
          businessDayStartHour: ctx.config.businessDayStartHour,
          cashierDiscountLimitBasisPoints: 1_000,
          autoGratuity: { basisPoints: 1_800, minGuests: 8 },
          ...options.policy,
        },
        ...(options.beforeCommit ? { beforeCommit: options.beforeCommit } : {}),
      });
      const running = service;
      ledger = orderLedger(orders);
      await store.consume(CONSUMER, CONSUMED, (event) => {
        if (event.EventType === 'order.preparing.v1' || event.EventType === 'order.ready.v1') {
          running.applyKitchenEvent(event);
        } else {
          running.applyPaymentEvent(event);
        }
      });
      const router = ctx.secureRouter();
      const keys = new SqliteIdempotencyStore(store.db);
      keys.releaseUnfinished();
      router.router.use(
        '/api/v1/orders',
        idempotency({ store: keys, principal: (req) => principalOf(req.get('authorization')) }),
      );
      orderRoutes(router, service, orders);
      return {
        routes: (app) => app.use(router.router),
        close: async () => {
          service = undefined;
          ledger = undefined;
          await store.close();
        },
      };
    },
  };
}

/** Keys are scoped per session without keeping the token itself in the database. */
export function principalOf(authorization: string | undefined): string {
  return authorization
    ? createHash('sha256').update(authorization).digest('hex').slice(0, 32)
    : '-';
}
