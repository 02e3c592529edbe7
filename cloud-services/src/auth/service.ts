import { createHttpService } from '@pos/kit';
import {
  type CloudServiceRuntime,
  databaseReady,
  openCloudDatabase,
  type StartedService,
  serveService,
} from '@pos/kit/sql';
import { authSchema } from './schema.js';

export const AUTH_SERVICE = 'auth';

/** The auth service (seed §1.2): its database migrated, /health, /ready, and its routes. */
export async function startAuthService(runtime: CloudServiceRuntime): Promise<StartedService> {
  const db = await openCloudDatabase(AUTH_SERVICE, [authSchema], runtime);
  const http = createHttpService({
    name: AUTH_SERVICE,
    logger: runtime.logger,
    readiness: { database: databaseReady(db) },
    routes: () => {
      // The endpoints of seed §1.2 (register, login, validate-token, refresh-token, logout) mount here.
    },
  });
  return serveService(http, runtime, [() => db.close()]);
}
