import type { EventPayloadInputs, EventType } from '@pos/contracts';
import type { Schema, SqliteDatabase } from '@pos/kit';

// The payment service's own database (seed §1.6 POSPaymentDb): payments, refunds, the
// store-and-forward queue, shifts, cash movements and Z reports. `synchronous=FULL`: a payment
// the guest walked away from must survive a power cut.
//
// No column holds a card number: a card is its brand, last four digits and entry mode; a
// stored-offline payment is the reader's encrypted blob, which the hub cannot open.

export const paymentSchema: Schema = {
  component: 'payments',
  migrations: [
    {
      version: 1,
      name: 'payments, refunds, offline queue, shifts, cash movements, z reports',
      up: `
        CREATE TABLE payments (
          id TEXT PRIMARY KEY,
          order_id TEXT NOT NULL,
          business_date TEXT NOT NULL,
          tender TEXT NOT NULL,
          status TEXT NOT NULL,
          amount_cents INTEGER NOT NULL,
          tip_cents INTEGER NOT NULL DEFAULT 0,
          currency TEXT NOT NULL,
          tendered_cents INTEGER,
          change_cents INTEGER,
          rounding_cents INTEGER NOT NULL DEFAULT 0,
          split TEXT,
          category_amounts TEXT NOT NULL DEFAULT '[]',
          card_brand TEXT,
          card_last4 TEXT,
          card_entry_mode TEXT,
          offline INTEGER NOT NULL DEFAULT 0,
          reader_id TEXT,
          processor_ref TEXT,
          auth_code TEXT,
          refunded_cents INTEGER NOT NULL DEFAULT 0,
          failure_reason TEXT,
          failure_message TEXT,
          override_by TEXT,
          taken_by TEXT NOT NULL,
          server_id TEXT,
          shift_id TEXT,
          fingerprint TEXT NOT NULL,
          created_at INTEGER NOT NULL,
          completed_at INTEGER,
          updated_at INTEGER NOT NULL
        );
        CREATE INDEX payments_order ON payments (order_id, created_at);
        CREATE INDEX payments_day ON payments (business_date, created_at);
        CREATE INDEX payments_shift ON payments (shift_id);
        CREATE INDEX payments_status ON payments (status);
        CREATE TABLE offline_payments (
          payment_id TEXT PRIMARY KEY REFERENCES payments (id),
          seq INTEGER NOT NULL UNIQUE,
          reader_id TEXT NOT NULL,
          blob TEXT NOT NULL,
          stored_at INTEGER NOT NULL,
          status TEXT NOT NULL,
          attempts INTEGER NOT NULL DEFAULT 0,
          last_error TEXT,
          forwarded_at INTEGER,
          decline_reason TEXT,
          overdue_alerted_at INTEGER,
          acknowledged_by TEXT,
          acknowledged_at INTEGER
        );
        CREATE INDEX offline_payments_status ON offline_payments (status, seq);
        CREATE TABLE refunds (
          id TEXT PRIMARY KEY,
          payment_id TEXT NOT NULL REFERENCES payments (id),
          order_id TEXT NOT NULL,
          business_date TEXT NOT NULL,
          tender TEXT NOT NULL,
          kind TEXT NOT NULL,
          amount_cents INTEGER NOT NULL,
          currency TEXT NOT NULL,
          reason TEXT NOT NULL,
          requested_by TEXT NOT NULL,
          approved_by TEXT NOT NULL,
          processor_ref TEXT,
          shift_id TEXT,
          fingerprint TEXT NOT NULL,
          created_at INTEGER NOT NULL
        );
        CREATE INDEX refunds_payment ON refunds (payment_id);
        CREATE INDEX refunds_day ON refunds (business_date, created_at);
        CREATE TABLE shifts (
          id TEXT PRIMARY KEY,
          business_date TEXT NOT NULL,
          status TEXT NOT NULL,
          opened_by TEXT NOT NULL,
          opened_at INTEGER NOT NULL,
          opening_float_cents INTEGER NOT NULL,
          closed_by TEXT,
          closed_at INTEGER,
          expected_cents INTEGER,
          counted_cents INTEGER,
          counted TEXT,
          note TEXT
        );
        -- At most one open shift (one cash drawer per hub).
        CREATE UNIQUE INDEX shifts_one_open ON shifts (status) WHERE status = 'open';
        CREATE INDEX shifts_day ON shifts (business_date, opened_at);
        CREATE TABLE cash_movements (
          id TEXT PRIMARY KEY,
          shift_id TEXT NOT NULL REFERENCES shifts (id),
          kind TEXT NOT NULL,
          amount_cents INTEGER NOT NULL,
          reason TEXT NOT NULL,
          by TEXT NOT NULL,
          at INTEGER NOT NULL
        );
        CREATE INDEX cash_movements_shift ON cash_movements (shift_id, at);
        CREATE TABLE z_reports (
          number INTEGER PRIMARY KEY,
          business_date TEXT NOT NULL UNIQUE,
          report TEXT NOT NULL,
          created_by TEXT NOT NULL,
          created_at INTEGER NOT NULL
        );
      `,
    },
  ],
};

/** `online`: paid by card in the cloud before an online order reached the store. */
export type Tender = 'cash' | 'card' | 'online';

/**
 * pending: a card collect is under way. authorised: the card said yes, capture follows (the
 * tip may still be adjusted). captured / completed (cash): money taken. failed: declined or
 * refused, nothing taken. voided: released before capture.
 */
export type PaymentState =
  | 'pending'
  | 'authorised'
  | 'captured'
  | 'completed'
  | 'failed'
  | 'voided';

/** States in which the payment counts toward the order (money taken or promised). */
export const SETTLED_STATES: readonly PaymentState[] = ['authorised', 'captured', 'completed'];

export type Split =
  | { by: 'seat'; seat: number }
  | { by: 'items'; orderItemIds: string[] }
  | { by: 'equal'; parts: number; part: number };

export interface CategoryAmount {
  categoryId: string;
  amountCents: number;
}

export interface PaymentRow {
  id: string;
  orderId: string;
  businessDate: string;
  tender: Tender;
  status: PaymentState;
  amountCents: number;
  tipCents: number;
  currency: string;
  tenderedCents: number | null;
  changeCents: number | null;
  roundingCents: number;
  split: Split | null;
  categoryAmounts: CategoryAmount[];
  cardBrand: string | null;
  cardLast4: string | null;
  cardEntryMode: string | null;
  offline: boolean;
  readerId: string | null;
  processorRef: string | null;
  authCode: string | null;
  refundedCents: number;
  failureReason: string | null;
  failureMessage: string | null;
  overrideBy: string | null;
  takenBy: string;
  serverId: string | null;
  shiftId: string | null;
  fingerprint: string;
  createdAt: number;
  completedAt: number | null;
  updatedAt: number;
}

export type OfflineState = 'pending' | 'approved' | 'declined' | 'invalid' | 'voided';

export interface OfflineRow {
  paymentId: string;
  seq: number;
  readerId: string;
  blob: string;
  storedAt: number;
  status: OfflineState;
  attempts: number;
  lastError: string | null;
  forwardedAt: number | null;
  declineReason: string | null;
  overdueAlertedAt: number | null;
  acknowledgedBy: string | null;
  acknowledgedAt: number | null;
}

export interface RefundRow {
  id: string;
  paymentId: string;
  orderId: string;
  businessDate: string;
  tender: Tender;
  kind: 'refund' | 'void';
  amountCents: number;
  currency: string;
  reason: string;
  requestedBy: string;
  approvedBy: string;
  processorRef: string | null;
  shiftId: string | null;
  fingerprint: string;
  createdAt: number;
}

export interface ShiftRow {
  id: string;
  businessDate: string;
  status: 'open' | 'closed';
  openedBy: string;
  openedAt: number;
  openingFloatCents: number;
  closedBy: string | null;
  closedAt: number | null;
  expectedCents: number | null;
  countedCents: number | null;
  counted: { denominationCents: number; count: number }[] | null;
  note: string | null;
}

export interface CashMovementRow {
  id: string;
  shiftId: string;
  kind: 'paid-in' | 'paid-out';
  amountCents: number;
  reason: string;
  by: string;
  at: number;
}

const PAYMENT_COLUMNS: Record<keyof PaymentRow, string> = {
  id: 'id',
  orderId: 'order_id',
  businessDate: 'business_date',
  tender: 'tender',
  status: 'status',
  amountCents: 'amount_cents',
  tipCents: 'tip_cents',
  currency: 'currency',
  tenderedCents: 'tendered_cents',
  changeCents: 'change_cents',
  roundingCents: 'rounding_cents',
  split: 'split',
  categoryAmounts: 'category_amounts',
  cardBrand: 'card_brand',
  cardLast4: 'card_last4',
  cardEntryMode: 'card_entry_mode',
  offline: 'offline',
  readerId: 'reader_id',
  processorRef: 'processor_ref',
  authCode: 'auth_code',
  refundedCents: 'refunded_cents',
  failureReason: 'failure_reason',
  failureMessage: 'failure_message',
  overrideBy: 'override_by',
  takenBy: 'taken_by',
  serverId: 'server_id',
  shiftId: 'shift_id',
  fingerprint: 'fingerprint',
  createdAt: 'created_at',
  completedAt: 'completed_at',
  updatedAt: 'updated_at',
};

const PAYMENT_SELECT = `SELECT ${Object.entries(PAYMENT_COLUMNS)
  .map(([key, column]) => `${column} AS ${key}`)
  .join(', ')} FROM payments`;

type RawPayment = Omit<PaymentRow, 'split' | 'categoryAmounts' | 'offline'> & {
  split: string | null;
  categoryAmounts: string;
  offline: number;
};

function toPayment(raw: RawPayment): PaymentRow {
  return {
    ...raw,
    split: raw.split === null ? null : (JSON.parse(raw.split) as Split),
    categoryAmounts: JSON.parse(raw.categoryAmounts) as CategoryAmount[],
    offline: raw.offline === 1,
  };
}

const OFFLINE_SELECT = `SELECT payment_id AS paymentId, seq, reader_id AS readerId, blob,
  stored_at AS storedAt, status, attempts, last_error AS lastError, forwarded_at AS forwardedAt,
  decline_reason AS declineReason, overdue_alerted_at AS overdueAlertedAt,
  acknowledged_by AS acknowledgedBy, acknowledged_at AS acknowledgedAt FROM offline_payments`;

const REFUND_SELECT = `SELECT id, payment_id AS paymentId, order_id AS orderId,
  business_date AS businessDate, tender, kind, amount_cents AS amountCents, currency, reason,
  requested_by AS requestedBy, approved_by AS approvedBy, processor_ref AS processorRef,
  shift_id AS shiftId, fingerprint, created_at AS createdAt FROM refunds`;

const SHIFT_SELECT = `SELECT id, business_date AS businessDate, status, opened_by AS openedBy,
  opened_at AS openedAt, opening_float_cents AS openingFloatCents, closed_by AS closedBy,
  closed_at AS closedAt, expected_cents AS expectedCents, counted_cents AS countedCents, counted,
  note FROM shifts`;

type RawShift = Omit<ShiftRow, 'counted'> & { counted: string | null };

function toShift(raw: RawShift): ShiftRow {
  return { ...raw, counted: raw.counted === null ? null : JSON.parse(raw.counted) };
}

/**
 * Writes an event to the payment service's outbox, which lives in the same database file as
 * these rows. Call it inside the transaction that makes the change the event describes.
 */
export type PaymentEventWriter = <T extends EventType>(
  type: T,
  payload: EventPayloadInputs[T],
) => void;

/** Row access for the payment service; callers own the transactions. */
export class PaymentStore {
  /**
   * `events`: where changes made through these rows write their events (shift opened, cash
   * paid in or out, shift closed), in the caller's transaction. The hub always gives it;
   * tests of other parts may leave it out.
   */
  constructor(
    readonly db: SqliteDatabase,
    readonly events?: PaymentEventWriter,
  ) {}

  // ---- payments ----------------------------------------------------------------------------

  insertPayment(p: PaymentRow): void {
    const columns = Object.values(PAYMENT_COLUMNS);
    this.db
      .prepare(
        `INSERT INTO payments (${columns.join(', ')}) VALUES (${columns.map(() => '?').join(', ')})`,
      )
      .run(
        ...Object.keys(PAYMENT_COLUMNS).map((key) => {
          const value = p[key as keyof PaymentRow];
          if (key === 'split') return value === null ? null : JSON.stringify(value);
          if (key === 'categoryAmounts') return JSON.stringify(value);
          if (key === 'offline') return value ? 1 : 0;
          return value as string | number | null;
        }),
      );
  }

  /** Write the changing fields of a payment back. */
  updatePayment(p: PaymentRow): void {
    this.db
      .prepare(
        `UPDATE payments SET status = ?, amount_cents = ?, tip_cents = ?, category_amounts = ?,
           card_brand = ?, card_last4 = ?, card_entry_mode = ?, offline = ?, processor_ref = ?,
           auth_code = ?, refunded_cents = ?, failure_reason = ?, failure_message = ?,
           completed_at = ?, updated_at = ? WHERE id = ?`,
      )
      .run(
        p.status,
        p.amountCents,
        p.tipCents,
        JSON.stringify(p.categoryAmounts),
        p.cardBrand,
        p.cardLast4,
        p.cardEntryMode,
        p.offline ? 1 : 0,
        p.processorRef,
        p.authCode,
        p.refundedCents,
        p.failureReason,
        p.failureMessage,
        p.completedAt,
        p.updatedAt,
        p.id,
      );
  }

  payment(id: string): PaymentRow | undefined {
    const raw = this.db.prepare(`${PAYMENT_SELECT} WHERE id = ?`).get(id) as RawPayment | undefined;
    return raw && toPayment(raw);
  }

  paymentsOfOrder(orderId: string): PaymentRow[] {
    return this.#payments('order_id = ?', orderId);
  }

  paymentsOfDay(businessDate: string): PaymentRow[] {
    return this.#payments('business_date = ?', businessDate);
  }

  paymentsOfShift(shiftId: string): PaymentRow[] {
    return this.#payments('shift_id = ?', shiftId);
  }

  paymentsInState(status: PaymentState): PaymentRow[] {
    return this.#payments('status = ?', status);
  }

  #payments(where: string, value: string): PaymentRow[] {
    return (
      this.db
        .prepare(`${PAYMENT_SELECT} WHERE ${where} ORDER BY created_at, id`)
        .all(value) as RawPayment[]
    ).map(toPayment);
  }

  // ---- store-and-forward -------------------------------------------------------------------

  insertOffline(paymentId: string, readerId: string, blob: string, storedAt: number): void {
    this.db
      .prepare(
        `INSERT INTO offline_payments (payment_id, seq, reader_id, blob, stored_at, status)
         VALUES (?, (SELECT COALESCE(MAX(seq), 0) + 1 FROM offline_payments), ?, ?, ?, 'pending')`,
      )
      .run(paymentId, readerId, blob, storedAt);
  }

  offline(paymentId: string): OfflineRow | undefined {
    return this.db.prepare(`${OFFLINE_SELECT} WHERE payment_id = ?`).get(paymentId) as
      | OfflineRow
      | undefined;
  }

  /** Waiting to be forwarded, oldest first (the order they were taken in). */
  pendingOffline(): OfflineRow[] {
    return this.db
      .prepare(`${OFFLINE_SELECT} WHERE status = 'pending' ORDER BY seq`)
      .all() as OfflineRow[];
  }

  offlineRows(limit = 200): OfflineRow[] {
    return this.db
      .prepare(`${OFFLINE_SELECT} ORDER BY seq DESC LIMIT ?`)
      .all(limit) as OfflineRow[];
  }

  /** Pending card payments taken offline, in cents including tips. */
  outstandingOfflineCents(): number {
    const row = this.db
      .prepare(
        `SELECT COALESCE(SUM(p.amount_cents + p.tip_cents), 0) AS total
         FROM offline_payments o JOIN payments p ON p.id = o.payment_id
         WHERE o.status = 'pending'`,
      )
      .get() as { total: number };
    return row.total;
  }

  setOfflineOutcome(
    paymentId: string,
    status: OfflineState,
    at: number,
    detail: { declineReason?: string; lastError?: string } = {},
  ): void {
    this.db
      .prepare(
        `UPDATE offline_payments SET status = ?, forwarded_at = ?, decline_reason = ?,
           last_error = COALESCE(?, last_error), attempts = attempts + 1 WHERE payment_id = ?`,
      )
      .run(status, at, detail.declineReason ?? null, detail.lastError ?? null, paymentId);
  }

  noteForwardAttempt(paymentId: string, error: string): void {
    this.db
      .prepare(
        'UPDATE offline_payments SET attempts = attempts + 1, last_error = ? WHERE payment_id = ?',
      )
      .run(error, paymentId);
  }

  markOverdueAlerted(paymentId: string, at: number): void {
    this.db
      .prepare('UPDATE offline_payments SET overdue_alerted_at = ? WHERE payment_id = ?')
      .run(at, paymentId);
  }

  acknowledgeOffline(paymentId: string, by: string, at: number): void {
    this.db
      .prepare(
        'UPDATE offline_payments SET acknowledged_by = ?, acknowledged_at = ? WHERE payment_id = ?',
      )
      .run(by, at, paymentId);
  }

  // ---- refunds -----------------------------------------------------------------------------

  insertRefund(r: RefundRow): void {
    this.db
      .prepare(
        `INSERT INTO refunds (id, payment_id, order_id, business_date, tender, kind, amount_cents,
           currency, reason, requested_by, approved_by, processor_ref, shift_id, fingerprint,
           created_at)
         VALUES (@id, @paymentId, @orderId, @businessDate, @tender, @kind, @amountCents,
           @currency, @reason, @requestedBy, @approvedBy, @processorRef, @shiftId, @fingerprint,
           @createdAt)`,
      )
      .run(r);
  }

  refund(id: string): RefundRow | undefined {
    return this.db.prepare(`${REFUND_SELECT} WHERE id = ?`).get(id) as RefundRow | undefined;
  }

  refundsOfPayment(paymentId: string): RefundRow[] {
    return this.db
      .prepare(`${REFUND_SELECT} WHERE payment_id = ? ORDER BY created_at, id`)
      .all(paymentId) as RefundRow[];
  }

  refundsOfDay(businessDate: string): RefundRow[] {
    return this.db
      .prepare(`${REFUND_SELECT} WHERE business_date = ? ORDER BY created_at, id`)
      .all(businessDate) as RefundRow[];
  }

  refundsOfShift(shiftId: string): RefundRow[] {
    return this.db
      .prepare(`${REFUND_SELECT} WHERE shift_id = ? ORDER BY created_at, id`)
      .all(shiftId) as RefundRow[];
  }

  // ---- shifts and cash ---------------------------------------------------------------------

  openShift(): ShiftRow | undefined {
    const raw = this.db.prepare(`${SHIFT_SELECT} WHERE status = 'open'`).get() as
      | RawShift
      | undefined;
    return raw && toShift(raw);
  }

  shift(id: string): ShiftRow | undefined {
    const raw = this.db.prepare(`${SHIFT_SELECT} WHERE id = ?`).get(id) as RawShift | undefined;
    return raw && toShift(raw);
  }

  shiftsOfDay(businessDate: string): ShiftRow[] {
    return (
      this.db
        .prepare(`${SHIFT_SELECT} WHERE business_date = ? ORDER BY opened_at, id`)
        .all(businessDate) as RawShift[]
    ).map(toShift);
  }

  recentShifts(limit: number): ShiftRow[] {
    return (
      this.db
        .prepare(`${SHIFT_SELECT} ORDER BY opened_at DESC, id DESC LIMIT ?`)
        .all(limit) as RawShift[]
    ).map(toShift);
  }

  insertShift(s: ShiftRow): void {
    this.db
      .prepare(
        `INSERT INTO shifts (id, business_date, status, opened_by, opened_at, opening_float_cents,
           closed_by, closed_at, expected_cents, counted_cents, counted, note)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(
        s.id,
        s.businessDate,
        s.status,
        s.openedBy,
        s.openedAt,
        s.openingFloatCents,
        s.closedBy,
        s.closedAt,
        s.expectedCents,
        s.countedCents,
        s.counted === null ? null : JSON.stringify(s.counted),
        s.note,
      );
  }

  closeShift(s: ShiftRow): void {
    this.db
      .prepare(
        `UPDATE shifts SET status = 'closed', closed_by = ?, closed_at = ?, expected_cents = ?,
           counted_cents = ?, counted = ?, note = ? WHERE id = ? AND status = 'open'`,
      )
      .run(
        s.closedBy,
        s.closedAt,
        s.expectedCents,
        s.countedCents,
        s.counted === null ? null : JSON.stringify(s.counted),
        s.note,
        s.id,
      );
  }

  insertCashMovement(m: CashMovementRow): void {
    this.db
      .prepare(
        `INSERT INTO cash_movements (id, shift_id, kind, amount_cents, reason, by, at)
         VALUES (@id, @shiftId, @kind, @amountCents, @reason, @by, @at)`,
      )
      .run(m);
  }

  cashMovements(shiftId: string): CashMovementRow[] {
    return this.db
      .prepare(
        `SELECT id, shift_id AS shiftId, kind, amount_cents AS amountCents, reason, by, at
         FROM cash_movements WHERE shift_id = ? ORDER BY at, id`,
      )
      .all(shiftId) as CashMovementRow[];
  }

  // ---- Z reports ---------------------------------------------------------------------------

  zReport(businessDate: string): { number: number; report: string } | undefined {
    return this.db
      .prepare('SELECT number, report FROM z_reports WHERE business_date = ?')
      .get(businessDate) as { number: number; report: string } | undefined;
  }

  zReportByNumber(number: number): { number: number; report: string } | undefined {
    return this.db.prepare('SELECT number, report FROM z_reports WHERE number = ?').get(number) as
      | { number: number; report: string }
      | undefined;
  }

  nextZNumber(): number {
    const row = this.db
      .prepare('SELECT COALESCE(MAX(number), 0) + 1 AS n FROM z_reports')
      .get() as {
      n: number;
    };
    return row.n;
  }

  insertZReport(number: number, businessDate: string, report: string, by: string, at: number) {
    this.db
      .prepare(
        `INSERT INTO z_reports (number, business_date, report, created_by, created_at)
         VALUES (?, ?, ?, ?, ?)`,
      )
      .run(number, businessDate, report, by, at);
  }
}
