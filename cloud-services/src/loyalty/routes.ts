import { OrderId } from '@pos/contracts';
import { AppError, handle, type IdempotencyStore, idempotency, OpenApi } from '@pos/kit';
import type { Express, Request, RequestHandler } from 'express';
import type { JWTVerifyGetKey } from 'jose';
import { z } from 'zod';
import type { Loyalty } from './loyalty.js';
import { type Customer, customerFrom, MyLoyalty } from './me.js';
import type { OrderRewards } from './order-rewards.js';

const Phone = z.string().regex(/^\+?[0-9 ()-]{6,20}$/, { message: 'a phone number' });
const OpenBody = z
  .object({
    name: z.string().trim().min(1).max(100).optional(),
    phone: Phone.optional(),
    email: z.email().max(320).optional(),
  })
  .strict()
  .refine((b) => b.phone !== undefined || b.email !== undefined, {
    message: 'give a phone or an email',
    path: ['phone'],
  });
const CustomerParams = z.object({ customerId: z.uuid() });
const LookupQuery = z.object({ phone: Phone.optional(), email: z.email().optional() }).strict();
const AddBody = z
  .object({
    customerId: z.uuid(),
    points: z.number().int().min(1).max(1_000_000),
    reason: z.string().trim().min(1).max(200),
  })
  .strict();
const RedeemBody = z
  .object({ customerId: z.uuid(), rewardId: z.string().regex(/^[a-z0-9-]{1,64}$/) })
  .strict();

const PromotionBody = z
  .object({
    promotionId: z.string().regex(/^[a-z0-9-]{1,64}$/),
    name: z.string().trim().min(1).max(100),
    startsAt: z.iso.datetime({ offset: true }),
    endsAt: z.iso.datetime({ offset: true }),
    multiplierBp: z.number().int().min(10_000).max(100_000),
  })
  .strict();
const MultiplierParams = z.object({ categoryId: z.string().regex(/^[a-z0-9][a-z0-9-]{0,63}$/) });
const MultiplierBody = z.object({ multiplierBp: z.number().int().min(0).max(100_000) }).strict();
const TierParams = z.object({ tierId: z.string().regex(/^[a-z0-9][a-z0-9-]{0,63}$/) });
const TierBody = z
  .object({
    name: z.string().trim().min(1).max(100),
    minLifetimePoints: z.number().int().min(0).max(100_000_000),
    earnRateBp: z.number().int().min(0).max(1_000_000),
  })
  .strict();
const RewardParams = z.object({ rewardId: z.string().regex(/^[a-z0-9-]{1,64}$/) });
const RewardBody = z
  .object({
    name: z.string().trim().min(1).max(100),
    pointsCost: z.number().int().min(0).max(100_000_000),
    active: z.boolean().default(true),
    /** What it takes off an order paid online; left out: given at the counter only. */
    discountCents: z.number().int().min(1).max(10_000_000).optional(),
  })
  .strict();
const JoinBody = z.object({ name: z.string().trim().min(1).max(100).optional() }).strict();
const RewardId = z.string().regex(/^[a-z0-9-]{1,64}$/);
const MyRedeemBody = z.object({ rewardId: RewardId }).strict();
const HoldBody = z.object({ rewardId: RewardId, orderId: OrderId }).strict();
const ReleaseBody = z.object({ orderId: OrderId }).strict();

const LedgerQuery = z
  .object({ limit: z.coerce.number().int().min(1).max(500).default(100) })
  .strict();

export interface LoyaltyRouteOptions {
  /** The auth service's keys, which check a guest's own token on the `/me` routes. */
  jwks?: JWTVerifyGetKey | undefined;
  /** Where the `/me` redemptions keep their Idempotency-Keys. */
  idempotency?: IdempotencyStore;
  /** Rewards held for online orders. */
  orderRewards: OrderRewards;
}

/**
 * Seed §1.8 endpoints. Access (who may add points) is the gateway's route rule; the guest's own
 * `/api/v1/loyalty/me…` routes (seed §10) also check the guest's token here.
 */
export function loyaltyRoutes(app: Express, loyalty: Loyalty, options: LoyaltyRouteOptions): void {
  const tags = ['loyalty'];
  const docs = new OpenApi({ title: 'Loyalty service', version: '1.0.0' }).add(
    {
      method: 'post',
      path: '/api/v1/loyalty/accounts',
      summary: 'Open an account (phone or email)',
      tags,
      body: OpenBody,
      status: 201,
    },
    {
      method: 'get',
      path: '/api/v1/loyalty/accounts',
      summary: 'Find an account by phone or email',
      tags,
      query: LookupQuery,
    },
    {
      method: 'get',
      path: '/api/v1/loyalty/accounts/:customerId',
      summary: 'An account and its balance',
      tags,
    },
    {
      method: 'post',
      path: '/api/v1/loyalty/points/add',
      summary: 'Give points by hand',
      tags,
      body: AddBody,
    },
    {
      method: 'get',
      path: '/api/v1/loyalty/accounts/:customerId/transactions',
      summary: "An account's points history, newest first",
      tags,
      query: LedgerQuery,
    },
    {
      method: 'post',
      path: '/api/v1/loyalty/rewards/redeem',
      summary: 'Spend points on a reward',
      tags,
      body: RedeemBody,
    },
    { method: 'get', path: '/api/v1/loyalty/tiers', summary: 'Tiers and their earn rates', tags },
    {
      method: 'put',
      path: '/api/v1/loyalty/tiers/:tierId',
      summary: 'Add or change a tier',
      tags,
      body: TierBody,
    },
    { method: 'get', path: '/api/v1/loyalty/rewards', summary: 'The rewards catalogue', tags },
    {
      method: 'put',
      path: '/api/v1/loyalty/rewards/:rewardId',
      summary: 'Add or change a reward',
      tags,
      body: RewardBody,
    },
    {
      method: 'get',
      path: '/api/v1/loyalty/multipliers',
      summary: 'Category multipliers',
      tags,
    },
    {
      method: 'put',
      path: '/api/v1/loyalty/multipliers/:categoryId',
      summary: 'Set the points multiplier of a category',
      tags,
      body: MultiplierBody,
    },
    {
      method: 'get',
      path: '/api/v1/loyalty/points/rules',
      summary:
        'How points are earned: tiers, category multipliers and promotions, as hubs hold them',
      tags,
    },
    { method: 'get', path: '/api/v1/loyalty/promotions', summary: 'Promotions', tags },
    {
      method: 'post',
      path: '/api/v1/loyalty/promotions',
      summary: 'Add a promotion',
      tags,
      body: PromotionBody,
      status: 201,
    },
    {
      method: 'get',
      path: '/api/v1/loyalty/me',
      summary: "The signed-in guest's own points: balance, tier, next tier and history",
      tags,
    },
    {
      method: 'post',
      path: '/api/v1/loyalty/me',
      summary: 'Join the programme with the email of the signed-in guest',
      tags,
      body: JoinBody,
      status: 201,
    },
    {
      method: 'get',
      path: '/api/v1/loyalty/me/rewards',
      summary: 'The rewards catalogue, with which the signed-in guest can afford',
      tags,
    },
    {
      method: 'post',
      path: '/api/v1/loyalty/me/rewards/redeem',
      summary: "Spend the signed-in guest's points on a reward (Idempotency-Key required)",
      tags,
      body: MyRedeemBody,
    },
    {
      method: 'post',
      path: '/api/v1/loyalty/me/rewards/hold',
      summary:
        "Set a reward's points aside for the signed-in guest's online order (once per order)",
      tags,
      body: HoldBody,
    },
    {
      method: 'post',
      path: '/api/v1/loyalty/me/rewards/release',
      summary: 'Give back the points held for an online order that was not placed',
      tags,
      body: ReleaseBody,
    },
  );
  app.get('/openapi.json', (_req, res) => {
    res.json(docs.document());
  });
  app.get(
    '/api/v1/loyalty/points/rules',
    handle({}, async () => {
      const rules = await loyalty.currentRules();
      if (!rules) throw new AppError('not-found', 'The earning rules have not been published yet');
      return rules;
    }),
  );
  app.get(
    '/api/v1/loyalty/promotions',
    handle({}, async () => ({ promotions: await loyalty.promotions() })),
  );
  app.post(
    '/api/v1/loyalty/promotions',
    handle({ body: PromotionBody }, async ({ body }, _req, res) => {
      res.status(201);
      return loyalty.addPromotion(body);
    }),
  );
  app.get(
    '/api/v1/loyalty/multipliers',
    handle({}, async () => ({ multipliers: await loyalty.multipliers() })),
  );
  app.put(
    '/api/v1/loyalty/multipliers/:categoryId',
    handle({ params: MultiplierParams, body: MultiplierBody }, ({ params, body }) =>
      loyalty.setMultiplier(params.categoryId, body.multiplierBp),
    ),
  );
  app.post(
    '/api/v1/loyalty/accounts',
    handle({ body: OpenBody }, async ({ body }, _req, res) => {
      res.status(201);
      return loyalty.open(body);
    }),
  );
  app.get(
    '/api/v1/loyalty/accounts',
    handle({ query: LookupQuery }, async ({ query }) => {
      if (!query.phone && !query.email)
        throw new AppError('validation', 'Give a phone or an email', {
          errors: [{ field: 'phone', message: 'or email' }],
        });
      const account = await loyalty.find(query);
      if (!account) throw new AppError('not-found', 'No account with that phone or email');
      return account;
    }),
  );
  app.get(
    '/api/v1/loyalty/accounts/:customerId',
    handle({ params: CustomerParams }, ({ params }) => loyalty.get(params.customerId)),
  );
  app.get(
    '/api/v1/loyalty/accounts/:customerId/transactions',
    handle({ params: CustomerParams, query: LedgerQuery }, async ({ params, query }) => ({
      transactions: await loyalty.ledger(params.customerId, query.limit),
    })),
  );
  app.get(
    '/api/v1/loyalty/tiers',
    handle({}, async () => ({ tiers: await loyalty.tiers() })),
  );
  app.put(
    '/api/v1/loyalty/tiers/:tierId',
    handle({ params: TierParams, body: TierBody }, ({ params, body }) =>
      loyalty.saveTier({ tierId: params.tierId, ...body }),
    ),
  );
  app.get(
    '/api/v1/loyalty/rewards',
    handle({}, async () => ({ rewards: await loyalty.rewards() })),
  );
  app.put(
    '/api/v1/loyalty/rewards/:rewardId',
    handle({ params: RewardParams, body: RewardBody }, ({ params, body }) =>
      loyalty.saveReward({ rewardId: params.rewardId, ...body }),
    ),
  );
  app.post(
    '/api/v1/loyalty/points/add',
    handle({ body: AddBody }, ({ body }) => loyalty.add(body.customerId, body.points, body.reason)),
  );
  app.post(
    '/api/v1/loyalty/rewards/redeem',
    handle({ body: RedeemBody }, ({ body }) => loyalty.redeem(body.customerId, body.rewardId)),
  );
  myLoyaltyRoutes(app, new MyLoyalty(loyalty, options.orderRewards), options);
}

/**
 * The guest's own account (seed §10), found by the email in their verified token: no route
 * takes a customer ID, so no guest reaches another's account.
 */
function myLoyaltyRoutes(app: Express, mine: MyLoyalty, options: LoyaltyRouteOptions): void {
  const customers = new WeakMap<Request, Customer>();
  const me = (req: Request) => customerFrom(req, options.jwks);
  // Checked before the Idempotency-Key is claimed, so keys are per guest and a stranger's
  // request never holds one.
  const signedIn: RequestHandler = (req, _res, next) => {
    me(req).then((customer) => {
      customers.set(req, customer);
      next();
    }, next);
  };
  const replay: RequestHandler = options.idempotency
    ? idempotency({
        store: options.idempotency,
        required: true,
        principal: (req) => customers.get(req)?.sub,
      })
    : (_req, _res, next) => next();

  app.get(
    '/api/v1/loyalty/me',
    handle({}, async (_input, req, res) => {
      res.setHeader('Cache-Control', 'no-store');
      return mine.dashboard(await me(req));
    }),
  );
  app.post(
    '/api/v1/loyalty/me',
    handle({ body: JoinBody }, async ({ body }, req, res) => {
      const customer = await me(req);
      const { created } = await mine.join(customer, body.name);
      res.status(created ? 201 : 200);
      return mine.dashboard(customer);
    }),
  );
  app.get(
    '/api/v1/loyalty/me/rewards',
    handle({}, async (_input, req, res) => {
      res.setHeader('Cache-Control', 'no-store');
      return mine.rewards(await me(req));
    }),
  );
  app.post(
    '/api/v1/loyalty/me/rewards/hold',
    handle({ body: HoldBody }, async ({ body }, req) =>
      mine.hold(await me(req), body.rewardId, body.orderId),
    ),
  );
  app.post(
    '/api/v1/loyalty/me/rewards/release',
    handle({ body: ReleaseBody }, async ({ body }, req) =>
      mine.release(await me(req), body.orderId),
    ),
  );
  app.post(
    '/api/v1/loyalty/me/rewards/redeem',
    signedIn,
    replay,
    handle({ body: MyRedeemBody }, async ({ body }, req) =>
      mine.redeem(customers.get(req) ?? (await me(req)), body.rewardId),
    ),
  );
}
