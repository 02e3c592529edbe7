import type { DaySales, OrderLedger, PayableOrder } from '../ports.js';
import type { OrderRecord, OrderStore } from './order-store.js';

/** The order as the payment service needs it: live lines with what each owes. */
export function payableOrder(
  order: OrderRecord,
  paidCents: number,
): PayableOrder & {
  paidCents: number;
} {
  return {
    id: order.id,
    number: order.number,
    businessDate: order.businessDate,
    type: order.type,
    status: order.status,
    tableId: order.tableId,
    currency: order.currency,
    totalCents: order.totalCents,
    serviceChargeCents: order.serviceChargeCents,
    createdBy: order.createdBy,
    customer: order.customer,
    paidCents,
    lines: order.items
      .filter((i) => i.quantity - i.voidedQuantity > 0)
      .map((i) => ({
        orderItemId: i.id,
        name: i.line.name,
        categoryId: i.line.categoryId,
        seat: i.line.seat ?? null,
        quantity: i.quantity - i.voidedQuantity,
        totalCents: i.totalCents,
        netCents: i.grossCents - i.discountCents - (i.line.taxInclusive ? i.taxCents : 0),
      })),
  };
}

/** Sales of one business day from the order database, for X and Z reports. */
export function daySales(store: OrderStore, businessDate: string): DaySales {
  const db = store.db;
  const live = `o.business_date = ? AND o.status NOT IN ('CANCELLED', 'INVENTORY_UNAVAILABLE')`;
  const totals = db
    .prepare(
      `SELECT COUNT(*) AS orders, COALESCE(SUM(guests), 0) AS guests,
              COALESCE(SUM(subtotal_cents), 0) AS gross,
              COALESCE(SUM(discount_cents), 0) AS discount,
              COALESCE(SUM(CASE WHEN discount_cents > 0 THEN 1 ELSE 0 END), 0) AS discounted,
              COALESCE(SUM(service_charge_cents), 0) AS service
       FROM orders o WHERE ${live}`,
    )
    .get(businessDate) as {
    orders: number;
    guests: number;
    gross: number;
    discount: number;
    discounted: number;
    service: number;
  };
  const items = db
    .prepare(
      `SELECT json_extract(i.line, '$.categoryId') AS categoryId,
              json_extract(i.line, '$.taxRateBasisPoints') AS rate,
              SUM(i.quantity - i.voided_quantity) AS quantity,
              SUM(i.gross_cents - i.discount_cents) AS amount,
              SUM(i.tax_cents) AS tax
       FROM order_items i JOIN orders o ON o.id = i.order_id
       WHERE ${live} AND i.quantity > i.voided_quantity
       GROUP BY categoryId, rate`,
    )
    .all(businessDate) as {
    categoryId: string;
    rate: number;
    quantity: number;
    amount: number;
    tax: number;
  }[];
  const categories = new Map<string, { quantity: number; amountCents: number }>();
  const taxes = new Map<number, number>();
  let itemsSold = 0;
  for (const row of items) {
    const c = categories.get(row.categoryId) ?? { quantity: 0, amountCents: 0 };
    c.quantity += row.quantity;
    c.amountCents += row.amount;
    categories.set(row.categoryId, c);
    taxes.set(row.rate, (taxes.get(row.rate) ?? 0) + row.tax);
    itemsSold += row.quantity;
  }
  const voids = db
    .prepare(
      `SELECT COUNT(*) AS count,
              COALESCE(SUM(v.quantity * json_extract(i.line, '$.unitPriceCents')), 0) AS amount
       FROM order_voids v JOIN order_items i ON i.id = v.order_item_id
       JOIN orders o ON o.id = v.order_id WHERE o.business_date = ?`,
    )
    .get(businessDate) as { count: number; amount: number };
  const open = db
    .prepare(
      `SELECT COUNT(*) AS count, COALESCE(SUM(o.total_cents - COALESCE(p.paid, 0)), 0) AS amount
       FROM orders o LEFT JOIN (
         SELECT order_id, SUM(CASE WHEN voided = 0 THEN amount_cents ELSE 0 END) AS paid
         FROM order_payments GROUP BY order_id
       ) p ON p.order_id = o.id
       WHERE ${live} AND o.total_cents > COALESCE(p.paid, 0)`,
    )
    .get(businessDate) as { count: number; amount: number };
  const cancelled = db
    .prepare(`SELECT COUNT(*) AS n FROM orders WHERE business_date = ? AND status = 'CANCELLED'`)
    .get(businessDate) as { n: number };
  return {
    orders: totals.orders,
    guests: totals.guests,
    itemsSold,
    grossSalesCents: totals.gross,
    discounts: { count: totals.discounted, amountCents: totals.discount },
    serviceChargeCents: totals.service,
    taxes: [...taxes]
      .filter(([, amount]) => amount > 0)
      .sort(([a], [b]) => a - b)
      .map(([rateBasisPoints, amountCents]) => ({ rateBasisPoints, amountCents })),
    categories: [...categories]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([categoryId, c]) => ({ categoryId, ...c })),
    voids: { count: voids.count, amountCents: voids.amount },
    openChecks: { count: open.count, amountCents: open.amount },
    cancelled: cancelled.n,
  };
}

/** The order service's side of the payment port. */
export function orderLedger(store: OrderStore): OrderLedger {
  return {
    payable(orderId) {
      const order = store.get(orderId);
      return order && payableOrder(order, store.paymentTotals(orderId).paidCents);
    },
    daySales: (businessDate) => daySales(store, businessDate),
  };
}
