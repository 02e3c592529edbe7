import { useSyncExternalStore } from 'react';
import { uuidv7 } from './api.js';

// The terminal's own state: who is signed in and the order being rung up. The cart is kept in
// the browser's storage on every change, so a reload, a crash or a hub restart loses nothing;
// the IDs of a send or a payment are chosen and stored before the request, so retrying it
// can only ever create one order or one payment.

export interface Staff {
  userId: string;
  name: string;
  roles: string[];
}

export interface CartLine {
  key: string;
  menuItemId: string;
  name: string;
  variantId?: string | undefined;
  variantName?: string | undefined;
  modifierIds: string[];
  modifierNames: string[];
  quantity: number;
  seat?: number | undefined;
  course: number;
  notes?: string | undefined;
  /** Menu price of one, with its modifiers, before tax (the hub prices the order). */
  unitCents: number;
}

/** A loyalty member as a lookup on the hub described them (contact details masked). */
export interface LoyaltyMember {
  customerId: string;
  name: string | null;
  tier: { tierId: string; name: string };
  pointsBalance: number;
  nextTier: { tierId: string; name: string; pointsToGo: number } | null;
  progressPercent: number;
}

/** A guest attached to an order so that paying it earns them points. */
export interface OrderCustomer {
  /** As the hub's order input takes it: the member's ID when found online, the phone or email. */
  attach: { customerId?: string; name?: string; phone?: string; email?: string };
  /** What the lookup showed; null when looked up offline or attached elsewhere. */
  member: LoyaltyMember | null;
  /** Looked up while the hub could not reach the cloud: the points are added once it can. */
  offline: boolean;
}

export interface Cart {
  /** Fixed when the cart starts, so sending twice (after a hub restart) makes one order. */
  orderId: string;
  type: 'dine-in' | 'takeout' | 'pickup';
  tableId: string | null;
  guests: number | null;
  lines: CartLine[];
  /** Set when these lines are additions to an order already sent. */
  addingTo: string | null;
  /** The change ID of an addition, fixed before it is sent. */
  modificationId: string;
  /** The loyalty guest, sent with the new order (absent in carts saved before loyalty). */
  customer?: OrderCustomer | null;
}

export interface AppState {
  staff: Staff | null;
  cart: Cart;
  seat: number;
  course: number;
  /** The order open on screen after it was sent. */
  openOrderId: string | null;
  /** Guests looked up for orders already sent, by order ID (shown there, or paid with). */
  orderCustomers?: Record<string, OrderCustomer>;
}

function newCart(type: Cart['type'] = 'dine-in', tableId: string | null = null): Cart {
  return {
    orderId: uuidv7(),
    type,
    tableId,
    guests: type === 'dine-in' ? 2 : null,
    lines: [],
    addingTo: null,
    modificationId: uuidv7(),
    customer: null,
  };
}

function load(): AppState {
  try {
    const saved = JSON.parse(localStorage.getItem('pos.state') ?? 'null') as AppState | null;
    if (saved?.cart?.orderId) return saved;
  } catch {
    // A damaged saved state starts afresh.
  }
  return { staff: null, cart: newCart(), seat: 1, course: 1, openOrderId: null };
}

let state = load();
const listeners = new Set<() => void>();

export function getState(): AppState {
  return state;
}

export function update(change: (s: AppState) => AppState): void {
  state = change(state);
  localStorage.setItem('pos.state', JSON.stringify(state));
  for (const l of listeners) l();
}

export function useAppState(): AppState {
  return useSyncExternalStore(
    (l) => {
      listeners.add(l);
      return () => listeners.delete(l);
    },
    () => state,
  );
}

export function resetCart(type: Cart['type'] = 'dine-in', tableId: string | null = null): void {
  update((s) => ({ ...s, cart: newCart(type, tableId), seat: 1, course: 1 }));
}

export function addLine(line: Omit<CartLine, 'key'>): void {
  update((s) => {
    // The same item, same choices, same seat and course: one more of it.
    const same = s.cart.lines.find(
      (l) =>
        l.menuItemId === line.menuItemId &&
        l.variantId === line.variantId &&
        l.seat === line.seat &&
        l.course === line.course &&
        !l.notes &&
        !line.notes &&
        l.modifierIds.join() === line.modifierIds.join(),
    );
    const lines = same
      ? s.cart.lines.map((l) => (l === same ? { ...l, quantity: l.quantity + line.quantity } : l))
      : [...s.cart.lines, { ...line, key: uuidv7() }];
    return { ...s, cart: { ...s.cart, lines } };
  });
}

export function changeLine(key: string, change: Partial<CartLine> | null): void {
  update((s) => ({
    ...s,
    cart: {
      ...s.cart,
      lines:
        change === null
          ? s.cart.lines.filter((l) => l.key !== key)
          : s.cart.lines.map((l) => (l.key === key ? { ...l, ...change } : l)),
    },
  }));
}

/** Keep (or with null forget) the guest of an order already sent; the newest 50 are kept. */
export function setOrderCustomer(orderId: string, customer: OrderCustomer | null): void {
  update((s) => {
    const { [orderId]: _old, ...rest } = s.orderCustomers ?? {};
    const kept = Object.entries(rest).slice(-49);
    return {
      ...s,
      orderCustomers: Object.fromEntries(customer ? [...kept, [orderId, customer]] : kept),
    };
  });
}

export function hasRole(staff: Staff | null, role: 'cashier' | 'manager' | 'owner'): boolean {
  if (!staff) return false;
  const implied: Record<string, string[]> = {
    owner: ['owner', 'manager', 'cashier'],
    manager: ['manager', 'cashier'],
    cashier: ['cashier'],
  };
  return staff.roles.some((r) => implied[r]?.includes(role));
}
