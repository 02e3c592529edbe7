import type { AnyEvent, EventType, OrderLineItem, VoidedLine } from '@pos/contracts';
import type { Logger } from '@pos/kit';
import type { OrderDirectory } from '../ports.js';
import { addNeeds, lineSignature, portionNeeds } from './availability.js';
import type { Change, InventoryService } from './inventory-service.js';
import type { ReservationLineRow } from './inventory-store.js';

// How order events move reservations (seed §5.4 saga, the inventory side). Each handler runs
// inside the inbox transaction of the consumed event, so a redelivered event has no second
// effect and the emitted events commit with the change.

export const ORDER_EVENT_TYPES = [
  'order.created.v1',
  'order.modified.v1',
  'order.cancelled.v1',
  'order.pickedup.v1',
  'order.paymentfailed.v1',
  'order.confirmed.v1',
] as const satisfies readonly EventType[];

/** Releases made because a paid-first order's payment failed start with this. */
const PAYMENT_FAILED = 'payment failed';

export function applyOrderEvent(svc: InventoryService, event: AnyEvent, logger: Logger): void {
  switch (event.EventType) {
    case 'order.created.v1': {
      const p = event.Payload;
      recordLines(svc, p.orderId, p.items);
      commitHeld(svc, p.orderId);
      return;
    }
    case 'order.modified.v1': {
      const p = event.Payload;
      recordLines(svc, p.orderId, p.added);
      for (const v of p.voided) voidLine(svc, p.orderId, v, logger);
      // The added items' reservation (ID = the modification's) is committed by this event:
      // the order service publishes it only once the modification is stored.
      commitHeld(svc, p.orderId);
      return;
    }
    case 'order.cancelled.v1': {
      const p = event.Payload;
      const who = p.cancelledBy ?? event.Source;
      for (const r of svc.rows.reservationsOfOrder(p.orderId)) {
        svc.releaseReservation(r, who, `order cancelled: ${p.reason}`);
      }
      return;
    }
    case 'order.paymentfailed.v1': {
      // Saga compensation (seed §7.4): the stock goes back on the shelf until someone pays.
      const p = event.Payload;
      for (const r of svc.rows.reservationsOfOrder(p.orderId)) {
        svc.releaseReservation(r, event.Source, `${PAYMENT_FAILED}: ${p.reason}`);
      }
      return;
    }
    case 'order.confirmed.v1': {
      const p = event.Payload;
      for (const r of svc.rows.reservationsOfOrder(p.orderId)) {
        if (r.status === 'released' && r.settleReason?.startsWith(PAYMENT_FAILED)) {
          svc.retakeReservation(r, event.Source);
        }
      }
      return;
    }
    case 'order.pickedup.v1': {
      const p = event.Payload;
      const who = p.completedBy ?? event.Source;
      for (const r of svc.rows.reservationsOfOrder(p.orderId)) {
        svc.consumeReservation(r, who, 'order handed over');
      }
      return;
    }
    default:
      return;
  }
}

function commitHeld(svc: InventoryService, orderId: string): void {
  for (const r of svc.rows.reservationsOfOrder(orderId)) svc.commitReservation(r);
}

/** Keep what each order line is, so a later void (which names only the line) can be priced. */
function recordLines(svc: InventoryService, orderId: string, items: readonly OrderLineItem[]) {
  for (const item of items) {
    svc.rows.putOrderLine({
      orderItemId: item.orderItemId,
      orderId,
      menuItemId: item.menuItemId,
      variantId: item.variant?.variantId ?? null,
      modifierIds: JSON.stringify(item.modifiers.map((m) => m.modifierId).sort()),
      quantity: item.quantity,
    });
  }
}

/**
 * Give back a voided line's share of the order's reservations. A void names only the order
 * line, and reservation lines do not carry order line IDs (the port has none), so the line is
 * looked up in what the order events told us, its needs are recomputed from the recipes × the
 * voided quantity, and that much is taken from the order's live reservation lines — first from
 * lines of the same item/variant/modifiers, never more than they still hold. Food the kitchen
 * already made is consumed as waste instead of released: it left the shelf.
 */
function voidLine(svc: InventoryService, orderId: string, v: VoidedLine, logger: Logger): void {
  const line = svc.rows.orderLine(v.orderItemId);
  if (!line || line.orderId !== orderId) {
    // Nothing known about the line (created before this hub kept inventory): leave the hold;
    // cancellation releases it and hand-over consumes it.
    logger.warn(
      { orderId, orderItemId: v.orderItemId },
      'void of an order line inventory never saw',
    );
    return;
  }
  const quantity = Math.min(v.quantity, line.quantity);
  if (quantity <= 0) return;
  svc.rows.putOrderLine({ ...line, quantity: line.quantity - quantity });

  const menuLine = {
    menuItemId: line.menuItemId,
    variantId: line.variantId ?? undefined,
    modifierIds: JSON.parse(line.modifierIds) as string[],
  };
  const needs = addNeeds(new Map(), portionNeeds(svc.book, menuLine), quantity);
  const signature = lineSignature(menuLine);
  const live: ReservationLineRow[] = svc.rows
    .reservationsOfOrder(orderId)
    .filter((r) => r.status === 'held' || r.status === 'committed')
    .flatMap((r) => svc.rows.linesOf(r.id))
    .filter((l) => l.quantity > 0);
  const same = (l: ReservationLineRow) => (l.signature === signature ? 0 : 1);
  live.sort((a, b) => same(a) - same(b));

  const waste = v.wasSentToKitchen;
  const changes: Change[] = [];
  for (const [ingredientId, need] of needs) {
    let left = need;
    for (const l of live) {
      if (left === 0) break;
      if (l.ingredientId !== ingredientId || l.quantity === 0) continue;
      const take = Math.min(left, l.quantity);
      l.quantity -= take;
      left -= take;
      svc.rows.setLineQuantity(l, l.quantity);
      changes.push({
        ingredientId,
        kind: waste ? 'consume' : 'release',
        quantity: take,
        onHandDelta: waste ? -take : 0,
        reservedDelta: -take,
        reservationId: l.reservationId,
        orderId,
        reason: waste ? `voided after it went to the kitchen: ${v.reason}` : `voided: ${v.reason}`,
      });
    }
  }
  if (changes.length > 0) svc.applyChanges(changes, v.voidedBy);
}

/**
 * Crash recovery: a reservation still `held` long after it was made means the hub stopped
 * between reserve and the order's commit, or the order event is lost in between. The order
 * service knows: an order that exists keeps its stock (commit), one that does not gives it back.
 */
export function recoverStale(
  svc: InventoryService,
  orders: OrderDirectory,
  staleAfterMs: number,
): { committed: number; released: number } {
  let committed = 0;
  let released = 0;
  for (const stale of svc.rows.staleHeld(svc.now() - staleAfterMs)) {
    const exists = orders.exists(stale.orderId, stale.id);
    svc.write(() => {
      // Re-read inside the transaction: an order event may have settled it meanwhile.
      const r = svc.rows.reservation(stale.id);
      if (r?.status !== 'held') return;
      if (exists) {
        svc.commitReservation(r);
        committed += 1;
      } else {
        svc.releaseReservation(r, 'inventory-recovery', 'order was never stored (crash recovery)');
        released += 1;
      }
    });
  }
  return { committed, released };
}
