import { z } from 'zod';
import { CategoryId, CustomerId, EventId, LoyaltyTierId, PaymentId, RewardId } from '../ids.js';
import { Timestamp } from '../time.js';
import { DisplayName, Email, NonNegativeInt, PositiveInt, Reason } from './fields.js';

// Events of the cloud loyalty service (seed §1.8). Points are whole numbers; `balance` is the
// account's balance after the change, so a consumer never has to sum history to show it.

export const LoyaltyPointsEarnedV1 = z.object({
  customerId: CustomerId,
  points: PositiveInt,
  balance: NonNegativeInt,
  /** The event that earned the points (usually a payment.completed.v1). */
  sourceEventId: EventId.optional(),
  paymentId: PaymentId.optional(),
  /** Where to tell the member, when the account has an email (the notification service does). */
  email: Email.optional(),
});
export type LoyaltyPointsEarnedV1 = z.infer<typeof LoyaltyPointsEarnedV1>;

export const LoyaltyPointsRedeemedV1 = z.object({
  customerId: CustomerId,
  points: PositiveInt,
  balance: NonNegativeInt,
  reason: Reason,
});
export type LoyaltyPointsRedeemedV1 = z.infer<typeof LoyaltyPointsRedeemedV1>;

export const LoyaltyTierUpgradedV1 = z
  .object({
    customerId: CustomerId,
    fromTier: LoyaltyTierId,
    toTier: LoyaltyTierId,
  })
  .refine((p) => p.fromTier !== p.toTier, {
    message: 'toTier must differ from fromTier',
    path: ['toTier'],
  });
export type LoyaltyTierUpgradedV1 = z.infer<typeof LoyaltyTierUpgradedV1>;

export const LoyaltyRewardRedeemedV1 = z.object({
  customerId: CustomerId,
  rewardId: RewardId,
  /** Points the reward cost; 0 for a reward granted free (a birthday treat). */
  points: NonNegativeInt,
  balance: NonNegativeInt,
});
export type LoyaltyRewardRedeemedV1 = z.infer<typeof LoyaltyRewardRedeemedV1>;

/** Basis points: 10 000 is one (a rate of 1×, a multiplier that changes nothing). */
const ONE_BP = 10_000;

export const LoyaltyRulesTier = z.object({
  tierId: LoyaltyTierId,
  name: DisplayName,
  /** Lifetime points that reach this tier; the base tier, where every account starts, is 0. */
  minLifetimePoints: NonNegativeInt,
  /** Points per currency unit in basis points of `earning.pointsPerUnit` (10 000 = 1×). */
  earnRateBp: NonNegativeInt.max(1_000_000),
});
export type LoyaltyRulesTier = z.infer<typeof LoyaltyRulesTier>;

export const LoyaltyRulesMultiplier = z.object({
  categoryId: CategoryId,
  /** Of the tier's rate, in basis points: 20 000 = double points in this category. */
  multiplierBp: NonNegativeInt.max(100_000),
});
export type LoyaltyRulesMultiplier = z.infer<typeof LoyaltyRulesMultiplier>;

export const LoyaltyRulesPromotion = z
  .object({
    promotionId: z
      .string()
      .regex(/^[a-z0-9-]{1,64}$/, { message: 'must be a lowercase identifier' }),
    name: DisplayName,
    /** Payments made from `startsAt` up to (not including) `endsAt` get the bonus. */
    startsAt: Timestamp,
    endsAt: Timestamp,
    multiplierBp: z.number().int().min(ONE_BP).max(100_000),
  })
  .refine((p) => Date.parse(p.endsAt) > Date.parse(p.startsAt), {
    message: 'a promotion must end after it starts',
    path: ['endsAt'],
  });
export type LoyaltyRulesPromotion = z.infer<typeof LoyaltyRulesPromotion>;

/**
 * The whole earning rules of the programme after any change to tiers, category multipliers or
 * promotions (and once when the loyalty service first starts): everything a hub needs to tell a
 * guest what an order will earn while it cannot reach the cloud. Whole rather than a delta, so
 * a hub that missed one is right again with the next; `version` counts up, so a hub keeps the
 * highest it has seen. The points themselves are always earned in the cloud.
 */
export const LoyaltyRulesChangedV1 = z.object({
  version: PositiveInt,
  changedAt: Timestamp,
  /** `pointsPerUnit` points per `unitCents` paid at a tier rate of 10 000 bp, rounded down per payment. */
  earning: z.object({
    unitCents: PositiveInt,
    pointsPerUnit: PositiveInt,
    rounding: z.literal('down'),
  }),
  /** Lowest first; exactly one (the base tier) starts at 0 lifetime points. */
  tiers: z
    .array(LoyaltyRulesTier)
    .min(1)
    .max(100)
    .superRefine((tiers, ctx) => {
      const ids = new Set(tiers.map((t) => t.tierId));
      const thresholds = new Set(tiers.map((t) => t.minLifetimePoints));
      if (ids.size !== tiers.length || thresholds.size !== tiers.length)
        ctx.addIssue({ code: 'custom', message: 'tiers and their thresholds must not repeat' });
      if (!thresholds.has(0))
        ctx.addIssue({ code: 'custom', message: 'one tier (the base tier) must start at 0' });
    }),
  /** Categories that earn other than 1× (a category not listed earns 1×). */
  multipliers: z
    .array(LoyaltyRulesMultiplier)
    .max(1_000)
    .refine((m) => new Set(m.map((x) => x.categoryId)).size === m.length, {
      message: 'a category appears once',
    }),
  /** Promotions running now or later; when several run at once, the best one counts. */
  promotions: z.array(LoyaltyRulesPromotion).max(500),
});
export type LoyaltyRulesChangedV1 = z.infer<typeof LoyaltyRulesChangedV1>;

export const loyaltyEvents = {
  'loyalty.pointsearned.v1': LoyaltyPointsEarnedV1,
  'loyalty.pointsredeemed.v1': LoyaltyPointsRedeemedV1,
  'loyalty.tierupgraded.v1': LoyaltyTierUpgradedV1,
  'loyalty.rewardredeemed.v1': LoyaltyRewardRedeemedV1,
  'loyalty.ruleschanged.v1': LoyaltyRulesChangedV1,
} as const;

/** How the programme earns today: one point per currency unit (100 cents), rounded down. */
export const LOYALTY_EARNING = { unitCents: 100, pointsPerUnit: 1, rounding: 'down' } as const;

/**
 * Points for one payment: each category's share weighted by its multiplier (the whole amount
 * when the payment has no categories), at the tier's rate, times the promotion's bonus,
 * rounded down. The one formula the cloud earns by and a hub estimates with.
 */
export function loyaltyPoints(input: {
  amountCents: number;
  categoryAmounts: readonly { categoryId: string; amountCents: number }[];
  earnRateBp: number;
  /** A category's multiplier in basis points; 10 000 for one that has none. */
  multiplierBp: (categoryId: string) => number;
  /** The best promotion running when paid, in basis points; 10 000 without one. */
  promotionBp: number;
  earning?: { unitCents: number; pointsPerUnit: number };
}): number {
  const { unitCents, pointsPerUnit } = input.earning ?? LOYALTY_EARNING;
  const weighted = input.categoryAmounts.reduce(
    (sum, ca) => sum + ca.amountCents * (input.multiplierBp(ca.categoryId) / ONE_BP),
    0,
  );
  const spent = input.categoryAmounts.length > 0 ? weighted : input.amountCents;
  const points = Math.floor(
    (spent / unitCents) *
      pointsPerUnit *
      (input.earnRateBp / ONE_BP) *
      (input.promotionBp / ONE_BP),
  );
  return Math.max(0, points);
}

export interface LoyaltyEstimate {
  points: number;
  tier: LoyaltyRulesTier;
  promotion: LoyaltyRulesPromotion | undefined;
}

/**
 * What a payment would earn under `rules` at `at` for a member of `tierId` (the base tier when
 * unknown, e.g. looked up offline): the estimate a hub shows before the cloud has the payment.
 */
export function estimateLoyaltyPoints(
  rules: LoyaltyRulesChangedV1,
  payment: {
    categoryAmounts: readonly { categoryId: string; amountCents: number }[];
    tierId?: string | undefined;
    at: number;
  },
): LoyaltyEstimate {
  const byThreshold = [...rules.tiers].sort((a, b) => a.minLifetimePoints - b.minLifetimePoints);
  const tier = (rules.tiers.find((t) => t.tierId === payment.tierId) ??
    byThreshold[0]) as LoyaltyRulesTier;
  const multipliers = new Map(
    rules.multipliers.map((m) => [m.categoryId as string, m.multiplierBp]),
  );
  const promotion = rules.promotions
    .filter((p) => Date.parse(p.startsAt) <= payment.at && payment.at < Date.parse(p.endsAt))
    .sort((a, b) => b.multiplierBp - a.multiplierBp)[0];
  const points = loyaltyPoints({
    amountCents: payment.categoryAmounts.reduce((sum, ca) => sum + ca.amountCents, 0),
    categoryAmounts: payment.categoryAmounts,
    earnRateBp: tier.earnRateBp,
    multiplierBp: (id) => multipliers.get(id) ?? ONE_BP,
    promotionBp: promotion?.multiplierBp ?? ONE_BP,
    earning: rules.earning,
  });
  return { points, tier, promotion };
}
