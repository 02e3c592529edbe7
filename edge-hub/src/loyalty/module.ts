import { Email, estimateLoyaltyPoints, MAX_CENTS, Phone } from '@pos/contracts';
import { AppError, handle } from '@pos/kit';
import { z } from 'zod';
import type { HubModule } from '../hub.js';
import { ServiceStore } from '../service-store.js';
import type { Access } from '../staff/access.js';
import { LoyaltyRulesStore, loyaltyHubSchema } from './store.js';

/**
 * The hub's link to the cloud as loyalty uses it: the sync module's `SyncClient`, which holds
 * the store credential and the cloud's address.
 */
export interface LoyaltyCloud {
  readonly enrolled: boolean;
  cloudGet(
    path: string,
    signal?: AbortSignal,
    timeoutMs?: number,
  ): Promise<Record<string, unknown>>;
}

export interface LoyaltyModuleOptions {
  /** The cloud link, looked up at each lookup (the sync module starts after this one). */
  cloud: () => LoyaltyCloud | undefined;
  /** How long a lookup waits for the cloud before answering offline. */
  lookupTimeoutMs?: number;
}

export interface LoyaltyModule extends HubModule {
  /** The change feed's `loyalty` applier: keeps newer rules; throws on a payload it refuses. */
  applyRules(payload: unknown): void;
  rules(): LoyaltyRulesStore;
}

/** What the terminal shows when the cloud cannot answer; the customer is attached anyway. */
export const OFFLINE_MESSAGE = 'Offline — points will be added when the hub reconnects';

const CASHIERS: Access = ['cashier'];

const LookupQuery = z
  .object({
    // As the cloud's loyalty service takes it: 6 to 20 digits, spaces, +, -, parentheses.
    phone: Phone.refine((p) => p.length >= 6 && p.length <= 20, {
      message: 'must be a phone number of 6 to 20 characters',
    }).optional(),
    email: Email.optional(),
  })
  .strict()
  .superRefine((q, ctx) => {
    if ((q.phone === undefined) === (q.email === undefined)) {
      ctx.addIssue({ code: 'custom', path: ['phone'], message: 'give a phone or an email (one)' });
    }
  });

const EstimateBody = z
  .object({
    /** What the order pays per menu category (the hub shares a payment out the same way). */
    categoryAmounts: z
      .array(
        z
          .object({
            categoryId: z.string().trim().min(1).max(64),
            amountCents: z
              .number()
              .int({ message: 'amount must be a whole number of cents' })
              .min(0)
              .max(MAX_CENTS),
          })
          .strict(),
      )
      .max(200),
    /** The member's tier from a lookup; the base tier when left out (looked up offline). */
    tierId: z.string().trim().min(1).max(64).optional(),
  })
  .strict();

/** The member as the cloud describes them; anything else it might send is left out. */
const Member = z.object({
  customerId: z.uuid(),
  name: z.string().max(200).nullable(),
  tier: z.object({ tierId: z.string().max(64), name: z.string().max(200) }),
  pointsBalance: z.number().int().min(0),
  lifetimePoints: z.number().int().min(0),
  nextTier: z
    .object({
      tierId: z.string().max(64),
      name: z.string().max(200),
      minLifetimePoints: z.number().int().min(0),
      pointsToGo: z.number().int().min(0),
    })
    .nullable(),
  progressPercent: z.number().min(0).max(100),
  contact: z.object({
    phone: z.string().max(40).nullable(),
    email: z.string().max(300).nullable(),
  }),
});

/**
 * Loyalty at the counter (ARCHITECTURE "Sync"): a cashier looks a guest up by phone or email,
 * which the hub asks the cloud through the sync service; when the cloud cannot be reached the
 * answer says so and the guest is attached to the order all the same, so the points are earned
 * in the cloud when the payment's events get there. What an order would earn is estimated
 * here from the earning rules the change feed brings (`loyalty.db`), offline too.
 */
export function loyaltyModule(options: LoyaltyModuleOptions): LoyaltyModule {
  let started: LoyaltyRulesStore | undefined;
  const running = () => {
    if (!started) throw new Error('the loyalty module has not started');
    return started;
  };
  const timeoutMs = options.lookupTimeoutMs ?? 4_000;
  return {
    name: 'loyalty',
    async start(ctx) {
      const store = await ServiceStore.open(ctx, {
        name: 'loyalty',
        synchronous: 'NORMAL',
        schemas: [loyaltyHubSchema],
      });
      const rules = new LoyaltyRulesStore(store.db, ctx.clock);
      started = rules;
      const log = ctx.logger.child({ module: 'loyalty' });

      const router = ctx.secureRouter();
      router.get(
        '/api/v1/loyalty/lookup',
        CASHIERS,
        handle({ query: LookupQuery }, async ({ query }, _req, res) => {
          const attach: { phone: string } | { email: string } = query.phone
            ? { phone: query.phone }
            : { email: query.email as string };
          const offline = (reason: 'not-enrolled' | 'unreachable') => ({
            online: false,
            reason,
            message: OFFLINE_MESSAGE,
            attach,
          });
          let cloud: LoyaltyCloud | undefined;
          try {
            cloud = options.cloud();
          } catch {
            cloud = undefined; // the link is not running (starting or stopping)
          }
          if (!cloud?.enrolled) return offline('not-enrolled');
          // A terminal that gave up (the cashier typed again) stops the wait for the cloud.
          const gone = new AbortController();
          res.on('close', () => gone.abort());
          let answer: Record<string, unknown>;
          try {
            answer = await cloud.cloudGet(
              `/api/v1/sync/loyalty/accounts?${new URLSearchParams(attach)}`,
              gone.signal,
              timeoutMs,
            );
          } catch (err) {
            const status = (err as { status?: number }).status;
            const body = (err as { body?: Record<string, unknown> }).body ?? {};
            if (status === 404 && body.reason === 'no-member')
              throw new AppError('not-found', 'No loyalty member with that phone or email');
            if (status === 400)
              throw new AppError('validation', 'The cloud did not accept that search', {
                errors: Array.isArray(body.errors) ? (body.errors as never) : [],
              });
            log.info({ status, err: (err as Error).message }, 'loyalty: lookup answered offline');
            return offline('unreachable');
          }
          const member = Member.safeParse(answer);
          if (!member.success) {
            log.error(
              { issues: member.error.issues },
              'loyalty: the cloud answered a lookup oddly',
            );
            return offline('unreachable');
          }
          const m = member.data;
          return {
            online: true,
            member: m,
            attach: {
              customerId: m.customerId,
              ...(m.name?.trim() ? { name: m.name } : {}),
              ...attach,
            },
          };
        }),
      );
      router.post(
        '/api/v1/loyalty/estimate',
        CASHIERS,
        handle({ body: EstimateBody }, ({ body }) => {
          const held = rules.current();
          if (!held)
            return {
              points: null,
              message: 'The loyalty rules have not reached this hub yet',
            };
          const estimate = estimateLoyaltyPoints(held.rules, {
            categoryAmounts: body.categoryAmounts,
            tierId: body.tierId,
            at: ctx.clock(),
          });
          return {
            points: estimate.points,
            tier: { tierId: estimate.tier.tierId, name: estimate.tier.name },
            promotion: estimate.promotion
              ? {
                  promotionId: estimate.promotion.promotionId,
                  name: estimate.promotion.name,
                  multiplierBp: estimate.promotion.multiplierBp,
                }
              : null,
            rulesVersion: held.rules.version,
          };
        }),
      );
      router.get(
        '/api/v1/loyalty/rules',
        CASHIERS,
        handle({}, () => {
          const held = rules.current();
          return {
            rules: held?.rules ?? null,
            receivedAt: held ? new Date(held.receivedAt).toISOString() : null,
          };
        }),
      );
      return {
        routes: (app) => {
          app.use(router.router);
        },
        readiness: () => ({ rulesVersion: rules.current()?.rules.version ?? null }),
        close: async () => {
          started = undefined;
          await store.settle();
          await store.close();
        },
      };
    },
    applyRules(payload) {
      running().apply(payload);
    },
    rules: () => running(),
  };
}
