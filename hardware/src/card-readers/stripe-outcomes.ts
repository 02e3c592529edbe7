import Stripe from 'stripe';
import {
  type CardDeclined,
  type CardDetails,
  type CardFailure,
  type DeclineReason,
  type EntryMode,
  isSafeCardDetails,
} from './card-reader.js';

// How Stripe's answers map onto the adapter's outcomes, as plain functions. Decline codes:
// https://docs.stripe.com/declines/codes; error codes: https://docs.stripe.com/error-codes.

/** A Stripe error sorted by what the adapter does about it. */
export type StripeProblem =
  | { kind: 'card'; reason: DeclineReason; message: string }
  | { kind: 'unavailable'; message: string }
  | { kind: 'reader'; message: string }
  | { kind: 'state'; message: string }
  | { kind: 'not-found'; message: string }
  | { kind: 'amount'; message: string }
  | { kind: 'idempotency'; message: string }
  | { kind: 'other'; message: string };

const READER_CODES = new Set([
  'terminal_reader_offline',
  'terminal_reader_busy',
  'terminal_reader_timeout',
  'terminal_reader_hardware_fault',
]);

export function declineReason(code?: string | null, declineCode?: string | null): DeclineReason {
  if (declineCode === 'insufficient_funds' || code === 'insufficient_funds') {
    return 'insufficient-funds';
  }
  if (code === 'expired_card' || declineCode === 'expired_card') return 'expired-card';
  return 'declined';
}

export function isStripeError(err: unknown): err is Stripe.errors.StripeError {
  return err instanceof Stripe.errors.StripeError;
}

/** Sort an SDK error; anything that is not a Stripe error is a fault and is rethrown. */
export function classifyStripeError(err: unknown): StripeProblem {
  if (!isStripeError(err)) throw err;
  const { code, message } = err;
  if (err instanceof Stripe.errors.StripeCardError) {
    if (code === 'processing_error') return { kind: 'other', message };
    return { kind: 'card', reason: declineReason(code, err.decline_code), message };
  }
  if (
    err instanceof Stripe.errors.StripeConnectionError ||
    err instanceof Stripe.errors.StripeAPIError ||
    err instanceof Stripe.errors.StripeRateLimitError ||
    (err.statusCode !== undefined && err.statusCode >= 500)
  ) {
    return { kind: 'unavailable', message: 'Stripe unreachable' };
  }
  if (err instanceof Stripe.errors.StripeIdempotencyError) return { kind: 'idempotency', message };
  if (code !== undefined && READER_CODES.has(code)) return { kind: 'reader', message };
  if (code === 'payment_intent_unexpected_state' || code === 'charge_not_refundable') {
    return { kind: 'state', message };
  }
  if (code === 'charge_already_refunded') return { kind: 'state', message };
  if (code === 'amount_too_large') return { kind: 'amount', message };
  if (code === 'resource_missing' || err.statusCode === 404) return { kind: 'not-found', message };
  if (err instanceof Stripe.errors.StripeAuthenticationError) {
    return { kind: 'other', message: 'Stripe rejected the API key' };
  }
  return { kind: 'other', message };
}

/** A collect's outcome for a Stripe error thrown on the way. */
export function collectOutcomeOfProblem(problem: StripeProblem): CardDeclined | CardFailure {
  switch (problem.kind) {
    case 'card':
      return { outcome: 'declined', reason: problem.reason, message: problem.message };
    case 'unavailable':
      return { outcome: 'failed', reason: 'processor-unavailable', message: problem.message };
    case 'reader':
      return { outcome: 'failed', reason: 'reader-unavailable', message: problem.message };
    default:
      return { outcome: 'failed', reason: 'error', message: problem.message };
  }
}

const CANCEL_CODES = new Set(['customer_canceled', 'canceled', 'cancelled', 'action_canceled']);

/**
 * The outcome of a `process_payment_intent` action that failed. Newer readers put the API
 * error on the action (`api_error`, null when the reader itself failed, e.g. the customer
 * cancelled); older ones leave it on the PaymentIntent's `last_payment_error`.
 */
export function outcomeOfActionFailure(
  action: Pick<Stripe.Terminal.Reader.Action, 'failure_code' | 'failure_message'> & {
    api_error?: { type?: string; code?: string; decline_code?: string; message?: string } | null;
  },
  intent?: Pick<Stripe.PaymentIntent, 'last_payment_error'>,
): CardDeclined | CardFailure {
  const apiError = action.api_error ?? intent?.last_payment_error ?? undefined;
  const message =
    apiError?.message ?? action.failure_message ?? 'The reader could not process the payment';
  const code = apiError?.code ?? action.failure_code ?? undefined;
  if (code !== undefined && CANCEL_CODES.has(code)) {
    return { outcome: 'failed', reason: 'cancelled', message };
  }
  if (code !== undefined && READER_CODES.has(code)) {
    return { outcome: 'failed', reason: 'reader-unavailable', message };
  }
  const isCardError =
    apiError?.type === 'card_error' || code === 'card_declined' || code === 'expired_card';
  if (isCardError && code !== 'processing_error') {
    return { outcome: 'declined', reason: declineReason(code, apiError?.decline_code), message };
  }
  return { outcome: 'failed', reason: 'error', message };
}

/** Stripe `read_method` → how the card was read. */
export function entryModeOf(readMethod: string | null | undefined): EntryMode {
  switch (readMethod) {
    case 'contactless_emv':
    case 'contactless_magstripe_mode':
      return 'tap';
    case 'magnetic_stripe_fallback':
    case 'magnetic_stripe_track2':
      return 'swipe';
    // contact_emv, and a reader that did not say: card_present payments are read, not keyed.
    default:
      return 'chip';
  }
}

/**
 * Brand, last4 and authorisation code from the PaymentIntent's expanded `latest_charge`, or
 * undefined when they are missing or not in the safe shape (four digits, one brand word).
 */
export function cardOfCharge(
  charge: string | Stripe.Charge | null,
): { card: CardDetails; authCode?: string } | undefined {
  if (charge === null || typeof charge === 'string') return undefined;
  const details = charge.payment_method_details;
  const present = details?.card_present ?? details?.interac_present;
  if (present === undefined || present === null) return undefined;
  const card: CardDetails = {
    brand: (present.brand ?? 'unknown').toLowerCase(),
    last4: present.last4 ?? '',
    entryMode: entryModeOf(present.read_method),
  };
  if (!isSafeCardDetails(card)) return undefined;
  const authCode = present.receipt?.authorization_code ?? undefined;
  return authCode === undefined ? { card } : { card, authCode };
}
