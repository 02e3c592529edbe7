import { expectStatus, type Till } from './guarantee-till.js';

// The store's books as the hub keeps them (read through its API), and what the cloud's read
// model must therefore say: the sales report's definitions (sync/src/server/read-model.ts),
// applied to the hub's own orders and payments.

export interface HubPayment {
  id: string;
  orderId: string;
  tender: 'cash' | 'card';
  status: 'pending' | 'authorised' | 'captured' | 'completed' | 'voided' | 'failed';
  amountCents: number;
  tipCents: number;
  refundedCents: number;
  refunds: { kind: 'refund' | 'void'; amountCents: number }[];
  card: { offline: boolean } | null;
  offline?: { status: string };
}

export interface HubOrder {
  id: string;
  status: string;
  totalCents: number;
  customer: { customerId?: string } | null;
  payments: HubPayment[];
}

const SETTLED = new Set(['authorised', 'captured', 'completed']);

/** Every order on the hub with its payments and their refunds. */
export async function hubBooks(till: Till): Promise<HubOrder[]> {
  const orders: Omit<HubOrder, 'payments'>[] = [];
  let cursor: string | null = null;
  do {
    const page = expectStatus(
      await till.get(`/api/v1/orders?limit=200${cursor ? `&cursor=${cursor}` : ''}`),
      [200],
      'order history',
    );
    orders.push(...page.orders);
    cursor = page.nextCursor;
  } while (cursor);
  const books: HubOrder[] = [];
  // A few at a time: the hub is one thread, and the order of the answers does not matter.
  for (let i = 0; i < orders.length; i += 8) {
    const slice = orders.slice(i, i + 8);
    const payments = await Promise.all(
      slice.map(async (o) =>
        expectStatus(await till.get(`/api/v1/payments?orderId=${o.id}`), [200], 'payments'),
      ),
    );
    slice.forEach((o, j) => {
      books.push({ ...o, payments: payments[j].payments });
    });
  }
  return books;
}

export interface ExpectedReport {
  orders: number;
  grossCents: number;
  refundsCents: number;
  tipsCents: number;
  tenders: { tender: string; count: number; amountCents: number }[];
}

/** A sale is an order neither cancelled nor left with a failed payment. */
const isSale = (o: HubOrder) => o.status !== 'CANCELLED' && o.status !== 'PAYMENT_FAILED';

/** The cloud sales report these books must give, to the cent. */
export function expectedReport(books: readonly HubOrder[]): ExpectedReport {
  const sales = books.filter(isSale);
  const payments = sales.flatMap((o) => o.payments);
  const settled = payments.filter((p) => SETTLED.has(p.status));
  const tenders = new Map<string, { count: number; amountCents: number }>();
  for (const p of settled) {
    const t = tenders.get(p.tender) ?? { count: 0, amountCents: 0 };
    t.count += 1;
    t.amountCents += p.amountCents;
    tenders.set(p.tender, t);
  }
  return {
    orders: sales.length,
    grossCents: sum(sales.map((o) => o.totalCents)),
    refundsCents: sum(
      payments.flatMap((p) =>
        p.refunds.filter((r) => r.kind === 'refund').map((r) => r.amountCents),
      ),
    ),
    tipsCents: sum(settled.map((p) => p.tipCents)),
    tenders: [...tenders]
      .map(([tender, t]) => ({ tender, ...t }))
      .sort((a, b) => a.tender.localeCompare(b.tender)),
  };
}

/** The report as the cloud gives it, in the same shape. */
export function reportFigures(report: any): ExpectedReport {
  return {
    orders: report.totals.orders,
    grossCents: report.totals.grossCents,
    refundsCents: report.totals.refundsCents,
    tipsCents: report.totals.tipsCents,
    tenders: [...report.tenders]
      .map((t: ExpectedReport['tenders'][number]) => ({
        tender: t.tender,
        count: t.count,
        amountCents: t.amountCents,
      }))
      .sort((a, b) => a.tender.localeCompare(b.tender)),
  };
}

/**
 * The points each member must have earned: one entry per payment that completed for an order
 * of theirs (a payment voided or refunded later still earned; loyalty counts payments), one
 * point per whole dollar at the base rate (the tiers are set out of reach by the test).
 */
export function expectedPoints(books: readonly HubOrder[]): Map<string, Map<string, number>> {
  const byMember = new Map<string, Map<string, number>>();
  for (const o of books) {
    const member = o.customer?.customerId;
    if (!member) continue;
    for (const p of o.payments) {
      if (p.status === 'failed' || p.status === 'pending') continue;
      const points = Math.floor(p.amountCents / 100);
      if (points <= 0) continue;
      const earned = byMember.get(member) ?? new Map<string, number>();
      earned.set(p.id, points);
      byMember.set(member, earned);
    }
  }
  return byMember;
}

/** What the read model must hold for each order and payment of the books. */
export function expectedRows(books: readonly HubOrder[]) {
  const orders = books
    .map((o) => ({ orderId: o.id, totalCents: o.totalCents, cancelled: o.status === 'CANCELLED' }))
    .sort((a, b) => a.orderId.localeCompare(b.orderId));
  const payments = books
    .flatMap((o) => o.payments)
    .filter((p) => p.status !== 'pending')
    .map((p) => ({
      paymentId: p.id,
      orderId: p.orderId,
      status: p.status === 'failed' ? 'failed' : 'completed',
      tender: p.tender,
      amountCents: p.amountCents,
      tipCents: p.status === 'failed' ? 0 : p.tipCents,
      refundedCents: p.refundedCents,
      voided: p.status === 'voided',
    }))
    .sort((a, b) => a.paymentId.localeCompare(b.paymentId));
  return { orders, payments };
}

export const sum = (values: readonly number[]) => values.reduce((a, b) => a + b, 0);
