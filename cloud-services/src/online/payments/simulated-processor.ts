import { createHmac, randomBytes } from 'node:crypto';
import type { Cents } from '@pos/contracts';
import type { Logger } from '@pos/kit/logger';
import {
  assertCreateRequest,
  assertKey,
  assertRefundRequest,
  type CardSummary,
  type ConfirmIntentRequest,
  type ConfirmOutcome,
  type CreateIntentRequest,
  type DeclineReason,
  OnlinePaymentError,
  type OnlinePaymentProcessor,
  outcomeOfIntent,
  type PaymentIntentId,
  type PaymentIntentView,
  type RefundId,
  type RefundOutcome,
  type RefundRequest,
  type RefundView,
} from './processor.js';
import { decideRefund } from './refund-rules.js';
import { DECLINE_MESSAGES, readCardNumber } from './test-cards.js';

// The default processor: no network, state in memory, outcomes picked by Stripe's test card
// numbers (`test-cards.ts`). It behaves like Stripe where the web app can tell the difference:
// idempotent replays return the first answer, a succeeded intent is never charged twice, the
// 3-D Secure card stops in `requires_action` until `completeChallenge` (the issuer's page)
// approves or fails it, and refunds add up to at most what was captured.
//
// Card numbers are read once, in `confirmIntent`, and only brand and last4 are kept; the
// idempotency fingerprint holds a keyed hash (HMAC) of the request, never the number.

export interface SimulatedProcessorOptions {
  logger?: Logger;
  /** Where the simulated issuer's 3-D Secure page for an intent is (served by its user). */
  challengeUrl?: (intentId: PaymentIntentId) => string;
}

/** A captured charge, as the simulator books it (tests count these). */
export interface SimulatedCharge {
  intentId: PaymentIntentId;
  amountCents: Cents;
  card: CardSummary;
}

interface Replay {
  fingerprint: string;
  reply: unknown;
}

const newId = (prefix: string) => `${prefix}_sim_${randomBytes(10).toString('hex')}`;
const snapshot = <T>(value: T): T => structuredClone(value);

export class SimulatedOnlineProcessor implements OnlinePaymentProcessor {
  readonly kind = 'simulated' as const;
  private readonly intents = new Map<string, PaymentIntentView>();
  private readonly secrets = new Map<string, string>();
  private readonly charges: SimulatedCharge[] = [];
  private readonly refunds: RefundView[] = [];
  private readonly replays = new Map<string, Replay>();
  /** Keys the request fingerprints: a plain hash of a card number is easy to reverse. */
  private readonly fingerprintKey = randomBytes(32);
  private readonly logger: Logger | undefined;

  constructor(options: SimulatedProcessorOptions = {}) {
    this.logger = options.logger?.child({ processor: this.kind });
    this.challengeUrl = options.challengeUrl ?? ((id) => `https://simulator.invalid/3ds/${id}`);
  }

  private readonly challengeUrl: (intentId: PaymentIntentId) => string;
  /** Where the guest's browser goes back to after each intent's challenge. */
  private readonly returnUrls = new Map<PaymentIntentId, string>();

  /** The page the browser returns to after the intent's challenge, as confirm was given it. */
  returnUrlOf(intentId: PaymentIntentId): string | undefined {
    return this.returnUrls.get(intentId);
  }

  async createIntent(request: CreateIntentRequest): Promise<PaymentIntentView> {
    assertCreateRequest(request);
    const { amountCents, currency, metadata } = request;
    return this.once('create', request.idempotencyKey, { amountCents, currency, metadata }, () => {
      const intent: PaymentIntentView = {
        id: newId('pi') as PaymentIntentId,
        status: 'requires_payment_method',
        amountCents,
        currency,
        amountReceivedCents: 0 as Cents,
        amountRefundedCents: 0 as Cents,
        metadata: { ...metadata },
        card: undefined,
        nextAction: undefined,
        lastDecline: undefined,
      };
      this.intents.set(intent.id, intent);
      this.secrets.set(intent.id, `${intent.id}_secret_${randomBytes(12).toString('hex')}`);
      this.logger?.info({ intentId: intent.id, orderId: metadata.orderId }, 'intent created');
      return snapshot(intent);
    });
  }

  async confirmIntent(request: ConfirmIntentRequest): Promise<ConfirmOutcome> {
    assertKey(request.idempotencyKey);
    const { intentId, paymentMethod, returnUrl } = request;
    return this.once('confirm', request.idempotencyKey, [intentId, paymentMethod, returnUrl], () =>
      snapshot(this.confirm(request)),
    );
  }

  async retrieveIntent(intentId: PaymentIntentId): Promise<PaymentIntentView | undefined> {
    const intent = this.intents.get(intentId);
    return intent === undefined ? undefined : snapshot(intent);
  }

  async refund(request: RefundRequest): Promise<RefundOutcome> {
    assertRefundRequest(request);
    const { intentId, amountCents } = request;
    return this.once('refund', request.idempotencyKey, [intentId, amountCents ?? 'rest'], () => {
      const intent = this.intents.get(intentId);
      if (intent === undefined) {
        return { outcome: 'refused', reason: 'not_found', message: `No intent ${intentId}` };
      }
      const decision = decideRefund(
        intent.amountReceivedCents,
        intent.amountRefundedCents,
        amountCents,
      );
      if (!decision.ok) {
        return { outcome: 'refused', reason: decision.reason, message: decision.message };
      }
      const refund: RefundView = {
        id: newId('re') as RefundId,
        intentId,
        amountCents: decision.amountCents,
        status: 'succeeded',
      };
      this.refunds.push(refund);
      intent.amountRefundedCents = (intent.amountRefundedCents + refund.amountCents) as Cents;
      this.logger?.info({ intentId, refundId: refund.id, amount: refund.amountCents }, 'refunded');
      return { outcome: 'refunded', refund: { ...refund } };
    });
  }

  /**
   * The issuer's challenge page for a `requires_action` intent: approving charges the card,
   * failing leaves the intent waiting for another payment method, as Stripe's test page does.
   * Like the real flow (the browser comes back, the server reads the intent), it answers with
   * the intent; `outcomeOfIntent` turns that into the confirm outcome. On an intent with no
   * challenge pending it changes nothing.
   */
  async completeChallenge(
    intentId: PaymentIntentId,
    result: 'approve' | 'fail',
  ): Promise<PaymentIntentView | undefined> {
    const intent = this.intents.get(intentId);
    if (intent?.status === 'requires_action') {
      intent.nextAction = undefined;
      if (result === 'approve') this.charge(intent);
      else this.decline(intent, 'authentication_failed');
    }
    return intent === undefined ? undefined : snapshot(intent);
  }

  /** Charges booked for one intent (or all): a double charge shows up here. */
  chargesFor(intentId?: PaymentIntentId): readonly SimulatedCharge[] {
    return this.charges.filter((c) => intentId === undefined || c.intentId === intentId);
  }

  refundsFor(intentId: PaymentIntentId): readonly RefundView[] {
    return this.refunds.filter((r) => r.intentId === intentId);
  }

  private confirm(request: ConfirmIntentRequest): ConfirmOutcome {
    const intent = this.intents.get(request.intentId);
    if (intent === undefined) return notFound(request.intentId);
    // Already paid, or waiting on a challenge, or over: the state answers, nothing is charged.
    if (intent.status !== 'requires_payment_method') return outcomeOfIntent(intent);
    intent.lastDecline = undefined;
    const read = readCardNumber(request.paymentMethod);
    if (!('card' in read)) {
      intent.card = undefined;
      this.decline(intent, 'incorrect_number');
      return outcomeOfIntent(intent);
    }
    intent.card = read.card;
    if (read.behaviour === 'approve') this.charge(intent);
    else if (read.behaviour === 'three_d_secure') this.challenge(intent, request.returnUrl);
    else this.decline(intent, read.behaviour);
    return outcomeOfIntent(intent);
  }

  private charge(intent: PaymentIntentView): void {
    const card = intent.card as CardSummary;
    this.charges.push({ intentId: intent.id, amountCents: intent.amountCents, card: { ...card } });
    intent.status = 'succeeded';
    intent.amountReceivedCents = intent.amountCents;
    this.logger?.info({ intentId: intent.id, ...card }, 'intent succeeded');
  }

  private challenge(intent: PaymentIntentView, returnUrl: string | undefined): void {
    intent.status = 'requires_action';
    intent.nextAction = {
      type: 'three_d_secure',
      clientSecret: this.secrets.get(intent.id) as string,
      redirectUrl: returnUrl === undefined ? undefined : this.challengeUrl(intent.id),
    };
    if (returnUrl !== undefined) this.returnUrls.set(intent.id, returnUrl);
    this.logger?.info({ intentId: intent.id }, 'intent requires 3-D Secure');
  }

  private decline(intent: PaymentIntentView, reason: DeclineReason): void {
    intent.status = 'requires_payment_method';
    intent.lastDecline = { reason, message: DECLINE_MESSAGES[reason] };
    this.logger?.info({ intentId: intent.id, reason, last4: intent.card?.last4 }, 'declined');
  }

  /**
   * Run an operation once per (operation, key): a replay gets the first reply; the key with
   * other parameters is a fault. Synchronous inside, so concurrent calls cannot both run.
   */
  private once<T>(operation: string, key: string, params: unknown, run: () => T): T {
    const fingerprint = createHmac('sha256', this.fingerprintKey)
      .update(JSON.stringify(params))
      .digest('hex');
    const slot = `${operation}:${key}`;
    const seen = this.replays.get(slot);
    if (seen !== undefined) {
      if (seen.fingerprint !== fingerprint) {
        throw new OnlinePaymentError(
          'idempotency_conflict',
          `idempotency key for ${operation} was used with other parameters`,
        );
      }
      return snapshot(seen.reply as T);
    }
    const reply = run();
    this.replays.set(slot, { fingerprint, reply: snapshot(reply) });
    return reply;
  }
}

function notFound(intentId: string): ConfirmOutcome {
  return { outcome: 'not_confirmable', reason: 'not_found', message: `No intent ${intentId}` };
}
