import {
  type CashMovementV1,
  type Cents,
  cents,
  EVENT_PAYLOAD_SCHEMAS,
  EventId,
  type ShiftClosedV1,
  type ShiftOpenedV1,
  Timestamp,
} from '@pos/contracts';
import type { SqlExecutor, SqlSchema } from '@pos/kit/sql';
import { z } from 'zod';
import type { SyncedEvent } from '../protocol.js';

// The cloud's read model of each store's cash-drawer shifts, fed by the shift events the hubs
// push (`payment.shiftopened.v1`, `payment.cashmovement.v1`, `payment.shiftclosed.v1`) and read
// by the manager portal's Sales page.
//
// An event may arrive twice, and events of one shift may arrive in any order across batches;
// every change below is idempotent and commutative, so the same events give the same rows:
// - a shift's row is created by whichever of its opening or closing arrives first (both carry
//   the opening figures); its opening figures come from the opening event once that has
//   arrived, its closing figures from the closing event, each written once;
// - paid-ins and paid-outs are rows keyed by their own id, inserted once; an open shift's
//   movement totals are summed from them, a closed shift's are the ones its closing carries
//   (the hub's own figures, which already count every movement of the shift).

/** Read model tables; component `sync-shifts` in the sync service's database. */
export const shiftsSchema: SqlSchema = {
  component: 'sync-shifts',
  migrations: [
    {
      version: 1,
      name: 'cash drawer shifts and their paid-ins and paid-outs per store',
      up: `
        CREATE TABLE sync_shifts (
          store_id TEXT NOT NULL,
          shift_id UUID NOT NULL,
          -- The store's trading day of the shift, as the hub gave it.
          business_date DATE NOT NULL,
          opened_by UUID NOT NULL,
          opened_at TIMESTAMPTZ NOT NULL,
          opening_float_cents BIGINT NOT NULL CHECK (opening_float_cents >= 0),
          currency TEXT NOT NULL,
          -- The shiftopened event the opening figures come from; NULL while only the closing
          -- has arrived (it carries the same figures).
          opened_event_id UUID,
          paid_in_cents BIGINT NOT NULL DEFAULT 0 CHECK (paid_in_cents >= 0),
          paid_out_cents BIGINT NOT NULL DEFAULT 0 CHECK (paid_out_cents >= 0),
          movements_cents BIGINT GENERATED ALWAYS AS (paid_in_cents - paid_out_cents) STORED,
          -- From payment.shiftclosed; NULL while the shift is open.
          closed_event_id UUID,
          closed_by UUID,
          closed_at TIMESTAMPTZ,
          cash_sales_cents BIGINT,
          cash_tips_cents BIGINT,
          cash_rounding_cents BIGINT,
          cash_refunds_cents BIGINT,
          cash_voids_cents BIGINT,
          expected_cents BIGINT,
          counted_cents BIGINT CHECK (counted_cents >= 0),
          -- Counted − expected: positive when over, negative when short.
          difference_cents BIGINT,
          counted JSONB,
          note TEXT,
          PRIMARY KEY (store_id, shift_id),
          CHECK ((closed_event_id IS NULL) = (closed_at IS NULL))
        );
        CREATE INDEX sync_shifts_day ON sync_shifts (business_date, store_id);

        CREATE TABLE sync_shift_movements (
          store_id TEXT NOT NULL,
          movement_id UUID NOT NULL,
          shift_id UUID NOT NULL,
          kind TEXT NOT NULL CHECK (kind IN ('paid-in', 'paid-out')),
          amount_cents BIGINT NOT NULL CHECK (amount_cents > 0),
          currency TEXT NOT NULL,
          reason TEXT NOT NULL,
          moved_by UUID NOT NULL,
          at TIMESTAMPTZ NOT NULL,
          PRIMARY KEY (store_id, movement_id)
        );
        CREATE INDEX sync_shift_movements_shift ON sync_shift_movements (store_id, shift_id);
      `,
    },
  ],
};

/** What the shifts model needs of a synced event: its ID, type, time and payload. */
export type ShiftEventInput = Pick<SyncedEvent, 'EventId' | 'EventType' | 'Timestamp' | 'Payload'>;

const SHIFT_EVENT_TYPES = [
  'payment.shiftopened.v1',
  'payment.cashmovement.v1',
  'payment.shiftclosed.v1',
] as const;
type ShiftEventType = (typeof SHIFT_EVENT_TYPES)[number];

const isShiftEvent = (type: string): type is ShiftEventType =>
  (SHIFT_EVENT_TYPES as readonly string[]).includes(type);

const EnvelopeStamp = z.object({ EventId, Timestamp });

type Row = Record<string, string | number | null | readonly unknown[]>;

/**
 * Apply the shift events among a batch of `storeId`'s synced events, inside the caller's
 * transaction (the push's). Other event types are ignored, and so is an event whose payload
 * breaks its contract (the push keeps it as invalid and moves on). Applying an event again, or
 * the events of a shift in another order or other batches, leaves the same rows.
 */
export async function applyShiftEvents(
  tx: SqlExecutor,
  storeId: string,
  events: readonly ShiftEventInput[],
): Promise<void> {
  const opened: Row[] = [];
  const closed: Row[] = [];
  const movements: Row[] = [];
  for (const event of events) {
    const type = event.EventType;
    if (!isShiftEvent(type)) continue;
    const stamp = EnvelopeStamp.safeParse({ EventId: event.EventId, Timestamp: event.Timestamp });
    const parsed = EVENT_PAYLOAD_SCHEMAS[type].safeParse(event.Payload);
    if (!stamp.success || !parsed.success) continue;
    const eventId = stamp.data.EventId;
    if (type === 'payment.shiftopened.v1') {
      opened.push(openedRow(eventId, parsed.data as ShiftOpenedV1));
    } else if (type === 'payment.shiftclosed.v1') {
      closed.push(closedRow(eventId, parsed.data as ShiftClosedV1));
    } else {
      movements.push(movementRow(parsed.data as CashMovementV1));
    }
  }
  await writeOpened(tx, storeId, opened);
  await writeClosed(tx, storeId, closed);
  await insertMovements(tx, storeId, movements);
  const touched = [...new Set([...opened, ...movements].map((r) => String(r.shift_id)))];
  await refreshOpenTotals(tx, storeId, touched);
}

const openingOf = (p: ShiftOpenedV1 | ShiftClosedV1) => ({
  shift_id: p.shiftId,
  business_date: p.businessDate,
  opened_by: p.openedBy,
  opened_at: p.openedAt,
  opening_float_cents: p.openingFloatCents,
  currency: p.currency,
});

const openedRow = (eventId: string, p: ShiftOpenedV1): Row => ({
  ...openingOf(p),
  event_id: eventId,
});

const closedRow = (eventId: string, p: ShiftClosedV1): Row => ({
  ...openingOf(p),
  event_id: eventId,
  closed_by: p.closedBy,
  closed_at: p.closedAt,
  cash_sales_cents: p.cashSalesCents,
  cash_tips_cents: p.cashTipsCents,
  cash_rounding_cents: p.cashRoundingCents,
  cash_refunds_cents: p.cashRefundsCents,
  cash_voids_cents: p.cashVoidsCents,
  paid_in_cents: p.paidInCents,
  paid_out_cents: p.paidOutCents,
  expected_cents: p.expectedCents,
  counted_cents: p.countedCents,
  difference_cents: p.differenceCents,
  counted: p.counted,
  note: p.note ?? null,
});

const movementRow = (p: CashMovementV1): Row => ({
  movement_id: p.movementId,
  shift_id: p.shiftId,
  kind: p.kind,
  amount_cents: p.amountCents,
  currency: p.currency,
  reason: p.reason,
  moved_by: p.by,
  at: p.at,
});

const OPENING = ['business_date', 'opened_by', 'opened_at', 'opening_float_cents', 'currency'];
const OPENING_TYPES = `shift_id uuid, business_date date, opened_by uuid, opened_at timestamptz,
  opening_float_cents bigint, currency text, event_id uuid`;

// Each statement takes its rows as one JSON array (`jsonb_to_recordset`). `DISTINCT ON` keeps
// one row per shift, as DO UPDATE may touch a row only once per statement; the one kept is the
// one with the lowest event id, which is also the one a row already stored is compared with,
// so the choice is the same within a batch and across batches.

/**
 * payment.shiftopened: the shift's row with its opening figures, or those figures taken from
 * the opening onto a row its closing made first. Written once: the same event again is a no-op.
 */
async function writeOpened(tx: SqlExecutor, storeId: string, rows: Row[]): Promise<void> {
  if (rows.length === 0) return;
  await tx.query(
    `INSERT INTO sync_shifts AS s (store_id, shift_id, ${OPENING.join(', ')}, opened_event_id)
     SELECT DISTINCT ON (r.shift_id) $1, r.shift_id, ${OPENING.map((c) => `r.${c}`).join(', ')},
            r.event_id
       FROM jsonb_to_recordset($2::jsonb) AS r(${OPENING_TYPES})
      ORDER BY r.shift_id, r.event_id
     ON CONFLICT (store_id, shift_id) DO UPDATE
        SET ${OPENING.map((c) => `${c} = excluded.${c}`).join(', ')},
            opened_event_id = excluded.opened_event_id
      WHERE s.opened_event_id IS NULL OR excluded.opened_event_id < s.opened_event_id`,
    [storeId, JSON.stringify(rows)],
  );
}

const CLOSING = [
  'closed_by',
  'closed_at',
  'cash_sales_cents',
  'cash_tips_cents',
  'cash_rounding_cents',
  'cash_refunds_cents',
  'cash_voids_cents',
  'paid_in_cents',
  'paid_out_cents',
  'expected_cents',
  'counted_cents',
  'difference_cents',
  'counted',
  'note',
];
const CLOSING_TYPES = `closed_by uuid, closed_at timestamptz, cash_sales_cents bigint,
  cash_tips_cents bigint, cash_rounding_cents bigint, cash_refunds_cents bigint,
  cash_voids_cents bigint, paid_in_cents bigint, paid_out_cents bigint, expected_cents bigint,
  counted_cents bigint, difference_cents bigint, counted jsonb, note text`;

/**
 * payment.shiftclosed: the closing figures, on the shift's row or on a new one made from the
 * opening figures the closing carries (an opening that arrives later fills those in again).
 */
async function writeClosed(tx: SqlExecutor, storeId: string, rows: Row[]): Promise<void> {
  if (rows.length === 0) return;
  await tx.query(
    `INSERT INTO sync_shifts AS s (store_id, shift_id, ${OPENING.join(', ')},
                                   ${CLOSING.join(', ')}, closed_event_id)
     SELECT DISTINCT ON (r.shift_id) $1, r.shift_id, ${OPENING.map((c) => `r.${c}`).join(', ')},
            ${CLOSING.map((c) => `r.${c}`).join(', ')}, r.event_id
       FROM jsonb_to_recordset($2::jsonb) AS r(${OPENING_TYPES}, ${CLOSING_TYPES})
      ORDER BY r.shift_id, r.event_id
     ON CONFLICT (store_id, shift_id) DO UPDATE
        SET ${CLOSING.map((c) => `${c} = excluded.${c}`).join(', ')},
            closed_event_id = excluded.closed_event_id
      WHERE s.closed_event_id IS NULL OR excluded.closed_event_id < s.closed_event_id`,
    [storeId, JSON.stringify(rows)],
  );
}

/** payment.cashmovement: each paid-in or paid-out once, whether or not its shift is known. */
async function insertMovements(tx: SqlExecutor, storeId: string, rows: Row[]): Promise<void> {
  if (rows.length === 0) return;
  await tx.query(
    `INSERT INTO sync_shift_movements (store_id, movement_id, shift_id, kind, amount_cents,
                                       currency, reason, moved_by, at)
     SELECT $1, r.movement_id, r.shift_id, r.kind, r.amount_cents, r.currency, r.reason,
            r.moved_by, r.at
       FROM jsonb_to_recordset($2::jsonb) AS r(movement_id uuid, shift_id uuid, kind text,
            amount_cents bigint, currency text, reason text, moved_by uuid, at timestamptz)
     ON CONFLICT (store_id, movement_id) DO NOTHING`,
    [storeId, JSON.stringify(rows)],
  );
}

/** The paid-in and paid-out totals of open shifts, from their movements so far. */
async function refreshOpenTotals(
  tx: SqlExecutor,
  storeId: string,
  shiftIds: string[],
): Promise<void> {
  if (shiftIds.length === 0) return;
  await tx.query(
    `UPDATE sync_shifts s
        SET paid_in_cents = m.paid_in, paid_out_cents = m.paid_out
       FROM (SELECT shift_id,
                    coalesce(sum(amount_cents) FILTER (WHERE kind = 'paid-in'), 0)::bigint
                      AS paid_in,
                    coalesce(sum(amount_cents) FILTER (WHERE kind = 'paid-out'), 0)::bigint
                      AS paid_out
               FROM sync_shift_movements
              WHERE store_id = $1 AND shift_id = ANY($2::uuid[])
              GROUP BY shift_id) m
      WHERE s.store_id = $1 AND s.shift_id = m.shift_id AND s.closed_event_id IS NULL`,
    [storeId, shiftIds],
  );
}

// ---- shifts report ----

/** A validated report request: business dates as `YYYY-MM-DD`, `from` ≤ `to`. */
export interface ShiftReportQuery {
  from: string;
  to: string;
  /** One store; all stores when absent. */
  storeId?: string | undefined;
}

export interface ShiftLine {
  storeId: string;
  shiftId: string;
  businessDate: string;
  status: 'open' | 'closed';
  openedBy: string;
  openedAt: string;
  closedBy: string | null;
  closedAt: string | null;
  currency: string;
  openingFloatCents: Cents;
  paidInCents: Cents;
  paidOutCents: Cents;
  /** Paid-ins less paid-outs. */
  movementsCents: Cents;
  /** The closing figures; null while the shift is open. */
  cashSalesCents: Cents | null;
  cashTipsCents: Cents | null;
  cashRoundingCents: Cents | null;
  cashRefundsCents: Cents | null;
  cashVoidsCents: Cents | null;
  expectedCents: Cents | null;
  countedCents: Cents | null;
  /** Counted − expected: positive when over, negative when short. */
  differenceCents: Cents | null;
  note: string | null;
}

export interface ShiftReport {
  totals: {
    shifts: number;
    openShifts: number;
    /** Over closed shifts. */
    expectedCents: Cents;
    countedCents: Cents;
    /** The over/short of the period: the sum of the closed shifts' differences. */
    differenceCents: Cents;
    overCents: Cents;
    /** Negative or zero. */
    shortCents: Cents;
  };
  /** Oldest first, at most `MAX_SHIFT_LINES`; the totals count every shift of the period. */
  shifts: ShiftLine[];
  truncated: boolean;
}

/** Most shifts one report lists (a year of a busy store's three shifts a day fits). */
export const MAX_SHIFT_LINES = 2_000;

const ISO_UTC = `'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'`;
const iso = (column: string) => `to_char(${column} AT TIME ZONE 'UTC', ${ISO_UTC})`;

// Shifts belong to the business days the hubs gave them: a shift is in the period when its
// business date is. The figures are the hub's, as its closing carried them.
const REPORT_SQL = `
WITH shift AS MATERIALIZED (
  SELECT * FROM sync_shifts
   WHERE business_date BETWEEN $1::date AND $2::date
     AND ($3::text IS NULL OR store_id = $3::text)
)
SELECT
  (SELECT json_build_object(
            'shifts', count(*),
            'open', count(*) FILTER (WHERE closed_event_id IS NULL),
            'expected', coalesce(sum(expected_cents), 0),
            'counted', coalesce(sum(counted_cents), 0),
            'difference', coalesce(sum(difference_cents), 0),
            'over', coalesce(sum(difference_cents) FILTER (WHERE difference_cents > 0), 0),
            'short', coalesce(sum(difference_cents) FILTER (WHERE difference_cents < 0), 0))
     FROM shift) AS totals,
  (SELECT coalesce(json_agg(json_build_object(
            'storeId', l.store_id, 'shiftId', l.shift_id,
            'businessDate', to_char(l.business_date, 'YYYY-MM-DD'),
            'open', l.closed_event_id IS NULL,
            'openedBy', l.opened_by, 'openedAt', ${iso('l.opened_at')},
            'closedBy', l.closed_by, 'closedAt', ${iso('l.closed_at')},
            'currency', l.currency, 'float', l.opening_float_cents,
            'paidIn', l.paid_in_cents, 'paidOut', l.paid_out_cents,
            'movements', l.movements_cents,
            'sales', l.cash_sales_cents, 'tips', l.cash_tips_cents,
            'rounding', l.cash_rounding_cents, 'refunds', l.cash_refunds_cents,
            'voids', l.cash_voids_cents, 'expected', l.expected_cents,
            'counted', l.counted_cents, 'difference', l.difference_cents, 'note', l.note)
            ORDER BY l.opened_at, l.store_id, l.shift_id), '[]'::json)
     FROM (SELECT * FROM shift ORDER BY opened_at, store_id, shift_id LIMIT $4) l) AS lines
`;

interface ReportRow {
  totals: {
    shifts: number;
    open: number;
    expected: number;
    counted: number;
    difference: number;
    over: number;
    short: number;
  };
  lines: {
    storeId: string;
    shiftId: string;
    businessDate: string;
    open: boolean;
    openedBy: string;
    openedAt: string;
    closedBy: string | null;
    closedAt: string | null;
    currency: string;
    float: number;
    paidIn: number;
    paidOut: number;
    movements: number;
    sales: number | null;
    tips: number | null;
    rounding: number | null;
    refunds: number | null;
    voids: number | null;
    expected: number | null;
    counted: number | null;
    difference: number | null;
    note: string | null;
  }[];
}

const orNull = (n: number | null) => (n === null ? null : cents(n));

/** The shifts of `q`'s business days, oldest first, with their figures and the over/short. */
export async function shiftReport(db: SqlExecutor, q: ShiftReportQuery): Promise<ShiftReport> {
  const row = await db.one<ReportRow>(REPORT_SQL, [
    q.from,
    q.to,
    q.storeId ?? null,
    MAX_SHIFT_LINES,
  ]);
  const t = row.totals;
  return {
    totals: {
      shifts: t.shifts,
      openShifts: t.open,
      expectedCents: cents(t.expected),
      countedCents: cents(t.counted),
      differenceCents: cents(t.difference),
      overCents: cents(t.over),
      shortCents: cents(t.short),
    },
    shifts: row.lines.map((l) => ({
      storeId: l.storeId,
      shiftId: l.shiftId,
      businessDate: l.businessDate,
      status: l.open ? 'open' : 'closed',
      openedBy: l.openedBy,
      openedAt: l.openedAt,
      closedBy: l.closedBy,
      closedAt: l.closedAt,
      currency: l.currency,
      openingFloatCents: cents(l.float),
      paidInCents: cents(l.paidIn),
      paidOutCents: cents(l.paidOut),
      movementsCents: cents(l.movements),
      cashSalesCents: orNull(l.sales),
      cashTipsCents: orNull(l.tips),
      cashRoundingCents: orNull(l.rounding),
      cashRefundsCents: orNull(l.refunds),
      cashVoidsCents: orNull(l.voids),
      expectedCents: orNull(l.expected),
      countedCents: orNull(l.counted),
      differenceCents: orNull(l.difference),
      note: l.note,
    })),
    truncated: t.shifts > row.lines.length,
  };
}
