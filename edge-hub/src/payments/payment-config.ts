import { z } from 'zod';
import { ConfigError } from '../config.js';
import { DEFAULT_PAYMENT_POLICY, type PaymentPolicy } from './payment-service.js';

const HOUR = 60 * 60 * 1000;
const cents = z.coerce.number().int().min(0).max(100_000_000);
const hours = z.coerce
  .number()
  .positive()
  .max(24 * 30);

const PaymentEnv = z.object({
  OFFLINE_CARD_LIMIT_CENTS: cents.optional(),
  OFFLINE_TOTAL_LIMIT_CENTS: cents.optional(),
  OFFLINE_FORWARD_DEADLINE_HOURS: hours.optional(),
  CARD_CAPTURE_AFTER_HOURS: hours.optional(),
  CASH_ROUNDING_CENTS: z.enum(['1', '5', '10']).optional(),
});

/**
 * The store's payment rules from the environment, over the defaults: offline card limits per
 * payment and in total ($100 and $1,000), the forwarding deadline (72 h), when authorised card
 * payments awaiting a tip are captured anyway (6 h), and cash rounding (none). A bad value
 * stops start-up with its name.
 */
export function paymentPolicyFromEnv(env: NodeJS.ProcessEnv = process.env): PaymentPolicy {
  const parsed = PaymentEnv.safeParse(env);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
    throw new ConfigError(`invalid payment configuration: ${problems.join('; ')}`);
  }
  const e = parsed.data;
  const d = DEFAULT_PAYMENT_POLICY;
  return {
    offline: {
      perTransactionCapCents: e.OFFLINE_CARD_LIMIT_CENTS ?? d.offline.perTransactionCapCents,
      totalCapCents: e.OFFLINE_TOTAL_LIMIT_CENTS ?? d.offline.totalCapCents,
      deadlineMs:
        e.OFFLINE_FORWARD_DEADLINE_HOURS !== undefined
          ? e.OFFLINE_FORWARD_DEADLINE_HOURS * HOUR
          : d.offline.deadlineMs,
    },
    captureAfterMs:
      e.CARD_CAPTURE_AFTER_HOURS !== undefined
        ? e.CARD_CAPTURE_AFTER_HOURS * HOUR
        : d.captureAfterMs,
    cashRoundingCents: e.CASH_ROUNDING_CENTS
      ? (Number(e.CASH_ROUNDING_CENTS) as 1 | 5 | 10)
      : d.cashRoundingCents,
  };
}
