import { randomBytes } from 'node:crypto';
import type { Cents } from '@pos/contracts';
import {
  int,
  invalid,
  missing,
  newId,
  now,
  type Obj,
  StandInApiError,
  unexpectedState,
} from '@pos/hardware/card-readers/stripe-stand-in-objects';
import type { DeclineReason } from './processor.js';
import { decideRefund } from './refund-rules.js';
import { type CardBehaviour, DECLINE_MESSAGES, readTestPaymentMethod } from './test-cards.js';

// State behind the PaymentIntents stand-in (`stripe-intents-stand-in.ts`): card-not-present
// intents, charges and refunds, shaped like Stripe's objects for the fields our adapter reads
// (https://docs.stripe.com/api/payment_intents/object, /api/charges/object, /api/refunds/object).
// Confirm takes Stripe's test PaymentMethod IDs (`pm_card_visa`, …); the errors helpers and the
// object ID scheme are the Terminal stand-in's, from `hardware/`.

export { StandInApiError } from '@pos/hardware/card-readers/stripe-stand-in-objects';

/** Stripe's `code` / `decline_code` for each decline (https://docs.stripe.com/declines/codes). */
const DECLINE_CODES: Record<DeclineReason, { code: string; decline_code?: string }> = {
  card_declined: { code: 'card_declined', decline_code: 'generic_decline' },
  insufficient_funds: { code: 'card_declined', decline_code: 'insufficient_funds' },
  expired_card: { code: 'expired_card', decline_code: 'expired_card' },
  incorrect_number: { code: 'incorrect_number' },
  processing_error: { code: 'processing_error' },
  authentication_failed: { code: 'payment_intent_authentication_failure' },
};

const CONFIRMABLE = ['requires_payment_method', 'requires_confirmation', 'requires_action'];

export class IntentsApi {
  readonly intents = new Map<string, Obj>();
  readonly charges = new Map<string, Obj>();
  readonly refunds = new Map<string, Obj>();
  /** Pending 3-D Secure challenges: intent ID → the card's brand and last4. */
  private readonly challenges = new Map<string, { brand: string; last4: string }>();

  /** @param challengeUrl the stand-in's page standing in for the issuer's challenge */
  constructor(private readonly challengeUrl: (intentId: string) => string) {}

  createIntent(params: Obj): Obj {
    const amount = int(params, 'amount', true) ?? 0;
    if (amount < 1) throw invalid('Amount must be at least 1 cent', 'amount_too_small', 'amount');
    const currency = params.currency;
    if (typeof currency !== 'string' || !/^[a-z]{3}$/.test(currency)) {
      throw invalid('Missing required param: currency.', 'parameter_missing', 'currency');
    }
    const id = newId('pi');
    const intent: Obj = {
      id,
      object: 'payment_intent',
      amount,
      amount_received: 0,
      client_secret: `${id}_secret_${randomBytes(12).toString('hex')}`,
      created: now(),
      currency,
      last_payment_error: null,
      latest_charge: null,
      livemode: false,
      metadata: typeof params.metadata === 'object' ? params.metadata : {},
      next_action: null,
      payment_method: null,
      payment_method_types: ['card'],
      status: 'requires_payment_method',
    };
    this.intents.set(id, intent);
    return intent;
  }

  intent(id: string, expand: string[] = []): Obj {
    const intent = this.intents.get(id);
    if (intent === undefined) throw missing('payment_intent', id, 'intent');
    if (!expand.includes('latest_charge') || typeof intent.latest_charge !== 'string') {
      return intent;
    }
    return { ...intent, latest_charge: this.charges.get(intent.latest_charge) ?? null };
  }

  /** https://docs.stripe.com/api/payment_intents/confirm */
  confirm(id: string, params: Obj): Obj {
    const intent = this.intent(id);
    if (!CONFIRMABLE.includes(intent.status as string)) {
      throw withIntent(unexpectedState(intent, 'confirmed', CONFIRMABLE), intent);
    }
    const pm = typeof params.payment_method === 'string' ? params.payment_method : '';
    const read = readTestPaymentMethod(pm);
    if (read === undefined) {
      throw invalid(`No such PaymentMethod: '${pm}'`, 'resource_missing', 'payment_method');
    }
    Object.assign(intent, { payment_method: pm, last_payment_error: null, next_action: null });
    this.challenges.delete(id);
    return this.attempt(intent, read.behaviour, read.card, params.return_url);
  }

  /** The issuer's page: the guest approves or fails the challenge. */
  completeChallenge(id: string, result: 'approve' | 'fail'): Obj {
    const intent = this.intent(id);
    const card = this.challenges.get(id);
    if (intent.status !== 'requires_action' || card === undefined) return intent;
    this.challenges.delete(id);
    intent.next_action = null;
    if (result === 'approve') return this.attempt(intent, 'approve', card, undefined);
    intent.status = 'requires_payment_method';
    intent.last_payment_error = errorBody('authentication_failed', null);
    return intent;
  }

  refund(params: Obj): Obj {
    const piId = String(params.payment_intent ?? '');
    const intent = this.intent(piId);
    const charge = this.charges.get(String(intent.latest_charge));
    const captured = intent.status === 'succeeded' ? (charge?.amount_captured as number) : 0;
    const refunded = (charge?.amount_refunded as number | undefined) ?? 0;
    const requested = int(params, 'amount', false) as Cents | undefined;
    const decision = decideRefund(captured as Cents, refunded as Cents, requested);
    if (!decision.ok) {
      // The codes Stripe answers with for each refusal.
      const code = {
        not_paid: 'charge_not_refundable',
        already_refunded: 'charge_already_refunded',
        exceeds_refundable: 'amount_too_large',
      }[decision.reason];
      throw invalid(decision.message, code, code === 'amount_too_large' ? 'amount' : undefined);
    }
    const amount = decision.amountCents;
    (charge as Obj).amount_refunded = refunded + amount;
    (charge as Obj).refunded = refunded + amount === captured;
    const refund: Obj = {
      id: newId('re'),
      object: 'refund',
      amount,
      charge: (charge as Obj).id,
      currency: intent.currency,
      payment_intent: piId,
      status: 'succeeded',
      created: now(),
    };
    this.refunds.set(refund.id as string, refund);
    return refund;
  }

  private attempt(
    intent: Obj,
    behaviour: CardBehaviour,
    card: { brand: string; last4: string },
    returnUrl: unknown,
  ): Obj {
    if (behaviour === 'three_d_secure') {
      this.challenges.set(intent.id as string, card);
      intent.status = 'requires_action';
      intent.next_action = nextAction(this.challengeUrl(intent.id as string), returnUrl);
      return intent;
    }
    const decline = behaviour === 'approve' ? undefined : behaviour;
    const charge = chargeObject(intent, card, decline);
    this.charges.set(charge.id as string, charge);
    intent.latest_charge = charge.id;
    if (decline === undefined) {
      return Object.assign(intent, { status: 'succeeded', amount_received: intent.amount });
    }
    const body = errorBody(decline, charge.id as string);
    Object.assign(intent, { status: 'requires_payment_method', last_payment_error: body });
    // A declined confirm is a 402 whose error carries the PaymentIntent.
    throw withIntent(new StandInApiError(402, { ...body }), intent);
  }
}

/** Stripe's shapes for a 3-D Secure step: a redirect when a return URL was given, else Stripe.js. */
function nextAction(url: string, returnUrl: unknown): Obj {
  if (typeof returnUrl === 'string') {
    return { type: 'redirect_to_url', redirect_to_url: { url, return_url: returnUrl } };
  }
  return {
    type: 'use_stripe_sdk',
    use_stripe_sdk: { type: 'three_d_secure_redirect', stripe_js: url },
  };
}

function errorBody(reason: DeclineReason, chargeId: string | null) {
  const authentication = reason === 'authentication_failed';
  return {
    type: authentication ? ('invalid_request_error' as const) : ('card_error' as const),
    message: DECLINE_MESSAGES[reason],
    ...DECLINE_CODES[reason],
    ...(chargeId === null ? {} : { charge: chargeId }),
    doc_url: `https://docs.stripe.com/error-codes/${DECLINE_CODES[reason].code}`,
  };
}

/** Stripe puts the PaymentIntent on confirm errors; a copy, as the intent refers to the error. */
function withIntent(error: StandInApiError, intent: Obj): StandInApiError {
  Object.assign(error.body, { payment_intent: structuredClone(intent) });
  return error;
}

function chargeObject(
  intent: Obj,
  card: { brand: string; last4: string },
  decline: DeclineReason | undefined,
): Obj {
  const paid = decline === undefined;
  return {
    id: newId('ch'),
    object: 'charge',
    amount: intent.amount,
    amount_captured: paid ? intent.amount : 0,
    amount_refunded: 0,
    captured: paid,
    currency: intent.currency,
    failure_code: paid ? null : DECLINE_CODES[decline].code,
    paid,
    payment_intent: intent.id,
    refunded: false,
    status: paid ? 'succeeded' : 'failed',
    payment_method_details: {
      type: 'card',
      card: { brand: card.brand, last4: card.last4, exp_month: 12, exp_year: 2034 },
    },
  };
}
