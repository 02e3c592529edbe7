import { type PricedOrder, priceOrder } from '@pos/contracts';
import type { OrderRecord } from './order-store.js';

/** Price what is left of an order (voided quantities removed) and write the figures onto it. */
export function repriceOrder(order: OrderRecord): PricedOrder {
  const active = order.items.filter((i) => i.quantity - i.voidedQuantity > 0);
  const priced = priceOrder({
    lines: active.map((i) => ({
      key: i.id,
      unitPriceCents: i.line.unitPriceCents,
      quantity: i.quantity - i.voidedQuantity,
      taxRateBasisPoints: i.line.taxRateBasisPoints,
      taxInclusive: i.line.taxInclusive,
      discount: i.line.discount,
    })),
    orderDiscount: order.discount ?? undefined,
    serviceChargeBasisPoints: order.serviceChargeBp,
  });
  const byKey = new Map(priced.lines.map((l) => [l.key, l]));
  for (const item of order.items) {
    const line = byKey.get(item.id);
    item.grossCents = line?.grossCents ?? 0;
    item.discountCents = line ? line.lineDiscountCents + line.orderDiscountCents : 0;
    item.taxCents = line?.taxCents ?? 0;
    item.totalCents = line?.totalCents ?? 0;
  }
  order.subtotalCents = priced.subtotalCents;
  order.discountCents = priced.discountCents;
  order.taxCents = priced.taxCents;
  order.serviceChargeCents = priced.serviceChargeCents;
  order.totalCents = priced.totalCents;
  return priced;
}

export function searchText(order: OrderRecord): string {
  const parts = [
    `#${order.number}`,
    order.tableId ?? '',
    order.notes ?? '',
    ...Object.values(order.customer ?? {}),
    ...order.items.map((i) => i.line.name),
  ];
  return parts.join(' ').toLowerCase();
}
