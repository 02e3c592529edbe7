import type { AnyEvent, PaymentCompletedV1 } from '@pos/contracts';
import {
  AmqpConsumer,
  AmqpOutboxRelay,
  type CloudServiceRuntime,
  cloudInboxSchema,
  type StartedService,
  startDatabaseService,
} from '@pos/kit/sql';
import { parseBusEvent } from '../events.js';
import { Loyalty } from './loyalty.js';
import { loyaltyRoutes } from './routes.js';
import { loyaltySchema } from './schema.js';

export const LOYALTY_SERVICE = 'loyalty';

/**
 * The loyalty service (seed §1.8). With `AMQP_URL` (or `RABBITMQ_URL`) it earns points from
 * `payment.completed.v1` events on RabbitMQ, each applied once, and publishes its own events.
 */
export function startLoyaltyService(runtime: CloudServiceRuntime): Promise<StartedService> {
  return startDatabaseService({
    name: LOYALTY_SERVICE,
    schemas: [loyaltySchema, cloudInboxSchema],
    runtime,
    background: (db) => {
      const url = runtime.env.AMQP_URL ?? runtime.env.RABBITMQ_URL;
      if (!url) return undefined;
      const loyalty = new Loyalty(db);
      const consumer = new AmqpConsumer<AnyEvent>({
        url,
        db,
        consumer: LOYALTY_SERVICE,
        bindings: ['payment.completed.v1'],
        parse: parseBusEvent,
        handle: async (event, tx) => {
          if (event.EventType === 'payment.completed.v1') {
            await loyalty.earn(event as { EventId: string; Payload: PaymentCompletedV1 }, tx);
          }
        },
        logger: runtime.logger.child({ part: 'consumer' }),
      });
      const relay = new AmqpOutboxRelay({
        db,
        table: 'loyalty_outbox',
        url,
        logger: runtime.logger,
      });
      const started = consumer
        .start()
        .catch((err: unknown) => runtime.logger.error({ err }, 'loyalty consumer did not start'));
      relay.start();
      return async () => {
        await started;
        await consumer.stop();
        await relay.stop();
      };
    },
    routes: (app, db) => loyaltyRoutes(app, new Loyalty(db)),
  });
}
