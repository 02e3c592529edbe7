import { type CloudServiceRuntime, type StartedService, startDatabaseService } from '@pos/kit/sql';
import { authSchema } from './schema.js';

export const AUTH_SERVICE = 'auth';

/** The auth service (seed §1.2): register, login, validate-token, refresh-token and logout mount here. */
export function startAuthService(runtime: CloudServiceRuntime): Promise<StartedService> {
  return startDatabaseService({
    name: AUTH_SERVICE,
    schemas: [authSchema],
    runtime,
  });
}
