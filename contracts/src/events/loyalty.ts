import { z } from 'zod';
import { CustomerId, EventId, LoyaltyTierId, PaymentId, RewardId } from '../ids.js';
import { Email, NonNegativeInt, PositiveInt, Reason } from './fields.js';

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

export const loyaltyEvents = {
  'loyalty.pointsearned.v1': LoyaltyPointsEarnedV1,
  'loyalty.pointsredeemed.v1': LoyaltyPointsRedeemedV1,
  'loyalty.tierupgraded.v1': LoyaltyTierUpgradedV1,
  'loyalty.rewardredeemed.v1': LoyaltyRewardRedeemedV1,
} as const;
