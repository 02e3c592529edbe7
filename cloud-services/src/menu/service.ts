import { createHttpService } from '@pos/kit';
import {
  type CloudServiceRuntime,
  databaseReady,
  openCloudDatabase,
  type StartedService,
  serveService,
} from '@pos/kit/sql';
import { menuRoutes } from './routes.js';
import { menuSchema } from './schema.js';

export const MENU_SERVICE = 'menu';

/** The menu service (seed §1.3): its database migrated, /health, /ready, and its routes. */
export async function startMenuService(runtime: CloudServiceRuntime): Promise<StartedService> {
  const db = await openCloudDatabase(MENU_SERVICE, [menuSchema], runtime);
  const http = createHttpService({
    name: MENU_SERVICE,
    logger: runtime.logger,
    readiness: { database: databaseReady(db) },
    routes: (app) => menuRoutes(app, db),
  });
  return serveService(http, runtime, [() => db.close()]);
}
