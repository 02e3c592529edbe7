import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Cents } from '@pos/contracts';
import type { Logger } from '@pos/kit/logger';
import Stripe from 'stripe';
import {
  assertCollectRequest,
  authorisedCents,
  type CaptureRequest,
  type CaptureResult,
  type CardFailure,
  type CardReader,
  type CollectRequest,
  type CollectResult,
  type ReaderStatus,
  type RefundRequest,
  type RefundResult,
  type StatusListener,
  type VoidRequest,
  type VoidResult,
} from './card-reader.js';
import { ReaderStatusBoard } from './reader-status.js';
import {
  cardOfCharge,
  classifyStripeError,
  collectOutcomeOfProblem,
  isStripeError,
  outcomeOfActionFailure,
} from './stripe-outcomes.js';
import { captureIntent, key, refundIntent, voidIntent } from './stripe-payment-ops.js';

// Stripe Terminal, server-driven integration (https://docs.stripe.com/terminal/payments/
// collect-card-payment?terminal-sdk-platform=server-driven): the hub creates a PaymentIntent,
// asks the smart reader to process it through the Stripe API, and polls the reader's `action`
// until it succeeds or fails. Online only: this integration shape has no offline mode, so
// `storeAndForward` is false and the hub's own offline rules apply.
//
// Capture is manual by default: the card is authorised at the reader and the hub captures when
// the order is paid (or voids it), so a payment that fails to record is never left charged.
// Stripe releases an uncaptured card_present authorisation after about 2 days.
//
// Every POST carries an idempotency key derived from our paymentId, so the SDK's automatic
// retries (and our own re-runs of a collect after a crash) never create a second charge.

export interface StripeTerminalReaderOptions {
  apiKey: string;
  /** The Stripe Terminal reader (`tmr_…`). */
  readerId: string;
  /** Our name for it; defaults to the reader ID. */
  id?: string;
  /** SDK host/port/protocol, for the local stand-in in tests. */
  host?: string;
  port?: number;
  protocol?: 'http' | 'https';
  captureMethod?: 'manual' | 'automatic';
  /** Whole collect, from start to an answer from the reader. Default 30 s. */
  processingTimeoutMs?: number;
  /** Reader action polling. Default 1 s. */
  pollIntervalMs?: number;
  /** Per HTTP request. Default 10 s. */
  requestTimeoutMs?: number;
  /** SDK network retries (always with our idempotency keys). Default 2. */
  maxNetworkRetries?: number;
  /** Re-read the reader's online state this often while idle; 0 turns it off. Default 60 s. */
  heartbeatMs?: number;
  clock?: () => number;
  logger?: Logger;
}

interface Flight {
  readonly paymentId: string;
  readonly nonce: string;
  readonly wake: AbortController;
  cancelRequested: boolean;
  done?: Promise<CollectResult>;
}

type Intent = Stripe.PaymentIntent;
const AUTHORISED = new Set(['requires_capture', 'succeeded']);
const failed = <R extends string>(reason: R, message: string): CardFailure<R> => ({
  outcome: 'failed',
  reason,
  message,
});

export class StripeTerminalReader implements CardReader {
  readonly id: string;
  readonly kind = 'stripe-terminal' as const;
  readonly capabilities = { storeAndForward: false, tipOnReader: false, refunds: true } as const;
  private readonly stripe: Stripe;
  private readonly readerId: string;
  private readonly captureMethod: 'manual' | 'automatic';
  private readonly timeoutMs: number;
  private readonly pollMs: number;
  private readonly heartbeatMs: number;
  private readonly clock: () => number;
  private readonly logger: Logger | undefined;
  private readonly board: ReaderStatusBoard;
  /** paymentId → the PaymentIntent generation in use and its ID (see `intentFor`). */
  private readonly intents = new Map<string, { generation: number; id: string }>();
  private flight: Flight | undefined;
  private heartbeat: NodeJS.Timeout | undefined;

  constructor(options: StripeTerminalReaderOptions) {
    this.readerId = options.readerId;
    this.id = options.id ?? options.readerId;
    this.captureMethod = options.captureMethod ?? 'manual';
    this.timeoutMs = options.processingTimeoutMs ?? 30_000;
    this.pollMs = options.pollIntervalMs ?? 1_000;
    this.heartbeatMs = options.heartbeatMs ?? 60_000;
    this.clock = options.clock ?? Date.now;
    this.logger = options.logger?.child({ reader: this.id, readerKind: this.kind });
    this.board = new ReaderStatusBoard(this.clock, this.logger);
    this.stripe = new Stripe(options.apiKey, {
      maxNetworkRetries: options.maxNetworkRetries ?? 2,
      timeout: options.requestTimeoutMs ?? 10_000,
      telemetry: false,
      appInfo: { name: 'pos-edge-hub' },
      ...(options.host === undefined ? {} : { host: options.host }),
      ...(options.port === undefined ? {} : { port: options.port }),
      ...(options.protocol === undefined ? {} : { protocol: options.protocol }),
    });
  }

  async connect(): Promise<void> {
    await this.refreshStatus();
    if (this.heartbeatMs > 0 && this.heartbeat === undefined) {
      this.heartbeat = setInterval(() => {
        this.refreshStatus().catch((err: unknown) => {
          this.logger?.error({ err }, 'card reader heartbeat failed');
        });
      }, this.heartbeatMs);
      this.heartbeat.unref();
    }
  }

  /** Ask Stripe whether the reader is online; skipped while a payment is in flight. */
  async refreshStatus(): Promise<void> {
    if (this.flight !== undefined) return;
    try {
      this.applyReader(await this.stripe.terminal.readers.retrieve(this.readerId));
    } catch (err) {
      const problem = classifyStripeError(err);
      if (problem.kind === 'unavailable') this.board.set('offline', problem.message, false);
      else this.board.set('error', problem.message, false);
    }
  }

  status(): ReaderStatus {
    return this.board.get();
  }

  onStatus(listener: StatusListener): () => void {
    return this.board.subscribe(listener);
  }

  collect(request: CollectRequest): Promise<CollectResult> {
    assertCollectRequest(request);
    if (this.board.get().state === 'disconnected') {
      return Promise.resolve(failed('reader-unavailable', 'reader not connected'));
    }
    if (this.flight !== undefined) {
      return Promise.resolve(failed('reader-unavailable', 'reader busy with another payment'));
    }
    const flight: Flight = {
      paymentId: request.paymentId,
      nonce: randomUUID(),
      wake: new AbortController(),
      cancelRequested: request.signal?.aborted ?? false,
    };
    const onAbort = () => this.requestCancel(flight);
    request.signal?.addEventListener('abort', onAbort, { once: true });
    this.flight = flight;
    this.board.set('processing', 'Preparing payment', false);
    this.logger?.info(
      {
        paymentId: request.paymentId,
        amountCents: request.amountCents,
        tipCents: request.tipCents,
      },
      'collecting card payment',
    );
    const settle = () => {
      request.signal?.removeEventListener('abort', onAbort);
      this.flight = undefined;
    };
    flight.done = this.run(request, flight)
      .catch((err: unknown) => collectOutcomeOfProblem(classifyStripeError(err)))
      .then(
        (result) => {
          settle();
          this.rest(result);
          const reason = 'reason' in result ? result.reason : undefined;
          this.logger?.info(
            { paymentId: request.paymentId, outcome: result.outcome, reason },
            'card payment collected',
          );
          return result;
        },
        (fault: unknown) => {
          // A programming fault: free the reader for the next payment, then let it surface.
          settle();
          this.board.set('error', 'card reader fault', false);
          throw fault;
        },
      );
    return flight.done;
  }

  async cancel(paymentId: string): Promise<void> {
    const flight = this.flight;
    if (flight?.paymentId === paymentId) {
      this.requestCancel(flight);
      await flight.done;
      return;
    }
    const known = this.intents.get(paymentId);
    if (known === undefined) return;
    const result = await this.void({ paymentId, processorRef: known.id });
    if (result.outcome === 'failed' && result.reason !== 'already-captured') {
      this.logger?.warn({ paymentId, reason: result.reason }, 'could not release authorisation');
    }
  }

  capture(request: CaptureRequest): Promise<CaptureResult> {
    return captureIntent(this.stripe, request);
  }

  void(request: VoidRequest): Promise<VoidResult> {
    return voidIntent(this.stripe, request);
  }

  refund(request: RefundRequest): Promise<RefundResult> {
    return refundIntent(this.stripe, request);
  }

  async close(): Promise<void> {
    clearInterval(this.heartbeat);
    this.heartbeat = undefined;
    const flight = this.flight;
    if (flight !== undefined) {
      this.requestCancel(flight);
      await flight.done;
    }
    this.board.set('disconnected', undefined, false);
    this.board.clear();
  }

  private async run(request: CollectRequest, flight: Flight): Promise<CollectResult> {
    const deadline = this.clock() + this.timeoutMs;
    const intent = await this.intentFor(request);
    if (intent === undefined) return failed('error', 'no usable PaymentIntent for this payment');
    // Collected before (a retry after a crash or a lost reply): never charge twice.
    if (AUTHORISED.has(intent.status)) return this.approved(request, intent.id);
    if (flight.cancelRequested) return this.abandon(request, flight, intent.id, 'cancelled');
    await this.stripe.terminal.readers.processPaymentIntent(
      this.readerId,
      // The tip is already in the amount; the reader must not ask for another.
      { payment_intent: intent.id, process_config: { skip_tipping: true } },
      { idempotencyKey: key(request.paymentId, 'process', flight.nonce) },
    );
    this.board.set('waiting-for-card', 'Present card');
    for (;;) {
      if (flight.cancelRequested) return this.abandon(request, flight, intent.id, 'cancelled');
      const left = deadline - this.clock();
      if (left <= 0) return this.abandon(request, flight, intent.id, 'timeout');
      await sleep(Math.min(this.pollMs, left), undefined, { signal: flight.wake.signal }).catch(
        () => undefined,
      );
      if (flight.cancelRequested) continue;
      const reader = await this.stripe.terminal.readers.retrieve(this.readerId);
      if (reader.deleted) return failed('reader-unavailable', 'reader removed from Stripe');
      this.board.set('waiting-for-card', 'Present card', reader.last_seen_at ?? false);
      const action = reader.action;
      const target = action?.process_payment_intent?.payment_intent;
      const mine = action?.type === 'process_payment_intent' && idOf(target) === intent.id;
      if (mine && action.status === 'in_progress') continue;
      if (flight.cancelRequested) continue;
      if (mine && action.status === 'succeeded') return this.approved(request, intent.id);
      // Failed, or replaced by another action: the PaymentIntent has the last word.
      const current = await this.retrieve(intent.id);
      if (AUTHORISED.has(current.status)) return this.approved(request, intent.id);
      if (mine) return outcomeOfActionFailure(action, current);
      return failed('error', 'the reader action was replaced before it finished');
    }
  }

  /**
   * The PaymentIntent for this payment: created with key `…:intent:<generation>`, so a repeat
   * collect (after a decline, or after a crash) finds the same one. A generation that was
   * cancelled, or created for another amount, is skipped for the next.
   */
  private async intentFor(request: CollectRequest): Promise<Intent | undefined> {
    const params: Stripe.PaymentIntentCreateParams = {
      amount: authorisedCents(request),
      currency: request.currency.toLowerCase(),
      // stripe-node 23 (API "endive") replaced `payment_method_types` on create with this.
      allowed_payment_method_types: ['card_present'],
      capture_method: this.captureMethod,
      metadata: { pos_payment_id: request.paymentId },
    };
    const first = this.intents.get(request.paymentId)?.generation ?? 0;
    for (let generation = first; generation < first + 5; generation++) {
      let created: Intent;
      try {
        const idempotencyKey = key(request.paymentId, 'intent', generation);
        created = await this.stripe.paymentIntents.create(params, { idempotencyKey });
      } catch (err) {
        if (classifyStripeError(err).kind === 'idempotency') continue;
        throw err;
      }
      // An idempotent replay returns the object as first created: read its state now.
      const current = await this.retrieve(created.id);
      if (current.status === 'canceled') continue;
      this.intents.set(request.paymentId, { generation, id: current.id });
      return current;
    }
    return undefined;
  }

  private async approved(request: CollectRequest, intentId: string): Promise<CollectResult> {
    const intent = await this.retrieve(intentId, ['latest_charge']);
    const card = cardOfCharge(intent.latest_charge);
    if (card === undefined) {
      // Never hand the hub a card summary that is not brand + four digits. The payment is
      // reported failed, so the money goes back: hold released, or (automatic) refunded.
      const ref = { paymentId: request.paymentId, processorRef: intent.id };
      if (intent.status === 'requires_capture') await this.void(ref);
      else
        await this.refund({
          ...ref,
          refundId: 'unusable-card',
          amountCents: intent.amount as Cents,
        });
      this.logger?.error(
        { paymentId: request.paymentId },
        'unusable card summary; payment reversed',
      );
      return failed('error', 'processor returned an unusable card summary');
    }
    return {
      outcome: 'approved',
      processorRef: intent.id,
      ...(card.authCode === undefined ? {} : { authCode: card.authCode }),
      card: card.card,
      amountCents: request.amountCents,
      tipCents: (request.tipCents ?? 0) as Cents,
      captured: intent.status === 'succeeded',
    };
  }

  /** Stop the reader; on cancel also release the PaymentIntent. A card that went through in
   *  the meantime and cannot be released is reported as approved, never lost. */
  private async abandon(
    request: CollectRequest,
    flight: Flight,
    intentId: string,
    why: 'cancelled' | 'timeout',
  ): Promise<CollectResult> {
    await this.stripe.terminal.readers
      .cancelAction(
        this.readerId,
        {},
        { idempotencyKey: key(request.paymentId, 'stop', flight.nonce) },
      )
      .catch((err: unknown) => {
        if (!isStripeError(err)) throw err;
      });
    if (why === 'cancelled') {
      const voided = await this.void({ paymentId: request.paymentId, processorRef: intentId });
      if (voided.outcome === 'voided') return failed('cancelled', 'payment cancelled');
    }
    const current = await this.retrieve(intentId);
    if (AUTHORISED.has(current.status)) return this.approved(request, intentId);
    return why === 'cancelled'
      ? failed('cancelled', 'payment cancelled')
      : failed('timeout', `no answer from the reader within ${this.timeoutMs} ms`);
  }

  private retrieve(id: string, expand?: string[]): Promise<Intent> {
    return this.stripe.paymentIntents.retrieve(id, expand === undefined ? {} : { expand });
  }

  private requestCancel(flight: Flight): void {
    flight.cancelRequested = true;
    flight.wake.abort();
  }

  private applyReader(reader: Stripe.Terminal.Reader | Stripe.Terminal.DeletedReader): void {
    if (reader.deleted) {
      this.board.set('error', 'reader removed from Stripe', false);
      return;
    }
    const seen = reader.last_seen_at ?? false;
    if (reader.status === 'online') this.board.set('idle', undefined, seen);
    else this.board.set('offline', 'Reader offline', seen);
  }

  private rest(result: CollectResult): void {
    if (result.outcome === 'failed' && result.reason === 'processor-unavailable') {
      this.board.set('offline', result.message, false);
    } else if (result.outcome === 'failed' && result.reason === 'reader-unavailable') {
      this.board.set('offline', 'Reader unavailable', false);
    } else {
      this.board.set('idle', undefined, false);
    }
  }
}

function idOf(ref: string | { id: string } | undefined): string | undefined {
  return typeof ref === 'string' ? ref : ref?.id;
}
