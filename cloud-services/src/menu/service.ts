import {
  type CloudServiceRuntime,
  type StartedService,
  startBusWork,
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
    // menu.* events (menu.published.v1 tells sync a version is ready) go to the cloud bus.
    background: (db) => startBusWork(runtime, db, { relayTable: 'menu_outbox' }),
    routes: (app, db) => menuRoutes(app, db),
  });
}
