import { randomInt, randomUUID } from 'node:crypto';
import type { Cents } from '@pos/contracts';
import type { Logger } from '@pos/kit/logger';
import {
  assertCollectRequest,
  authorisedCents,
  type CaptureRequest,
  type CaptureResult,
  type CardApproved,
  type CardDeclined,
  type CardDetails,
  type CardFailure,
  type CollectFailureReason,
  type CollectRequest,
  type CollectResult,
  type DeclineReason,
  type EntryMode,
  type ForwardResult,
  type ReaderCapabilities,
  type ReaderStatus,
  type RefundRequest,
  type RefundResult,
  type StatusListener,
  type StoreAndForwardReader,
  type VoidRequest,
  type VoidResult,
} from './card-reader.js';
import {
  newReaderKey,
  OFFLINE_BLOB_KEY_BYTES,
  openOfflinePayment,
  sealOfflinePayment,
} from './offline-blob.js';
import { ReaderStatusBoard } from './reader-status.js';
import { lookupTestCard, type TestCard } from './test-cards.js';

export interface SimulatedReaderOptions {
  id?: string;
  /** Time from card presented to answer. Default 500 ms. */
  latencyMs?: number;
  /** Whole-collect limit: no card, or a card the processor never answers. Default 30 s. */
  timeoutMs?: number;
  /** Test card used when none was presented for a collect (see `TEST_CARDS`). */
  defaultCard?: string;
  /** Default 'tap'. */
  defaultEntryMode?: EntryMode;
  /** Store payments while the processor is unreachable. Default true. */
  storeAndForward?: boolean;
  /** 'manual' (default) authorises only, like the Stripe adapter; 'automatic' also captures. */
  captureMethod?: 'manual' | 'automatic';
  /**
   * How far above the authorisation a capture may go, for tips added after the card was read
   * (restaurant tip adjustment), in basis points of the authorised amount. Default 5 000 (50 %).
   */
  tipAdjustBasisPoints?: number;
  /** 32-byte key for offline blobs; persist it to forward blobs after a restart. */
  key?: Uint8Array;
  clock?: () => number;
  logger?: Logger;
}

interface Presented {
  readonly card: TestCard;
  readonly entryMode: EntryMode;
}

interface Pending {
  readonly request: CollectRequest;
  presented?: Presented;
  readonly timers: NodeJS.Timeout[];
  readonly finish: (result: CollectResult) => void;
}

interface Authorisation {
  readonly paymentId: string;
  readonly authorisedCents: number;
  state: 'authorised' | 'captured' | 'voided';
  capturedCents: number;
  refundedCents: number;
}

const DECLINE_MESSAGE: Record<DeclineReason, string> = {
  declined: 'The card was declined.',
  'insufficient-funds': 'The card has insufficient funds.',
  'expired-card': 'The card has expired.',
};

const failed = <R extends string = CollectFailureReason>(
  reason: R,
  message: string,
): CardFailure<R> => ({
  outcome: 'failed',
  reason,
  message,
});
const declined = (reason: DeclineReason): CardDeclined => ({
  outcome: 'declined',
  reason,
  message: DECLINE_MESSAGE[reason],
});

/**
 * A card reader in memory: test cards pick the behaviour (approve, decline, timeout, card
 * removed), and a switch takes the processor down to exercise store-and-forward. The default
 * reader of the demo and of tests; card numbers are used only to pick a test card and never
 * appear in a result, a log line or an error.
 */
export class SimulatedReader implements StoreAndForwardReader {
  readonly id: string;
  readonly kind = 'simulated' as const;
  readonly capabilities: ReaderCapabilities;
  private readonly latencyMs: number;
  private readonly timeoutMs: number;
  private readonly defaultEntryMode: EntryMode;
  private readonly captureMethod: 'manual' | 'automatic';
  private readonly tipAdjustBasisPoints: number;
  private readonly key: Uint8Array;
  private readonly clock: () => number;
  private readonly logger: Logger | undefined;
  private readonly board: ReaderStatusBoard;
  private readonly defaultCard: Presented | undefined;
  private readonly queue: Presented[] = [];
  private readonly auths = new Map<string, Authorisation>();
  private readonly forwarded = new Map<string, ForwardResult>();
  private readonly refunds = new Map<string, RefundResult>();
  private connected = false;
  private processorReachable = true;
  private pending: Pending | undefined;

  constructor(options: SimulatedReaderOptions = {}) {
    this.id = options.id ?? 'simulated-1';
    this.latencyMs = options.latencyMs ?? 500;
    this.timeoutMs = options.timeoutMs ?? 30_000;
    this.defaultEntryMode = options.defaultEntryMode ?? 'tap';
    this.captureMethod = options.captureMethod ?? 'manual';
    this.tipAdjustBasisPoints = options.tipAdjustBasisPoints ?? 5_000;
    this.key = options.key ?? newReaderKey();
    if (this.key.length !== OFFLINE_BLOB_KEY_BYTES) {
      throw new RangeError(`reader key must be ${OFFLINE_BLOB_KEY_BYTES} bytes`);
    }
    this.clock = options.clock ?? Date.now;
    this.logger = options.logger?.child({ reader: this.id, readerKind: this.kind });
    this.board = new ReaderStatusBoard(this.clock, this.logger);
    this.capabilities = {
      storeAndForward: options.storeAndForward ?? true,
      tipOnReader: false,
      refunds: true,
    };
    this.defaultCard =
      options.defaultCard === undefined
        ? undefined
        : this.resolve(options.defaultCard, this.defaultEntryMode);
  }

  async connect(): Promise<void> {
    this.connected = true;
    this.setResting();
  }

  status(): ReaderStatus {
    return this.board.get();
  }

  onStatus(listener: StatusListener): () => void {
    return this.board.subscribe(listener);
  }

  /** Present a test card: to the collect waiting for one, otherwise to the next collect. */
  presentCard(number: string, entryMode: EntryMode = this.defaultEntryMode): void {
    const presented = this.resolve(number, entryMode);
    const waiting = this.pending;
    if (waiting !== undefined && waiting.presented === undefined) this.start(waiting, presented);
    else this.queue.push(presented);
  }

  /** Simulate the processor going down (false) or coming back (true). */
  setProcessorReachable(reachable: boolean): void {
    this.processorReachable = reachable;
    if (this.pending === undefined) this.setResting();
  }

  collect(request: CollectRequest): Promise<CollectResult> {
    assertCollectRequest(request);
    if (!this.connected) return this.refuse(failed('reader-unavailable', 'reader not connected'));
    if (this.pending !== undefined) {
      return this.refuse(failed('reader-unavailable', 'reader busy with another payment'));
    }
    if (request.signal?.aborted) return this.refuse(failed('cancelled', 'payment cancelled'));
    this.logger?.info(
      {
        paymentId: request.paymentId,
        amountCents: request.amountCents,
        tipCents: request.tipCents,
      },
      'collecting card payment',
    );
    return new Promise<CollectResult>((resolve) => {
      const onAbort = () => this.settle(pending, failed('cancelled', 'payment cancelled'));
      const pending: Pending = {
        request,
        timers: [],
        finish: (result) => {
          request.signal?.removeEventListener('abort', onAbort);
          resolve(result);
        },
      };
      this.pending = pending;
      request.signal?.addEventListener('abort', onAbort, { once: true });
      this.board.set('waiting-for-card', 'Present card');
      const timeout = failed('timeout', `no answer within ${this.timeoutMs} ms`);
      pending.timers.push(setTimeout(() => this.settle(pending, timeout), this.timeoutMs));
      const next = this.queue.shift() ?? this.defaultCard;
      if (next !== undefined) this.start(pending, next);
    });
  }

  async cancel(paymentId: string): Promise<void> {
    const pending = this.pending;
    if (pending?.request.paymentId === paymentId) {
      this.settle(pending, failed('cancelled', 'payment cancelled'));
    }
    if (!this.processorReachable) return;
    for (const auth of this.auths.values()) {
      if (auth.paymentId === paymentId && auth.state === 'authorised') auth.state = 'voided';
    }
  }

  async capture(request: CaptureRequest): Promise<CaptureResult> {
    if (!this.processorReachable) return failed('processor-unavailable', 'processor unreachable');
    const auth = this.auths.get(request.processorRef);
    if (auth === undefined || auth.paymentId !== request.paymentId) {
      return failed('not-found', 'no authorisation with that reference for this payment');
    }
    const amount = request.amountCents ?? auth.authorisedCents;
    if (auth.state === 'voided') return failed('not-capturable', 'the authorisation was voided');
    if (auth.state === 'authorised') {
      if (!Number.isSafeInteger(amount) || amount <= 0) throw new RangeError('bad capture amount');
      const ceiling = Math.floor(auth.authorisedCents * (1 + this.tipAdjustBasisPoints / 10_000));
      if (amount > ceiling) {
        return failed('amount-too-large', 'capture exceeds what the authorisation allows');
      }
      auth.state = 'captured';
      auth.capturedCents = amount;
    }
    return {
      outcome: 'captured',
      processorRef: request.processorRef,
      capturedCents: auth.capturedCents as Cents,
    };
  }

  async void(request: VoidRequest): Promise<VoidResult> {
    if (!this.processorReachable) return failed('processor-unavailable', 'processor unreachable');
    const auth = this.auths.get(request.processorRef);
    if (auth === undefined || auth.paymentId !== request.paymentId) {
      return failed('not-found', 'no authorisation with that reference for this payment');
    }
    if (auth.state === 'captured') return failed('already-captured', 'already captured');
    auth.state = 'voided';
    return { outcome: 'voided', processorRef: request.processorRef };
  }

  async refund(request: RefundRequest): Promise<RefundResult> {
    if (!Number.isSafeInteger(request.amountCents) || request.amountCents <= 0) {
      throw new RangeError('refund amount must be a positive whole number of cents');
    }
    const earlier = this.refunds.get(request.refundId);
    if (earlier !== undefined) return earlier;
    if (!this.processorReachable) return failed('processor-unavailable', 'processor unreachable');
    const auth = this.auths.get(request.processorRef);
    if (auth === undefined || auth.paymentId !== request.paymentId) {
      return failed('not-found', 'no payment with that reference');
    }
    if (auth.state !== 'captured') return failed('not-refundable', 'payment not captured');
    if (request.amountCents > auth.capturedCents - auth.refundedCents) {
      return failed('amount-too-large', 'refund exceeds what is left of the payment');
    }
    auth.refundedCents += request.amountCents;
    const result: RefundResult = {
      outcome: 'refunded',
      refundRef: `sim_re_${randomUUID()}`,
      amountCents: request.amountCents,
    };
    this.refunds.set(request.refundId, result);
    return result;
  }

  async forward(blob: string): Promise<ForwardResult> {
    if (!this.processorReachable) return failed('processor-unavailable', 'processor unreachable');
    const payment = openOfflinePayment(this.key, blob);
    if (payment === undefined || payment.readerId !== this.id) {
      this.logger?.warn('offline payment blob rejected');
      return failed('invalid-blob', 'offline payment not from this reader, or altered');
    }
    const earlier = this.forwarded.get(payment.token);
    if (earlier !== undefined) return earlier;
    const { paymentId, card, amountCents, tipCents } = payment;
    const result: ForwardResult =
      payment.settle === 'approve'
        ? { ...this.authorise(paymentId, card, amountCents, tipCents), paymentId }
        : { ...declined(payment.settle), paymentId };
    this.forwarded.set(payment.token, result);
    this.logger?.info({ paymentId, outcome: result.outcome }, 'offline payment forwarded');
    return result;
  }

  async close(): Promise<void> {
    const pending = this.pending;
    if (pending !== undefined) this.settle(pending, failed('reader-unavailable', 'reader closed'));
    this.connected = false;
    this.queue.length = 0;
    this.board.set('disconnected', undefined, false);
    this.board.clear();
  }

  private resolve(number: string, entryMode: EntryMode): Presented {
    const card = lookupTestCard(number);
    // The message names the last four digits at most: whatever was typed may be a real card.
    if (card === undefined) {
      throw new RangeError(`not a simulator test card (ending ${number.slice(-4)})`);
    }
    return { card, entryMode };
  }

  private refuse(result: CardFailure): Promise<CollectResult> {
    this.logger?.info({ outcome: result.outcome, reason: result.reason }, 'collect refused');
    return Promise.resolve(result);
  }

  private start(pending: Pending, presented: Presented): void {
    pending.presented = presented;
    this.board.set('processing', 'Card read');
    const { online } = presented.card;
    // 'timeout': the processor never answers, so only the collect's own timer ends it.
    if (online === 'timeout') return;
    if (online === 'card-removed') {
      const removed = failed('card-removed', 'card removed before the payment finished');
      pending.timers.push(setTimeout(() => this.settle(pending, removed), this.latencyMs / 2));
      return;
    }
    const answer = () => this.settle(pending, this.decide(pending.request, presented));
    pending.timers.push(setTimeout(answer, this.latencyMs));
  }

  private decide(request: CollectRequest, presented: Presented): CollectResult {
    const { card, entryMode } = presented;
    const details: CardDetails = { brand: card.brand, last4: card.last4, entryMode };
    const amountCents = request.amountCents;
    const tipCents = (request.tipCents ?? 0) as Cents;
    if (!this.processorReachable) {
      if (!this.capabilities.storeAndForward || request.offlineAllowed !== true) {
        return failed('processor-unavailable', 'processor unreachable');
      }
      const blob = sealOfflinePayment(this.key, {
        readerId: this.id,
        paymentId: request.paymentId,
        token: `sim_tok_${randomUUID()}`,
        card: details,
        amountCents,
        tipCents,
        currency: request.currency,
        storedAt: this.clock(),
        settle: card.forward,
      });
      return { outcome: 'stored-offline', blob, card: details, amountCents, tipCents };
    }
    switch (card.online) {
      case 'approve':
        return this.authorise(request.paymentId, details, amountCents, tipCents);
      case 'declined':
      case 'insufficient-funds':
      case 'expired-card':
        return declined(card.online);
      default:
        return failed('error', 'unexpected test card behaviour');
    }
  }

  private authorise(
    paymentId: string,
    card: CardDetails,
    amountCents: Cents,
    tipCents: Cents,
  ): CardApproved {
    const processorRef = `sim_auth_${randomUUID()}`;
    const total = authorisedCents({ amountCents, tipCents });
    const captured = this.captureMethod === 'automatic';
    this.auths.set(processorRef, {
      paymentId,
      authorisedCents: total,
      state: captured ? 'captured' : 'authorised',
      capturedCents: captured ? total : 0,
      refundedCents: 0,
    });
    const authCode = String(randomInt(0, 1_000_000)).padStart(6, '0');
    return { outcome: 'approved', processorRef, authCode, card, amountCents, tipCents, captured };
  }

  private settle(pending: Pending, result: CollectResult): void {
    if (this.pending !== pending) return;
    for (const timer of pending.timers) clearTimeout(timer);
    this.pending = undefined;
    this.setResting();
    const card = 'card' in result ? { brand: result.card.brand, last4: result.card.last4 } : {};
    const reason = 'reason' in result ? result.reason : undefined;
    this.logger?.info(
      { paymentId: pending.request.paymentId, outcome: result.outcome, reason, ...card },
      'card payment collected',
    );
    pending.finish(result);
  }

  private setResting(): void {
    if (!this.connected) this.board.set('disconnected', undefined, false);
    else if (this.processorReachable) this.board.set('idle');
    else {
      const note = this.capabilities.storeAndForward ? '; storing card payments offline' : '';
      this.board.set('offline', `Processor unreachable${note}`);
    }
  }
}
