import { createHttpService } from '@pos/kit';
import {
  type CloudServiceRuntime,
  databaseReady,
  openCloudDatabase,
  type StartedService,
  serveService,
} from '@pos/kit/sql';
import { syncSchema } from './schema.js';

export const SYNC_SERVICE = 'sync';

/** The cloud sync service: its database migrated, /health, /ready; push and feed routes next. */
export async function startSyncServer(runtime: CloudServiceRuntime): Promise<StartedService> {
  const db = await openCloudDatabase(SYNC_SERVICE, [syncSchema], runtime);
  const http = createHttpService({
    name: SYNC_SERVICE,
    logger: runtime.logger,
    // Event batches are bigger than a typical request body.
    bodyLimit: '4mb',
    readiness: { database: databaseReady(db) },
    routes: () => {
      // Batch push (up) and the change feed (down) mount here.
    },
  });
  return serveService(http, runtime, [() => db.close()]);
}
