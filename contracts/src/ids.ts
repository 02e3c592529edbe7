import { z } from 'zod';
import { type Brand, slugId, uuidId } from './brand.js';

// Every identifier that crosses a boundary has its own type. Entities created on a device
// (orders, payments, events) use client-generated UUIDs so that a retry never creates a
// second one; configuration-like identifiers (stores, stations, menu items) are short slugs or
// UUIDs chosen by whoever creates them.

export const EventId = uuidId('EventId');
export type EventId = z.infer<typeof EventId>;
export const CorrelationId = uuidId('CorrelationId');
export type CorrelationId = z.infer<typeof CorrelationId>;
export const OrderId = uuidId('OrderId');
export type OrderId = z.infer<typeof OrderId>;
export const OrderItemId = uuidId('OrderItemId');
export type OrderItemId = z.infer<typeof OrderItemId>;
export const PaymentId = uuidId('PaymentId');
export type PaymentId = z.infer<typeof PaymentId>;
export const RefundId = uuidId('RefundId');
export type RefundId = z.infer<typeof RefundId>;
export const UserId = uuidId('UserId');
export type UserId = z.infer<typeof UserId>;
/**
 * Online ordering, where an event names who did something and no person did: a store's
 * cancellation and refund of an online order the cloud withdrew.
 */
export const ONLINE_ORDERING_USER = '00000000-0000-4000-8000-0000000000e1' as UserId;
export const CustomerId = uuidId('CustomerId');
export type CustomerId = z.infer<typeof CustomerId>;
export const NotificationId = uuidId('NotificationId');
export type NotificationId = z.infer<typeof NotificationId>;
export const ShiftId = uuidId('ShiftId');
export type ShiftId = z.infer<typeof ShiftId>;
export const TicketId = uuidId('TicketId');
export type TicketId = z.infer<typeof TicketId>;

export const StoreId = slugId('StoreId');
export type StoreId = z.infer<typeof StoreId>;
export const OrganisationId = slugId('OrganisationId');
export type OrganisationId = z.infer<typeof OrganisationId>;
export const MenuItemId = slugId('MenuItemId');
export type MenuItemId = z.infer<typeof MenuItemId>;
export const CategoryId = slugId('CategoryId');
export type CategoryId = z.infer<typeof CategoryId>;
export const VariantId = slugId('VariantId');
export type VariantId = z.infer<typeof VariantId>;
export const ModifierId = slugId('ModifierId');
export type ModifierId = z.infer<typeof ModifierId>;
export const ModifierGroupId = slugId('ModifierGroupId');
export type ModifierGroupId = z.infer<typeof ModifierGroupId>;
export const IngredientId = slugId('IngredientId');
export type IngredientId = z.infer<typeof IngredientId>;
export const StationId = slugId('StationId');
export type StationId = z.infer<typeof StationId>;
export const TableId = slugId('TableId');
export type TableId = z.infer<typeof TableId>;
export const RewardId = slugId('RewardId');
export type RewardId = z.infer<typeof RewardId>;
export const TerminalId = slugId('TerminalId');
export type TerminalId = z.infer<typeof TerminalId>;
export const SupplierId = slugId('SupplierId');
export type SupplierId = z.infer<typeof SupplierId>;
export const LoyaltyTierId = slugId('LoyaltyTierId');
export type LoyaltyTierId = z.infer<typeof LoyaltyTierId>;

/**
 * A published menu version: a positive integer the cloud menu service increments on each
 * publish. A hub applies a version all-or-nothing and never goes back to a lower one.
 */
export type MenuVersion = Brand<number, 'MenuVersion'>;
export const MenuVersion = z
  .number()
  .int({ message: 'MenuVersion must be a whole number' })
  .min(1, { message: 'MenuVersion must be positive' })
  .transform((n) => n as MenuVersion);
