import { type CloudServiceRuntime, type StartedService, startDatabaseService } from '@pos/kit/sql';
import { notificationSchema } from './schema.js';

export const NOTIFICATION_SERVICE = 'notification';

/** The notification service (seed §1.9): send, logs and preferences mount here. */
export function startNotificationService(runtime: CloudServiceRuntime): Promise<StartedService> {
  return startDatabaseService({
    name: NOTIFICATION_SERVICE,
    schemas: [notificationSchema],
    runtime,
  });
}
