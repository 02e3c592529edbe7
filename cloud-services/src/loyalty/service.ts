import type { AnyEvent, PaymentCompletedV1 } from '@pos/contracts';
import {
  type CloudServiceRuntime,
  cloudInboxSchema,
  PgIdempotencyStore,
  pgIdempotencySchema,
  type StartedService,
  startBusWork,
  startDatabaseService,
} from '@pos/kit/sql';
import { createRemoteJWKSet, type JWTVerifyGetKey } from 'jose';
import { parseBusEvent } from '../events.js';
import { Loyalty } from './loyalty.js';
import { OrderRewards } from './order-rewards.js';
import { loyaltyRoutes } from './routes.js';
import { loyaltySchema } from './schema.js';

export const LOYALTY_SERVICE = 'loyalty';

export interface LoyaltyServiceOptions {
  /**
   * The auth service, whose JWKS checks a guest's own token on `/api/v1/loyalty/me…`:
   * `AUTH_URL`, else the auth service on its usual port on this machine.
   */
  authUrl?: string;
  /** Instead of fetching the auth service's JWKS (tests). */
  jwks?: JWTVerifyGetKey;
  /** How often rewards held for orders never paid are looked for (5 minutes). */
  sweepEveryMs?: number;
}

const withSlash = (url: string) => (url.endsWith('/') ? url : `${url}/`);

/**
 * The loyalty service (seed §1.8). It earns points from `payment.completed.v1` events on the
 * cloud bus (RabbitMQ with `AMQP_URL`), each applied once, and publishes its own events there,
 * among them the earning rules hubs estimate with (`loyalty.ruleschanged.v1`).
 */
export function startLoyaltyService(
  runtime: CloudServiceRuntime,
  options: LoyaltyServiceOptions = {},
): Promise<StartedService> {
  const authUrl =
    options.authUrl ??
    runtime.env.AUTH_URL ??
    `http://127.0.0.1:${runtime.env.AUTH_PORT ?? '5001'}`;
  // Fetched on first use and cached (again for a key it does not know yet).
  const jwks =
    options.jwks ??
    createRemoteJWKSet(new URL('api/v1/auth/.well-known/jwks.json', withSlash(authUrl)));
  return startDatabaseService({
    name: LOYALTY_SERVICE,
    schemas: [loyaltySchema, pgIdempotencySchema, cloudInboxSchema],
    runtime,
    background: (db) => {
      const loyalty = new Loyalty(db);
      const orderRewards = new OrderRewards(db);
      // A programme that has never told the hubs its earning rules does so now.
      const first = loyalty.publishRulesOnce().catch((err: unknown) => {
        runtime.logger.error({ err }, 'loyalty rules not published at start');
        return false;
      });
      const work = startBusWork<AnyEvent>(runtime, db, {
        relayTable: 'loyalty_outbox',
        consumer: {
          consumer: LOYALTY_SERVICE,
          bindings: [
            'payment.completed.v1',
            'online.orderpaid.v1',
            'online.orderwithdrawn.v1',
            'order.onlinerejected.v1',
          ],
          parse: parseBusEvent,
          handle: async (event, tx) => {
            switch (event.EventType) {
              case 'payment.completed.v1':
                await loyalty.earn(event as { EventId: string; Payload: PaymentCompletedV1 }, tx);
                return;
              // A reward held for an online order: spent once it is paid, back when it is not
              // taken after all.
              case 'online.orderpaid.v1':
                await orderRewards.spend(event.Payload.orderId, tx);
                return;
              case 'online.orderwithdrawn.v1':
                await orderRewards.giveBack(event.Payload.orderId, 'order withdrawn', tx);
                return;
              case 'order.onlinerejected.v1':
                await orderRewards.giveBack(event.Payload.orderId, 'order refused', tx);
                return;
            }
          },
        },
      });
      // Points held for orders never paid come back (checked every few minutes).
      const sweep = setInterval(
        () => {
          orderRewards.returnStale().catch((err: unknown) => {
            runtime.logger.error({ err }, 'held rewards not returned yet; trying again later');
          });
        },
        options.sweepEveryMs ?? 5 * 60_000,
      );
      sweep.unref();
      return async () => {
        clearInterval(sweep);
        await first;
        await work?.();
      };
    },
    routes: (app, db) =>
      loyaltyRoutes(app, new Loyalty(db), {
        jwks,
        idempotency: new PgIdempotencyStore(db),
        orderRewards: new OrderRewards(db),
      }),
  });
}
