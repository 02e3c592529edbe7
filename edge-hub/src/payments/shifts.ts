import { type Cents, cents, type EventPayloadInputs, type EventType, uuidv7 } from '@pos/contracts';
import { AppError, type FieldError } from '@pos/kit';
import {
  type CountedDenomination,
  countDenominations,
  type DrawerBreakdown,
  drawerBreakdown,
} from './cash.js';
import type { CashMovementRow, PaymentStore, ShiftRow } from './payment-store.js';

// A shift is one cashier's time on the one cash drawer: it opens with a float, takes cash
// payments, refunds and paid-ins/outs, and closes with a count. At most one is open at a time.
// Opening, each paid-in or paid-out and closing write their event (`payment.shiftopened.v1`,
// `payment.cashmovement.v1`, `payment.shiftclosed.v1`) through the payment service's outbox in
// the same transaction as the change, so the cloud hears of each exactly once.

export const MAX_FLOAT_CENTS = 1_000_000;
/** Largest single paid-in or paid-out. */
export const MAX_MOVEMENT_CENTS = 1_000_000;
/** The drawer holds US notes and coins (see `DENOMINATIONS_CENTS`). */
export const DRAWER_CURRENCY = 'USD';

export interface ShiftDeps {
  rows: PaymentStore;
  transaction: <T>(fn: () => T) => T;
  clock: () => number;
  /** The business day an instant belongs to. */
  businessDate: (epochMs: number) => string;
}

export interface MovementView {
  id: string;
  kind: CashMovementRow['kind'];
  amountCents: Cents;
  reason: string;
  by: string;
  at: string;
}

export interface ShiftSummary extends DrawerBreakdown {
  id: string;
  businessDate: string;
  status: ShiftRow['status'];
  openedBy: string;
  openedAt: string;
  closedBy: string | null;
  closedAt: string | null;
  /** What the drawer holds by count; null until the shift is closed. */
  countedCents: Cents | null;
  /** Counted − expected: positive when over, negative when short; null while open. */
  differenceCents: Cents | null;
  counted: CountedDenomination[] | null;
  note: string | null;
  movements: MovementView[];
}

export interface MovementInput {
  kind: CashMovementRow['kind'];
  amountCents: number;
  reason: string;
  by: string;
}

export interface CloseInput {
  counted: readonly CountedDenomination[];
  note?: string | undefined;
  by: string;
}

const iso = (epochMs: number) => new Date(epochMs).toISOString();

export class ShiftService {
  constructor(private readonly deps: ShiftDeps) {}

  /** Today's business day. */
  today(): string {
    return this.deps.businessDate(this.deps.clock());
  }

  /** Open the drawer with a float. 409 while another shift is open. */
  open(input: { openingFloatCents: number; by: string }): ShiftSummary {
    const float = input.openingFloatCents;
    if (!Number.isInteger(float) || float < 0 || float > MAX_FLOAT_CENTS) {
      throw new AppError('validation', 'Invalid openingFloatCents', {
        errors: [
          {
            field: 'openingFloatCents',
            message: `the float must be a whole number of cents from 0 to ${MAX_FLOAT_CENTS}`,
          },
        ],
      });
    }
    const { rows } = this.deps;
    return this.deps.transaction(() => {
      const open = rows.openShift();
      if (open) throw alreadyOpen(open);
      const now = this.deps.clock();
      const shift: ShiftRow = {
        id: uuidv7(now),
        businessDate: this.deps.businessDate(now),
        status: 'open',
        openedBy: input.by,
        openedAt: now,
        openingFloatCents: float,
        closedBy: null,
        closedAt: null,
        expectedCents: null,
        countedCents: null,
        counted: null,
        note: null,
      };
      try {
        rows.insertShift(shift);
      } catch (err) {
        // The one-open-shift index: another hub process got there first.
        if ((err as { code?: string }).code === 'SQLITE_CONSTRAINT_UNIQUE') {
          throw new AppError('conflict', 'A shift is already open', { cause: err });
        }
        throw err;
      }
      this.#emit('payment.shiftopened.v1', {
        shiftId: shift.id,
        businessDate: shift.businessDate,
        openedBy: shift.openedBy,
        openedAt: iso(now),
        openingFloatCents: float,
        currency: DRAWER_CURRENCY,
      });
      return this.#summary(shift);
    });
  }

  /** The open shift, if any. */
  current(): ShiftSummary | undefined {
    return this.deps.transaction(() => {
      const shift = this.deps.rows.openShift();
      return shift && this.#summary(shift);
    });
  }

  /** One shift with its drawer figures. 404 when there is no such shift. */
  get(id: string): ShiftSummary {
    return this.summary(id);
  }

  summary(shiftId: string): ShiftSummary {
    return this.deps.transaction(() => this.#summary(this.#shift(shiftId)));
  }

  /** The latest shifts, newest first. */
  recent(limit = 20): ShiftSummary[] {
    return this.deps.transaction(() =>
      this.deps.rows.recentShifts(limit).map((shift) => this.#summary(shift)),
    );
  }

  /**
   * Put cash into the drawer or take it out (change fetched from the bank, a delivery paid at
   * the door). A paid-out may not take more than the drawer should hold.
   */
  addMovement(
    shiftId: string,
    input: MovementInput,
  ): { movement: MovementView; shift: ShiftSummary } {
    const reason = input.reason.trim();
    const errors: FieldError[] = [];
    if (
      !Number.isInteger(input.amountCents) ||
      input.amountCents < 1 ||
      input.amountCents > MAX_MOVEMENT_CENTS
    ) {
      errors.push({
        field: 'amountCents',
        message: `amount must be a whole number of cents from 1 to ${MAX_MOVEMENT_CENTS}`,
      });
    }
    if (reason.length === 0 || reason.length > 200) {
      errors.push({ field: 'reason', message: 'a reason of at most 200 characters is required' });
    }
    if (errors.length > 0) {
      throw new AppError('validation', `Invalid ${errors.map((e) => e.field).join(', ')}`, {
        errors,
      });
    }
    const { rows } = this.deps;
    return this.deps.transaction(() => {
      const shift = this.#shift(shiftId);
      if (shift.status !== 'open') throw closed(shift);
      if (input.kind === 'paid-out') {
        const expected = this.#breakdown(shift).expectedCents;
        if (input.amountCents > expected) {
          throw new AppError(
            'conflict',
            `The drawer should hold only ${expected} cents; it cannot pay out ${input.amountCents}`,
            { extra: { expectedCents: expected } },
          );
        }
      }
      const now = this.deps.clock();
      const movement: CashMovementRow = {
        id: uuidv7(now),
        shiftId,
        kind: input.kind,
        amountCents: input.amountCents,
        reason,
        by: input.by,
        at: now,
      };
      rows.insertCashMovement(movement);
      this.#emit('payment.cashmovement.v1', {
        movementId: movement.id,
        shiftId,
        kind: movement.kind,
        amountCents: movement.amountCents,
        currency: DRAWER_CURRENCY,
        reason,
        by: movement.by,
        at: iso(now),
      });
      return { movement: movementView(movement), shift: this.#summary(shift) };
    });
  }

  /** Count the drawer and close the shift; the difference is counted − expected. */
  close(shiftId: string, input: CloseInput): ShiftSummary {
    const count = countDenominations(input.counted);
    const note = input.note?.trim() || null;
    if (!count.ok) {
      const fields = [...new Set(count.errors.map((e) => e.field))].join(', ');
      throw new AppError('validation', `Invalid ${fields}`, { errors: count.errors });
    }
    if (note !== null && note.length > 500) {
      throw new AppError('validation', 'Invalid note', {
        errors: [{ field: 'note', message: 'a note is at most 500 characters' }],
      });
    }
    const { rows } = this.deps;
    return this.deps.transaction(() => {
      const shift = this.#shift(shiftId);
      if (shift.status !== 'open') throw closed(shift);
      const closedAt = this.deps.clock();
      const drawer = this.#breakdown(shift);
      const closedShift: ShiftRow = {
        ...shift,
        status: 'closed',
        closedBy: input.by,
        closedAt,
        expectedCents: drawer.expectedCents,
        countedCents: count.totalCents,
        counted: count.counted,
        note,
      };
      rows.closeShift(closedShift);
      this.#emit('payment.shiftclosed.v1', {
        shiftId: shift.id,
        businessDate: shift.businessDate,
        openedBy: shift.openedBy,
        openedAt: iso(shift.openedAt),
        openingFloatCents: shift.openingFloatCents,
        closedBy: input.by,
        closedAt: iso(closedAt),
        cashSalesCents: drawer.cashSalesCents,
        cashTipsCents: drawer.cashTipsCents,
        cashRoundingCents: drawer.cashRoundingCents,
        cashRefundsCents: drawer.cashRefundsCents,
        cashVoidsCents: drawer.cashVoidsCents,
        paidInCents: drawer.paidInCents,
        paidOutCents: drawer.paidOutCents,
        expectedCents: drawer.expectedCents,
        countedCents: count.totalCents,
        differenceCents: count.totalCents - drawer.expectedCents,
        counted: count.counted,
        ...(note === null ? {} : { note }),
        currency: DRAWER_CURRENCY,
      });
      return this.#summary(closedShift);
    });
  }

  /** Write an event with the change being made (inside its transaction). */
  #emit<T extends EventType>(type: T, payload: EventPayloadInputs[T]): void {
    this.deps.rows.events?.(type, payload);
  }

  #shift(id: string): ShiftRow {
    const shift = this.deps.rows.shift(id);
    if (!shift) throw new AppError('not-found', `Shift ${id} was not found`);
    return shift;
  }

  #breakdown(shift: ShiftRow): DrawerBreakdown {
    const { rows } = this.deps;
    return drawerBreakdown({
      openingFloatCents: shift.openingFloatCents,
      payments: rows.paymentsOfShift(shift.id),
      refunds: rows.refundsOfShift(shift.id),
      movements: rows.cashMovements(shift.id),
    });
  }

  #summary(shift: ShiftRow): ShiftSummary {
    return shiftSummary(shift, this.deps.rows);
  }
}

/**
 * A shift's drawer figures. A closed shift keeps the expected amount worked out when it was
 * counted, so its difference never moves afterwards.
 */
export function shiftSummary(shift: ShiftRow, rows: PaymentStore): ShiftSummary {
  const movements = rows.cashMovements(shift.id);
  const breakdown = drawerBreakdown({
    openingFloatCents: shift.openingFloatCents,
    payments: rows.paymentsOfShift(shift.id),
    refunds: rows.refundsOfShift(shift.id),
    movements,
  });
  const expected =
    shift.expectedCents === null ? breakdown.expectedCents : cents(shift.expectedCents);
  const counted = shift.countedCents === null ? null : cents(shift.countedCents);
  return {
    id: shift.id,
    businessDate: shift.businessDate,
    status: shift.status,
    openedBy: shift.openedBy,
    openedAt: iso(shift.openedAt),
    closedBy: shift.closedBy,
    closedAt: shift.closedAt === null ? null : iso(shift.closedAt),
    ...breakdown,
    expectedCents: expected,
    countedCents: counted,
    differenceCents: counted === null ? null : cents(counted - expected),
    counted: shift.counted,
    note: shift.note,
    movements: movements.map(movementView),
  };
}

function movementView(m: CashMovementRow): MovementView {
  return {
    id: m.id,
    kind: m.kind,
    amountCents: cents(m.amountCents),
    reason: m.reason,
    by: m.by,
    at: iso(m.at),
  };
}

function alreadyOpen(open: ShiftRow): AppError {
  return new AppError('conflict', 'A shift is already open; close it first', {
    extra: { shiftId: open.id },
  });
}

function closed(shift: ShiftRow): AppError {
  return new AppError('conflict', `Shift ${shift.id} is already closed`, {
    extra: { shiftId: shift.id },
  });
}
