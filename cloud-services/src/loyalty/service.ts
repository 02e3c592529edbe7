import { type CloudServiceRuntime, type StartedService, startDatabaseService } from '@pos/kit/sql';
import { loyaltySchema } from './schema.js';

export const LOYALTY_SERVICE = 'loyalty';

/** The loyalty service (seed §1.8): accounts, points/add and rewards/redeem mount here. */
export function startLoyaltyService(runtime: CloudServiceRuntime): Promise<StartedService> {
  return startDatabaseService({
    name: LOYALTY_SERVICE,
    schemas: [loyaltySchema],
    runtime,
  });
}
