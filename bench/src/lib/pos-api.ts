/**
 * The few hub API calls benchmarks need before they can load it: staff sign-in, placing an
 * order, and stocking the inventory so that a long run never hits "out of stock".
 */
import { uuidv7 } from '@pos/contracts';
import type { HttpClient, RequestOptions } from './http.js';

/** The demo roster's manager (edge-hub/src/staff/demo-staff.ts). */
export const MANAGER_PIN = '2468';

/** Largest quantity one stock-in accepts (edge-hub/src/inventory/seed-schema.ts). */
export const MAX_STOCK_IN = 10_000_000;

/** A 3-line takeout order valid against the demo menu: burger with bacon, 2 fries, IPA pint. */
export const DEMO_ORDER_ITEMS = [
  { menuItemId: 'burger-classic', modifierIds: ['mod-burger-medium', 'mod-bacon'], quantity: 1 },
  { menuItemId: 'side-fries', quantity: 2 },
  { menuItemId: 'beer-ipa', variantId: 'pint', quantity: 1 },
] as const;

interface Ingredient {
  ingredientId: string;
  unit: string;
  onHand: number;
  reserved: number;
  available: number;
}

/** Sign in with a PIN and send the session token on every later request of `client`. */
export async function signIn(client: HttpClient, pin = MANAGER_PIN): Promise<void> {
  const { token } = await client.json<{ token: string }>({
    path: '/api/v1/staff/login',
    json: { pin },
  });
  client.headers.authorization = `Bearer ${token}`;
}

/** The staff session token a signed-in client sends (a kitchen screen's handshake needs it). */
export function tokenOf(client: HttpClient): string {
  return String(client.headers.authorization ?? '').replace(/^Bearer /, '');
}

/** The request that places one new takeout order (fresh UUID each call). */
export function newOrderRequest(items: readonly object[] = DEMO_ORDER_ITEMS): RequestOptions {
  // Terminals make time-ordered (v7) order IDs; so does the benchmark.
  return { path: '/api/v1/orders', json: { id: uuidv7(), type: 'takeout', items } };
}

export async function ingredients(client: HttpClient): Promise<Ingredient[]> {
  const { items } = await client.json<{ items: Ingredient[] }>({ path: '/api/v1/inventory/items' });
  return items;
}

export interface StockPlan {
  /** What one order reserves, per ingredient (measured, not assumed). */
  perOrder: Record<string, number>;
  /** How many stock-in calls were made. */
  stockIns: number;
}

/**
 * Make sure `orders` more orders of `items` can be reserved. Open orders keep their stock
 * reserved, so a long run needs orders × recipe of every ingredient. Rather than copy the demo
 * recipes, one probe order is placed and the change in `reserved` is what an order needs; the
 * probe is a real order (count it as placed). Every ingredient gets at least one stock-in.
 */
export async function stockForOrders(
  client: HttpClient,
  orders: number,
  items: readonly object[] = DEMO_ORDER_ITEMS,
): Promise<StockPlan> {
  const before = new Map((await ingredients(client)).map((i) => [i.ingredientId, i.reserved]));
  const probe = await client.request(newOrderRequest(items));
  if (probe.status !== 201) {
    throw new Error(`the probe order was refused (${probe.status}): ${probe.body.slice(0, 500)}`);
  }
  const perOrder: Record<string, number> = {};
  let stockIns = 0;
  for (const ing of await ingredients(client)) {
    const used = ing.reserved - (before.get(ing.ingredientId) ?? 0);
    if (used > 0) perOrder[ing.ingredientId] = used;
    const missing = used * orders - ing.available;
    const calls = Math.max(1, Math.ceil(missing / MAX_STOCK_IN));
    for (let i = 0; i < calls; i++) {
      await client.json({
        path: '/api/v1/inventory/stock-in',
        json: { ingredientId: ing.ingredientId, quantity: MAX_STOCK_IN, note: 'benchmark stock' },
      });
      stockIns++;
    }
  }
  return { perOrder, stockIns };
}
