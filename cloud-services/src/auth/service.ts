import {
  type CloudServiceRuntime,
  type StartedService,
  startBusWork,
  startDatabaseService,
} from '@pos/kit/sql';
import { AuthService } from './auth-service.js';
import { OidcLogin, OidcProviders } from './oauth.js';
import { authRoutes } from './routes.js';
import { authSchema } from './schema.js';
import { StaffDirectory } from './staff.js';

/** `OIDC_PROVIDERS`: a JSON list of `{ name, issuer, clientId, clientSecret, redirectUri }`. */
function oidcProviders(raw: string | undefined) {
  if (!raw) return [];
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch {
    throw new Error('OIDC_PROVIDERS is not JSON');
  }
  const parsed = OidcProviders.safeParse(json);
  if (!parsed.success) throw new Error(`OIDC_PROVIDERS is not valid: ${parsed.error.message}`);
  return parsed.data;
}

export const AUTH_SERVICE = 'auth';

/** The auth service (seed §1.2): accounts, tokens, sessions and the JWKS. */
export function startAuthService(runtime: CloudServiceRuntime): Promise<StartedService> {
  return startDatabaseService({
    name: AUTH_SERVICE,
    schemas: [authSchema],
    runtime,
    // auth.* events go to the cloud bus; without one they wait in the outbox.
    background: (db) => startBusWork(runtime, db, { relayTable: 'auth_outbox' }),
    routes: (app, db) => {
      const auth = new AuthService(db);
      const staff = new StaffDirectory(db, auth.keys);
      // The first owner, from AUTH_OWNER_EMAIL and AUTH_OWNER_PASSWORD, when there is none yet.
      void staff
        .bootstrapOwner(runtime.env.AUTH_OWNER_EMAIL, runtime.env.AUTH_OWNER_PASSWORD)
        .then((made) => made && runtime.logger.info('first owner account created'))
        .catch((err: unknown) => runtime.logger.error({ err }, 'could not create the first owner'));
      authRoutes(app, auth, staff, new OidcLogin(db, oidcProviders(runtime.env.OIDC_PROVIDERS)));
    },
  });
}
