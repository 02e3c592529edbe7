import { z } from 'zod';
import { uuidId } from '../brand.js';
import { CategoryId, CustomerId, OrderId, PaymentId, RefundId, ShiftId, UserId } from '../ids.js';
import { Cents, Currency, NonNegativeCents, PositiveCents } from '../money.js';
import { BusinessDate, Timestamp } from '../time.js';
import { Email, NonNegativeInt, Phone, Reason, Slug } from './fields.js';

// Events of the payment service (seed §1.6). The hub never sees a card number (ARCHITECTURE
// "Security"): a card is described by brand and last four digits only, and `last4` accepts
// exactly four digits so a full PAN can never be smuggled through it.

/** `online`: paid by card in the cloud before the order reached the store (an online order). */
export const Tender = z.enum(['cash', 'card', 'online']);
export type Tender = z.infer<typeof Tender>;

export const CardEntryMode = z.enum(['chip', 'contactless', 'swipe', 'manual']);
export type CardEntryMode = z.infer<typeof CardEntryMode>;

export const CardSummary = z.object({
  /** Lowercase network name as the reader reports it: `visa`, `mastercard`, `amex`… */
  brand: Slug,
  last4: z.string().regex(/^[0-9]{4}$/, { message: 'last4 must be exactly 4 digits' }),
  entryMode: CardEntryMode.optional(),
  /** Taken by store-and-forward while offline; authorised when the hub is back online. */
  offline: z.boolean(),
});
export type CardSummary = z.infer<typeof CardSummary>;

export const PaymentFailureReason = z.enum([
  'declined',
  'insufficient-funds',
  'expired-card',
  'timeout',
  'cancelled',
  'processor-unavailable',
  'offline-limit-exceeded',
  /** The guest pulled the card out before the reader finished. */
  'card-removed',
  /** The reader is switched off, unplugged or busy with another payment. */
  'reader-unavailable',
  'error',
]);
export type PaymentFailureReason = z.infer<typeof PaymentFailureReason>;

export const PaymentInitiatedV1 = z.object({
  paymentId: PaymentId,
  orderId: OrderId,
  tender: Tender,
  /** Amount applied to the order, excluding the tip. */
  amountCents: PositiveCents,
  tipCents: NonNegativeCents,
  currency: Currency,
});
export type PaymentInitiatedV1 = z.infer<typeof PaymentInitiatedV1>;

/** How much of the payment went to each menu category (loyalty applies per-category rates). */
export const CategoryAmount = z.object({
  categoryId: CategoryId,
  amountCents: NonNegativeCents,
});
export type CategoryAmount = z.infer<typeof CategoryAmount>;

export const PaymentCustomer = z.object({
  customerId: CustomerId.optional(),
  phone: Phone.optional(),
  email: Email.optional(),
});
export type PaymentCustomer = z.infer<typeof PaymentCustomer>;

export const PaymentCompletedV1 = z
  .object({
    paymentId: PaymentId,
    orderId: OrderId,
    tender: Tender,
    amountCents: PositiveCents,
    tipCents: NonNegativeCents,
    currency: Currency,
    card: CardSummary.optional(),
    customer: PaymentCustomer.optional(),
    categoryAmounts: z.array(CategoryAmount),
    completedAt: Timestamp,
  })
  .refine((p) => p.tender === 'card' || p.card === undefined, {
    message: 'a cash payment has no card',
    path: ['card'],
  });
export type PaymentCompletedV1 = z.infer<typeof PaymentCompletedV1>;

export const PaymentFailedV1 = z.object({
  paymentId: PaymentId,
  orderId: OrderId,
  tender: Tender,
  amountCents: PositiveCents,
  currency: Currency,
  reason: PaymentFailureReason,
  /** Processor or reader text for staff; never shown to guests verbatim. */
  message: z.string().max(500).optional(),
});
export type PaymentFailedV1 = z.infer<typeof PaymentFailedV1>;

export const PaymentRefundProcessedV1 = z.object({
  refundId: RefundId,
  paymentId: PaymentId,
  orderId: OrderId,
  amountCents: PositiveCents,
  currency: Currency,
  reason: Reason,
  /** The manager who approved; refunds always need one. */
  approvedBy: UserId,
  /** The tender the money went back to (always the payment's own). */
  tender: Tender.optional(),
  /**
   * The payment was voided before it was captured: no money moved, so the order owes that
   * amount again. A refund (false or absent) gives money back and leaves the order paid.
   */
  voided: z.boolean().optional(),
});
export type PaymentRefundProcessedV1 = z.infer<typeof PaymentRefundProcessedV1>;

/** A card tip added or changed after the card was authorised (signed-slip dine-in). */
export const PaymentTipAdjustedV1 = z.object({
  paymentId: PaymentId,
  orderId: OrderId,
  previousTipCents: NonNegativeCents,
  tipCents: NonNegativeCents,
  currency: Currency,
  adjustedBy: UserId,
  at: Timestamp,
});
export type PaymentTipAdjustedV1 = z.infer<typeof PaymentTipAdjustedV1>;

/**
 * A guest asked for their receipt by email at the terminal. The hub keeps it in its outbox until
 * the cloud link carries it to the notification service, which sends it.
 */
export const PaymentReceiptRequestedV1 = z.object({
  orderId: OrderId,
  email: Email,
  requestedBy: UserId,
  at: Timestamp,
});
export type PaymentReceiptRequestedV1 = z.infer<typeof PaymentReceiptRequestedV1>;

// ---- cash drawer shifts -------------------------------------------------------------------
//
// A shift is one cashier's time on the cash drawer: opened with a float, cash paid in and out
// during it, closed with a count by denomination. The closing event carries the drawer's figures
// as the hub worked them out, so the cloud reports them without recomputing anything.

/** A paid-in or paid-out, made by the hub when the cash goes into or out of the drawer. */
export const CashMovementId = uuidId('CashMovementId');
export type CashMovementId = z.infer<typeof CashMovementId>;

export const CashMovementKind = z.enum(['paid-in', 'paid-out']);
export type CashMovementKind = z.infer<typeof CashMovementKind>;

/** Most pieces of one denomination a count may hold (keeps every total exact). */
export const MAX_DENOMINATION_PIECES = 100_000;

export const DenominationCount = z.object({
  /** The face value of the note or coin, e.g. 2000 for a $20 note. */
  denominationCents: PositiveCents,
  count: NonNegativeInt.max(MAX_DENOMINATION_PIECES),
});
export type DenominationCount = z.infer<typeof DenominationCount>;

export const ShiftOpenedV1 = z.object({
  shiftId: ShiftId,
  /** The store's trading day the shift belongs to. */
  businessDate: BusinessDate,
  openedBy: UserId,
  openedAt: Timestamp,
  openingFloatCents: NonNegativeCents,
  currency: Currency,
});
export type ShiftOpenedV1 = z.infer<typeof ShiftOpenedV1>;

/** Cash put into the drawer (change from the bank) or taken out (a delivery paid at the door). */
export const CashMovementV1 = z.object({
  movementId: CashMovementId,
  shiftId: ShiftId,
  kind: CashMovementKind,
  amountCents: PositiveCents,
  currency: Currency,
  reason: Reason,
  /** Who put the cash in or took it out. */
  by: UserId,
  at: Timestamp,
});
export type CashMovementV1 = z.infer<typeof CashMovementV1>;

/**
 * The drawer counted and the shift closed. `expectedCents` is what the drawer should hold
 * (float + cash sales, tips and rounding − cash refunds and voids + paid-ins − paid-outs),
 * `countedCents` what was counted, `differenceCents` counted − expected: positive when over,
 * negative when short. The opening figures are repeated so that the shift is whole even where
 * this event is read without its opening one.
 */
export const ShiftClosedV1 = z
  .object({
    shiftId: ShiftId,
    businessDate: BusinessDate,
    openedBy: UserId,
    openedAt: Timestamp,
    openingFloatCents: NonNegativeCents,
    closedBy: UserId,
    closedAt: Timestamp,
    /** Amounts applied to orders by cash payments. */
    cashSalesCents: NonNegativeCents,
    cashTipsCents: NonNegativeCents,
    /** Cash rounding collected; negative when guests paid less than the exact amounts. */
    cashRoundingCents: Cents,
    cashRefundsCents: NonNegativeCents,
    /** Cash handed back when cash payments were voided. */
    cashVoidsCents: NonNegativeCents,
    paidInCents: NonNegativeCents,
    paidOutCents: NonNegativeCents,
    expectedCents: Cents,
    countedCents: NonNegativeCents,
    differenceCents: Cents,
    /** The count, one entry per denomination, largest first; empty for an empty drawer. */
    counted: z.array(DenominationCount).max(50),
    note: z.string().trim().max(500).optional(),
    currency: Currency,
  })
  .superRefine((s, ctx) => {
    const seen = new Set<number>();
    let counted = 0;
    s.counted.forEach((d, i) => {
      if (seen.has(d.denominationCents)) {
        ctx.addIssue({
          code: 'custom',
          path: ['counted', i, 'denominationCents'],
          message: 'each denomination is counted once',
        });
      }
      seen.add(d.denominationCents);
      counted += d.denominationCents * d.count;
    });
    if (counted !== s.countedCents) {
      ctx.addIssue({
        code: 'custom',
        path: ['countedCents'],
        message: `the count adds up to ${counted}`,
      });
    }
    const expected =
      s.openingFloatCents +
      s.cashSalesCents +
      s.cashTipsCents +
      s.cashRoundingCents -
      s.cashRefundsCents -
      s.cashVoidsCents +
      s.paidInCents -
      s.paidOutCents;
    if (expected !== s.expectedCents) {
      ctx.addIssue({
        code: 'custom',
        path: ['expectedCents'],
        message: `the float and the cash in and out add up to ${expected}`,
      });
    }
    if (s.differenceCents !== s.countedCents - s.expectedCents) {
      ctx.addIssue({
        code: 'custom',
        path: ['differenceCents'],
        message: 'the difference is counted − expected',
      });
    }
  });
export type ShiftClosedV1 = z.infer<typeof ShiftClosedV1>;

export const paymentEvents = {
  'payment.initiated.v1': PaymentInitiatedV1,
  'payment.completed.v1': PaymentCompletedV1,
  'payment.failed.v1': PaymentFailedV1,
  'payment.refundprocessed.v1': PaymentRefundProcessedV1,
  'payment.tipadjusted.v1': PaymentTipAdjustedV1,
  'payment.receiptrequested.v1': PaymentReceiptRequestedV1,
  'payment.shiftopened.v1': ShiftOpenedV1,
  'payment.cashmovement.v1': CashMovementV1,
  'payment.shiftclosed.v1': ShiftClosedV1,
} as const;
