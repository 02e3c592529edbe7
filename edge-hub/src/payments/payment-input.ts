import { Currency, OrderId, PaymentCustomer, PaymentId, RefundId } from '@pos/contracts';
import { z } from 'zod';

// Request bodies of the payment endpoints. Money is whole cents; every object is strict, so a
// misspelt field is a 400 naming it rather than something silently ignored.

const Cents = z.number().int({ message: 'must be whole cents' });
const Positive = Cents.positive({ message: 'must be more than zero' }).max(100_000_000, {
  message: 'is more than any check',
});
const NonNegative = Cents.min(0, { message: 'cannot be negative' }).max(100_000_000, {
  message: 'is more than any check',
});
const Approval = z.object({ managerPin: z.string().regex(/^[0-9]{4,8}$/) }).strict();
const Reason = z.string().trim().min(1, { message: 'give a reason' }).max(200);

export const SplitInput = z.discriminatedUnion('by', [
  z.object({ by: z.literal('seat'), seat: z.number().int().min(1).max(99) }).strict(),
  z
    .object({
      by: z.literal('items'),
      orderItemIds: z.array(z.string().uuid()).min(1).max(200),
    })
    .strict(),
  z
    .object({
      by: z.literal('equal'),
      parts: z.number().int().min(2).max(20),
      part: z.number().int().min(1).max(20),
    })
    .strict(),
]);

export const PaymentInput = z
  .object({
    /** Chosen by the terminal (UUID v7) so a retried request cannot pay twice. */
    paymentId: PaymentId.optional(),
    orderId: OrderId,
    tender: z.enum(['cash', 'card']),
    /** Applied to the order, tip excluded. Defaults to the balance (or the split's share). */
    amountCents: Positive.optional(),
    tipCents: NonNegative.optional(),
    currency: Currency.optional(),
    /** Cash handed over; change is what is left after amount, tip and rounding. */
    tenderedCents: Positive.optional(),
    split: SplitInput.optional(),
    readerId: z.string().min(1).max(64).optional(),
    /** Card: authorise now, add the tip from the signed slip later (then it is captured). */
    tipAdjustable: z.boolean().optional(),
    /** A manager's PIN for an offline card payment over the limit. */
    approval: Approval.optional(),
    customer: PaymentCustomer.optional(),
    receipt: z.enum(['print', 'none']).optional(),
  })
  .strict()
  .superRefine((p, ctx) => {
    if (p.tender === 'cash' && p.readerId !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['readerId'], message: 'cash needs no card reader' });
    }
    if (p.tender === 'cash' && p.tipAdjustable) {
      ctx.addIssue({ code: 'custom', path: ['tipAdjustable'], message: 'only card tips wait' });
    }
    if (p.tipAdjustable && (p.tipCents ?? 0) > 0) {
      ctx.addIssue({
        code: 'custom',
        path: ['tipCents'],
        message: 'a tip added later is not given now',
      });
    }
  });
export type PaymentInput = z.infer<typeof PaymentInput>;

export const RefundInput = z
  .object({
    refundId: RefundId.optional(),
    /** Defaults to everything left of the payment. */
    amountCents: Positive.optional(),
    reason: Reason,
    approval: Approval.optional(),
  })
  .strict();
export type RefundInput = z.infer<typeof RefundInput>;

export const VoidInput = z
  .object({ refundId: RefundId.optional(), reason: Reason, approval: Approval.optional() })
  .strict();
export type VoidInput = z.infer<typeof VoidInput>;

/** Print the receipt again, or (with `email`) send it by email through the cloud. */
export const ReceiptInput = z
  .object({
    orderId: OrderId,
    email: z.email({ message: 'not an email address' }).max(320).optional(),
  })
  .strict();

export const TipInput = z.object({ tipCents: NonNegative }).strict();
export type TipInput = z.infer<typeof TipInput>;

export const PaymentParams = z.object({ id: z.string().uuid({ message: 'not a payment id' }) });
export const OrderQuery = z.object({ orderId: OrderId }).strict();
export const ReaderParams = z.object({ id: z.string().min(1).max(64) });

/** Simulated readers only: present a test card, or take the processor down and back. */
export const SimulateInput = z
  .object({
    card: z
      .string()
      .regex(/^[0-9 -]{13,23}$/, { message: 'a test card number' })
      .optional(),
    entryMode: z.enum(['tap', 'chip', 'swipe', 'manual']).optional(),
    processorReachable: z.boolean().optional(),
  })
  .strict();
