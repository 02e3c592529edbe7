// The order status machine. A pure table of the legal moves; the order service consults it
// before changing state and publishing the matching event.
//
// Dine-in orders go to the kitchen before they are paid, hence PENDING → PREPARING and then
// PREPARING → READY → COMPLETED. Takeout and pickup orders are paid first: PENDING →
// CONFIRMED → PREPARING → READY → PICKED_UP.

export const ORDER_STATUSES = [
  'PENDING',
  'CONFIRMED',
  'PREPARING',
  'READY',
  'PICKED_UP',
  'COMPLETED',
  'CANCELLED',
  'PAYMENT_FAILED',
  'INVENTORY_UNAVAILABLE',
] as const;

export type OrderStatus = (typeof ORDER_STATUSES)[number];

export type TransitionResult = { ok: true } | { ok: false; reason: string };

const TRANSITIONS: Readonly<Record<OrderStatus, readonly OrderStatus[]>> = {
  PENDING: ['CONFIRMED', 'PREPARING', 'CANCELLED', 'PAYMENT_FAILED', 'INVENTORY_UNAVAILABLE'],
  CONFIRMED: ['PREPARING', 'READY', 'CANCELLED'],
  PREPARING: ['READY', 'CANCELLED'],
  // Back to PREPARING when items are added after the order was ready.
  READY: ['PREPARING', 'PICKED_UP', 'COMPLETED'],
  // PENDING: the payment is retried; CONFIRMED: paid with another tender.
  PAYMENT_FAILED: ['PENDING', 'CONFIRMED', 'CANCELLED'],
  INVENTORY_UNAVAILABLE: ['CANCELLED'],
  PICKED_UP: [],
  COMPLETED: [],
  CANCELLED: [],
};

/** Items may be added or voided only while the order is open and not yet handed over. */
const MODIFIABLE: ReadonlySet<OrderStatus> = new Set<OrderStatus>([
  'PENDING',
  'CONFIRMED',
  'PREPARING',
  'READY',
]);

// Wording for the cashier: "<subject> cannot be <action>", "The order is already <state>".
const SUBJECT: Readonly<Record<OrderStatus, string>> = {
  PENDING: 'A pending order',
  CONFIRMED: 'A confirmed order',
  PREPARING: 'An order being prepared',
  READY: 'An order that is ready',
  PICKED_UP: 'An order that was picked up',
  COMPLETED: 'A completed order',
  CANCELLED: 'A cancelled order',
  PAYMENT_FAILED: 'An order whose payment failed',
  INVENTORY_UNAVAILABLE: 'An order with unavailable items',
};

const ACTION: Readonly<Record<OrderStatus, string>> = {
  PENDING: 'put back to pending',
  CONFIRMED: 'confirmed',
  PREPARING: 'sent to the kitchen',
  READY: 'marked ready',
  PICKED_UP: 'marked picked up',
  COMPLETED: 'completed',
  CANCELLED: 'cancelled',
  PAYMENT_FAILED: 'marked as payment failed',
  INVENTORY_UNAVAILABLE: 'marked as unavailable',
};

const STATE: Readonly<Record<OrderStatus, string>> = {
  PENDING: 'pending',
  CONFIRMED: 'confirmed',
  PREPARING: 'being prepared',
  READY: 'ready',
  PICKED_UP: 'picked up',
  COMPLETED: 'completed',
  CANCELLED: 'cancelled',
  PAYMENT_FAILED: 'marked as payment failed',
  INVENTORY_UNAVAILABLE: 'marked as unavailable',
};

export function canTransition(from: OrderStatus, to: OrderStatus): boolean {
  return TRANSITIONS[from].includes(to);
}

/**
 * Whether an order may move from `from` to `to`. An illegal move is an expected outcome (two
 * terminals race, the KDS bumps a cancelled ticket), so it is a value with a sentence for the
 * cashier, not an exception.
 */
export function transition(from: OrderStatus, to: OrderStatus): TransitionResult {
  if (canTransition(from, to)) return { ok: true };
  if (from === to) return { ok: false, reason: `The order is already ${STATE[from]}.` };
  return { ok: false, reason: `${SUBJECT[from]} cannot be ${ACTION[to]}.` };
}

/** The statuses `from` may move to; empty for a final status. */
export function nextStatuses(from: OrderStatus): readonly OrderStatus[] {
  return TRANSITIONS[from];
}

/** Picked up, completed and cancelled orders never change again. */
export function isFinal(status: OrderStatus): boolean {
  return TRANSITIONS[status].length === 0;
}

export function canModify(status: OrderStatus): boolean {
  return MODIFIABLE.has(status);
}

export function canCancel(status: OrderStatus): boolean {
  return canTransition(status, 'CANCELLED');
}
