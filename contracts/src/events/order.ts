import { z } from 'zod';
import {
  CategoryId,
  CustomerId,
  MenuItemId,
  ModifierGroupId,
  ModifierId,
  OrderId,
  OrderItemId,
  PaymentId,
  StationId,
  TableId,
  UserId,
  VariantId,
} from '../ids.js';
import { Cents, Currency, NonNegativeCents } from '../money.js';
import { BusinessDate, Timestamp } from '../time.js';
import { DisplayName, Email, LineQuantity, Phone, PositiveInt, Reason, Slug } from './fields.js';

// Events of the order service (seed §1.5, §5.4). `order.preparing` and `order.ready` are also
// published by the KDS module (seed §1.7, §5.5 step 8); `Source` says which.
//
// An order line carries everything a consumer needs (name, category, station, allergens,
// prices) because services never read each other's databases: the KDS builds tickets, the
// inventory module reserves ingredients and the cloud reports sales from the event alone.
// Arithmetic between the amounts (line totals, tax, discounts) is the order domain's rule and
// is not re-checked here; the contract only fixes shape, units and signs.

export const OrderType = z.enum(['dine-in', 'takeout', 'pickup']);
export type OrderType = z.infer<typeof OrderType>;

export const OrderSource = z.enum(['terminal', 'online']);
export type OrderSource = z.infer<typeof OrderSource>;

export const OrderLineModifier = z.object({
  modifierId: ModifierId,
  groupId: ModifierGroupId,
  name: DisplayName,
  /** Added to the unit price; negative for "no cheese" style removals. */
  priceDeltaCents: Cents,
});
export type OrderLineModifier = z.infer<typeof OrderLineModifier>;

export const OrderLineItem = z.object({
  orderItemId: OrderItemId,
  menuItemId: MenuItemId,
  name: DisplayName,
  categoryId: CategoryId,
  variant: z.object({ variantId: VariantId, name: DisplayName }).optional(),
  modifiers: z.array(OrderLineModifier),
  quantity: LineQuantity,
  /** Price of one unit including variant and modifiers, before order-level discounts. */
  unitPriceCents: NonNegativeCents,
  lineTotalCents: NonNegativeCents,
  notes: z.string().trim().max(500).optional(),
  seat: PositiveInt.optional(),
  /** Course to fire in (1 = first); the KDS holds later courses until they are fired. */
  course: PositiveInt.default(1),
  stationId: StationId,
  allergens: z.array(Slug),
  /** The line's tax rate and amount, for receipts and reports that show tax per rate. */
  taxRateBasisPoints: z.number().int().min(0).max(10_000).optional(),
  taxCents: NonNegativeCents.optional(),
});
export type OrderLineItem = z.infer<typeof OrderLineItem>;

/** Order-level amounts, all in the order's currency. */
export const OrderTotals = z.object({
  subtotalCents: NonNegativeCents,
  discountCents: NonNegativeCents,
  taxCents: NonNegativeCents,
  serviceChargeCents: NonNegativeCents,
  totalCents: NonNegativeCents,
});
export type OrderTotals = z.infer<typeof OrderTotals>;

export const OrderCustomer = z.object({
  customerId: CustomerId.optional(),
  name: DisplayName.optional(),
  phone: Phone.optional(),
  email: Email.optional(),
});
export type OrderCustomer = z.infer<typeof OrderCustomer>;

export const OrderCreatedV1 = z.object({
  orderId: OrderId,
  /** Short number called out to guests; restarts at 1 each business day. */
  orderNumber: PositiveInt,
  businessDate: BusinessDate,
  orderType: OrderType,
  source: OrderSource,
  tableId: TableId.optional(),
  guests: PositiveInt.max(999).optional(),
  /** The cashier; absent for online orders. */
  createdBy: UserId.optional(),
  customer: OrderCustomer.optional(),
  currency: Currency,
  items: z.array(OrderLineItem).min(1, { message: 'an order needs at least one item' }),
  ...OrderTotals.shape,
});
export type OrderCreatedV1 = z.infer<typeof OrderCreatedV1>;

export const OrderConfirmedV1 = z.object({
  orderId: OrderId,
  /** The payment that confirmed the order; absent when confirmed before payment (dine-in). */
  paymentId: PaymentId.optional(),
  confirmedAt: Timestamp,
});
export type OrderConfirmedV1 = z.infer<typeof OrderConfirmedV1>;

export const OrderPreparingV1 = z.object({
  orderId: OrderId,
  /** The station that started; absent when the whole order changed state at once. */
  stationId: StationId.optional(),
  at: Timestamp,
});
export type OrderPreparingV1 = z.infer<typeof OrderPreparingV1>;

export const OrderReadyV1 = z.object({
  orderId: OrderId,
  stationId: StationId.optional(),
  at: Timestamp,
});
export type OrderReadyV1 = z.infer<typeof OrderReadyV1>;

/** The order was handed over (picked up or served): the seed's "OrderCompleted". */
export const OrderPickedUpV1 = z.object({
  orderId: OrderId,
  at: Timestamp,
  completedBy: UserId.optional(),
});
export type OrderPickedUpV1 = z.infer<typeof OrderPickedUpV1>;

export const OrderCancelledV1 = z.object({
  orderId: OrderId,
  reason: Reason,
  cancelledBy: UserId.optional(),
  at: Timestamp,
});
export type OrderCancelledV1 = z.infer<typeof OrderCancelledV1>;

/**
 * A paid-first (takeout or pickup) order whose payment failed before anything was paid: its
 * stock is given back (saga compensation, seed §7.4) until another payment confirms it.
 */
export const OrderPaymentFailedV1 = z.object({
  orderId: OrderId,
  paymentId: PaymentId,
  reason: Reason,
  at: Timestamp,
});
export type OrderPaymentFailedV1 = z.infer<typeof OrderPaymentFailedV1>;

export const VoidedLine = z.object({
  orderItemId: OrderItemId,
  quantity: LineQuantity,
  reason: Reason,
  voidedBy: UserId,
  /** The manager who approved, when `voidedBy` is not a manager (voids need one). */
  approvedBy: UserId.optional(),
  /** Whether the kitchen had the item: inventory treats it as waste, the KDS strikes it out. */
  wasSentToKitchen: z.boolean(),
});
export type VoidedLine = z.infer<typeof VoidedLine>;

export const OrderModifiedV1 = z
  .object({
    orderId: OrderId,
    added: z.array(OrderLineItem),
    voided: z.array(VoidedLine),
    currency: Currency,
    /** Totals after the change. */
    ...OrderTotals.shape,
    /** Details changed without touching items (table, guests, order discount). */
    details: z
      .object({
        tableId: TableId.nullable().optional(),
        guests: PositiveInt.max(999).nullable().optional(),
        discountChanged: z.boolean().optional(),
      })
      .optional(),
    modifiedBy: UserId,
    at: Timestamp,
  })
  .refine((p) => p.added.length + p.voided.length > 0 || p.details !== undefined, {
    message: 'a modification must add or void an item or change a detail',
    path: ['added'],
  });
export type OrderModifiedV1 = z.infer<typeof OrderModifiedV1>;

/** Why a store's hub could not take an online order (the cloud refunds the guest). */
export const OnlineRejectionReason = z.enum([
  /** An item is sold out or not served now. */
  'unavailable',
  /** The store's menu or prices changed since the guest was charged. */
  'total-mismatch',
  /** The order does not fit the store's menu (an item or choice it does not know). */
  'invalid',
  /** The cloud withdrew it (not received in time) and refunded the guest before it arrived. */
  'withdrawn',
]);
export type OnlineRejectionReason = z.infer<typeof OnlineRejectionReason>;

/** The hub refused an online order; nothing of it was kept. */
export const OrderOnlineRejectedV1 = z.object({
  orderId: OrderId,
  reason: OnlineRejectionReason,
  /** Said to the guest, e.g. "Fish and chips is sold out". */
  message: z.string().trim().min(1).max(500),
  fields: z
    .array(z.object({ field: z.string().max(200), message: z.string().max(500) }))
    .max(50)
    .default([]),
  at: Timestamp,
});
export type OrderOnlineRejectedV1 = z.infer<typeof OrderOnlineRejectedV1>;

export const orderEvents = {
  'order.created.v1': OrderCreatedV1,
  'order.confirmed.v1': OrderConfirmedV1,
  'order.preparing.v1': OrderPreparingV1,
  'order.ready.v1': OrderReadyV1,
  'order.pickedup.v1': OrderPickedUpV1,
  'order.cancelled.v1': OrderCancelledV1,
  'order.modified.v1': OrderModifiedV1,
  'order.paymentfailed.v1': OrderPaymentFailedV1,
  'order.onlinerejected.v1': OrderOnlineRejectedV1,
} as const;
