// The online order's status machine (seed §10), with no I/O.
// Events from the store can arrive late or out of order (a hub catching up after being offline
// sends them in a burst, the bus may redeliver), so a store event only ever moves an order
// forward, and rejected or cancelled are final.

export const ONLINE_STATUSES = [
  'awaiting-payment',
  'awaiting-authentication',
  'paid',
  'received',
  'confirmed',
  'preparing',
  'ready',
  'picked-up',
  'rejected',
  'cancelled',
] as const;
export type OnlineStatus = (typeof ONLINE_STATUSES)[number];

/** The store's events this service follows, and the status each one stands for. */
export const STORE_EVENT_STATUS = {
  'order.created.v1': 'received',
  'order.confirmed.v1': 'confirmed',
  'order.preparing.v1': 'preparing',
  'order.ready.v1': 'ready',
  'order.pickedup.v1': 'picked-up',
  'order.cancelled.v1': 'cancelled',
  'order.onlinerejected.v1': 'rejected',
} as const satisfies Record<string, OnlineStatus>;
export type StoreEventType = keyof typeof STORE_EVENT_STATUS;

const FINAL: ReadonlySet<OnlineStatus> = new Set(['rejected', 'cancelled']);
const UNPAID: ReadonlySet<OnlineStatus> = new Set(['awaiting-payment', 'awaiting-authentication']);
/** The order in which a paid order moves through the store. */
const PROGRESS: readonly OnlineStatus[] = [
  'paid',
  'received',
  'confirmed',
  'preparing',
  'ready',
  'picked-up',
];

export const isFinal = (status: OnlineStatus) => FINAL.has(status);
export const isUnpaid = (status: OnlineStatus) => UNPAID.has(status);

/**
 * Where a store event takes an order now in `current`: the new status, or undefined when it
 * changes nothing (a repeat, a step already passed, an order never paid or already over).
 * A rejection only comes before the store took the order; a cancellation can come at any time
 * until it is handed over.
 */
export function nextStatus(current: OnlineStatus, event: OnlineStatus): OnlineStatus | undefined {
  if (FINAL.has(current) || UNPAID.has(current)) return undefined;
  if (event === 'rejected') return current === 'paid' ? 'rejected' : undefined;
  if (event === 'cancelled') return current === 'picked-up' ? undefined : 'cancelled';
  const from = PROGRESS.indexOf(current);
  const to = PROGRESS.indexOf(event);
  return to > from ? event : undefined;
}
