import type { AnyEvent } from '@pos/contracts';
import {
  type CloudServiceRuntime,
  cloudInboxSchema,
  type StartedService,
  startBusWork,
  startDatabaseService,
} from '@pos/kit/sql';
import { parseBusEvent } from '../events.js';
import { channelAdapters, Notifications } from './notifications.js';
import { notificationRoutes } from './routes.js';
import { notificationSchema } from './schema.js';

export const NOTIFICATION_SERVICE = 'notification';

/**
 * The notification service (seed §1.9). `SMTP_URL` sends email (else it is logged); a worker
 * delivers what is due every second; from the cloud bus (RabbitMQ with `AMQP_URL`) it turns order.ready, payment.completed
 * loyalty points and low-stock events into messages, each once.
 */
export function startNotificationService(runtime: CloudServiceRuntime): Promise<StartedService> {
  let notifications: Notifications | undefined;
  const channels = channelAdapters(runtime.env, runtime.logger);
  return startDatabaseService({
    name: NOTIFICATION_SERVICE,
    schemas: [notificationSchema, cloudInboxSchema],
    runtime,
    background: (db) => {
      const n = new Notifications(db, channels, runtime.logger);
      notifications = n;
      let busy = false;
      const timer = setInterval(
        () => {
          if (busy) return;
          busy = true;
          n.deliverDue()
            .catch((err: unknown) => runtime.logger.error({ err }, 'notification delivery failed'))
            .finally(() => {
              busy = false;
            });
        },
        Number(runtime.env.NOTIFY_EVERY_MS ?? 1_000),
      );
      timer.unref();
      const bus = startBusWork<AnyEvent>(runtime, db, {
        relayTable: 'notification_outbox',
        consumer: {
          consumer: NOTIFICATION_SERVICE,
          bindings: [
            'order.created.v1',
            'order.ready.v1',
            'payment.completed.v1',
            'loyalty.pointsearned.v1',
            'inventory.lowstockalert.v1',
            'auth.emailverificationrequested.v1',
          ],
          parse: parseBusEvent,
          handle: (event, tx) => n.onEvent(event, tx, runtime.env.NOTIFY_MANAGER_EMAIL),
        },
      });
      return async () => {
        clearInterval(timer);
        await bus?.();
      };
    },
    routes: (app, db) =>
      notificationRoutes(app, db, notifications ?? new Notifications(db, channels, runtime.logger)),
  });
}
