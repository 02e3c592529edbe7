import type { Brand, Cents, Currency, OrderId, StoreId } from '@pos/contracts';

// The card-not-present payment adapter for online ordering, modelled on Stripe PaymentIntents
// (https://docs.stripe.com/payments/paymentintents/lifecycle): create an intent for the order
// total, confirm it with a payment method, maybe pass 3-D Secure, refund later from the store.
//
// Two error tiers, as everywhere else: what a guest's card can do (approve, decline, ask for a
// challenge) and what a caller can ask wrongly in normal use (refund too much, refund an unpaid
// order) are values; a processor that cannot be reached or is misconfigured is a fault, thrown
// as `OnlinePaymentError` with a closed `code`.
//
// Idempotency keys are scoped per operation (a processor prefixes them with the operation), so
// a caller may derive all three from one order ID. The same key with the same parameters gives
// the first answer again and never a second intent, charge or refund; the same key with other
// parameters is the fault `idempotency_conflict`, as on Stripe
// (https://docs.stripe.com/api/idempotent_requests).

export type PaymentIntentId = Brand<string, 'PaymentIntentId'>;
export type RefundId = Brand<string, 'RefundId'>;

/** Stripe's PaymentIntent statuses that a card payment can be in. */
export type IntentStatus =
  | 'requires_payment_method'
  | 'requires_confirmation'
  | 'requires_action'
  | 'processing'
  | 'succeeded'
  | 'canceled';

/** Why a card was refused (https://docs.stripe.com/declines/codes), narrowed to what we show. */
export type DeclineReason =
  | 'card_declined'
  | 'insufficient_funds'
  | 'expired_card'
  | 'incorrect_number'
  | 'processing_error'
  /** The 3-D Secure challenge failed or was abandoned. */
  | 'authentication_failed';

export interface IntentMetadata {
  orderId: OrderId;
  storeId: StoreId;
}

/** The card, as far as we ever keep it: never the number. */
export interface CardSummary {
  brand: string;
  last4: string;
}

/** What the guest's browser needs to run the 3-D Secure challenge. */
export interface ThreeDSecureAction {
  type: 'three_d_secure';
  /** For Stripe.js `handleNextAction`; only ever sent to the paying guest's browser. */
  clientSecret: string;
  /** The issuer's challenge page, when a `returnUrl` was given on confirm. */
  redirectUrl: string | undefined;
}

export interface PaymentIntentView {
  id: PaymentIntentId;
  status: IntentStatus;
  amountCents: Cents;
  currency: Currency;
  /** Captured so far: the whole amount once succeeded, else 0. */
  amountReceivedCents: Cents;
  /** The sum of all succeeded refunds. */
  amountRefundedCents: Cents;
  metadata: IntentMetadata;
  card: CardSummary | undefined;
  /** Set while `requires_action`. */
  nextAction: ThreeDSecureAction | undefined;
  /** The last failed attempt, kept while the intent waits for another payment method. */
  lastDecline: { reason: DeclineReason; message: string } | undefined;
}

export interface CreateIntentRequest {
  amountCents: Cents;
  currency: Currency;
  metadata: IntentMetadata;
  idempotencyKey: string;
}

export interface ConfirmIntentRequest {
  intentId: PaymentIntentId;
  /** Simulator: a test card number. Stripe: a PaymentMethod ID (`pm_…`) from Stripe.js. */
  paymentMethod: string;
  idempotencyKey: string;
  /** Where the issuer's challenge page sends the guest back to (Stripe `return_url`). */
  returnUrl?: string;
}

export interface RefundRequest {
  intentId: PaymentIntentId;
  /** Omitted: whatever is left to refund. */
  amountCents?: Cents;
  idempotencyKey: string;
}

export type ConfirmOutcome =
  | { outcome: 'succeeded'; intent: PaymentIntentView }
  | { outcome: 'requires_action'; intent: PaymentIntentView; nextAction: ThreeDSecureAction }
  | { outcome: 'declined'; intent: PaymentIntentView; reason: DeclineReason; message: string }
  | {
      outcome: 'not_confirmable';
      reason: 'not_found' | 'canceled' | 'processing';
      message: string;
    };

export interface RefundView {
  id: RefundId;
  intentId: PaymentIntentId;
  amountCents: Cents;
  /** Card refunds on Stripe are usually `succeeded` at once, but may be `pending` for a while. */
  status: 'succeeded' | 'pending';
}

export type RefundRefusal = 'not_found' | 'not_paid' | 'already_refunded' | 'exceeds_refundable';

export type RefundOutcome =
  | { outcome: 'refunded'; refund: RefundView }
  | { outcome: 'refused'; reason: RefundRefusal; message: string };

export interface OnlinePaymentProcessor {
  readonly kind: 'simulated' | 'stripe';
  createIntent(request: CreateIntentRequest): Promise<PaymentIntentView>;
  /**
   * Charge the intent. An intent that already succeeded answers `succeeded` without charging
   * again, whatever payment method is passed (a double-clicked pay button).
   */
  confirmIntent(request: ConfirmIntentRequest): Promise<ConfirmOutcome>;
  /** The intent now, e.g. after the guest's browser finished a 3-D Secure challenge. */
  retrieveIntent(intentId: PaymentIntentId): Promise<PaymentIntentView | undefined>;
  /** Refund part or all of what was captured; refunds add up and never exceed it. */
  refund(request: RefundRequest): Promise<RefundOutcome>;
}

export type OnlinePaymentFaultCode =
  | 'unreachable'
  | 'rate_limited'
  | 'configuration'
  | 'invalid_request'
  | 'idempotency_conflict'
  /** A request with the same idempotency key is still running: retry shortly. */
  | 'in_progress'
  | 'unexpected_response';

export class OnlinePaymentError extends Error {
  override readonly name = 'OnlinePaymentError';
  constructor(
    readonly code: OnlinePaymentFaultCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** The confirm outcome an intent's state stands for (after confirm, or after a challenge). */
export function outcomeOfIntent(intent: PaymentIntentView): ConfirmOutcome {
  switch (intent.status) {
    case 'succeeded':
      return { outcome: 'succeeded', intent };
    case 'requires_action':
      if (intent.nextAction === undefined) break;
      return { outcome: 'requires_action', intent, nextAction: intent.nextAction };
    case 'canceled':
      return {
        outcome: 'not_confirmable',
        reason: 'canceled',
        message: 'The payment was canceled',
      };
    case 'processing':
      return { outcome: 'not_confirmable', reason: 'processing', message: 'Still processing' };
    default:
      if (intent.lastDecline === undefined) break;
      return { outcome: 'declined', intent, ...intent.lastDecline };
  }
  throw new OnlinePaymentError(
    'unexpected_response',
    `payment intent ${intent.id} is ${intent.status} after a confirm`,
  );
}

/** Faults, not values: a caller that sends these has a bug. */
export function assertCreateRequest(request: CreateIntentRequest): void {
  if (!Number.isSafeInteger(request.amountCents) || request.amountCents < 1) {
    throw new OnlinePaymentError('invalid_request', 'amount must be a positive number of cents');
  }
  if (!/^[A-Z]{3}$/.test(request.currency)) {
    throw new OnlinePaymentError('invalid_request', 'currency must be an ISO 4217 code');
  }
  assertKey(request.idempotencyKey);
}

export function assertRefundRequest(request: RefundRequest): void {
  const amount = request.amountCents;
  if (amount !== undefined && (!Number.isSafeInteger(amount) || amount < 1)) {
    throw new OnlinePaymentError('invalid_request', 'refund must be a positive number of cents');
  }
  assertKey(request.idempotencyKey);
}

/** Stripe accepts keys of up to 255 characters; ours get an operation prefix of up to 8. */
export function assertKey(key: string): void {
  if (key.length === 0 || key.length > 240) {
    throw new OnlinePaymentError('invalid_request', 'idempotency key must be 1–240 characters');
  }
}
