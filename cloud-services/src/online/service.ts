import type { AnyEvent, PaymentRefundProcessedV1 } from '@pos/contracts';
import {
  type CloudServiceRuntime,
  cloudInboxSchema,
  pgIdempotencySchema,
  type SqlDatabase,
  type StartedService,
  startBusWork,
  startDatabaseService,
} from '@pos/kit/sql';
import { parseBusEvent } from '../events.js';
import { challengeRoutes, challengeUrl } from './challenge-routes.js';
import { STORE_EVENT_STATUS, type StoreEventType } from './order-status.js';
import { OnlineOrders, OUTBOX } from './orders.js';
import { createOnlinePaymentProcessor, type OnlinePaymentProcessor } from './payments/index.js';
import { LoyaltyRewards, type RewardHolder } from './rewards.js';
import { onlineRoutes } from './routes.js';
import { onlineSchema } from './schema.js';
import { StoreDirectory } from './store-directory.js';

export const ONLINE_SERVICE = 'online';

export interface OnlineServiceOptions {
  /** The sync service (stores and menus for guests); `SYNC_URL` otherwise. */
  syncUrl?: string;
  /** The loyalty service (points held for a reward); `LOYALTY_URL` otherwise. */
  loyaltyUrl?: string;
  /** Instead of the loyalty service (tests). */
  rewards?: RewardHolder;
  /** The card processor; from the environment otherwise (Stripe with `STRIPE_SECRET_KEY`). */
  processor?: OnlinePaymentProcessor;
  /** How often paid orders not yet received and pending refunds are looked at. */
  sweepEveryMs?: number;
  receiveTimeoutMs?: number;
  clock?: () => number;
}

const BINDINGS = [...Object.keys(STORE_EVENT_STATUS), 'payment.refundprocessed.v1'];

/**
 * The online ordering service (seed §10): guests' orders priced from the store's menu, paid by
 * card, handed to the store through the outbox (`online.orderpaid.v1`) and followed through
 * the store's events on the cloud bus, refunded when the store cannot take them.
 */
export function startOnlineService(
  runtime: CloudServiceRuntime,
  options: OnlineServiceOptions = {},
): Promise<StartedService> {
  const syncUrl = options.syncUrl ?? runtime.env.SYNC_URL ?? 'http://127.0.0.1:5009';
  const rewards =
    options.rewards ??
    new LoyaltyRewards(
      options.loyaltyUrl ??
        runtime.env.LOYALTY_URL ??
        `http://127.0.0.1:${runtime.env.LOYALTY_PORT ?? '5007'}`,
    );
  const processor =
    options.processor ??
    createOnlinePaymentProcessor(runtime.env, runtime.logger, { challengeUrl });
  let orders: OnlineOrders | undefined;
  const ordersFor = (db: SqlDatabase) => {
    orders ??= new OnlineOrders({
      db,
      stores: new StoreDirectory(syncUrl),
      processor,
      rewards,
      logger: runtime.logger,
      timeZone: runtime.env.STORE_TIME_ZONE ?? 'UTC',
      ...(options.clock ? { clock: options.clock } : {}),
      ...(options.receiveTimeoutMs ? { receiveTimeoutMs: options.receiveTimeoutMs } : {}),
    });
    return orders;
  };
  return startDatabaseService({
    name: ONLINE_SERVICE,
    schemas: [onlineSchema, pgIdempotencySchema, cloudInboxSchema],
    runtime,
    background: (db) => {
      const online = ordersFor(db);
      const work = startBusWork<AnyEvent>(
        runtime,
        afterCommit(db, () => online.afterCommit()),
        {
          relayTable: OUTBOX,
          consumer: {
            consumer: ONLINE_SERVICE,
            bindings: BINDINGS,
            parse: parseBusEvent,
            handle: async (event, tx) => {
              if (event.EventType === 'payment.refundprocessed.v1') {
                await online.applyStoreRefund(event.Payload as PaymentRefundProcessedV1, tx);
              } else if (event.EventType in STORE_EVENT_STATUS) {
                await online.applyStoreEvent(
                  event.EventType as StoreEventType,
                  event.Payload as never,
                  tx,
                );
              }
            },
          },
        },
      );
      // The 10-minute watch and refunds the processor did not take yet.
      let sweeping: Promise<unknown> | undefined;
      const sweep = setInterval(() => {
        sweeping ??= online
          .expireUnreceived()
          .then(() => online.processRefunds())
          .catch((err: unknown) => runtime.logger.error({ err }, 'online sweep failed'))
          .finally(() => {
            sweeping = undefined;
          });
      }, options.sweepEveryMs ?? 5_000);
      sweep.unref();
      return async () => {
        clearInterval(sweep);
        await sweeping;
        await work?.();
        await online.processRefunds();
      };
    },
    routes: (app, db) => {
      challengeRoutes(app, processor);
      onlineRoutes(app, ordersFor(db), db);
    },
  });
}

/** The database with a hook run after each transaction (the consumer's), to act on its commit. */
function afterCommit(db: SqlDatabase, after: () => void): SqlDatabase {
  return {
    kind: db.kind,
    schema: db.schema,
    query: (text, params) => db.query(text, params),
    one: (text, params) => db.one(text, params),
    maybeOne: (text, params) => db.maybeOne(text, params),
    exec: (sql) => db.exec(sql),
    close: () => db.close(),
    transaction: async (fn) => {
      try {
        return await db.transaction(fn);
      } finally {
        after();
      }
    },
  };
}
