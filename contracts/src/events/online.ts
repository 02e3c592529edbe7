import { z } from 'zod';
import { MenuItemId, ModifierId, OrderId, PaymentId, StoreId, TableId, VariantId } from '../ids.js';
import { Currency, NonNegativeCents, PositiveCents } from '../money.js';
import { Timestamp } from '../time.js';
import { PositiveInt } from './fields.js';
import { OrderCustomer } from './order.js';

// Events of the cloud's online ordering (seed §10, the customer app). A guest's order is priced
// in the cloud from the store's published menu and paid online; only then is it handed to the
// store's hub (through sync's change feed), which creates it through its own order path and
// answers `order.onlinerejected.v1` when it cannot take it (the cloud then refunds).

/** A line of an online order as the guest chose it: what, which size and extras, how many. */
export const OnlineOrderLine = z.object({
  menuItemId: MenuItemId,
  variantId: VariantId.optional(),
  modifierIds: z.array(ModifierId).max(50),
  quantity: z.number().int().min(1).max(99),
  notes: z.string().trim().max(200).optional(),
});
export type OnlineOrderLine = z.infer<typeof OnlineOrderLine>;

export const OnlineOrderType = z.enum(['pickup', 'dine-in']);
export type OnlineOrderType = z.infer<typeof OnlineOrderType>;

/** The card payment taken online for an order: the hub records it as paid, tender `online`. */
export const OnlinePayment = z.object({
  /** The payment's id on the hub (made in the cloud, so a repeat is recognised). */
  paymentId: PaymentId,
  /** The processor's reference (a PaymentIntent id). */
  intentId: z.string().trim().min(1).max(255),
  amountCents: PositiveCents,
  currency: Currency,
  card: z
    .object({ brand: z.string().trim().min(1).max(30), last4: z.string().regex(/^\d{4}$/) })
    .optional(),
});
export type OnlinePayment = z.infer<typeof OnlinePayment>;

/** An online order paid for: on its way to the store's hub. */
export const OnlineOrderPaidV1 = z
  .object({
    orderId: OrderId,
    storeId: StoreId,
    orderType: OnlineOrderType,
    /** From the table's QR code, for dine-in. */
    tableId: TableId.optional(),
    customer: OrderCustomer,
    items: z.array(OnlineOrderLine).min(1).max(100),
    /** The menu version the cloud priced it from. */
    menuVersion: PositiveInt,
    currency: Currency,
    subtotalCents: NonNegativeCents,
    taxCents: NonNegativeCents,
    totalCents: PositiveCents,
    payment: OnlinePayment,
    placedAt: Timestamp,
    /** A loyalty reward spent on the order: an amount off, priced by the hub the same way. */
    discount: z
      .object({
        kind: z.literal('amount'),
        amountCents: PositiveCents,
        reason: z.string().trim().min(1).max(200),
      })
      .strict()
      .optional(),
    /** The reward and the points it cost the guest. */
    reward: z
      .object({ rewardId: z.string().regex(/^[a-z0-9-]{1,64}$/), points: z.number().int().min(0) })
      .strict()
      .optional(),
  })
  .refine((o) => o.orderType !== 'dine-in' || o.tableId !== undefined, {
    path: ['tableId'],
    message: 'a dine-in order names its table',
  })
  .refine((o) => o.payment.amountCents === o.totalCents, {
    path: ['payment', 'amountCents'],
    message: 'the payment covers the order total',
  });
export type OnlineOrderPaidV1 = z.infer<typeof OnlineOrderPaidV1>;

/**
 * The cloud gave up waiting for the store to receive a paid order (its hub was away too long)
 * and refunded the guest: a hub that has the order after all cancels it rather than cook food
 * nobody will collect, and one that never got it refuses it if it ever arrives.
 */
export const OnlineOrderWithdrawnV1 = z.object({
  orderId: OrderId,
  storeId: StoreId,
  reason: z.enum(['not-received']),
  /** What the guest was told. */
  message: z.string().trim().min(1).max(500),
  at: Timestamp,
});
export type OnlineOrderWithdrawnV1 = z.infer<typeof OnlineOrderWithdrawnV1>;

export const onlineEvents = {
  'online.orderpaid.v1': OnlineOrderPaidV1,
  'online.orderwithdrawn.v1': OnlineOrderWithdrawnV1,
} as const;
