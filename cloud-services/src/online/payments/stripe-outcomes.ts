import { type Cents, OrderId, StoreId } from '@pos/contracts';
import Stripe from 'stripe';
import {
  type CardSummary,
  type DeclineReason,
  type IntentStatus,
  OnlinePaymentError,
  type PaymentIntentId,
  type PaymentIntentView,
  type RefundRefusal,
} from './processor.js';

// How Stripe's objects and errors map onto the processor's values, as plain functions.
// Decline codes: https://docs.stripe.com/declines/codes; error types and codes:
// https://docs.stripe.com/api/errors, https://docs.stripe.com/error-codes. Everything read from
// Stripe is checked here (metadata IDs, four-digit last4) before it reaches the rest of us.

const STATUSES = new Set<string>([
  'requires_payment_method',
  'requires_confirmation',
  'requires_action',
  'processing',
  'succeeded',
  'canceled',
]);

export function declineReasonOf(code?: string | null, declineCode?: string | null): DeclineReason {
  if (declineCode === 'insufficient_funds' || code === 'insufficient_funds') {
    return 'insufficient_funds';
  }
  if (code === 'expired_card' || declineCode === 'expired_card') return 'expired_card';
  if (code === 'incorrect_number' || code === 'invalid_number') return 'incorrect_number';
  if (code === 'processing_error') return 'processing_error';
  if (code === 'payment_intent_authentication_failure') return 'authentication_failed';
  return 'card_declined';
}

function unexpected(message: string): OnlinePaymentError {
  return new OnlinePaymentError('unexpected_response', message);
}

function cardOf(charge: Stripe.PaymentIntent['latest_charge']): CardSummary | undefined {
  if (charge === null || typeof charge === 'string') return undefined;
  const card = charge.payment_method_details?.card;
  if (card === undefined || card === null || !/^[0-9]{4}$/.test(card.last4 ?? '')) {
    return undefined;
  }
  return { brand: card.brand ?? 'unknown', last4: card.last4 as string };
}

/** A PaymentIntent (with `latest_charge` expanded, for the card and the refunded total). */
export function viewOfIntent(intent: Stripe.PaymentIntent): PaymentIntentView {
  if (!STATUSES.has(intent.status)) {
    throw unexpected(`payment intent ${intent.id} has status ${intent.status}`);
  }
  const orderId = OrderId.safeParse(intent.metadata?.order_id);
  const storeId = StoreId.safeParse(intent.metadata?.store_id);
  if (!orderId.success || !storeId.success) {
    throw unexpected(`payment intent ${intent.id} was not created by online ordering`);
  }
  const charge = typeof intent.latest_charge === 'object' ? intent.latest_charge : null;
  const error = intent.last_payment_error;
  const status = intent.status as IntentStatus;
  return {
    id: intent.id as PaymentIntentId,
    status,
    amountCents: intent.amount as Cents,
    currency: intent.currency.toUpperCase(),
    amountReceivedCents: intent.amount_received as Cents,
    amountRefundedCents: (charge?.amount_refunded ?? 0) as Cents,
    metadata: { orderId: orderId.data, storeId: storeId.data },
    card: cardOf(intent.latest_charge),
    nextAction:
      status === 'requires_action' && intent.client_secret !== null
        ? {
            type: 'three_d_secure',
            clientSecret: intent.client_secret,
            redirectUrl: intent.next_action?.redirect_to_url?.url ?? undefined,
          }
        : undefined,
    lastDecline:
      status === 'requires_payment_method' && error !== null && error !== undefined
        ? {
            reason: declineReasonOf(error.code, error.decline_code),
            message: error.message ?? 'The payment failed',
          }
        : undefined,
  };
}

/** A Stripe error sorted by what the processor does about it. */
export type StripeProblem =
  /** A decline, or a confirm in the wrong state: the intent (when sent) tells the rest. */
  | { kind: 'intent-state'; message: string; intent: Stripe.PaymentIntent | undefined }
  | { kind: 'intent-missing'; message: string }
  | { kind: 'refund-refused'; reason: Exclude<RefundRefusal, 'not_found'>; message: string };

const REFUND_REFUSALS: Record<string, Exclude<RefundRefusal, 'not_found'>> = {
  charge_not_refundable: 'not_paid',
  charge_already_refunded: 'already_refunded',
  amount_too_large: 'exceeds_refundable',
};

/**
 * Sort an SDK error into an expected outcome, or throw it as a fault: the network and Stripe's
 * 5xx are `unreachable` (the SDK has already retried them with our idempotency key), a bad key
 * is `configuration`, anything else we did not expect is `invalid_request`.
 */
export function classifyStripeError(err: unknown): StripeProblem {
  if (!(err instanceof Stripe.errors.StripeError)) throw err;
  const { code, message } = err;
  const intent = err.payment_intent;
  if (
    err instanceof Stripe.errors.StripeCardError ||
    code === 'payment_intent_unexpected_state' ||
    code === 'payment_intent_authentication_failure'
  ) {
    return { kind: 'intent-state', message, intent };
  }
  if (code === 'resource_missing' && err.param === 'intent') {
    return { kind: 'intent-missing', message };
  }
  const refusal = code === undefined ? undefined : REFUND_REFUSALS[code];
  if (refusal !== undefined) return { kind: 'refund-refused', reason: refusal, message };
  throw faultOf(err);
}

function faultOf(err: Stripe.errors.StripeError): OnlinePaymentError {
  const fault = (code: OnlinePaymentError['code'], message: string) =>
    new OnlinePaymentError(code, message, { cause: err });
  if (
    err instanceof Stripe.errors.StripeConnectionError ||
    err instanceof Stripe.errors.StripeAPIError ||
    (err.statusCode !== undefined && err.statusCode >= 500)
  ) {
    return fault('unreachable', 'Stripe could not be reached');
  }
  if (err instanceof Stripe.errors.StripeRateLimitError) {
    return fault('rate_limited', 'Stripe is rate limiting us');
  }
  if (
    err instanceof Stripe.errors.StripeAuthenticationError ||
    err instanceof Stripe.errors.StripePermissionError
  ) {
    return fault('configuration', 'Stripe rejected the API key');
  }
  // https://docs.stripe.com/error-low-level#idempotency: a concurrent request with our key.
  if (err.code === 'idempotency_key_in_use' || err.code === 'lock_timeout') {
    return fault('in_progress', err.message);
  }
  if (err instanceof Stripe.errors.StripeIdempotencyError) {
    return fault('idempotency_conflict', err.message);
  }
  return fault('invalid_request', err.message);
}
