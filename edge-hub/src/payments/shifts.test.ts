import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AppError, openSqlite, type SqliteDatabase } from '@pos/kit';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { businessDate } from '../orders/business-day.js';
import {
  type PaymentRow,
  type PaymentState,
  PaymentStore,
  paymentSchema,
  type RefundRow,
  type Tender,
} from './payment-store.js';
import { ShiftService } from './shifts.js';

const START = Date.parse('2026-03-14T15:00:00.000Z');

let dir: string;
let db: SqliteDatabase;
let rows: PaymentStore;
let now: number;
let service: ShiftService;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'pos-shifts-'));
  db = openSqlite({ path: join(dir, 'payments.db'), schemas: [paymentSchema] });
  rows = new PaymentStore(db);
  now = START;
  service = new ShiftService({
    rows,
    transaction: (fn) => db.transaction(fn)(),
    clock: () => now,
    businessDate: (ms) => businessDate(ms, 'America/New_York', 4),
  });
});

afterEach(() => {
  db.close();
  rmSync(dir, { recursive: true, force: true });
});

function payment(
  shiftId: string | null,
  tender: Tender,
  status: PaymentState,
  amountCents: number,
  extra: Partial<PaymentRow> = {},
): PaymentRow {
  now += 1_000;
  const row: PaymentRow = {
    id: randomUUID(),
    orderId: randomUUID(),
    businessDate: '2026-03-14',
    tender,
    status,
    amountCents,
    tipCents: 0,
    currency: 'USD',
    tenderedCents: null,
    changeCents: null,
    roundingCents: 0,
    split: null,
    categoryAmounts: [],
    cardBrand: null,
    cardLast4: null,
    cardEntryMode: null,
    offline: false,
    readerId: null,
    processorRef: null,
    authCode: null,
    refundedCents: 0,
    failureReason: null,
    failureMessage: null,
    overrideBy: null,
    takenBy: 'u-sam',
    serverId: 'u-sam',
    shiftId,
    fingerprint: randomUUID(),
    createdAt: now,
    completedAt: now,
    updatedAt: now,
    ...extra,
  };
  rows.insertPayment(row);
  return row;
}

function refund(p: PaymentRow, kind: RefundRow['kind'], amountCents: number): void {
  now += 1_000;
  rows.insertRefund({
    id: randomUUID(),
    paymentId: p.id,
    orderId: p.orderId,
    businessDate: p.businessDate,
    tender: p.tender,
    kind,
    amountCents,
    currency: 'USD',
    reason: 'guest complaint',
    requestedBy: 'u-sam',
    approvedBy: 'u-marcus',
    processorRef: null,
    shiftId: p.shiftId,
    fingerprint: randomUUID(),
    createdAt: now,
  });
}

/** The AppError `fn` throws (fails the test when it throws nothing or something else). */
function refusal(fn: () => unknown): AppError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(AppError);
    return err as AppError;
  }
  throw new Error('expected a refusal');
}

describe('ShiftService', () => {
  it('opens a shift with a float on the business day of the opening', () => {
    const shift = service.open({ openingFloatCents: 15_000, by: 'u-sam' });
    expect(shift).toMatchObject({
      status: 'open',
      businessDate: '2026-03-14',
      openedBy: 'u-sam',
      openedAt: new Date(START).toISOString(),
      openingFloatCents: 15_000,
      expectedCents: 15_000,
      countedCents: null,
      differenceCents: null,
      movements: [],
    });
    expect(service.current()?.id).toBe(shift.id);
    expect(service.get(shift.id).id).toBe(shift.id);
    expect(service.today()).toBe('2026-03-14');
  });

  it('refuses a second open shift with a 409 naming the open one', () => {
    const first = service.open({ openingFloatCents: 10_000, by: 'u-sam' });
    const err = refusal(() => service.open({ openingFloatCents: 5_000, by: 'u-jess' }));
    expect(err.status).toBe(409);
    expect(err.extra).toEqual({ shiftId: first.id });
    expect(service.recent(10)).toHaveLength(1);
  });

  it('refuses a float out of range as a 400 on openingFloatCents', () => {
    for (const openingFloatCents of [-1, 1_000_001, 12.5]) {
      const err = refusal(() => service.open({ openingFloatCents, by: 'u-sam' }));
      expect(err.status).toBe(400);
      expect(err.errors).toEqual([{ field: 'openingFloatCents', message: expect.any(String) }]);
    }
    expect(service.current()).toBeUndefined();
  });

  it('answers 404 for an unknown shift', () => {
    expect(refusal(() => service.get(randomUUID())).status).toBe(404);
    expect(
      refusal(() =>
        service.addMovement(randomUUID(), {
          kind: 'paid-in',
          amountCents: 100,
          reason: 'change',
          by: 'u-sam',
        }),
      ).status,
    ).toBe(404);
  });

  it('records paid-ins and paid-outs and moves the expected cash', () => {
    const shift = service.open({ openingFloatCents: 10_000, by: 'u-sam' });
    payment(shift.id, 'cash', 'completed', 2_500, { tipCents: 300, roundingCents: -2 });
    now += 60_000;
    const paidIn = service.addMovement(shift.id, {
      kind: 'paid-in',
      amountCents: 5_000,
      reason: '  coins from the bank ',
      by: 'u-marcus',
    });
    expect(paidIn.movement).toMatchObject({
      kind: 'paid-in',
      amountCents: 5_000,
      reason: 'coins from the bank',
      by: 'u-marcus',
      at: new Date(now).toISOString(),
    });
    expect(paidIn.shift.expectedCents).toBe(10_000 + 2_798 + 5_000);
    const paidOut = service.addMovement(shift.id, {
      kind: 'paid-out',
      amountCents: 1_800,
      reason: 'milk delivery',
      by: 'u-marcus',
    });
    expect(paidOut.shift.expectedCents).toBe(10_000 + 2_798 + 5_000 - 1_800);
    const summary = service.summary(shift.id);
    expect(summary.paidInCents).toBe(5_000);
    expect(summary.paidOutCents).toBe(1_800);
    expect(summary.movements.map((m) => m.kind)).toEqual(['paid-in', 'paid-out']);
  });

  it('refuses a paid-out of more than the drawer should hold', () => {
    const shift = service.open({ openingFloatCents: 2_000, by: 'u-sam' });
    payment(shift.id, 'cash', 'completed', 1_000);
    const err = refusal(() =>
      service.addMovement(shift.id, {
        kind: 'paid-out',
        amountCents: 3_001,
        reason: 'supplier',
        by: 'u-marcus',
      }),
    );
    expect(err.status).toBe(409);
    expect(err.extra).toEqual({ expectedCents: 3_000 });
    // Exactly the drawer is allowed.
    const ok = service.addMovement(shift.id, {
      kind: 'paid-out',
      amountCents: 3_000,
      reason: 'supplier',
      by: 'u-marcus',
    });
    expect(ok.shift.expectedCents).toBe(0);
  });

  it('refuses a movement without a reason or with a bad amount', () => {
    const shift = service.open({ openingFloatCents: 2_000, by: 'u-sam' });
    const err = refusal(() =>
      service.addMovement(shift.id, { kind: 'paid-in', amountCents: 0, reason: ' ', by: 'u-sam' }),
    );
    expect(err.status).toBe(400);
    expect(err.errors?.map((e) => e.field)).toEqual(['amountCents', 'reason']);
  });

  it('closes with a count and reports expected, counted and the difference', () => {
    const shift = service.open({ openingFloatCents: 10_000, by: 'u-sam' });
    const cash = payment(shift.id, 'cash', 'completed', 4_200, { tipCents: 500 });
    payment(shift.id, 'cash', 'completed', 998, { roundingCents: 2 });
    payment(shift.id, 'card', 'captured', 9_000, { tipCents: 1_000 });
    payment(shift.id, 'cash', 'failed', 7_000);
    refund(cash, 'refund', 700);
    service.addMovement(shift.id, {
      kind: 'paid-out',
      amountCents: 1_000,
      reason: 'window cleaner',
      by: 'u-marcus',
    });
    const expected = 10_000 + 4_700 + 1_000 - 700 - 1_000;
    now += 3_600_000;
    const closed = service.close(shift.id, {
      counted: [
        { denominationCents: 25, count: 3 },
        { denominationCents: 2_000, count: 6 },
        { denominationCents: 1_000, count: 1 },
      ],
      note: 'short a few quarters',
      by: 'u-sam',
    });
    expect(closed).toMatchObject({
      status: 'closed',
      closedBy: 'u-sam',
      closedAt: new Date(now).toISOString(),
      openingFloatCents: 10_000,
      cashSalesCents: 5_198,
      cashTipsCents: 500,
      cashRoundingCents: 2,
      cashRefundsCents: 700,
      paidOutCents: 1_000,
      expectedCents: expected,
      countedCents: 13_075,
      differenceCents: 13_075 - expected,
      note: 'short a few quarters',
      counted: [
        { denominationCents: 2_000, count: 6 },
        { denominationCents: 1_000, count: 1 },
        { denominationCents: 25, count: 3 },
      ],
    });
    expect(service.current()).toBeUndefined();
    // The stored figures read back the same.
    expect(service.get(shift.id)).toEqual(closed);
  });

  it('refuses to close twice, or to move cash on a closed shift', () => {
    const shift = service.open({ openingFloatCents: 0, by: 'u-sam' });
    service.close(shift.id, { counted: [], by: 'u-sam' });
    const again = refusal(() => service.close(shift.id, { counted: [], by: 'u-sam' }));
    expect(again.status).toBe(409);
    const movement = refusal(() =>
      service.addMovement(shift.id, {
        kind: 'paid-in',
        amountCents: 100,
        reason: 'late change',
        by: 'u-sam',
      }),
    );
    expect(movement.status).toBe(409);
    // A new shift may open once the last one is closed.
    expect(service.open({ openingFloatCents: 100, by: 'u-jess' }).status).toBe('open');
  });

  it('refuses a count with bad denominations as a 400, leaving the shift open', () => {
    const shift = service.open({ openingFloatCents: 0, by: 'u-sam' });
    const err = refusal(() =>
      service.close(shift.id, {
        counted: [
          { denominationCents: 300, count: 1 },
          { denominationCents: 100, count: -2 },
        ],
        by: 'u-sam',
      }),
    );
    expect(err.status).toBe(400);
    expect(err.errors?.map((e) => e.field)).toEqual([
      'counted.0.denominationCents',
      'counted.1.count',
    ]);
    expect(service.get(shift.id).status).toBe('open');
  });

  it('lists recent shifts newest first', () => {
    const first = service.open({ openingFloatCents: 0, by: 'u-sam' });
    now += 1_000;
    service.close(first.id, { counted: [], by: 'u-sam' });
    now += 1_000;
    const second = service.open({ openingFloatCents: 500, by: 'u-jess' });
    expect(service.recent(10).map((s) => s.id)).toEqual([second.id, first.id]);
    expect(service.recent(1).map((s) => s.id)).toEqual([second.id]);
  });
});
