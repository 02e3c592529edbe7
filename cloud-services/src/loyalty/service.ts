import { createHttpService } from '@pos/kit';
import {
  type CloudServiceRuntime,
  databaseReady,
  openCloudDatabase,
  type StartedService,
  serveService,
} from '@pos/kit/sql';
import { loyaltySchema } from './schema.js';

export const LOYALTY_SERVICE = 'loyalty';

/** The loyalty service (seed §1.8): its database migrated, /health, /ready, and its routes. */
export async function startLoyaltyService(runtime: CloudServiceRuntime): Promise<StartedService> {
  const db = await openCloudDatabase(LOYALTY_SERVICE, [loyaltySchema], runtime);
  const http = createHttpService({
    name: LOYALTY_SERVICE,
    logger: runtime.logger,
    readiness: { database: databaseReady(db) },
    routes: () => {
      // The endpoints of seed §1.8 (accounts, points/add, rewards/redeem) mount here.
    },
  });
  return serveService(http, runtime, [() => db.close()]);
}
