import { type CloudServiceRuntime, type StartedService, startDatabaseService } from '@pos/kit/sql';
import { syncSchema } from './schema.js';

export const SYNC_SERVICE = 'sync';

/** The cloud sync service: batch push (up) and the change feed (down) mount here. */
export function startSyncServer(runtime: CloudServiceRuntime): Promise<StartedService> {
  return startDatabaseService({
    name: SYNC_SERVICE,
    schemas: [syncSchema],
    runtime,
    // Event batches are bigger than a typical request body.
    bodyLimit: '4mb',
  });
}
