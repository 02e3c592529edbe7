import { type Cents, cents } from '@pos/contracts';
import type { ShiftReportData } from '@pos/hardware';
import { AppError } from '@pos/kit';
import type { DaySales } from '../ports.js';
import type { DrawerBreakdown } from './cash.js';
import {
  type PaymentRow,
  type PaymentStore,
  type RefundRow,
  SETTLED_STATES,
  type ShiftRow,
  type Tender,
} from './payment-store.js';
import { shiftSummary } from './shifts.js';

// X and Z reports. An X report is a read taken at any time (a shift or a whole day) and stores
// nothing; the Z report closes a business day once, is numbered consecutively and is kept as
// it was printed. Sales come from the order service; money from the payment ledger.

export type ReportScope = { shiftId: string } | { businessDate: string };

export interface ReportDeps {
  rows: PaymentStore;
  transaction: <T>(fn: () => T) => T;
  clock: () => number;
  sales: (businessDate: string) => DaySales;
  staffName: (userId: string) => string;
  categoryName: (categoryId: string) => string;
  storeName: () => string;
  currency: () => string;
  /** When given, a Z report for a day that has not begun yet is refused. */
  businessDate?: (epochMs: number) => string;
}

export interface CountedCents {
  count: number;
  amountCents: Cents;
}

export interface ReportSales {
  /** Sales are recorded per business day, so a shift's X report shows the whole day's. */
  businessDate: string;
  grossSalesCents: Cents;
  discounts: CountedCents;
  /** Refunds of the day (voids of payments are not refunds). */
  refunds: CountedCents;
  /** Gross − discounts − refunds. */
  netSalesCents: Cents;
  serviceChargeCents: Cents;
  categories: { categoryId: string; name: string; quantity: number; amountCents: Cents }[];
  taxes: { rateBasisPoints: number; amountCents: Cents }[];
  /** Items voided from orders. */
  voids: CountedCents;
  openChecks: CountedCents;
}

export interface TenderLine extends CountedCents {
  tender: Tender;
  name: string;
  /** Card payments taken while the processor was out of reach. */
  offline: CountedCents;
}

export interface TipLine {
  /** The server the tip belongs to; null when the payment named none. */
  userId: string | null;
  name: string;
  count: number;
  amountCents: Cents;
}

export interface ReportMoney {
  /** Settled payments by tender, each amount + tip + rounding. */
  tenders: TenderLine[];
  totalCents: Cents;
  refunds: CountedCents & { byTender: Record<Tender, CountedCents> };
  /** Payments released before capture. */
  voids: CountedCents & { byTender: Record<Tender, CountedCents> };
  tips: { totalCents: Cents; byEmployee: TipLine[] };
}

export interface DrawerShift {
  shiftId: string;
  status: ShiftRow['status'];
  openedBy: string;
  openedAt: string;
  closedAt: string | null;
  openingFloatCents: Cents;
  expectedCents: Cents;
  countedCents: Cents | null;
  differenceCents: Cents | null;
}

export interface ReportDrawer extends DrawerBreakdown {
  /** Counted cash; null until every shift in the report is closed. */
  countedCents: Cents | null;
  differenceCents: Cents | null;
  shifts: DrawerShift[];
}

export interface ShiftReport {
  kind: 'X' | 'Z';
  /** Z reports only. */
  number: number | null;
  storeName: string;
  currency: string;
  businessDate: string;
  /** Set when the report covers one shift rather than the day. */
  shiftId: string | null;
  period: { start: string; end: string };
  generatedAt: string;
  generatedBy: { userId: string; name: string } | null;
  sales: ReportSales;
  money: ReportMoney;
  cashDrawer: ReportDrawer;
  counts: {
    orders: number;
    guests: number;
    itemsSold: number;
    cancelledOrders: number;
    /** Settled payments. */
    payments: number;
  };
}

const TENDERS: readonly { tender: Tender; name: string }[] = [
  { tender: 'cash', name: 'Cash' },
  { tender: 'card', name: 'Card' },
  // Paid by card in the cloud (online orders): its own line, never in the cash drawer.
  { tender: 'online', name: 'Online' },
];

const iso = (epochMs: number) => new Date(epochMs).toISOString();
const zero = (): CountedCents => ({ count: 0, amountCents: cents(0) });
/** Count one more amount into a running total. */
function add(total: CountedCents, amount: number): void {
  total.count += 1;
  total.amountCents = cents(total.amountCents + amount);
}

export class ReportService {
  constructor(private readonly deps: ReportDeps) {}

  /** A read of one shift or one day; nothing is stored. */
  x(scope: ReportScope, by?: string): ShiftReport {
    if ('shiftId' in scope) {
      const shift = this.deps.transaction(() => this.deps.rows.shift(scope.shiftId));
      if (!shift) throw new AppError('not-found', `Shift ${scope.shiftId} was not found`);
      const sales = this.deps.sales(shift.businessDate);
      return this.deps.transaction(() => this.#build('X', null, scope, sales, by));
    }
    const sales = this.deps.sales(scope.businessDate);
    return this.deps.transaction(() => this.#build('X', null, scope, sales, by));
  }

  /**
   * Close a business day: refused while one of its shifts is open or when the day already has
   * a Z report. The report is numbered after the last one and kept as made.
   */
  z(businessDate: string, by: string): ShiftReport {
    const { rows, clock } = this.deps;
    const today = this.deps.businessDate?.(clock());
    if (today !== undefined && businessDate > today) {
      throw new AppError('validation', 'Invalid businessDate', {
        errors: [{ field: 'businessDate', message: `${businessDate} has not begun yet` }],
      });
    }
    const sales = this.deps.sales(businessDate);
    return this.deps.transaction(() => {
      const existing = rows.zReport(businessDate);
      if (existing) {
        throw new AppError(
          'conflict',
          `${businessDate} already has Z report number ${existing.number}`,
          { extra: { number: existing.number } },
        );
      }
      const open = rows.shiftsOfDay(businessDate).find((s) => s.status === 'open');
      if (open) {
        throw new AppError('conflict', `Close shift ${open.id} before the Z report`, {
          extra: { shiftId: open.id },
        });
      }
      const number = rows.nextZNumber();
      const report = this.#build('Z', number, { businessDate }, sales, by);
      rows.insertZReport(number, businessDate, JSON.stringify(report), by, clock());
      return report;
    });
  }

  zByNumber(number: number): ShiftReport {
    const row = this.deps.transaction(() => this.deps.rows.zReportByNumber(number));
    if (!row) throw new AppError('not-found', `Z report ${number} was not found`);
    return JSON.parse(row.report) as ShiftReport;
  }

  zOfDay(businessDate: string): ShiftReport {
    const row = this.deps.transaction(() => this.deps.rows.zReport(businessDate));
    if (!row) throw new AppError('not-found', `${businessDate} has no Z report`);
    return JSON.parse(row.report) as ShiftReport;
  }

  /** A report ready for the printer, stamped with the time it is printed and by whom. */
  printable(report: ShiftReport, by?: string): ShiftReportData {
    return toShiftReportData(report, {
      printedAt: this.deps.clock(),
      printedBy: by === undefined ? undefined : this.deps.staffName(by),
    });
  }

  #build(
    kind: 'X' | 'Z',
    number: number | null,
    scope: ReportScope,
    daySales: DaySales,
    by: string | undefined,
  ): ShiftReport {
    const { rows, staffName } = this.deps;
    const now = this.deps.clock();
    let businessDate: string;
    let shifts: ShiftRow[];
    let payments: PaymentRow[];
    let refunds: RefundRow[];
    let start: number;
    let end = now;
    if ('shiftId' in scope) {
      const shift = rows.shift(scope.shiftId);
      if (!shift) throw new AppError('not-found', `Shift ${scope.shiftId} was not found`);
      businessDate = shift.businessDate;
      shifts = [shift];
      payments = rows.paymentsOfShift(shift.id);
      refunds = rows.refundsOfShift(shift.id);
      start = shift.openedAt;
      end = shift.closedAt ?? now;
    } else {
      businessDate = scope.businessDate;
      shifts = rows.shiftsOfDay(businessDate);
      payments = rows.paymentsOfDay(businessDate);
      refunds = rows.refundsOfDay(businessDate);
      // From the first thing that happened that day (a busy day has too many rows to spread).
      start = [
        ...shifts.map((s) => s.openedAt),
        ...payments.map((p) => p.createdAt),
        ...refunds.map((r) => r.createdAt),
      ].reduce((first, at) => Math.min(first, at), now);
    }
    const dayRefunds = 'shiftId' in scope ? rows.refundsOfDay(businessDate) : refunds;
    const money = moneySection(payments, refunds, staffName);
    return {
      kind,
      number,
      storeName: this.deps.storeName(),
      currency: this.deps.currency(),
      businessDate,
      shiftId: 'shiftId' in scope ? scope.shiftId : null,
      period: { start: iso(start), end: iso(end) },
      generatedAt: iso(now),
      generatedBy: by === undefined ? null : { userId: by, name: staffName(by) },
      sales: salesSection(businessDate, daySales, dayRefunds, this.deps.categoryName),
      money,
      cashDrawer: drawerSection(shifts, rows, staffName),
      counts: {
        orders: daySales.orders,
        guests: daySales.guests,
        itemsSold: daySales.itemsSold,
        cancelledOrders: daySales.cancelled,
        payments: money.tenders.reduce((n, t) => n + t.count, 0),
      },
    };
  }
}

/** The sales figures of a day, with the day's refunds taken off to give net sales. */
export function salesSection(
  businessDate: string,
  sales: DaySales,
  refunds: readonly RefundRow[],
  categoryName: (categoryId: string) => string,
): ReportSales {
  const refunded = zero();
  for (const r of refunds) if (r.kind === 'refund') add(refunded, r.amountCents);
  const discounts = {
    count: sales.discounts.count,
    amountCents: cents(sales.discounts.amountCents),
  };
  return {
    businessDate,
    grossSalesCents: cents(sales.grossSalesCents),
    discounts,
    refunds: refunded,
    netSalesCents: cents(sales.grossSalesCents - discounts.amountCents - refunded.amountCents),
    serviceChargeCents: cents(sales.serviceChargeCents),
    categories: sales.categories.map((c) => ({
      categoryId: c.categoryId,
      name: categoryName(c.categoryId),
      quantity: c.quantity,
      amountCents: cents(c.amountCents),
    })),
    taxes: sales.taxes.map((t) => ({
      rateBasisPoints: t.rateBasisPoints,
      amountCents: cents(t.amountCents),
    })),
    voids: { count: sales.voids.count, amountCents: cents(sales.voids.amountCents) },
    openChecks: { count: sales.openChecks.count, amountCents: cents(sales.openChecks.amountCents) },
  };
}

/**
 * Money taken and given back. A payment is tender while it is settled (authorised, captured or
 * completed), for its amount + tip + rounding; pending, failed and voided payments are not.
 * Refunds and voids are listed on their own and not netted off the tenders.
 */
export function moneySection(
  payments: readonly PaymentRow[],
  refunds: readonly RefundRow[],
  staffName: (userId: string) => string,
): ReportMoney {
  const tenders = new Map<Tender, { all: CountedCents; offline: CountedCents }>(
    TENDERS.map((t) => [t.tender, { all: zero(), offline: zero() }]),
  );
  const tips = new Map<string | null, CountedCents>();
  let total = 0;
  for (const p of payments) {
    if (!SETTLED_STATES.includes(p.status)) continue;
    const taken = p.amountCents + p.tipCents + p.roundingCents;
    total += taken;
    const line = tenders.get(p.tender) ?? { all: zero(), offline: zero() };
    tenders.set(p.tender, line);
    add(line.all, taken);
    if (p.offline) add(line.offline, taken);
    if (p.tipCents !== 0) {
      const tip = tips.get(p.serverId) ?? zero();
      tips.set(p.serverId, tip);
      add(tip, p.tipCents);
    }
  }
  const refunded = { ...zero(), byTender: { cash: zero(), card: zero(), online: zero() } };
  const voided = { ...zero(), byTender: { cash: zero(), card: zero(), online: zero() } };
  for (const r of refunds) {
    const into = r.kind === 'void' ? voided : refunded;
    add(into, r.amountCents);
    add(into.byTender[r.tender], r.amountCents);
  }
  const byEmployee: TipLine[] = [...tips.entries()]
    .map(([userId, tip]) => ({
      userId,
      name: userId === null ? 'Unassigned' : staffName(userId),
      count: tip.count,
      amountCents: tip.amountCents,
    }))
    .sort((a, b) => a.name.localeCompare(b.name) || (a.userId ?? '').localeCompare(b.userId ?? ''));
  return {
    tenders: [...tenders.entries()].map(([tender, line]) => ({
      tender,
      name: TENDERS.find((t) => t.tender === tender)?.name ?? tender,
      ...line.all,
      offline: line.offline,
    })),
    totalCents: cents(total),
    refunds: refunded,
    voids: voided,
    tips: {
      totalCents: cents(byEmployee.reduce((sum, t) => sum + t.amountCents, 0)),
      byEmployee,
    },
  };
}

/** The drawer over the given shifts: their figures added up, counted once all are closed. */
export function drawerSection(
  shifts: readonly ShiftRow[],
  rows: PaymentStore,
  staffName: (userId: string) => string,
): ReportDrawer {
  const totals: Record<keyof DrawerBreakdown, number> = {
    openingFloatCents: 0,
    cashSalesCents: 0,
    cashTipsCents: 0,
    cashRoundingCents: 0,
    cashRefundsCents: 0,
    cashVoidsCents: 0,
    paidInCents: 0,
    paidOutCents: 0,
    expectedCents: 0,
  };
  let counted: number | null = shifts.length > 0 ? 0 : null;
  const lines: DrawerShift[] = [];
  for (const shift of shifts) {
    const summary = shiftSummary(shift, rows);
    for (const key of Object.keys(totals) as (keyof DrawerBreakdown)[]) {
      totals[key] += summary[key];
    }
    counted =
      counted === null || summary.countedCents === null ? null : counted + summary.countedCents;
    lines.push({
      shiftId: shift.id,
      status: shift.status,
      openedBy: staffName(shift.openedBy),
      openedAt: summary.openedAt,
      closedAt: summary.closedAt,
      openingFloatCents: summary.openingFloatCents,
      expectedCents: summary.expectedCents,
      countedCents: summary.countedCents,
      differenceCents: summary.differenceCents,
    });
  }
  const breakdown = Object.fromEntries(
    Object.entries(totals).map(([key, value]) => [key, cents(value)]),
  ) as unknown as DrawerBreakdown;
  return {
    ...breakdown,
    countedCents: counted === null ? null : cents(counted),
    differenceCents: counted === null ? null : cents(counted - breakdown.expectedCents),
    shifts: lines,
  };
}

/** The printable form of a report (ESC/POS layout in `@pos/hardware`). */
export function toShiftReportData(
  report: ShiftReport,
  printing: { printedAt?: number; printedBy?: string | undefined; terminal?: string } = {},
): ShiftReportData {
  const { sales, money, cashDrawer } = report;
  return {
    kind: report.kind,
    storeName: report.storeName,
    businessDate: report.businessDate,
    periodStart: report.period.start,
    periodEnd: report.period.end,
    printedAt: printing.printedAt === undefined ? report.generatedAt : iso(printing.printedAt),
    reportNumber: report.number ?? undefined,
    terminal: printing.terminal,
    printedBy: printing.printedBy ?? report.generatedBy?.name,
    currency: report.currency,
    grossSalesCents: sales.grossSalesCents,
    netSalesCents: sales.netSalesCents,
    salesByCategory: sales.categories.map((c) => ({
      name: c.name,
      quantity: c.quantity,
      amountCents: c.amountCents,
    })),
    tenders: money.tenders.map((t) => ({
      name: t.name,
      count: t.count,
      amountCents: t.amountCents,
    })),
    taxes: sales.taxes.map((t) => ({
      name: 'Tax',
      rateBasisPoints: t.rateBasisPoints,
      amountCents: t.amountCents,
    })),
    discounts: sales.discounts,
    voids: sales.voids,
    refunds: sales.refunds,
    serviceChargeCents: sales.serviceChargeCents,
    tipsByEmployee: money.tips.byEmployee.map((t) => ({
      employee: t.name,
      amountCents: t.amountCents,
    })),
    cashDrawer: {
      openingFloatCents: cashDrawer.openingFloatCents,
      expectedCents: cashDrawer.expectedCents,
      countedCents: cashDrawer.countedCents ?? undefined,
    },
    counts: {
      orders: report.counts.orders,
      guests: report.counts.guests,
      itemsSold: report.counts.itemsSold,
    },
  };
}
