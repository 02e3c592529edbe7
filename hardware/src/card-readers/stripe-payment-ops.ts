import type { Cents } from '@pos/contracts';
import type Stripe from 'stripe';
import type {
  CaptureRequest,
  CaptureResult,
  CardFailure,
  RefundRequest,
  RefundResult,
  VoidRequest,
  VoidResult,
} from './card-reader.js';
import { classifyStripeError } from './stripe-outcomes.js';

// Capture, void and refund of a Stripe PaymentIntent, each with an idempotency key derived from
// our payment ID so a retry (by the SDK or by the hub) has one effect. A "wrong state" answer is
// resolved by reading the PaymentIntent: capturing a captured payment, or voiding a voided one,
// is reported as done rather than as an error.

/** Idempotency key for one operation of one of our payments (Stripe allows 255 characters). */
export function key(paymentId: string, operation: string, discriminator: string | number): string {
  return `pos:${paymentId}:${operation}:${discriminator}`;
}

const failed = <R extends string>(reason: R, message: string): CardFailure<R> => ({
  outcome: 'failed',
  reason,
  message,
});

function captured(intent: Stripe.PaymentIntent): CaptureResult {
  return {
    outcome: 'captured',
    processorRef: intent.id,
    capturedCents: intent.amount_received as Cents,
  };
}

export async function captureIntent(
  stripe: Stripe,
  request: CaptureRequest,
): Promise<CaptureResult> {
  const amount = request.amountCents;
  try {
    const intent = await stripe.paymentIntents.capture(
      request.processorRef,
      amount === undefined ? {} : { amount_to_capture: amount },
      { idempotencyKey: key(request.paymentId, 'capture', amount ?? 'full') },
    );
    return captured(intent);
  } catch (err) {
    const problem = classifyStripeError(err);
    if (problem.kind === 'state') {
      const intent = await stripe.paymentIntents
        .retrieve(request.processorRef)
        .catch(() => undefined);
      if (intent?.status === 'succeeded') return captured(intent);
      return failed('not-capturable', problem.message);
    }
    if (problem.kind === 'amount') return failed('amount-too-large', problem.message);
    if (problem.kind === 'not-found') return failed('not-found', problem.message);
    if (problem.kind === 'unavailable') return failed('processor-unavailable', problem.message);
    return failed('error', problem.message);
  }
}

export async function voidIntent(stripe: Stripe, request: VoidRequest): Promise<VoidResult> {
  try {
    await stripe.paymentIntents.cancel(
      request.processorRef,
      { cancellation_reason: 'abandoned' },
      { idempotencyKey: key(request.paymentId, 'void', request.processorRef) },
    );
    return { outcome: 'voided', processorRef: request.processorRef };
  } catch (err) {
    const problem = classifyStripeError(err);
    if (problem.kind === 'state') {
      const intent = await stripe.paymentIntents
        .retrieve(request.processorRef)
        .catch(() => undefined);
      if (intent?.status === 'canceled') {
        return { outcome: 'voided', processorRef: request.processorRef };
      }
      if (intent?.status === 'succeeded') return failed('already-captured', problem.message);
      return failed('error', problem.message);
    }
    if (problem.kind === 'not-found') return failed('not-found', problem.message);
    if (problem.kind === 'unavailable') return failed('processor-unavailable', problem.message);
    return failed('error', problem.message);
  }
}

export async function refundIntent(stripe: Stripe, request: RefundRequest): Promise<RefundResult> {
  if (!Number.isSafeInteger(request.amountCents) || request.amountCents <= 0) {
    throw new RangeError('refund amount must be a positive whole number of cents');
  }
  try {
    const refund = await stripe.refunds.create(
      { payment_intent: request.processorRef, amount: request.amountCents },
      { idempotencyKey: key(request.paymentId, 'refund', request.refundId) },
    );
    return { outcome: 'refunded', refundRef: refund.id, amountCents: refund.amount as Cents };
  } catch (err) {
    const problem = classifyStripeError(err);
    if (problem.kind === 'state') return failed('not-refundable', problem.message);
    if (problem.kind === 'amount') return failed('amount-too-large', problem.message);
    if (problem.kind === 'not-found') return failed('not-found', problem.message);
    if (problem.kind === 'unavailable') return failed('processor-unavailable', problem.message);
    return failed('error', problem.message);
  }
}
