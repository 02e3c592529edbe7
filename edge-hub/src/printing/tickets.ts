import type { Cents, OrderCreatedV1, OrderModifiedV1 } from '@pos/contracts';
import {
  type KitchenTicketData,
  type PrintingConfig,
  type ReceiptData,
  routeToPrinters,
} from '@pos/hardware';

type Line = OrderCreatedV1['items'][number];

/** The order as the printers know it, kept up to date from the order events. */
export interface OrderCopy {
  orderId: string;
  orderNumber: number;
  orderType: string;
  tableId?: string | undefined;
  createdBy?: string | undefined;
  currency: string;
  items: Line[];
  subtotalCents: number;
  discountCents: number;
  taxCents: number;
  serviceChargeCents: number;
  totalCents: number;
}

export function copyFromCreated(p: OrderCreatedV1): OrderCopy {
  return {
    orderId: p.orderId,
    orderNumber: p.orderNumber,
    orderType: p.orderType,
    tableId: p.tableId,
    createdBy: p.createdBy,
    currency: p.currency,
    items: [...p.items],
    subtotalCents: p.subtotalCents,
    discountCents: p.discountCents,
    taxCents: p.taxCents,
    serviceChargeCents: p.serviceChargeCents,
    totalCents: p.totalCents,
  };
}

export function applyModification(copy: OrderCopy, p: OrderModifiedV1): OrderCopy {
  const items = copy.items
    .map((item) => {
      const voided = p.voided.filter((v) => v.orderItemId === item.orderItemId);
      const gone = voided.reduce((n, v) => n + v.quantity, 0);
      return { ...item, quantity: item.quantity - gone };
    })
    .filter((i) => i.quantity > 0);
  return {
    ...copy,
    tableId: p.details?.tableId === null ? undefined : (p.details?.tableId ?? copy.tableId),
    items: [...items, ...p.added],
    subtotalCents: p.subtotalCents,
    discountCents: p.discountCents,
    taxCents: p.taxCents,
    serviceChargeCents: p.serviceChargeCents,
    totalCents: p.totalCents,
  };
}

export interface TicketJob {
  printerId: string;
  stationId: string;
  course: number;
  ticket: KitchenTicketData;
}

/**
 * Kitchen tickets for some lines of an order: one per printer, station and course, so each
 * station reads only its own items and a later course is its own slip.
 */
export function kitchenTickets(
  config: PrintingConfig,
  copy: Pick<OrderCopy, 'orderNumber' | 'orderType' | 'tableId'>,
  lines: readonly (Line & { void?: boolean })[],
  kind: KitchenTicketData['kind'],
  printedAt: string,
  stationName: (stationId: string) => string,
): TicketJob[] {
  const jobs: TicketJob[] = [];
  for (const [printerId, routed] of routeToPrinters(config, lines)) {
    const groups = new Map<string, (Line & { void?: boolean })[]>();
    for (const line of routed) {
      const key = `${line.stationId}\u0000${line.course}`;
      groups.set(key, [...(groups.get(key) ?? []), line]);
    }
    for (const group of groups.values()) {
      const first = group[0] as Line;
      jobs.push({
        printerId,
        stationId: first.stationId,
        course: first.course,
        ticket: {
          kind,
          orderNumber: copy.orderNumber,
          type: copy.orderType,
          ...(copy.tableId ? { table: copy.tableId } : {}),
          ...(first.course > 1 ? { course: first.course } : {}),
          station: stationName(first.stationId),
          printedAt,
          items: group.map((l) => ({
            quantity: l.quantity,
            name: l.name,
            ...(l.variant ? { variant: l.variant.name } : {}),
            seat: l.seat ?? null,
            modifiers: l.modifiers.map((m) => m.name),
            ...(l.notes ? { notes: l.notes } : {}),
            allergies: l.allergens,
            ...(l.void ? { void: true } : {}),
          })),
        },
      });
    }
  }
  return jobs;
}

/** A guest check (no tenders yet) or receipt from the order copy. */
export function receiptData(
  config: PrintingConfig,
  copy: OrderCopy,
  printedAt: string,
  cashier: string,
  taxName: (rateBasisPoints: number) => string,
): ReceiptData {
  const byRate = new Map<number, number>();
  for (const item of copy.items) {
    const rate = item.taxRateBasisPoints ?? 0;
    byRate.set(rate, (byRate.get(rate) ?? 0) + (item.taxCents ?? 0));
  }
  const taxLines = [...byRate]
    .filter(([, amount]) => amount > 0)
    .sort(([a], [b]) => a - b)
    .map(([rate, amount]) => ({
      name: taxName(rate),
      rateBasisPoints: rate,
      amountCents: amount as Cents,
    }));
  return {
    store: {
      name: config.store.name,
      addressLines: config.store.addressLines,
      ...(config.store.phone ? { phone: config.store.phone } : {}),
    },
    orderNumber: copy.orderNumber,
    orderId: copy.orderId,
    type: copy.orderType,
    ...(copy.tableId ? { table: copy.tableId } : {}),
    cashier,
    printedAt,
    currency: copy.currency,
    lines: copy.items.map((i) => ({
      quantity: i.quantity,
      name: i.name,
      ...(i.variant ? { variant: i.variant.name } : {}),
      modifiers: i.modifiers.map((m) => ({ name: m.name, priceDeltaCents: m.priceDeltaCents })),
      lineTotalCents: (i.unitPriceCents * i.quantity) as Cents,
    })),
    subtotalCents: copy.subtotalCents as Cents,
    discountCents: copy.discountCents as Cents,
    taxLines,
    serviceChargeCents: copy.serviceChargeCents as Cents,
    totalCents: copy.totalCents as Cents,
    tenders: [],
    footer: config.store.footer,
    qr: copy.orderId,
  };
}
