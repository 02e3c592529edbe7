import { z } from 'zod';
import { CategoryId, CustomerId, OrderId, PaymentId, RefundId, UserId } from '../ids.js';
import { Currency, NonNegativeCents, PositiveCents } from '../money.js';
import { Timestamp } from '../time.js';
import { Email, Phone, Reason, Slug } from './fields.js';

// Events of the payment service (seed §1.6). The hub never sees a card number (ARCHITECTURE
// "Security"): a card is described by brand and last four digits only, and `last4` accepts
// exactly four digits so a full PAN can never be smuggled through it.

export const Tender = z.enum(['cash', 'card']);
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

export const paymentEvents = {
  'payment.initiated.v1': PaymentInitiatedV1,
  'payment.completed.v1': PaymentCompletedV1,
  'payment.failed.v1': PaymentFailedV1,
  'payment.refundprocessed.v1': PaymentRefundProcessedV1,
  'payment.tipadjusted.v1': PaymentTipAdjustedV1,
  'payment.receiptrequested.v1': PaymentReceiptRequestedV1,
} as const;
