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
