import type { Cents } from '@pos/contracts';
import type { RefundRefusal } from './processor.js';

// The one refund rule, with no I/O, shared by the simulator and the Stripe stand-in: refunds
// add up and never exceed what was captured, as on Stripe
// (https://docs.stripe.com/api/refunds/create: "a refund can't exceed the charge amount minus
// what was already refunded"); an intent that never captured anything has nothing to refund.

export type RefundDecision =
  | { ok: true; amountCents: Cents }
  | { ok: false; reason: Exclude<RefundRefusal, 'not_found'>; message: string };

export function decideRefund(
  capturedCents: Cents,
  refundedCents: Cents,
  requestedCents: Cents | undefined,
): RefundDecision {
  if (capturedCents <= 0) {
    return { ok: false, reason: 'not_paid', message: 'The payment has no captured charge' };
  }
  const left = capturedCents - refundedCents;
  if (left <= 0) {
    return { ok: false, reason: 'already_refunded', message: 'The payment is fully refunded' };
  }
  const amount = requestedCents ?? left;
  if (amount > left) {
    return {
      ok: false,
      reason: 'exceeds_refundable',
      message: `Refund of ${amount} exceeds the ${left} left to refund`,
    };
  }
  return { ok: true, amountCents: amount as Cents };
}
