import { type CardEntryMode, type Cents, Currency } from '@pos/contracts';

// The one adapter interface every card reader implements (ARCHITECTURE "Hardware"). The hub
// never sees a card number (ARCHITECTURE "Security"): a result carries the brand, exactly four
// last digits, an opaque processor reference and, for store-and-forward, an encrypted blob only
// the reader's processor side can open. Expected outcomes (declines, timeouts, a dead processor)
// are returned as values; only programming faults (a malformed request) throw.

export type ReaderKind = 'simulated' | 'stripe-terminal' | (string & {});

export type ReaderState =
  | 'disconnected'
  | 'idle'
  | 'waiting-for-card'
  | 'processing'
  | 'offline'
  | 'error';

export interface ReaderStatus {
  readonly state: ReaderState;
  /** Short text for the terminal's status bar. */
  readonly message?: string;
  /** Epoch ms of the last sign of life from the reader; null before the first one. */
  readonly lastSeenAt: number | null;
}

export type StatusListener = (status: ReaderStatus) => void;

export interface ReaderCapabilities {
  /** The reader can take a card while the processor is unreachable and hand back a blob. */
  readonly storeAndForward: boolean;
  /** The reader prompts the guest for a tip itself (otherwise the terminal adds `tipCents`). */
  readonly tipOnReader: boolean;
  readonly refunds: boolean;
}

/** How the card was read. `tap` is contactless (contracts call it `contactless`). */
export type EntryMode = 'tap' | 'chip' | 'swipe' | 'manual';

export interface CardDetails {
  /** Lowercase network name: `visa`, `mastercard`, `amex`… */
  readonly brand: string;
  /** Exactly four digits. */
  readonly last4: string;
  readonly entryMode: EntryMode;
}

export interface CollectRequest {
  /** Our payment ID; processor idempotency keys are derived from it. */
  readonly paymentId: string;
  /** Amount applied to the order, excluding the tip. */
  readonly amountCents: Cents;
  readonly currency: Currency;
  /** Added to the amount authorised. */
  readonly tipCents?: Cents;
  /** Aborting it is the same as `cancel(paymentId)`. */
  readonly signal?: AbortSignal;
  /** May the reader store the payment for later when the processor is unreachable? */
  readonly offlineAllowed?: boolean;
}

export type DeclineReason = 'declined' | 'insufficient-funds' | 'expired-card';
export type CollectFailureReason =
  | 'timeout'
  | 'cancelled'
  | 'card-removed'
  | 'reader-unavailable'
  | 'processor-unavailable'
  | 'error';

export interface CardApproved {
  readonly outcome: 'approved';
  /** The processor's reference for the authorisation (a PaymentIntent ID for Stripe). */
  readonly processorRef: string;
  readonly authCode?: string;
  readonly card: CardDetails;
  /** Excluding the tip; the amount authorised is `amountCents + tipCents`. */
  readonly amountCents: Cents;
  readonly tipCents: Cents;
  /** False: authorised only, `capture` (or `void`) must follow. */
  readonly captured: boolean;
}

export interface CardStoredOffline {
  readonly outcome: 'stored-offline';
  /** Opaque encrypted payload from the reader, base64. Hand it to `forward` when back online. */
  readonly blob: string;
  readonly card: CardDetails;
  readonly amountCents: Cents;
  readonly tipCents: Cents;
}

export interface CardDeclined {
  readonly outcome: 'declined';
  readonly reason: DeclineReason;
  readonly message: string;
}

export interface CardFailure<R extends string = CollectFailureReason> {
  readonly outcome: 'failed';
  readonly reason: R;
  readonly message: string;
}

export type CollectResult = CardApproved | CardStoredOffline | CardDeclined | CardFailure;

export interface CaptureRequest {
  readonly paymentId: string;
  readonly processorRef: string;
  /** Total to capture including the tip; defaults to the whole authorisation. */
  readonly amountCents?: Cents;
}

export type CaptureResult =
  | { readonly outcome: 'captured'; readonly processorRef: string; readonly capturedCents: Cents }
  | CardFailure<
      'not-found' | 'not-capturable' | 'amount-too-large' | 'processor-unavailable' | 'error'
    >;

export interface VoidRequest {
  readonly paymentId: string;
  readonly processorRef: string;
}

export type VoidResult =
  | { readonly outcome: 'voided'; readonly processorRef: string }
  | CardFailure<'not-found' | 'already-captured' | 'processor-unavailable' | 'error'>;

export interface RefundRequest {
  readonly paymentId: string;
  /** Our refund ID; the processor idempotency key is derived from it. */
  readonly refundId: string;
  readonly processorRef: string;
  readonly amountCents: Cents;
}

export type RefundResult =
  | { readonly outcome: 'refunded'; readonly refundRef: string; readonly amountCents: Cents }
  | CardFailure<
      'not-found' | 'not-refundable' | 'amount-too-large' | 'processor-unavailable' | 'error'
    >;

export interface CardReader {
  readonly id: string;
  readonly kind: ReaderKind;
  readonly capabilities: ReaderCapabilities;
  /** Resolves once the reader's state is known (see `status()`); it does not throw for an
   *  unreachable reader, the status says so. */
  connect(): Promise<void>;
  status(): ReaderStatus;
  /** Live status for the terminal's status bar; returns the unsubscribe function. */
  onStatus(listener: StatusListener): () => void;
  collect(request: CollectRequest): Promise<CollectResult>;
  /**
   * Abandon a payment: an in-flight `collect` for it resolves `failed/cancelled`, and an
   * authorisation it produced that was not captured is released. A no-op when nothing is
   * pending. A captured payment is untouched (refund it instead).
   */
  cancel(paymentId: string): Promise<void>;
  /** Authorised → captured, for `CardApproved` results with `captured: false`. Idempotent. */
  capture?(request: CaptureRequest): Promise<CaptureResult>;
  /** Release an authorisation before capture. Idempotent. */
  void?(request: VoidRequest): Promise<VoidResult>;
  refund?(request: RefundRequest): Promise<RefundResult>;
  close(): Promise<void>;
}

export type ForwardResult =
  | (Omit<CardApproved, 'outcome'> & { readonly outcome: 'approved'; readonly paymentId: string })
  | (CardDeclined & { readonly paymentId: string })
  | CardFailure<'invalid-blob' | 'processor-unavailable' | 'error'>;

/** A reader that can take payments offline and settle them later (ARCHITECTURE "Hardware"). */
export interface StoreAndForwardReader extends CardReader {
  /** Settle a `stored-offline` blob with the processor. Forwarding the same blob twice returns
   *  the first result and never charges twice. */
  forward(blob: string): Promise<ForwardResult>;
}

export function isStoreAndForwardReader(reader: CardReader): reader is StoreAndForwardReader {
  return reader.capabilities.storeAndForward && 'forward' in reader;
}

/** The contracts' name for an entry mode (`payment.completed.v1` card summary). */
export function contractEntryMode(mode: EntryMode): CardEntryMode {
  return mode === 'tap' ? 'contactless' : mode;
}

/** The amount the reader authorises: order amount plus tip. */
export function authorisedCents(request: Pick<CollectRequest, 'amountCents' | 'tipCents'>): Cents {
  return (request.amountCents + (request.tipCents ?? 0)) as Cents;
}

/** A malformed request is a programming fault, so it throws (messages carry no card data). */
export function assertCollectRequest(request: CollectRequest): void {
  if (request.paymentId.length === 0 || request.paymentId.length > 200) {
    throw new RangeError('paymentId must be 1–200 characters');
  }
  if (!Number.isSafeInteger(request.amountCents) || request.amountCents <= 0) {
    throw new RangeError('amountCents must be a positive whole number of cents');
  }
  const tip = request.tipCents ?? 0;
  if (!Number.isSafeInteger(tip) || tip < 0) {
    throw new RangeError('tipCents must be a non-negative whole number of cents');
  }
  if (!Currency.safeParse(request.currency).success) {
    throw new RangeError('currency must be an ISO 4217 code such as USD');
  }
}

const LAST4 = /^[0-9]{4}$/;
const BRAND = /^[a-z][a-z0-9_-]{0,31}$/;

/** True when a card summary is safe to hand to the hub: four digits, a plain brand word. */
export function isSafeCardDetails(card: CardDetails): boolean {
  return LAST4.test(card.last4) && BRAND.test(card.brand);
}
