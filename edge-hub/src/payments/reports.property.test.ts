import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildShiftReport } from '@pos/hardware';
import { AppError, openSqlite, type SqliteDatabase } from '@pos/kit';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { businessDate } from '../orders/business-day.js';
import type { DaySales } from '../ports.js';
import { DENOMINATIONS_CENTS } from './cash.js';
import {
  type CashMovementRow,
  type PaymentRow,
  type PaymentState,
  PaymentStore,
  paymentSchema,
  type RefundRow,
  SETTLED_STATES,
  type Tender,
} from './payment-store.js';
import { ReportService, toShiftReportData } from './reports.js';
import { ShiftService } from './shifts.js';

// Whatever a day holds (shifts, cash and card payments in every state, tips, rounding, partial
// refunds and voids, paid-ins and paid-outs), the Z report balances to the cent against the
// rows it was made from, and each shift's X report is exactly that shift's share of the day.

const DAY = '2026-03-14';
const START = Date.parse('2026-03-14T14:00:00.000Z');
const STAFF: Record<string, string> = {
  'u-sam': 'Sam Patel',
  'u-jess': 'Jess Lopez',
  'u-ken': 'Ken Ito',
  'u-marcus': 'Marcus Reed',
};
const STATES: readonly PaymentState[] = [
  'pending',
  'authorised',
  'captured',
  'completed',
  'failed',
  'voided',
];

const dir = mkdtempSync(join(tmpdir(), 'pos-reports-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface World {
  db: SqliteDatabase;
  rows: PaymentStore;
  shifts: ShiftService;
  reports: ReportService;
  tick: () => number;
}

function world(sales: (date: string) => DaySales): World {
  const db = openSqlite({ path: join(dir, `${randomUUID()}.db`), schemas: [paymentSchema] });
  const rows = new PaymentStore(db);
  let now = START;
  const clock = () => now;
  const transaction = <T>(fn: () => T): T => db.transaction(fn)();
  const dayOf = (ms: number) => businessDate(ms, 'America/New_York', 4);
  return {
    db,
    rows,
    shifts: new ShiftService({ rows, transaction, clock, businessDate: dayOf }),
    reports: new ReportService({
      rows,
      transaction,
      clock,
      sales,
      staffName: (id) => STAFF[id] ?? id,
      categoryName: (id) => `Category ${id}`,
      storeName: () => 'Harbour Street Kitchen',
      currency: () => 'USD',
      businessDate: dayOf,
    }),
    tick: () => {
      now += 30_000;
      return now;
    },
  };
}

const paymentPlan = fc.record({
  tender: fc.constantFrom<Tender>('cash', 'card', 'online'),
  status: fc.constantFrom(...STATES),
  amountCents: fc.integer({ min: 5, max: 20_000 }),
  tipCents: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 3_000 })),
  roundingCents: fc.integer({ min: -2, max: 2 }),
  serverId: fc.constantFrom<string | null>('u-sam', 'u-jess', 'u-ken', null),
  offline: fc.boolean(),
  /** Partial refunds as per cent of the amount, each made `later` shifts on. */
  refunds: fc.array(fc.record({ percent: fc.integer({ min: 1, max: 100 }), later: fc.nat(2) }), {
    maxLength: 2,
  }),
  voidLater: fc.nat(2),
});
/** The value an arbitrary makes. */
type Of<A> = A extends fc.Arbitrary<infer T> ? T : never;
type PaymentPlan = Of<typeof paymentPlan>;

const shiftPlan = fc.record({
  floatCents: fc.integer({ min: 0, max: 50_000 }),
  payments: fc.array(paymentPlan, { maxLength: 10 }),
  movements: fc.array(
    fc.record({
      kind: fc.constantFrom<CashMovementRow['kind']>('paid-in', 'paid-out'),
      amountCents: fc.integer({ min: 1, max: 5_000 }),
    }),
    { maxLength: 3 },
  ),
  counted: fc.uniqueArray(
    fc.record({
      denominationCents: fc.constantFrom(...DENOMINATIONS_CENTS),
      count: fc.nat(40),
    }),
    { maxLength: 6, selector: (c) => c.denominationCents },
  ),
});

const countedAmount = fc.record({
  count: fc.nat(50),
  amountCents: fc.integer({ min: 0, max: 100_000 }),
});
const daySales: fc.Arbitrary<DaySales> = fc.record({
  orders: fc.nat(200),
  guests: fc.nat(400),
  itemsSold: fc.nat(900),
  grossSalesCents: fc.integer({ min: 0, max: 5_000_000 }),
  discounts: countedAmount,
  serviceChargeCents: fc.nat(50_000),
  taxes: fc.array(
    fc.record({ rateBasisPoints: fc.constantFrom(825, 1025), amountCents: fc.nat(100_000) }),
    { maxLength: 2 },
  ),
  categories: fc.array(
    fc.record({
      categoryId: fc.constantFrom('mains', 'drinks', 'desserts'),
      quantity: fc.nat(100),
      amountCents: fc.nat(500_000),
    }),
    { maxLength: 3 },
  ),
  voids: countedAmount,
  openChecks: countedAmount,
  cancelled: fc.nat(10),
});

const dayPlan = fc.record({
  shifts: fc.array(shiftPlan, { minLength: 1, maxLength: 3 }),
  /** Card payments taken while no shift was open. */
  noShift: fc.array(paymentPlan, { maxLength: 4 }),
  sales: daySales,
});

/** A plain captured card payment. */
const aCardPayment: PaymentPlan = {
  tender: 'card',
  status: 'captured',
  amountCents: 1_000,
  tipCents: 0,
  roundingCents: 0,
  serverId: null,
  offline: false,
  refunds: [],
  voidLater: 0,
};

/** What the test wrote, to check the reports against. */
interface Written {
  payments: PaymentRow[];
  refunds: RefundRow[];
  movements: CashMovementRow[];
  shiftIds: string[];
  floats: Map<string, number>;
  counted: Map<string, number>;
}

function paymentRow(
  plan: PaymentPlan,
  shiftId: string | null,
  at: number,
  date = DAY,
  tender = plan.tender,
): PaymentRow {
  return {
    id: randomUUID(),
    orderId: randomUUID(),
    businessDate: date,
    tender,
    status: plan.status,
    amountCents: plan.amountCents,
    tipCents: plan.tipCents,
    currency: 'USD',
    tenderedCents: null,
    changeCents: null,
    roundingCents: tender === 'cash' ? plan.roundingCents : 0,
    split: null,
    categoryAmounts: [],
    cardBrand: tender === 'card' ? 'visa' : null,
    cardLast4: tender === 'card' ? '4242' : null,
    cardEntryMode: null,
    offline: tender === 'card' && plan.offline,
    readerId: null,
    processorRef: null,
    authCode: null,
    refundedCents: 0,
    failureReason: plan.status === 'failed' ? 'declined' : null,
    failureMessage: null,
    overrideBy: null,
    takenBy: 'u-sam',
    serverId: plan.serverId,
    shiftId,
    fingerprint: randomUUID(),
    createdAt: at,
    completedAt: at,
    updatedAt: at,
  };
}

function refundRow(
  p: PaymentRow,
  kind: RefundRow['kind'],
  amountCents: number,
  shiftId: string | null,
  at: number,
): RefundRow {
  return {
    id: randomUUID(),
    paymentId: p.id,
    orderId: p.orderId,
    businessDate: p.businessDate,
    tender: p.tender,
    kind,
    amountCents,
    currency: 'USD',
    reason: 'guest changed their mind',
    requestedBy: 'u-sam',
    approvedBy: 'u-marcus',
    processorRef: null,
    shiftId,
    fingerprint: randomUUID(),
    createdAt: at,
  };
}

/** The refunds and void a payment gets, each with the shift (index) it happens in. */
function followUps(p: PaymentRow, plan: PaymentPlan, shift: number, last: number) {
  const out: { kind: RefundRow['kind']; amountCents: number; shift: number }[] = [];
  if (p.status === 'voided') {
    out.push({
      kind: 'void',
      amountCents: p.amountCents + p.tipCents + p.roundingCents,
      shift: Math.min(shift + plan.voidLater, last),
    });
  }
  if (p.status === 'captured' || p.status === 'completed') {
    let left = p.amountCents;
    for (const r of plan.refunds) {
      const amountCents = Math.min(
        left,
        Math.max(1, Math.floor((p.amountCents * r.percent) / 100)),
      );
      if (amountCents === 0) break;
      left -= amountCents;
      out.push({ kind: 'refund', amountCents, shift: Math.min(shift + r.later, last) });
    }
  }
  return out;
}

/** Lay the day down shift by shift; every shift but the last is closed with its count. */
function writeDay(w: World, plan: Of<typeof dayPlan>): Written {
  const written: Written = {
    payments: [],
    refunds: [],
    movements: [],
    shiftIds: [],
    floats: new Map(),
    counted: new Map(),
  };
  const insertPayment = (p: PaymentRow) => {
    w.rows.insertPayment(p);
    written.payments.push(p);
  };
  const insertRefund = (r: RefundRow) => {
    w.rows.insertRefund(r);
    written.refunds.push(r);
  };

  // Another day's business, which no report of this day may include.
  const other = paymentRow(plan.noShift[0] ?? aCardPayment, null, w.tick(), '2026-03-13', 'card');
  w.rows.insertPayment({ ...other, status: 'captured' });
  w.rows.insertRefund(refundRow({ ...other, status: 'captured' }, 'refund', 1, null, w.tick()));

  for (const p of plan.noShift) {
    const row = paymentRow(p, null, w.tick(), DAY, 'card');
    insertPayment(row);
    for (const r of followUps(row, p, 0, 0)) {
      insertRefund(refundRow(row, r.kind, r.amountCents, null, w.tick()));
    }
  }

  const last = plan.shifts.length - 1;
  const pending = plan.shifts.map(
    () => [] as { p: PaymentRow; kind: RefundRow['kind']; amountCents: number }[],
  );
  plan.shifts.forEach((s, k) => {
    w.tick();
    const shift = w.shifts.open({ openingFloatCents: s.floatCents, by: 'u-sam' });
    written.shiftIds.push(shift.id);
    written.floats.set(shift.id, s.floatCents);
    for (const p of s.payments) {
      const row = paymentRow(p, shift.id, w.tick());
      insertPayment(row);
      for (const r of followUps(row, p, k, last)) pending[r.shift]?.push({ p: row, ...r });
    }
    for (const m of s.movements) {
      const row: CashMovementRow = {
        id: randomUUID(),
        shiftId: shift.id,
        kind: m.kind,
        amountCents: m.amountCents,
        reason: 'till',
        by: 'u-marcus',
        at: w.tick(),
      };
      w.rows.insertCashMovement(row);
      written.movements.push(row);
    }
    for (const r of pending[k] ?? []) {
      insertRefund(refundRow(r.p, r.kind, r.amountCents, shift.id, w.tick()));
    }
    written.counted.set(
      shift.id,
      s.counted.reduce((sum, c) => sum + c.denominationCents * c.count, 0),
    );
    if (k < last) {
      w.tick();
      w.shifts.close(shift.id, { counted: s.counted, by: 'u-sam' });
    }
  });
  return written;
}

const settled = (p: PaymentRow) => SETTLED_STATES.includes(p.status);
const taken = (p: PaymentRow) => p.amountCents + p.tipCents + p.roundingCents;
const sum = <T>(items: readonly T[], f: (item: T) => number) =>
  items.reduce((total, item) => total + f(item), 0);

/** Tips per server, as the rows say. */
function tipsOf(payments: readonly PaymentRow[]): Map<string | null, number> {
  const tips = new Map<string | null, number>();
  for (const p of payments.filter(settled)) {
    if (p.tipCents > 0) tips.set(p.serverId, (tips.get(p.serverId) ?? 0) + p.tipCents);
  }
  return tips;
}

/** What the drawer of one shift should hold, worked out from the rows directly. */
function drawerOf(written: Written, shiftId: string): number {
  const cashIn = sum(
    written.payments.filter(
      (p) => p.shiftId === shiftId && p.tender === 'cash' && (settled(p) || p.status === 'voided'),
    ),
    taken,
  );
  const cashOut = sum(
    written.refunds.filter((r) => r.shiftId === shiftId && r.tender === 'cash'),
    (r) => r.amountCents,
  );
  const moved = sum(
    written.movements.filter((m) => m.shiftId === shiftId),
    (m) => (m.kind === 'paid-in' ? m.amountCents : -m.amountCents),
  );
  return (written.floats.get(shiftId) ?? 0) + cashIn - cashOut + moved;
}

function refusal(fn: () => unknown): AppError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(AppError);
    return err as AppError;
  }
  throw new Error('expected a refusal');
}

describe('X and Z reports', () => {
  it('balance to the cent against the payment ledger on any day', () => {
    fc.assert(
      fc.property(dayPlan, (plan) => {
        const w = world((date) => {
          expect(date).toBe(DAY);
          return plan.sales;
        });
        try {
          const written = writeDay(w, plan);
          const lastShift = written.shiftIds.at(-1) as string;

          // While the last shift is open: its X shows no count, and the day cannot close.
          const open = w.reports.x({ shiftId: lastShift });
          expect(open.cashDrawer.countedCents).toBeNull();
          expect(open.cashDrawer.expectedCents).toBe(drawerOf(written, lastShift));
          const early = refusal(() => w.reports.z(DAY, 'u-marcus'));
          expect(early.status).toBe(409);
          expect(early.extra).toEqual({ shiftId: lastShift });

          w.tick();
          const lastCount = plan.shifts.at(-1)?.counted ?? [];
          w.shifts.close(lastShift, { counted: lastCount, by: 'u-sam' });
          const z = w.reports.z(DAY, 'u-marcus');

          // Tenders: every settled payment of the day, amount + tip + rounding.
          const day = written.payments;
          expect(z.kind).toBe('Z');
          expect(z.number).toBe(1);
          expect(z.money.totalCents).toBe(sum(day.filter(settled), taken));
          expect(sum(z.money.tenders, (t) => t.amountCents)).toBe(z.money.totalCents);
          for (const tender of ['cash', 'card', 'online'] as const) {
            const mine = day.filter((p) => settled(p) && p.tender === tender);
            const line = z.money.tenders.find((t) => t.tender === tender);
            expect(line?.amountCents).toBe(sum(mine, taken));
            expect(line?.count).toBe(mine.length);
            expect(line?.offline.amountCents).toBe(
              sum(
                mine.filter((p) => p.offline),
                taken,
              ),
            );
          }
          expect(z.counts.payments).toBe(day.filter(settled).length);

          // Tips: per server, sorted by name, adding up to the day's tips.
          const tips = tipsOf(day);
          expect(z.money.tips.totalCents).toBe(sum([...tips.values()], (t) => t));
          expect(sum(z.money.tips.byEmployee, (t) => t.amountCents)).toBe(z.money.tips.totalCents);
          expect(new Map(z.money.tips.byEmployee.map((t) => [t.userId, t.amountCents]))).toEqual(
            tips,
          );
          const names = z.money.tips.byEmployee.map((t) => t.name);
          expect(names).toEqual([...names].sort((a, b) => a.localeCompare(b)));

          // Refunds and voids: exactly the rows.
          const refunds = written.refunds.filter((r) => r.kind === 'refund');
          const voids = written.refunds.filter((r) => r.kind === 'void');
          expect(z.money.refunds.count).toBe(refunds.length);
          expect(z.money.refunds.amountCents).toBe(sum(refunds, (r) => r.amountCents));
          expect(z.money.voids.amountCents).toBe(sum(voids, (r) => r.amountCents));
          expect(z.sales.refunds).toEqual({
            count: refunds.length,
            amountCents: sum(refunds, (r) => r.amountCents),
          });
          expect(z.sales.netSalesCents).toBe(
            plan.sales.grossSalesCents -
              plan.sales.discounts.amountCents -
              z.sales.refunds.amountCents,
          );
          expect(z.sales.categories.map((c) => c.name)).toEqual(
            plan.sales.categories.map((c) => `Category ${c.categoryId}`),
          );

          // The drawer: float + cash in − cash out over every shift, against the counts.
          const expected = sum(written.shiftIds, (id) => drawerOf(written, id));
          const counted = sum(written.shiftIds, (id) => written.counted.get(id) ?? 0);
          expect(z.cashDrawer.expectedCents).toBe(expected);
          expect(z.cashDrawer.openingFloatCents).toBe(sum(plan.shifts, (s) => s.floatCents));
          expect(z.cashDrawer.countedCents).toBe(counted);
          expect(z.cashDrawer.differenceCents).toBe(counted - expected);
          expect(z.cashDrawer.shifts.map((s) => s.shiftId)).toEqual(written.shiftIds);

          // Each shift's X report is that shift's share; with the shiftless card payments
          // they make up the day.
          let shiftTotals = 0;
          for (const id of written.shiftIds) {
            const x = w.reports.x({ shiftId: id });
            const mine = day.filter((p) => p.shiftId === id);
            const myRefunds = written.refunds.filter(
              (r) => r.shiftId === id && r.kind === 'refund',
            );
            expect(x.kind).toBe('X');
            expect(x.shiftId).toBe(id);
            expect(x.money.totalCents).toBe(sum(mine.filter(settled), taken));
            expect(new Map(x.money.tips.byEmployee.map((t) => [t.userId, t.amountCents]))).toEqual(
              tipsOf(mine),
            );
            expect(x.money.refunds.amountCents).toBe(sum(myRefunds, (r) => r.amountCents));
            expect(x.cashDrawer.expectedCents).toBe(drawerOf(written, id));
            expect(x.cashDrawer.countedCents).toBe(written.counted.get(id));
            shiftTotals += x.money.totalCents;
          }
          const shiftless = day.filter((p) => p.shiftId === null && settled(p));
          expect(shiftTotals + sum(shiftless, taken)).toBe(z.money.totalCents);

          // A day's X now says what the Z says; the Z is kept and cannot be made twice.
          const dayX = w.reports.x({ businessDate: DAY });
          expect(dayX.money).toEqual(z.money);
          expect(dayX.cashDrawer).toEqual(z.cashDrawer);
          expect(dayX.sales).toEqual(z.sales);
          expect(w.reports.zByNumber(1)).toEqual(z);
          expect(w.reports.zOfDay(DAY)).toEqual(z);
          const twice = refusal(() => w.reports.z(DAY, 'u-marcus'));
          expect(twice.status).toBe(409);
          expect(twice.extra).toEqual({ number: 1 });
        } finally {
          w.db.close();
        }
      }),
      { numRuns: 60 },
    );
  });
});

const emptySales: DaySales = {
  orders: 0,
  guests: 0,
  itemsSold: 0,
  grossSalesCents: 0,
  discounts: { count: 0, amountCents: 0 },
  serviceChargeCents: 0,
  taxes: [],
  categories: [],
  voids: { count: 0, amountCents: 0 },
  openChecks: { count: 0, amountCents: 0 },
  cancelled: 0,
};

describe('Z report numbering', () => {
  it('numbers days consecutively and answers 404 for a number or day without one', () => {
    const w = world(() => emptySales);
    try {
      const first = w.reports.z('2026-03-13', 'u-marcus');
      const second = w.reports.z(DAY, 'u-marcus');
      expect([first.number, second.number]).toEqual([1, 2]);
      expect(first.generatedBy).toEqual({ userId: 'u-marcus', name: 'Marcus Reed' });
      expect(first.cashDrawer).toMatchObject({ expectedCents: 0, countedCents: null, shifts: [] });
      expect(refusal(() => w.reports.zByNumber(3)).status).toBe(404);
      expect(refusal(() => w.reports.zOfDay('2026-03-12')).status).toBe(404);
      expect(refusal(() => w.reports.x({ shiftId: randomUUID() })).status).toBe(404);
      // A day that has not begun cannot be closed.
      const future = refusal(() => w.reports.z('2026-03-15', 'u-marcus'));
      expect(future.status).toBe(400);
      expect(future.errors?.[0]?.field).toBe('businessDate');
    } finally {
      w.db.close();
    }
  });
});

describe('toShiftReportData', () => {
  it('gives the printer the report figures', () => {
    const sales: DaySales = {
      ...emptySales,
      orders: 12,
      guests: 30,
      itemsSold: 41,
      grossSalesCents: 52_000,
      discounts: { count: 1, amountCents: 2_000 },
      taxes: [{ rateBasisPoints: 825, amountCents: 3_900 }],
      categories: [{ categoryId: 'mains', quantity: 20, amountCents: 40_000 }],
    };
    const w = world(() => sales);
    try {
      const shift = w.shifts.open({ openingFloatCents: 10_000, by: 'u-sam' });
      const cash = paymentRow(
        { ...aCardPayment, tender: 'cash', status: 'completed', tipCents: 200, serverId: 'u-jess' },
        shift.id,
        w.tick(),
      );
      w.rows.insertPayment(cash);
      w.rows.insertRefund(refundRow(cash, 'refund', 300, shift.id, w.tick()));
      w.shifts.close(shift.id, {
        counted: [
          { denominationCents: 10_000, count: 1 },
          { denominationCents: 100, count: 9 },
        ],
        by: 'u-sam',
      });
      const report = w.reports.z(DAY, 'u-marcus');
      const data = toShiftReportData(report, { printedAt: START, printedBy: 'Marcus Reed' });
      expect(data).toMatchObject({
        kind: 'Z',
        reportNumber: 1,
        storeName: 'Harbour Street Kitchen',
        businessDate: DAY,
        printedAt: new Date(START).toISOString(),
        printedBy: 'Marcus Reed',
        grossSalesCents: 52_000,
        netSalesCents: 52_000 - 2_000 - 300,
        salesByCategory: [{ name: 'Category mains', quantity: 20, amountCents: 40_000 }],
        tenders: [
          { name: 'Cash', count: 1, amountCents: 1_200 },
          { name: 'Card', count: 0, amountCents: 0 },
          { name: 'Online', count: 0, amountCents: 0 },
        ],
        taxes: [{ name: 'Tax', rateBasisPoints: 825, amountCents: 3_900 }],
        refunds: { count: 1, amountCents: 300 },
        tipsByEmployee: [{ employee: 'Jess Lopez', amountCents: 200 }],
        cashDrawer: { openingFloatCents: 10_000, expectedCents: 10_900, countedCents: 10_900 },
        counts: { orders: 12, guests: 30, itemsSold: 41 },
      });
      const bytes = buildShiftReport(data, { commandSet: 'epson', width: 42, codePage: 'PC437' });
      expect(bytes.toString('latin1')).toContain('Z REPORT');
    } finally {
      w.db.close();
    }
  });
});
