import {
  AmqpOutboxRelay,
  type CloudServiceRuntime,
  type StartedService,
  startDatabaseService,
} from '@pos/kit/sql';
import { menuRoutes } from './routes.js';
import { menuSchema } from './schema.js';

export const MENU_SERVICE = 'menu';

/** The menu service (seed §1.3). */
export function startMenuService(runtime: CloudServiceRuntime): Promise<StartedService> {
  return startDatabaseService({
    name: MENU_SERVICE,
    schemas: [menuSchema],
    runtime,
    // menu.* events (menu.published.v1 is what sync carries to the hubs) go to RabbitMQ.
    background: (db) => {
      const url = runtime.env.AMQP_URL ?? runtime.env.RABBITMQ_URL;
      if (!url) return undefined;
      const relay = new AmqpOutboxRelay({ db, table: 'menu_outbox', url, logger: runtime.logger });
      relay.start();
      return () => relay.stop();
    },
    routes: (app, db) => menuRoutes(app, db),
  });
}
