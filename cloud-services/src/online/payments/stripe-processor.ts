import type { Cents } from '@pos/contracts';
import type { Logger } from '@pos/kit/logger';
import Stripe from 'stripe';
import {
  assertCreateRequest,
  assertKey,
  assertRefundRequest,
  type ConfirmIntentRequest,
  type ConfirmOutcome,
  type CreateIntentRequest,
  OnlinePaymentError,
  type OnlinePaymentProcessor,
  outcomeOfIntent,
  type PaymentIntentId,
  type PaymentIntentView,
  type RefundId,
  type RefundOutcome,
  type RefundRequest,
} from './processor.js';
import { classifyStripeError, viewOfIntent } from './stripe-outcomes.js';

// Online card payments through Stripe PaymentIntents
// (https://docs.stripe.com/payments/payment-intents): the guest's browser collects the card with
// Stripe.js and hands us a PaymentMethod ID, we confirm server-side
// (https://docs.stripe.com/payments/finalize-payments-on-the-server). Capture is automatic: the
// order goes to the store only once paid, so there is no authorised-but-uncaptured state to
// manage. Refunds go through the Refunds API with `payment_intent`
// (https://docs.stripe.com/api/refunds/create).
//
// Every POST carries the caller's idempotency key, prefixed with the operation, so the SDK's
// own network retries and a double-clicked pay button have one effect. Stripe answers a confirm
// of an intent that already succeeded with `payment_intent_unexpected_state`; that is read back
// as `succeeded` rather than an error, and nothing is charged twice.

export interface StripeProcessorOptions {
  apiKey: string;
  /** SDK host/port/protocol: the local stand-in in tests. */
  host?: string;
  port?: number;
  protocol?: 'http' | 'https';
  /** SDK network retries (always with our idempotency keys). Default 2. */
  maxNetworkRetries?: number;
  /** Per HTTP request. Default 20 s. */
  requestTimeoutMs?: number;
  logger?: Logger;
}

// The card and the refunded total live on the charge.
const EXPAND = ['latest_charge'];

export class StripeOnlineProcessor implements OnlinePaymentProcessor {
  readonly kind = 'stripe' as const;
  private readonly stripe: Stripe;
  private readonly logger: Logger | undefined;

  constructor(options: StripeProcessorOptions) {
    if (!/^(sk|rk)_(test|live)_\w+$/.test(options.apiKey)) {
      throw new OnlinePaymentError('configuration', 'STRIPE_SECRET_KEY is not a Stripe secret key');
    }
    this.logger = options.logger?.child({ processor: this.kind });
    this.stripe = new Stripe(options.apiKey, {
      maxNetworkRetries: options.maxNetworkRetries ?? 2,
      timeout: options.requestTimeoutMs ?? 20_000,
      telemetry: false,
      appInfo: { name: 'pos-cloud-online-ordering' },
      ...(options.host === undefined ? {} : { host: options.host }),
      ...(options.port === undefined ? {} : { port: options.port }),
      ...(options.protocol === undefined ? {} : { protocol: options.protocol }),
    });
  }

  async createIntent(request: CreateIntentRequest): Promise<PaymentIntentView> {
    assertCreateRequest(request);
    const intent = await this.call(() =>
      this.stripe.paymentIntents.create(
        {
          amount: request.amountCents,
          currency: request.currency.toLowerCase(),
          allowed_payment_method_types: ['card'],
          metadata: { order_id: request.metadata.orderId, store_id: request.metadata.storeId },
        },
        { idempotencyKey: `create:${request.idempotencyKey}` },
      ),
    );
    this.logger?.info({ intentId: intent.id, orderId: request.metadata.orderId }, 'intent created');
    return viewOfIntent(intent);
  }

  async confirmIntent(request: ConfirmIntentRequest): Promise<ConfirmOutcome> {
    assertKey(request.idempotencyKey);
    let intent: PaymentIntentView | undefined;
    try {
      const confirmed = await this.stripe.paymentIntents.confirm(
        request.intentId,
        {
          payment_method: request.paymentMethod,
          expand: EXPAND,
          ...(request.returnUrl === undefined ? {} : { return_url: request.returnUrl }),
        },
        { idempotencyKey: `confirm:${request.idempotencyKey}` },
      );
      intent = viewOfIntent(confirmed);
    } catch (err) {
      const problem = classifyStripeError(err);
      if (problem.kind === 'refund-refused') {
        throw new OnlinePaymentError('unexpected_response', problem.message, { cause: err });
      }
      // A decline (402) or a wrong state, e.g. already succeeded: the intent as it is now says
      // what happened, decline reason included (`last_payment_error`). Stripe puts the intent on
      // the error, but with `latest_charge` unexpanded, so it is usually read back.
      if (problem.kind === 'intent-state') {
        intent = await this.currentIntent(request.intentId, problem.intent);
      }
    }
    if (intent === undefined) {
      const message = `No payment intent ${request.intentId}`;
      return { outcome: 'not_confirmable', reason: 'not_found', message };
    }
    return this.logged(outcomeOfIntent(intent));
  }

  async retrieveIntent(intentId: PaymentIntentId): Promise<PaymentIntentView | undefined> {
    return this.currentIntent(intentId, undefined);
  }

  async refund(request: RefundRequest): Promise<RefundOutcome> {
    assertRefundRequest(request);
    let refund: Stripe.Refund;
    try {
      refund = await this.stripe.refunds.create(
        {
          payment_intent: request.intentId,
          ...(request.amountCents === undefined ? {} : { amount: request.amountCents }),
        },
        { idempotencyKey: `refund:${request.idempotencyKey}` },
      );
    } catch (err) {
      return refusalOf(err);
    }
    // A card refund that failed outright is not something the store can act on here.
    if (refund.status === 'failed' || refund.status === 'canceled') {
      throw new OnlinePaymentError('unexpected_response', `refund ${refund.id} ${refund.status}`);
    }
    this.logger?.info({ intentId: request.intentId, refundId: refund.id }, 'refunded');
    return {
      outcome: 'refunded',
      refund: {
        id: refund.id as RefundId,
        intentId: request.intentId,
        amountCents: refund.amount as Cents,
        status: refund.status === 'succeeded' ? 'succeeded' : 'pending',
      },
    };
  }

  /** The intent on an error when it has no charge left unexpanded, else read from Stripe. */
  private async currentIntent(
    intentId: PaymentIntentId,
    fromError: Stripe.PaymentIntent | undefined,
  ): Promise<PaymentIntentView | undefined> {
    if (fromError !== undefined && typeof fromError.latest_charge !== 'string') {
      return viewOfIntent(fromError);
    }
    try {
      return viewOfIntent(await this.stripe.paymentIntents.retrieve(intentId, { expand: EXPAND }));
    } catch (err) {
      if (classifyStripeError(err).kind === 'intent-missing') return undefined;
      throw new OnlinePaymentError('unexpected_response', 'could not read the intent', {
        cause: err,
      });
    }
  }

  /** An SDK call with no expected failures: every Stripe error from it is a fault. */
  private async call<T>(run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (err) {
      const problem = classifyStripeError(err);
      throw new OnlinePaymentError('invalid_request', problem.message, { cause: err });
    }
  }

  private logged(outcome: ConfirmOutcome): ConfirmOutcome {
    const intentId = 'intent' in outcome ? outcome.intent.id : undefined;
    const reason = 'reason' in outcome ? outcome.reason : undefined;
    this.logger?.info({ intentId, outcome: outcome.outcome, reason }, 'intent confirmed');
    return outcome;
  }
}

/** Refunds Stripe refused (over-refund, unpaid, unknown intent) as values; the rest are faults. */
function refusalOf(err: unknown): RefundOutcome {
  const problem = classifyStripeError(err);
  if (problem.kind === 'refund-refused') {
    return { outcome: 'refused', reason: problem.reason, message: problem.message };
  }
  if (problem.kind === 'intent-missing') {
    return { outcome: 'refused', reason: 'not_found', message: problem.message };
  }
  throw new OnlinePaymentError('unexpected_response', problem.message, { cause: err });
}
