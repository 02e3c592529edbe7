import { type CloudServiceRuntime, type StartedService, startDatabaseService } from '@pos/kit/sql';
import { AuthService } from './auth-service.js';
import { authRoutes } from './routes.js';
import { authSchema } from './schema.js';

export const AUTH_SERVICE = 'auth';

/** The auth service (seed §1.2): accounts, tokens, sessions and the JWKS. */
export function startAuthService(runtime: CloudServiceRuntime): Promise<StartedService> {
  return startDatabaseService({
    name: AUTH_SERVICE,
    schemas: [authSchema],
    runtime,
    routes: (app, db) => authRoutes(app, new AuthService(db)),
  });
}
