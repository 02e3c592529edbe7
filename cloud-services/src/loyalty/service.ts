import type { AnyEvent, PaymentCompletedV1 } from '@pos/contracts';
import {
  type CloudServiceRuntime,
  cloudInboxSchema,
  type StartedService,
  startBusWork,
  startDatabaseService,
} from '@pos/kit/sql';
import { parseBusEvent } from '../events.js';
import { Loyalty } from './loyalty.js';
import { loyaltyRoutes } from './routes.js';
import { loyaltySchema } from './schema.js';

export const LOYALTY_SERVICE = 'loyalty';

/**
 * The loyalty service (seed §1.8). It earns points from `payment.completed.v1` events on the
 * cloud bus (RabbitMQ with `AMQP_URL`), each applied once, and publishes its own events there,
 * among them the earning rules hubs estimate with (`loyalty.ruleschanged.v1`).
 */
export function startLoyaltyService(runtime: CloudServiceRuntime): Promise<StartedService> {
  return startDatabaseService({
    name: LOYALTY_SERVICE,
    schemas: [loyaltySchema, cloudInboxSchema],
    runtime,
    background: (db) => {
      const loyalty = new Loyalty(db);
      // A programme that has never told the hubs its earning rules does so now.
      const first = loyalty.publishRulesOnce().catch((err: unknown) => {
        runtime.logger.error({ err }, 'loyalty rules not published at start');
        return false;
      });
      const work = startBusWork<AnyEvent>(runtime, db, {
        relayTable: 'loyalty_outbox',
        consumer: {
          consumer: LOYALTY_SERVICE,
          bindings: ['payment.completed.v1'],
          parse: parseBusEvent,
          handle: async (event, tx) => {
            if (event.EventType === 'payment.completed.v1') {
              await loyalty.earn(event as { EventId: string; Payload: PaymentCompletedV1 }, tx);
            }
          },
        },
      });
      return async () => {
        await first;
        await work?.();
      };
    },
    routes: (app, db) => loyaltyRoutes(app, new Loyalty(db)),
  });
}
