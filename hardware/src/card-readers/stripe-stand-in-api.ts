import {
  CANCELABLE,
  DECLINES,
  int,
  invalid,
  list,
  missing,
  newChargeObject,
  newId,
  newReaderObject,
  now,
  type Obj,
  type ReaderObject,
  type StandInOutcome,
  type StandInReaderConfig,
  type StripeErrorBody,
  unexpectedState,
} from './stripe-stand-in-objects.js';
import { lookupTestCard } from './test-cards.js';

// The state and operations behind the Stripe stand-in (`stripe-stand-in.ts`): PaymentIntents,
// charges, refunds and Terminal readers, shaped like Stripe's objects
// (https://docs.stripe.com/api/payment_intents/object, /api/terminal/readers/object) for the
// fields our adapter reads. Card numbers given to the test helper only pick an outcome.

export type {
  StandInOutcome,
  StandInReaderConfig,
  StripeErrorBody,
} from './stripe-stand-in-objects.js';
export { invalid, StandInApiError } from './stripe-stand-in-objects.js';

interface ReaderRecord {
  config: Required<StandInReaderConfig>;
  object: ReaderObject;
  timer?: NodeJS.Timeout;
}

export class StandInApi {
  readonly intents = new Map<string, Obj>();
  readonly charges = new Map<string, Obj>();
  readonly refunds = new Map<string, Obj>();
  private readonly readers = new Map<string, ReaderRecord>();

  addReader(id: string, config: StandInReaderConfig = {}): void {
    this.readers.set(id, {
      config: { behaviour: 'wait', autoPresentMs: 20, online: true, ...config },
      object: newReaderObject(id, config.online !== false),
    });
  }

  configureReader(id: string, config: StandInReaderConfig): void {
    const reader = this.reader(id);
    reader.config = { ...reader.config, ...config };
    reader.object.status = reader.config.online ? 'online' : 'offline';
  }

  close(): void {
    for (const r of this.readers.values()) clearTimeout(r.timer);
  }

  createIntent(params: Obj): Obj {
    const amount = int(params, 'amount', true) ?? 0;
    if (amount < 1) throw invalid('Amount must be at least 1 cent', 'amount_too_small', 'amount');
    const currency = params.currency;
    if (typeof currency !== 'string' || !/^[a-z]{3}$/.test(currency)) {
      throw invalid('Missing required param: currency.', 'parameter_missing', 'currency');
    }
    // stripe-node 23 sends `allowed_payment_method_types`; older clients `payment_method_types`.
    const types = list(params.allowed_payment_method_types ?? params.payment_method_types);
    if (!types.includes('card_present')) {
      throw invalid(
        'Terminal payments need card_present.',
        'parameter_invalid_string',
        'allowed_payment_method_types',
      );
    }
    const captureMethod = params.capture_method ?? 'automatic';
    if (captureMethod !== 'manual' && captureMethod !== 'automatic') {
      throw invalid('Invalid capture_method', 'parameter_invalid_string', 'capture_method');
    }
    const intent: Obj = {
      id: newId('pi'),
      object: 'payment_intent',
      amount,
      amount_capturable: 0,
      amount_received: 0,
      canceled_at: null,
      cancellation_reason: null,
      capture_method: captureMethod,
      created: now(),
      currency,
      description: typeof params.description === 'string' ? params.description : null,
      last_payment_error: null,
      latest_charge: null,
      livemode: false,
      metadata: typeof params.metadata === 'object' ? params.metadata : {},
      payment_method: null,
      allowed_payment_method_types: types,
      payment_method_types: types,
      status: 'requires_payment_method',
    };
    this.intents.set(intent.id as string, intent);
    return intent;
  }

  intent(id: string, expand: string[] = []): Obj {
    const intent = this.intents.get(id);
    if (intent === undefined) throw missing('payment_intent', id, 'intent');
    if (!expand.includes('latest_charge') || typeof intent.latest_charge !== 'string')
      return intent;
    return { ...intent, latest_charge: this.charges.get(intent.latest_charge) ?? null };
  }

  capture(id: string, params: Obj): Obj {
    const intent = this.intent(id);
    if (intent.status !== 'requires_capture') {
      throw unexpectedState(intent, 'captured', ['requires_capture']);
    }
    const capturable = intent.amount_capturable as number;
    const amount = int(params, 'amount_to_capture', false) ?? capturable;
    if (amount > capturable) {
      throw invalid(
        'amount_to_capture exceeds the capturable amount',
        'amount_too_large',
        'amount_to_capture',
      );
    }
    const charge = this.charges.get(intent.latest_charge as string);
    if (charge !== undefined) Object.assign(charge, { captured: true, amount_captured: amount });
    return Object.assign(intent, {
      status: 'succeeded',
      amount_capturable: 0,
      amount_received: amount,
    });
  }

  cancelIntent(id: string, params: Obj): Obj {
    const intent = this.intent(id);
    if (!CANCELABLE.includes(intent.status as string)) {
      throw unexpectedState(intent, 'canceled', CANCELABLE);
    }
    return Object.assign(intent, {
      status: 'canceled',
      amount_capturable: 0,
      canceled_at: now(),
      cancellation_reason: params.cancellation_reason ?? null,
    });
  }

  refund(params: Obj): Obj {
    const piId = String(params.payment_intent ?? '');
    const intent = this.intent(piId);
    const charge = this.charges.get(String(intent.latest_charge));
    if (intent.status !== 'succeeded' || charge === undefined) {
      throw invalid(
        'This PaymentIntent does not have a successful charge to refund.',
        'charge_not_refundable',
      );
    }
    const left = (charge.amount_captured as number) - (charge.amount_refunded as number);
    const amount = int(params, 'amount', false) ?? left;
    if (amount < 1 || amount > left) {
      throw invalid(
        `Refund amount (${amount}) is greater than unrefunded amount on charge (${left})`,
        'amount_too_large',
        'amount',
      );
    }
    charge.amount_refunded = (charge.amount_refunded as number) + amount;
    const refund: Obj = {
      id: newId('re'),
      object: 'refund',
      amount,
      charge: charge.id,
      currency: intent.currency,
      payment_intent: piId,
      status: 'succeeded',
      created: now(),
    };
    this.refunds.set(refund.id as string, refund);
    return refund;
  }

  readerObject(id: string): Obj {
    const reader = this.reader(id);
    if (reader.config.online) reader.object.last_seen_at = Date.now();
    return reader.object;
  }

  processPaymentIntent(readerId: string, params: Obj): Obj {
    const reader = this.reader(readerId);
    if (!reader.config.online) {
      throw invalid(
        'Reader is currently offline, please ensure the reader is powered on and connected to the internet before retrying your request.',
        'terminal_reader_offline',
      );
    }
    if (reader.object.action?.status === 'in_progress') {
      throw invalid(
        'Reader is currently busy processing another request. Please reference the integration guide for more information.',
        'terminal_reader_busy',
      );
    }
    const piId = String(params.payment_intent ?? '');
    const intent = this.intent(piId);
    if (intent.status !== 'requires_payment_method') {
      throw unexpectedState(intent, 'processed', ['requires_payment_method']);
    }
    reader.object.action = {
      type: 'process_payment_intent',
      status: 'in_progress',
      failure_code: null,
      failure_message: null,
      api_error: null,
      process_payment_intent: { payment_intent: piId },
    };
    const { behaviour, autoPresentMs } = reader.config;
    if (behaviour !== 'wait' && behaviour !== 'timeout') {
      reader.timer = setTimeout(() => this.complete(reader, behaviour), autoPresentMs);
    }
    return this.readerObject(readerId);
  }

  cancelAction(readerId: string): Obj {
    const reader = this.reader(readerId);
    if (reader.object.action?.status !== 'in_progress') {
      throw invalid(
        'This reader has no in-progress action to cancel.',
        'terminal_reader_action_unavailable',
      );
    }
    clearTimeout(reader.timer);
    Object.assign(reader.object.action, {
      status: 'failed',
      failure_code: 'canceled',
      failure_message: 'The action was canceled.',
    });
    return this.readerObject(readerId);
  }

  /** The present_payment_method test helper: the card number picks the outcome. */
  presentPaymentMethod(readerId: string, params: Obj): Obj {
    const reader = this.reader(readerId);
    if (reader.object.action?.status !== 'in_progress') {
      throw invalid(
        'This reader has no in-progress action to present a payment method to.',
        'terminal_reader_action_unavailable',
      );
    }
    const number = (params.card_present as Obj | undefined)?.number;
    const card = typeof number === 'string' ? lookupTestCard(number) : undefined;
    if (typeof number === 'string' && card === undefined) {
      throw invalid(
        'The card number is not a test card.',
        'invalid_number',
        'card_present[number]',
      );
    }
    clearTimeout(reader.timer);
    const outcome: StandInOutcome =
      card === undefined || card.online === 'approve'
        ? 'approve'
        : card.online === 'declined'
          ? 'decline'
          : card.online === 'timeout' || card.online === 'card-removed'
            ? 'customer-cancel'
            : card.online;
    this.complete(reader, outcome, card?.last4, card?.brand);
    return this.readerObject(readerId);
  }

  private reader(id: string): ReaderRecord {
    const reader = this.readers.get(id);
    if (reader === undefined) throw missing('terminal.reader', id, 'reader');
    return reader;
  }

  private complete(
    reader: ReaderRecord,
    outcome: StandInOutcome,
    last4 = '4242',
    brand = 'visa',
  ): void {
    const action = reader.object.action;
    if (action?.status !== 'in_progress' || outcome === 'timeout') return;
    const piId = (action.process_payment_intent as Obj).payment_intent as string;
    const intent = this.intents.get(piId);
    if (intent === undefined) return;
    if (outcome === 'customer-cancel') {
      Object.assign(action, {
        status: 'failed',
        failure_code: 'customer_canceled',
        failure_message: 'This action was canceled by the customer.',
      });
      return;
    }
    const decline = outcome === 'approve' ? undefined : DECLINES[outcome];
    const charge = newChargeObject(intent, last4, brand, decline);
    this.charges.set(charge.id as string, charge);
    if (decline === undefined) {
      const manual = intent.capture_method === 'manual';
      const amount = intent.amount as number;
      Object.assign(intent, {
        status: manual ? 'requires_capture' : 'succeeded',
        amount_capturable: manual ? amount : 0,
        amount_received: manual ? 0 : amount,
        latest_charge: charge.id,
        payment_method: newId('pm'),
      });
      Object.assign(action, { status: 'succeeded' });
      return;
    }
    const error: StripeErrorBody = {
      type: 'card_error',
      ...decline,
      doc_url: `https://docs.stripe.com/error-codes/${decline.code}`,
    };
    Object.assign(intent, { latest_charge: charge.id, last_payment_error: error });
    Object.assign(action, {
      status: 'failed',
      failure_code: decline.code,
      failure_message: decline.message,
      api_error: error,
    });
  }
}
