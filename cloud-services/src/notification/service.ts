import { createHttpService } from '@pos/kit';
import {
  type CloudServiceRuntime,
  databaseReady,
  openCloudDatabase,
  type StartedService,
  serveService,
} from '@pos/kit/sql';
import { notificationSchema } from './schema.js';

export const NOTIFICATION_SERVICE = 'notification';

/** The notification service (seed §1.9): its database migrated, /health, /ready, and its routes. */
export async function startNotificationService(
  runtime: CloudServiceRuntime,
): Promise<StartedService> {
  const db = await openCloudDatabase(NOTIFICATION_SERVICE, [notificationSchema], runtime);
  const http = createHttpService({
    name: NOTIFICATION_SERVICE,
    logger: runtime.logger,
    readiness: { database: databaseReady(db) },
    routes: () => {
      // The endpoints of seed §1.9 (send, logs, preferences) mount here.
    },
  });
  return serveService(http, runtime, [() => db.close()]);
}
