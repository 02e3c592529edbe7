import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type AnyEvent, makeEvent, parseEvent, uuidv7 } from '@pos/contracts';
import { AppError, Outbox, openSqlite, outboxSchema, type SqliteDatabase } from '@pos/kit';
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
const SAM = '8c3e5a7b-9d1f-4a2b-8c4d-5e6f7a8b9c02';
const JESS = 'b4d6f8a0-2c4e-4f6a-8b0c-2d4e6f8a0b13';
const MARCUS = '6a1d9e2f-3b4c-4d5e-8f60-7a8b9c0d1e21';

let dir: string;
let db: SqliteDatabase;
let rows: PaymentStore;
let now: number;
let service: ShiftService;
/** Set to make the next event write fail, as a full disk would. */
let failEvents = false;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'pos-shifts-'));
  db = openSqlite({ path: join(dir, 'payments.db'), schemas: [outboxSchema, paymentSchema] });
  // The payment service's outbox in the same file, as the hub has it.
  const outbox = new Outbox(
    db,
    () => ['sync-upstream'],
    () => now,
  );
  failEvents = false;
  rows = new PaymentStore(db, (type, payload) => {
    if (failEvents) throw new Error('disk full');
    outbox.append(
      makeEvent(type, payload as never, {
        source: 'payments-service',
        storeId: 'downtown' as never,
        correlationId: uuidv7() as never,
        timestamp: new Date(now).toISOString() as never,
      }),
    );
  });
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
    takenBy: SAM,
    serverId: SAM,
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
    requestedBy: SAM,
    approvedBy: MARCUS,
    processorRef: null,
    shiftId: p.shiftId,
    fingerprint: randomUUID(),
    createdAt: now,
  });
}

/** The events in the outbox, oldest first, each checked against its contract. */
function events(): AnyEvent[] {
  const stored = db.prepare('SELECT envelope FROM outbox ORDER BY seq').all() as {
    envelope: string;
  }[];
  return stored.map(({ envelope }) => {
    const parsed = parseEvent(JSON.parse(envelope));
    if (!parsed.ok) throw new Error(JSON.stringify(parsed.issues));
    return parsed.event;
  });
}

const types = () => events().map((e) => e.EventType);

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
    const shift = service.open({ openingFloatCents: 15_000, by: SAM });
    expect(shift).toMatchObject({
      status: 'open',
      businessDate: '2026-03-14',
      openedBy: SAM,
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
    const first = service.open({ openingFloatCents: 10_000, by: SAM });
    const err = refusal(() => service.open({ openingFloatCents: 5_000, by: JESS }));
    expect(err.status).toBe(409);
    expect(err.extra).toEqual({ shiftId: first.id });
    expect(service.recent(10)).toHaveLength(1);
  });

  it('refuses a float out of range as a 400 on openingFloatCents', () => {
    for (const openingFloatCents of [-1, 1_000_001, 12.5]) {
      const err = refusal(() => service.open({ openingFloatCents, by: SAM }));
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
          by: SAM,
        }),
      ).status,
    ).toBe(404);
  });

  it('records paid-ins and paid-outs and moves the expected cash', () => {
    const shift = service.open({ openingFloatCents: 10_000, by: SAM });
    payment(shift.id, 'cash', 'completed', 2_500, { tipCents: 300, roundingCents: -2 });
    now += 60_000;
    const paidIn = service.addMovement(shift.id, {
      kind: 'paid-in',
      amountCents: 5_000,
      reason: '  coins from the bank ',
      by: MARCUS,
    });
    expect(paidIn.movement).toMatchObject({
      kind: 'paid-in',
      amountCents: 5_000,
      reason: 'coins from the bank',
      by: MARCUS,
      at: new Date(now).toISOString(),
    });
    expect(paidIn.shift.expectedCents).toBe(10_000 + 2_798 + 5_000);
    const paidOut = service.addMovement(shift.id, {
      kind: 'paid-out',
      amountCents: 1_800,
      reason: 'milk delivery',
      by: MARCUS,
    });
    expect(paidOut.shift.expectedCents).toBe(10_000 + 2_798 + 5_000 - 1_800);
    const summary = service.summary(shift.id);
    expect(summary.paidInCents).toBe(5_000);
    expect(summary.paidOutCents).toBe(1_800);
    expect(summary.movements.map((m) => m.kind)).toEqual(['paid-in', 'paid-out']);
  });

  it('refuses a paid-out of more than the drawer should hold', () => {
    const shift = service.open({ openingFloatCents: 2_000, by: SAM });
    payment(shift.id, 'cash', 'completed', 1_000);
    const err = refusal(() =>
      service.addMovement(shift.id, {
        kind: 'paid-out',
        amountCents: 3_001,
        reason: 'supplier',
        by: MARCUS,
      }),
    );
    expect(err.status).toBe(409);
    expect(err.extra).toEqual({ expectedCents: 3_000 });
    // Exactly the drawer is allowed.
    const ok = service.addMovement(shift.id, {
      kind: 'paid-out',
      amountCents: 3_000,
      reason: 'supplier',
      by: MARCUS,
    });
    expect(ok.shift.expectedCents).toBe(0);
  });

  it('refuses a movement without a reason or with a bad amount', () => {
    const shift = service.open({ openingFloatCents: 2_000, by: SAM });
    const err = refusal(() =>
      service.addMovement(shift.id, { kind: 'paid-in', amountCents: 0, reason: ' ', by: SAM }),
    );
    expect(err.status).toBe(400);
    expect(err.errors?.map((e) => e.field)).toEqual(['amountCents', 'reason']);
  });

  it('closes with a count and reports expected, counted and the difference', () => {
    const shift = service.open({ openingFloatCents: 10_000, by: SAM });
    const cash = payment(shift.id, 'cash', 'completed', 4_200, { tipCents: 500 });
    payment(shift.id, 'cash', 'completed', 998, { roundingCents: 2 });
    payment(shift.id, 'card', 'captured', 9_000, { tipCents: 1_000 });
    payment(shift.id, 'cash', 'failed', 7_000);
    refund(cash, 'refund', 700);
    service.addMovement(shift.id, {
      kind: 'paid-out',
      amountCents: 1_000,
      reason: 'window cleaner',
      by: MARCUS,
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
      by: SAM,
    });
    expect(closed).toMatchObject({
      status: 'closed',
      closedBy: SAM,
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
    const shift = service.open({ openingFloatCents: 0, by: SAM });
    service.close(shift.id, { counted: [], by: SAM });
    const again = refusal(() => service.close(shift.id, { counted: [], by: SAM }));
    expect(again.status).toBe(409);
    const movement = refusal(() =>
      service.addMovement(shift.id, {
        kind: 'paid-in',
        amountCents: 100,
        reason: 'late change',
        by: SAM,
      }),
    );
    expect(movement.status).toBe(409);
    // A new shift may open once the last one is closed.
    expect(service.open({ openingFloatCents: 100, by: JESS }).status).toBe('open');
  });

  it('refuses a count with bad denominations as a 400, leaving the shift open', () => {
    const shift = service.open({ openingFloatCents: 0, by: SAM });
    const err = refusal(() =>
      service.close(shift.id, {
        counted: [
          { denominationCents: 300, count: 1 },
          { denominationCents: 100, count: -2 },
        ],
        by: SAM,
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
    const first = service.open({ openingFloatCents: 0, by: SAM });
    now += 1_000;
    service.close(first.id, { counted: [], by: SAM });
    now += 1_000;
    const second = service.open({ openingFloatCents: 500, by: JESS });
    expect(service.recent(10).map((s) => s.id)).toEqual([second.id, first.id]);
    expect(service.recent(1).map((s) => s.id)).toEqual([second.id]);
  });
});

describe('shift events', () => {
  it('writes payment.shiftopened.v1 with the float, once, and nothing for a refused opening', () => {
    const shift = service.open({ openingFloatCents: 15_000, by: SAM });
    refusal(() => service.open({ openingFloatCents: 5_000, by: JESS }));
    refusal(() => service.open({ openingFloatCents: -1, by: JESS }));
    const [opened, ...more] = events();
    expect(more).toEqual([]);
    expect(opened).toMatchObject({
      EventType: 'payment.shiftopened.v1',
      StoreId: 'downtown',
      Payload: {
        shiftId: shift.id,
        businessDate: '2026-03-14',
        openedBy: SAM,
        openedAt: new Date(START).toISOString(),
        openingFloatCents: 15_000,
        currency: 'USD',
      },
    });
    // Handed to the sync module like every payment event.
    expect(db.prepare('SELECT consumer FROM outbox_delivery').all()).toEqual([
      { consumer: 'sync-upstream' },
    ]);
  });

  it('writes each paid-in and paid-out with its amount, reason and who; nothing for a refused one', () => {
    const shift = service.open({ openingFloatCents: 2_000, by: SAM });
    now += 60_000;
    const paidIn = service.addMovement(shift.id, {
      kind: 'paid-in',
      amountCents: 5_000,
      reason: '  coins from the bank ',
      by: SAM,
    });
    now += 60_000;
    refusal(() =>
      service.addMovement(shift.id, {
        kind: 'paid-out',
        amountCents: 7_001,
        reason: 'more than the drawer holds',
        by: MARCUS,
      }),
    );
    refusal(() =>
      service.addMovement(shift.id, { kind: 'paid-in', amountCents: 0, reason: ' ', by: SAM }),
    );
    const paidOut = service.addMovement(shift.id, {
      kind: 'paid-out',
      amountCents: 1_800,
      reason: 'milk delivery',
      by: MARCUS,
    });
    const movements = events().filter((e) => e.EventType === 'payment.cashmovement.v1');
    expect(movements.map((e) => e.Payload)).toEqual([
      {
        movementId: paidIn.movement.id,
        shiftId: shift.id,
        kind: 'paid-in',
        amountCents: 5_000,
        currency: 'USD',
        reason: 'coins from the bank',
        by: SAM,
        at: new Date(START + 60_000).toISOString(),
      },
      {
        movementId: paidOut.movement.id,
        shiftId: shift.id,
        kind: 'paid-out',
        amountCents: 1_800,
        currency: 'USD',
        reason: 'milk delivery',
        by: MARCUS,
        at: new Date(START + 120_000).toISOString(),
      },
    ]);
  });

  it('writes payment.shiftclosed.v1 with the figures of the closed shift, once', () => {
    const shift = service.open({ openingFloatCents: 10_000, by: SAM });
    const cash = payment(shift.id, 'cash', 'completed', 4_200, { tipCents: 500 });
    payment(shift.id, 'cash', 'completed', 998, { roundingCents: 2 });
    const voided = payment(shift.id, 'cash', 'voided', 300);
    refund(voided, 'void', 300);
    payment(shift.id, 'card', 'captured', 9_000, { tipCents: 1_000 });
    refund(cash, 'refund', 700);
    service.addMovement(shift.id, {
      kind: 'paid-in',
      amountCents: 2_000,
      reason: 'change',
      by: SAM,
    });
    service.addMovement(shift.id, {
      kind: 'paid-out',
      amountCents: 1_000,
      reason: 'window cleaner',
      by: MARCUS,
    });
    now += 3_600_000;
    const closed = service.close(shift.id, {
      counted: [
        { denominationCents: 25, count: 3 },
        { denominationCents: 2_000, count: 7 },
        { denominationCents: 1_000, count: 1 },
      ],
      note: ' short a few quarters ',
      by: JESS,
    });
    refusal(() => service.close(shift.id, { counted: [], by: JESS }));
    expect(types()).toEqual([
      'payment.shiftopened.v1',
      'payment.cashmovement.v1',
      'payment.cashmovement.v1',
      'payment.shiftclosed.v1',
    ]);
    const expected = 10_000 + 4_700 + 1_000 + 300 - 700 - 300 + 2_000 - 1_000;
    expect(closed.expectedCents).toBe(expected);
    expect(events().at(-1)?.Payload).toEqual({
      shiftId: shift.id,
      businessDate: '2026-03-14',
      openedBy: SAM,
      openedAt: new Date(START).toISOString(),
      openingFloatCents: 10_000,
      closedBy: JESS,
      closedAt: closed.closedAt,
      cashSalesCents: 5_498,
      cashTipsCents: 500,
      cashRoundingCents: 2,
      cashRefundsCents: 700,
      cashVoidsCents: 300,
      paidInCents: 2_000,
      paidOutCents: 1_000,
      expectedCents: expected,
      countedCents: 15_075,
      differenceCents: 15_075 - expected,
      counted: [
        { denominationCents: 2_000, count: 7 },
        { denominationCents: 1_000, count: 1 },
        { denominationCents: 25, count: 3 },
      ],
      note: 'short a few quarters',
      currency: 'USD',
    });
    // The figures are the summary's, to the cent.
    expect(events().at(-1)?.Payload).toMatchObject({
      cashSalesCents: closed.cashSalesCents,
      cashTipsCents: closed.cashTipsCents,
      cashRoundingCents: closed.cashRoundingCents,
      cashRefundsCents: closed.cashRefundsCents,
      cashVoidsCents: closed.cashVoidsCents,
      paidInCents: closed.paidInCents,
      paidOutCents: closed.paidOutCents,
      expectedCents: closed.expectedCents,
      countedCents: closed.countedCents,
      differenceCents: closed.differenceCents,
    });
  });

  it('closes an empty drawer without a note: counted zero, no note', () => {
    const shift = service.open({ openingFloatCents: 500, by: SAM });
    service.close(shift.id, { counted: [], by: SAM });
    const payload = events().at(-1)?.Payload as Record<string, unknown>;
    expect(payload).toMatchObject({ expectedCents: 500, countedCents: 0, differenceCents: -500 });
    expect(payload.counted).toEqual([]);
    expect('note' in payload).toBe(false);
  });

  it('makes no change when its event cannot be written: both are in one transaction', () => {
    failEvents = true;
    expect(() => service.open({ openingFloatCents: 1_000, by: SAM })).toThrow('disk full');
    expect(service.current()).toBeUndefined();
    failEvents = false;
    const shift = service.open({ openingFloatCents: 1_000, by: SAM });

    failEvents = true;
    expect(() =>
      service.addMovement(shift.id, {
        kind: 'paid-in',
        amountCents: 500,
        reason: 'change',
        by: SAM,
      }),
    ).toThrow('disk full');
    expect(() => service.close(shift.id, { counted: [], by: SAM })).toThrow('disk full');
    failEvents = false;
    const after = service.get(shift.id);
    expect(after.status).toBe('open');
    expect(after.movements).toEqual([]);
    expect(types()).toEqual(['payment.shiftopened.v1']);
  });

  it('writes shifts without events where no outbox is bound', () => {
    const bare = new ShiftService({
      rows: new PaymentStore(db),
      transaction: (fn) => db.transaction(fn)(),
      clock: () => now,
      businessDate: (ms) => businessDate(ms, 'America/New_York', 4),
    });
    const shift = bare.open({ openingFloatCents: 0, by: 'someone' });
    bare.close(shift.id, { counted: [], by: 'someone' });
    expect(events()).toEqual([]);
  });
});
