import type { MenuDocument } from '@pos/contracts';

// How the hub's modules call each other in-process. Each module owns its database; these
// narrow interfaces are the only way another module reaches it (the seed's synchronous REST
// calls between order, menu and inventory, without a network hop inside one process).

/** What the order service reads from the menu replica. */
export interface MenuCatalog {
  /** The menu version in force. */
  current(): MenuDocument;
  /** False when the item is off sale right now (86'd locally or not offered in this version). */
  isAvailable(menuItemId: string): boolean;
}

export interface ReservationLine {
  menuItemId: string;
  variantId?: string | undefined;
  modifierIds: readonly string[];
  quantity: number;
}

export interface Shortage {
  menuItemId: string;
  ingredientId: string;
  ingredientName: string;
  unit: string;
  needed: number;
  available: number;
}

export type ReserveResult = { ok: true } | { ok: false; shortages: Shortage[] };

/** What the order service asks of inventory before it commits an order or an added item. */
export interface InventoryPort {
  /**
   * Hold the ingredients for these lines. Idempotent on `reservationId`: asking again returns
   * the first answer and reserves nothing more. All or nothing: on a shortage nothing is held.
   * Resolves once the hold is written (holds that arrive together share one commit).
   */
  reserve(input: {
    reservationId: string;
    orderId: string;
    lines: readonly ReservationLine[];
  }): Promise<ReserveResult>;
  /** Give back what a reservation holds (saga compensation). Idempotent. */
  release(reservationId: string): void;
}

/** What inventory asks the order service when it finds a reservation left by a crash. */
export interface OrderDirectory {
  /**
   * Whether the order exists and, given `reservationId`, whether the change that reservation
   * was made for (the order itself, or a modification adding items) was stored.
   */
  exists(orderId: string, reservationId?: string): boolean;
}

/** One line of an order as the payment service sees it (live quantity, voids removed). */
export interface PayableLine {
  orderItemId: string;
  name: string;
  categoryId: string;
  seat: number | null;
  quantity: number;
  /** Net of discounts, tax included where it is added on top. */
  totalCents: number;
  /** Pre-tax net (what a service charge is charged on). */
  netCents: number;
}

/** What the payment service reads from the order service (in-process, like the seed's REST). */
export interface PayableOrder {
  id: string;
  number: number;
  businessDate: string;
  type: 'dine-in' | 'takeout' | 'pickup';
  status: string;
  tableId: string | null;
  currency: string;
  totalCents: number;
  serviceChargeCents: number;
  /** The server who rang it up: card tips are theirs. */
  createdBy: string | null;
  customer: Record<string, string> | null;
  lines: PayableLine[];
}

/** The day's sales as the order service recorded them, for X and Z reports. */
export interface DaySales {
  orders: number;
  guests: number;
  itemsSold: number;
  grossSalesCents: number;
  discounts: { count: number; amountCents: number };
  serviceChargeCents: number;
  taxes: { rateBasisPoints: number; amountCents: number }[];
  categories: { categoryId: string; quantity: number; amountCents: number }[];
  voids: { count: number; amountCents: number };
  /** Orders of the day not fully paid and not cancelled. */
  openChecks: { count: number; amountCents: number };
  cancelled: number;
}

export interface OrderLedger {
  /** The order to pay, or undefined when there is no such order. */
  payable(orderId: string): PayableOrder | undefined;
  /** Sales of one business day (orders created that day, cancelled ones left out). */
  daySales(businessDate: string): DaySales;
}
