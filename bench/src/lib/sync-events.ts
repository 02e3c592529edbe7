/**
 * A restaurant's day as its hub queues it for the cloud, for the sync benchmark: orders rung up
 * every 15–45 s, each an `order.created` with 2–4 lines, a `payment.completed` (card with a tip,
 * or cash), and as it goes through the kitchen some `order.confirmed` (takeout and pickup are
 * paid first), `order.ready` and `order.pickedup`, and now and then a refund. Orders overlap, so
 * a store's stream interleaves them in time order as a hub's queue does. Every event is built
 * with `makeEvent`, so it passes its contract as a hub's would. Seeded: a run repeats exactly.
 */
import { type AnyEvent, type EventPayloads, makeEvent, uuidv7 } from '@pos/contracts';
import { EVENT_SAMPLES } from '@pos/contracts/event-samples';

/** mulberry32: a small, fast, seedable PRNG (the figures need a repeatable mix, not crypto). */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

const MENU = [
  {
    id: 'classic-burger',
    name: 'Classic Burger',
    category: 'mains',
    station: 'grill',
    cents: 1350,
  },
  {
    id: 'chicken-sandwich',
    name: 'Chicken Sandwich',
    category: 'mains',
    station: 'grill',
    cents: 1200,
  },
  { id: 'margherita', name: 'Margherita Pizza', category: 'mains', station: 'pizza', cents: 1400 },
  { id: 'caesar-salad', name: 'Caesar Salad', category: 'starters', station: 'cold', cents: 900 },
  { id: 'fries', name: 'Fries', category: 'sides', station: 'fryer', cents: 450 },
  { id: 'onion-rings', name: 'Onion Rings', category: 'sides', station: 'fryer', cents: 500 },
  { id: 'cola', name: 'Cola', category: 'drinks', station: 'bar', cents: 300 },
  { id: 'lager', name: 'Lager', category: 'drinks', station: 'bar', cents: 600 },
  { id: 'brownie', name: 'Brownie', category: 'desserts', station: 'pastry', cents: 650 },
] as const;

const TAX_BASIS_POINTS = 825;
const MINUTE = 60_000;

type Planned = { at: number; type: keyof EventPayloads; payload: unknown; source: string };

/** One order's events, planned at their times (not built yet: most runs keep only some). */
function planOrder(rand: () => number, at: number, orderNumber: number): Planned[] {
  const pick = <T>(list: readonly T[]) => list[Math.floor(rand() * list.length)] as T;
  const orderId = uuidv7(at);
  const orderType = rand() < 0.6 ? 'dine-in' : rand() < 0.5 ? 'takeout' : 'pickup';
  const items = Array.from({ length: 2 + Math.floor(rand() * 3) }, () => {
    const item = pick(MENU);
    const quantity = rand() < 0.8 ? 1 : 2;
    return {
      ...EVENT_SAMPLES['order.created.v1'].items[1],
      orderItemId: uuidv7(at),
      menuItemId: item.id,
      name: item.name,
      categoryId: item.category,
      stationId: item.station,
      quantity,
      unitPriceCents: item.cents,
      lineTotalCents: item.cents * quantity,
      modifiers: [],
      allergens: [],
    };
  });
  const subtotal = items.reduce((sum, line) => sum + line.lineTotalCents, 0);
  const tax = Math.round((subtotal * TAX_BASIS_POINTS) / 10_000);
  const total = subtotal + tax;
  const paymentId = uuidv7(at);
  const card = rand() < 0.7;
  const paidFirst = orderType !== 'dine-in';
  const paidAt = at + Math.round((paidFirst ? 0.5 : 30 + rand() * 30) * MINUTE);
  const readyAt = at + Math.round((8 + rand() * 7) * MINUTE);
  const events: Planned[] = [
    {
      at,
      type: 'order.created.v1',
      source: 'order-service',
      payload: {
        ...EVENT_SAMPLES['order.created.v1'],
        orderId,
        orderNumber,
        businessDate: new Date(at).toISOString().slice(0, 10),
        orderType,
        source: 'terminal',
        tableId: orderType === 'dine-in' ? `t${1 + Math.floor(rand() * 30)}` : undefined,
        guests: orderType === 'dine-in' ? 1 + Math.floor(rand() * 4) : undefined,
        customer: rand() < 0.2 ? EVENT_SAMPLES['order.created.v1'].customer : undefined,
        items,
        subtotalCents: subtotal,
        discountCents: 0,
        taxCents: tax,
        serviceChargeCents: 0,
        totalCents: total,
      },
    },
    {
      at: paidAt,
      type: 'payment.completed.v1',
      source: 'payment-service',
      payload: {
        ...EVENT_SAMPLES['payment.completed.v1'],
        paymentId,
        orderId,
        tender: card ? 'card' : 'cash',
        amountCents: total,
        tipCents: card ? Math.round(total * (0.1 + rand() * 0.1)) : 0,
        card: card ? EVENT_SAMPLES['payment.completed.v1'].card : undefined,
        customer: undefined,
        categoryAmounts: [],
        completedAt: new Date(paidAt).toISOString(),
      },
    },
  ];
  if (paidFirst) {
    const confirmedAt = paidAt + 1_000;
    events.push({
      at: confirmedAt,
      type: 'order.confirmed.v1',
      source: 'order-service',
      payload: { orderId, paymentId, confirmedAt: new Date(confirmedAt).toISOString() },
    });
  }
  if (rand() < 0.7) {
    events.push({
      at: readyAt,
      type: 'order.ready.v1',
      source: 'kds-service',
      payload: { orderId, at: new Date(readyAt).toISOString() },
    });
    if (rand() < 0.85) {
      const handedAt = readyAt + Math.round((1 + rand() * 4) * MINUTE);
      events.push({
        at: handedAt,
        type: 'order.pickedup.v1',
        source: 'order-service',
        payload: { orderId, at: new Date(handedAt).toISOString() },
      });
    }
  }
  if (rand() < 0.04) {
    events.push({
      at: paidAt + 10 * MINUTE,
      type: 'payment.refundprocessed.v1',
      source: 'payment-service',
      payload: {
        ...EVENT_SAMPLES['payment.refundprocessed.v1'],
        refundId: uuidv7(at),
        paymentId,
        orderId,
        amountCents: Math.min(total, items[0]?.lineTotalCents ?? total),
        tender: card ? 'card' : 'cash',
      },
    });
  }
  return events;
}

/**
 * The first `count` events of a store's day from `startAt` (epoch ms), in time order, without
 * `Sequence` (the hub's queue numbers them).
 */
export function storeEvents(storeId: string, count: number, seed: number, startAt: number) {
  const rand = random(seed);
  const planned: Planned[] = [];
  let at = startAt;
  // An order's events come after it is rung up, so once `count` events are due before the next
  // order starts, no later order can have one among the first `count`.
  for (let n = 1; ; n++) {
    planned.push(...planOrder(rand, at, n));
    at += Math.round((15 + rand() * 30) * 1_000);
    if (n % 25 === 0 && planned.filter((p) => p.at < at).length >= count) break;
  }
  planned.sort((a, b) => a.at - b.at);
  return planned.slice(0, count).map(
    (p): AnyEvent =>
      makeEvent(p.type, p.payload as never, {
        eventId: uuidv7(p.at) as never,
        source: p.source,
        correlationId: uuidv7(p.at) as never,
        storeId: storeId as never,
        timestamp: new Date(p.at).toISOString() as never,
      }) as AnyEvent,
  );
}

/** How many events of each type, most first. */
export function eventMix(events: readonly { EventType: string }[]): [string, number][] {
  const counts = new Map<string, number>();
  for (const e of events) counts.set(e.EventType, (counts.get(e.EventType) ?? 0) + 1);
  return [...counts].sort((a, b) => b[1] - a[1]);
}
