import {
  type AnyEvent,
  type Cents,
  cents,
  EVENT_PAYLOAD_SCHEMAS,
  EventId,
  type EventPayloads,
  type OrderLineItem,
  Timestamp,
} from '@pos/contracts';
import { type SqlExecutor, type SqlSchema, sqlState } from '@pos/kit/sql';
import { z } from 'zod';

// The cloud's read model of each store's orders and payments, fed by the events the hubs push
// (ARCHITECTURE "Sync") and read by the manager portal's sales reports.
//
// Events can arrive more than once and, across services, out of order (a payment before the
// order it pays). Every change below is therefore idempotent and commutative, so the same set
// of events gives the same rows whatever the order of arrival:
// - values that change over time (an order's amounts, its status, a payment's tip) are kept
//   with the (time, event id) of the event they came from, and replaced only by a later one;
// - things that accumulate (lines, voids, refunds) are rows keyed by their own id, inserted
//   once, and summed;
// - a row another event needs (the order of a status event, the payment of a refund) is
//   created empty and filled in when its own event arrives.

/** Read model tables; component `sales` in the sync service's database. */
export const readModelSchema: SqlSchema = {
  component: 'sales',
  migrations: [
    {
      version: 1,
      name: 'orders, lines, voids, payments and refunds per store',
      up: `
        CREATE TABLE sales_orders (
          store_id TEXT NOT NULL,
          order_id UUID NOT NULL,
          -- From order.created; NULL while only later events of the order have arrived.
          order_number INTEGER,
          order_type TEXT,
          business_date DATE,
          created_at TIMESTAMPTZ,
          currency TEXT,
          subtotal_cents BIGINT NOT NULL DEFAULT 0 CHECK (subtotal_cents >= 0),
          discount_cents BIGINT NOT NULL DEFAULT 0 CHECK (discount_cents >= 0),
          tax_cents BIGINT NOT NULL DEFAULT 0 CHECK (tax_cents >= 0),
          service_charge_cents BIGINT NOT NULL DEFAULT 0 CHECK (service_charge_cents >= 0),
          total_cents BIGINT NOT NULL DEFAULT 0 CHECK (total_cents >= 0),
          -- The order.created or order.modified event the amounts come from (the latest).
          totals_at TIMESTAMPTZ,
          totals_event_id UUID,
          status TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'confirmed', 'preparing',
            'ready', 'completed', 'cancelled', 'payment-failed')),
          -- Completed and cancelled orders never change status again, whatever arrives later.
          status_final BOOLEAN NOT NULL DEFAULT false,
          status_at TIMESTAMPTZ,
          status_event_id UUID,
          PRIMARY KEY (store_id, order_id)
        );
        CREATE INDEX sales_orders_created ON sales_orders (created_at);
        CREATE INDEX sales_orders_store_created ON sales_orders (store_id, created_at);

        CREATE TABLE sales_order_lines (
          store_id TEXT NOT NULL,
          order_id UUID NOT NULL,
          order_item_id UUID NOT NULL,
          menu_item_id TEXT NOT NULL,
          name TEXT NOT NULL,
          category_id TEXT NOT NULL,
          -- As rung up; voids are subtracted in voided_quantity.
          quantity INTEGER NOT NULL CHECK (quantity > 0),
          unit_price_cents BIGINT NOT NULL CHECK (unit_price_cents >= 0),
          line_total_cents BIGINT NOT NULL CHECK (line_total_cents >= 0),
          voided_quantity INTEGER NOT NULL DEFAULT 0
            CHECK (voided_quantity >= 0 AND voided_quantity <= quantity),
          sold_quantity INTEGER GENERATED ALWAYS AS (quantity - voided_quantity) STORED,
          -- The line total less the voided share, to the nearest cent.
          sold_cents BIGINT GENERATED ALWAYS AS
            (round(line_total_cents::numeric * (quantity - voided_quantity) / quantity)::bigint)
            STORED,
          PRIMARY KEY (store_id, order_id, order_item_id),
          FOREIGN KEY (store_id, order_id) REFERENCES sales_orders ON DELETE CASCADE
        );

        CREATE TABLE sales_line_voids (
          store_id TEXT NOT NULL,
          order_id UUID NOT NULL,
          order_item_id UUID NOT NULL,
          -- The order.modified event that voided it: a repeated event voids nothing more.
          event_id UUID NOT NULL,
          quantity INTEGER NOT NULL CHECK (quantity > 0),
          PRIMARY KEY (store_id, event_id, order_item_id)
        );
        CREATE INDEX sales_line_voids_order ON sales_line_voids (store_id, order_id);

        CREATE TABLE sales_payments (
          store_id TEXT NOT NULL,
          payment_id UUID NOT NULL,
          order_id UUID NOT NULL,
          -- pending: only a tip adjustment or a refund of the payment has arrived so far.
          status TEXT NOT NULL DEFAULT 'pending'
            CHECK (status IN ('pending', 'completed', 'failed')),
          tender TEXT CHECK (tender IN ('cash', 'card')),
          -- Applied to the order, without the tip.
          amount_cents BIGINT CHECK (amount_cents > 0),
          currency TEXT,
          tip_cents BIGINT NOT NULL DEFAULT 0 CHECK (tip_cents >= 0),
          -- The event the tip comes from (completion or the latest adjustment).
          tip_at TIMESTAMPTZ,
          tip_event_id UUID,
          -- Sum of the payment's refunds (money given back), kept from sales_refunds.
          refunded_cents BIGINT NOT NULL DEFAULT 0 CHECK (refunded_cents >= 0),
          -- Voided before capture: no money moved.
          voided BOOLEAN NOT NULL DEFAULT false,
          completed_at TIMESTAMPTZ,
          PRIMARY KEY (store_id, payment_id)
        );
        CREATE INDEX sales_payments_order ON sales_payments (store_id, order_id);

        CREATE TABLE sales_refunds (
          store_id TEXT NOT NULL,
          refund_id UUID NOT NULL,
          payment_id UUID NOT NULL,
          order_id UUID NOT NULL,
          amount_cents BIGINT NOT NULL CHECK (amount_cents > 0),
          voided BOOLEAN NOT NULL,
          processed_at TIMESTAMPTZ NOT NULL,
          PRIMARY KEY (store_id, refund_id)
        );
        CREATE INDEX sales_refunds_order ON sales_refunds (store_id, order_id);
        CREATE INDEX sales_refunds_payment ON sales_refunds (store_id, payment_id);
      `,
    },
    {
      version: 2,
      name: 'order lines without a foreign key to their order',
      // Like voids, payments and refunds, lines are keyed by their own order and store without
      // a foreign key: a batch writes its orders' rows before their lines, and orders are never
      // deleted. The per-line check's plan is fixed on a connection's first use, when the table
      // may be nearly empty, and then scanned the whole table for every line.
      up: `
        ALTER TABLE sales_order_lines
          DROP CONSTRAINT IF EXISTS sales_order_lines_store_id_order_id_fkey;
      `,
    },
    {
      version: 3,
      name: 'payments taken online (a guest paid by card before the order reached the store)',
      up: `
        ALTER TABLE sales_payments DROP CONSTRAINT IF EXISTS sales_payments_tender_check;
        ALTER TABLE sales_payments ADD CONSTRAINT sales_payments_tender_check
          CHECK (tender IN ('cash', 'card', 'online'));
      `,
    },
  ],
};

/** What the read model needs of an event: the envelope's ID, type, time and payload. */
export interface ReadModelEvent {
  EventId: string;
  EventType: string;
  Timestamp: string;
  Payload: unknown;
}

export type ReadModelErrorCode = 'invalid-event';

/** An event that breaks its contract reached the read model: a bug upstream, not an outcome. */
export class ReadModelError extends Error {
  override readonly name = 'ReadModelError';
  constructor(
    readonly code: ReadModelErrorCode,
    message: string,
  ) {
    super(message);
  }
}

/** Which store, which event and when: what every change is stamped with. */
interface Applied {
  storeId: string;
  eventId: string;
  at: string;
}

type OrderStatus =
  | 'open'
  | 'confirmed'
  | 'preparing'
  | 'ready'
  | 'completed'
  | 'cancelled'
  | 'payment-failed';

/** The events that only move an order's status, and the status they move it to. */
const STATUS_EVENTS = {
  'order.confirmed.v1': 'confirmed',
  'order.preparing.v1': 'preparing',
  'order.ready.v1': 'ready',
  // The seed's "OrderCompleted": picked up or served.
  'order.pickedup.v1': 'completed',
  'order.cancelled.v1': 'cancelled',
  'order.paymentfailed.v1': 'payment-failed',
} as const satisfies Partial<Record<keyof EventPayloads, OrderStatus>>;

type StatusType = keyof typeof STATUS_EVENTS;

type HandledType =
  | StatusType
  | 'order.created.v1'
  | 'order.modified.v1'
  | 'payment.completed.v1'
  | 'payment.failed.v1'
  | 'payment.refundprocessed.v1'
  | 'payment.tipadjusted.v1';

/** A row for one of the batch statements below, in the column names of its recordset. */
type Row = Record<string, string | number | boolean | null>;

/**
 * A batch's changes gathered by the rows they touch, so that each kind is written by one
 * statement however many events of the batch carry it.
 */
interface Changes {
  /** order.created: the order's own fields, its amounts and 'open'. */
  created: Row[];
  /** order.modified: the order's amounts after the change. */
  amounts: Row[];
  statuses: Row[];
  /** Lines of order.created and order.modified. */
  lines: Row[];
  /** Voids of order.modified, one row per event and line. */
  voids: Row[];
  completed: Row[];
  failed: Row[];
  tips: Row[];
  refunds: Row[];
}

type Collector<T extends HandledType> = (c: Changes, e: Applied, p: EventPayloads[T]) => void;

/** A status event: the order moves to `status` as of the event's time. */
const toStatus =
  (status: OrderStatus): Collector<StatusType> =>
  (c, e, p) => {
    c.statuses.push({
      order_id: p.orderId,
      status,
      status_final: status === 'completed' || status === 'cancelled',
      status_at: e.at,
      status_event_id: e.eventId,
    });
  };

function addLines(c: Changes, orderId: string, lines: readonly OrderLineItem[]): void {
  for (const l of lines)
    c.lines.push({
      order_id: orderId,
      order_item_id: l.orderItemId,
      menu_item_id: l.menuItemId,
      name: l.name,
      category_id: l.categoryId,
      quantity: l.quantity,
      unit_price_cents: l.unitPriceCents,
      line_total_cents: l.lineTotalCents,
    });
}

type OrderAmounts = Pick<
  EventPayloads['order.created.v1'],
  'subtotalCents' | 'discountCents' | 'taxCents' | 'serviceChargeCents' | 'totalCents' | 'currency'
>;

const amountsRow = (e: Applied, orderId: string, a: OrderAmounts): Row => ({
  order_id: orderId,
  at: e.at,
  event_id: e.eventId,
  currency: a.currency,
  subtotal_cents: a.subtotalCents,
  discount_cents: a.discountCents,
  tax_cents: a.taxCents,
  service_charge_cents: a.serviceChargeCents,
  total_cents: a.totalCents,
});

const COLLECTORS: { [T in HandledType]: Collector<T> } = {
  ...(Object.fromEntries(
    Object.entries(STATUS_EVENTS).map(([type, status]) => [type, toStatus(status)]),
  ) as { [T in StatusType]: Collector<T> }),
  'order.created.v1': (c, e, p) => {
    c.created.push({
      ...amountsRow(e, p.orderId, p),
      order_number: p.orderNumber,
      order_type: p.orderType,
      business_date: p.businessDate,
    });
    addLines(c, p.orderId, p.items);
  },
  'order.modified.v1': (c, e, p) => {
    c.amounts.push(amountsRow(e, p.orderId, p));
    addLines(c, p.orderId, p.added);
    // An event's voids of one line count together; the same event again voids nothing more.
    const byItem = new Map<string, number>();
    for (const v of p.voided)
      byItem.set(v.orderItemId, (byItem.get(v.orderItemId) ?? 0) + v.quantity);
    for (const [orderItemId, quantity] of byItem)
      c.voids.push({
        order_id: p.orderId,
        order_item_id: orderItemId,
        event_id: e.eventId,
        quantity,
      });
  },
  'payment.completed.v1': (c, e, p) => {
    c.completed.push({
      payment_id: p.paymentId,
      order_id: p.orderId,
      tender: p.tender,
      amount_cents: p.amountCents,
      currency: p.currency,
      completed_at: p.completedAt,
      tip_cents: p.tipCents,
      event_id: e.eventId,
    });
  },
  'payment.failed.v1': (c, e, p) => {
    c.failed.push({
      payment_id: p.paymentId,
      order_id: p.orderId,
      tender: p.tender,
      amount_cents: p.amountCents,
      currency: p.currency,
      at: e.at,
      event_id: e.eventId,
    });
  },
  'payment.refundprocessed.v1': (c, e, p) => {
    c.refunds.push({
      refund_id: p.refundId,
      payment_id: p.paymentId,
      order_id: p.orderId,
      amount_cents: p.amountCents,
      voided: p.voided === true,
      processed_at: e.at,
    });
  },
  'payment.tipadjusted.v1': (c, e, p) => {
    c.tips.push({
      payment_id: p.paymentId,
      order_id: p.orderId,
      tip_cents: p.tipCents,
      at: p.at,
      event_id: e.eventId,
    });
  },
};

const EnvelopeStamp = z.object({ EventId, Timestamp });

function isHandled(type: string): type is HandledType {
  return Object.hasOwn(COLLECTORS, type);
}

/**
 * Apply one accepted event of `storeId` to the read model, inside the caller's transaction.
 * Other event types are ignored. Applying an event again, or after later ones, changes nothing.
 */
export async function applyToReadModel(
  tx: SqlExecutor,
  storeId: string,
  event: ReadModelEvent,
): Promise<void> {
  await applyBatchToReadModel(tx, storeId, [event]);
}

/**
 * Apply a batch of accepted events of `storeId`, inside the caller's transaction: the same rows
 * as applying them one by one in any order. The batch's changes are gathered by the rows they
 * touch and each kind is written by one statement (a handful per batch, whatever its size);
 * where several events of the batch set the same value (an order's status or amounts, a
 * payment's tip), the statement keeps the latest of them, as applying them in turn would.
 */
export async function applyBatchToReadModel(
  tx: SqlExecutor,
  storeId: string,
  events: readonly ReadModelEvent[],
): Promise<void> {
  const changes = noChanges();
  for (const event of events) {
    const checked = validated(storeId, event);
    if (checked) gather(changes, checked.type, checked.applied, checked.payload);
  }
  await write(tx, storeId, changes);
}

/**
 * `applyBatchToReadModel` for events already checked against their contracts (`parseEvent`,
 * as the push does for every event it stores): their payloads are not checked a second time.
 */
export async function applyParsedBatchToReadModel(
  tx: SqlExecutor,
  storeId: string,
  events: readonly AnyEvent[],
): Promise<void> {
  const changes = noChanges();
  for (const e of events) {
    if (isHandled(e.EventType))
      gather(changes, e.EventType, { storeId, eventId: e.EventId, at: e.Timestamp }, e.Payload);
  }
  await write(tx, storeId, changes);
}

function noChanges(): Changes {
  return {
    created: [],
    amounts: [],
    statuses: [],
    lines: [],
    voids: [],
    completed: [],
    failed: [],
    tips: [],
    refunds: [],
  };
}

function gather(changes: Changes, type: HandledType, applied: Applied, payload: unknown): void {
  (COLLECTORS[type] as Collector<HandledType>)(changes, applied, payload as never);
}

async function write(tx: SqlExecutor, storeId: string, changes: Changes): Promise<void> {
  // Orders before their lines, voids before the lines they count in.
  await writeCreated(tx, storeId, changes.created);
  await writeAmounts(tx, storeId, changes.amounts);
  await writeStatuses(tx, storeId, changes.statuses);
  await insertVoids(tx, storeId, changes.voids);
  await insertLines(tx, storeId, changes.lines);
  await refreshVoided(tx, storeId, changes.voids);
  await writeCompleted(tx, storeId, changes.completed);
  await writeFailed(tx, storeId, changes.failed);
  await writeTips(tx, storeId, changes.tips);
  await insertRefunds(tx, storeId, changes.refunds);
}

function validated(
  storeId: string,
  event: ReadModelEvent,
): { type: HandledType; applied: Applied; payload: unknown } | undefined {
  const type = event.EventType;
  if (!isHandled(type)) return undefined;
  const stamp = EnvelopeStamp.safeParse({ EventId: event.EventId, Timestamp: event.Timestamp });
  const payload = EVENT_PAYLOAD_SCHEMAS[type].safeParse(event.Payload);
  if (!stamp.success || !payload.success) {
    const issues = [...(stamp.error?.issues ?? []), ...(payload.error?.issues ?? [])];
    const summary = issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    throw new ReadModelError('invalid-event', `invalid ${type} event: ${summary}`);
  }
  return {
    type,
    applied: { storeId, eventId: stamp.data.EventId, at: stamp.data.Timestamp },
    payload: payload.data,
  };
}

// Each statement below takes its rows as one JSON array (`jsonb_to_recordset`). Where a row of
// the table may be set by several rows of the batch (DO UPDATE may touch a row only once per
// statement), `DISTINCT ON` keeps the one that compares highest the way the table's own
// comparison does, so PostgreSQL decides "later" alike within a batch and across batches.

const AMOUNTS = [
  'currency',
  'subtotal_cents',
  'discount_cents',
  'tax_cents',
  'service_charge_cents',
  'total_cents',
];
const AMOUNT_TYPES = `currency text, subtotal_cents bigint, discount_cents bigint,
  tax_cents bigint, service_charge_cents bigint, total_cents bigint`;
const TOTALS = [...AMOUNTS, 'totals_at', 'totals_event_id'];
const STATUS = ['status', 'status_final', 'status_at', 'status_event_id'];

// ---- orders ----

/**
 * order.created: what only it carries; its amounts unless a later order.modified gave them
 * already; 'open' unless a later status arrived first.
 */
async function writeCreated(tx: SqlExecutor, storeId: string, rows: Row[]): Promise<void> {
  if (rows.length === 0) return;
  const newerTotals = `(o.totals_at IS NULL OR (o.totals_at, o.totals_event_id) < (excluded.totals_at, excluded.totals_event_id))`;
  const newerStatus = `(o.status_at IS NULL OR (o.status_final, o.status_at, o.status_event_id) < (false, excluded.status_at, excluded.status_event_id))`;
  const amount = (column: string) =>
    `${column} = CASE WHEN ${newerTotals} THEN excluded.${column} ELSE o.${column} END`;
  const status = (column: string) =>
    `${column} = CASE WHEN ${newerStatus} THEN excluded.${column} ELSE o.${column} END`;
  await tx.query(
    `INSERT INTO sales_orders AS o (store_id, order_id, order_number, order_type, business_date,
                                    created_at, ${AMOUNTS.join(', ')}, totals_at, totals_event_id,
                                    ${STATUS.join(', ')})
     SELECT DISTINCT ON (r.order_id) $1, r.order_id, r.order_number, r.order_type,
            r.business_date, r.at, ${AMOUNTS.map((c) => `r.${c}`).join(', ')}, r.at, r.event_id,
            'open', false, r.at, r.event_id
       FROM jsonb_to_recordset($2::jsonb) AS r(order_id uuid, order_number integer,
            order_type text, business_date date, at timestamptz, event_id uuid, ${AMOUNT_TYPES})
      ORDER BY r.order_id, r.at DESC, r.event_id DESC
     ON CONFLICT (store_id, order_id) DO UPDATE
        SET order_number = excluded.order_number, order_type = excluded.order_type,
            business_date = excluded.business_date, created_at = excluded.created_at,
            ${TOTALS.map(amount).join(', ')},
            ${STATUS.map(status).join(', ')}`,
    [storeId, JSON.stringify(rows)],
  );
}

/**
 * order.modified: take the order's amounts from the latest event unless a later one gave them
 * already; the order's row is created if this is the first event of it to arrive.
 */
async function writeAmounts(tx: SqlExecutor, storeId: string, rows: Row[]): Promise<void> {
  if (rows.length === 0) return;
  await tx.query(
    `INSERT INTO sales_orders AS o (store_id, order_id, ${AMOUNTS.join(', ')}, totals_at,
                                    totals_event_id)
     SELECT DISTINCT ON (r.order_id) $1, r.order_id, ${AMOUNTS.map((c) => `r.${c}`).join(', ')},
            r.at, r.event_id
       FROM jsonb_to_recordset($2::jsonb) AS r(order_id uuid, at timestamptz, event_id uuid,
            ${AMOUNT_TYPES})
      ORDER BY r.order_id, r.at DESC, r.event_id DESC
     ON CONFLICT (store_id, order_id) DO UPDATE
        SET ${TOTALS.map((c) => `${c} = excluded.${c}`).join(', ')}
      WHERE o.totals_at IS NULL
         OR (o.totals_at, o.totals_event_id) < (excluded.totals_at, excluded.totals_event_id)`,
    [storeId, JSON.stringify(rows)],
  );
}

/**
 * Move each order to its latest status unless it already has a final status or a later one;
 * an order's row is created if this is the first event of it to arrive.
 */
async function writeStatuses(tx: SqlExecutor, storeId: string, rows: Row[]): Promise<void> {
  if (rows.length === 0) return;
  await tx.query(
    `INSERT INTO sales_orders AS o (store_id, order_id, ${STATUS.join(', ')})
     SELECT DISTINCT ON (r.order_id) $1, r.order_id, ${STATUS.map((c) => `r.${c}`).join(', ')}
       FROM jsonb_to_recordset($2::jsonb) AS r(order_id uuid, status text, status_final boolean,
            status_at timestamptz, status_event_id uuid)
      ORDER BY r.order_id, r.status_final DESC, r.status_at DESC, r.status_event_id DESC
     ON CONFLICT (store_id, order_id) DO UPDATE
        SET ${STATUS.map((c) => `${c} = excluded.${c}`).join(', ')}
      WHERE o.status_at IS NULL
         OR (o.status_final, o.status_at, o.status_event_id)
            < (excluded.status_final, excluded.status_at, excluded.status_event_id)`,
    [storeId, JSON.stringify(rows)],
  );
}

/** Voids of order.modified, once per event and line. */
async function insertVoids(tx: SqlExecutor, storeId: string, rows: Row[]): Promise<void> {
  if (rows.length === 0) return;
  await tx.query(
    `INSERT INTO sales_line_voids (store_id, order_id, order_item_id, event_id, quantity)
     SELECT $1, v.order_id, v.order_item_id, v.event_id, v.quantity
       FROM jsonb_to_recordset($2::jsonb) AS v(order_id uuid, order_item_id uuid, event_id uuid,
            quantity integer)
     ON CONFLICT (store_id, event_id, order_item_id) DO NOTHING`,
    [storeId, JSON.stringify(rows)],
  );
}

/**
 * A line is added once, by order.created or order.modified, and never changes afterwards; it
 * comes with any voids that arrived before it already counted.
 */
async function insertLines(tx: SqlExecutor, storeId: string, rows: Row[]): Promise<void> {
  if (rows.length === 0) return;
  await tx.query(
    `INSERT INTO sales_order_lines (store_id, order_id, order_item_id, menu_item_id, name,
                                    category_id, quantity, unit_price_cents, line_total_cents,
                                    voided_quantity)
     SELECT $1, l.order_id, l.order_item_id, l.menu_item_id, l.name, l.category_id, l.quantity,
            l.unit_price_cents, l.line_total_cents,
            LEAST(l.quantity, coalesce((SELECT sum(v.quantity)::integer FROM sales_line_voids v
              WHERE v.store_id = $1 AND v.order_id = l.order_id
                AND v.order_item_id = l.order_item_id), 0))
       FROM jsonb_to_recordset($2::jsonb) AS l(order_id uuid, order_item_id uuid,
            menu_item_id text, name text, category_id text, quantity integer,
            unit_price_cents bigint, line_total_cents bigint)
     ON CONFLICT (store_id, order_id, order_item_id) DO NOTHING`,
    [storeId, JSON.stringify(rows)],
  );
}

/** Recount the voided quantity of the lines of orders with new voids, whichever came first. */
async function refreshVoided(tx: SqlExecutor, storeId: string, voids: Row[]): Promise<void> {
  if (voids.length === 0) return;
  const orderIds = [...new Set(voids.map((v) => String(v.order_id)))];
  await tx.query(
    `UPDATE sales_order_lines l
        SET voided_quantity = LEAST(l.quantity, v.quantity)
       FROM (SELECT order_id, order_item_id, sum(quantity)::integer AS quantity
               FROM sales_line_voids WHERE store_id = $1 AND order_id = ANY($2::uuid[])
              GROUP BY order_id, order_item_id) v
      WHERE l.store_id = $1 AND l.order_id = v.order_id AND l.order_item_id = v.order_item_id
        AND l.voided_quantity <> LEAST(l.quantity, v.quantity)`,
    [storeId, orderIds],
  );
}

// ---- payments ----

/**
 * payment.completed: a completion outranks a failure of the same payment whichever arrives
 * first; the tip is this one unless a later adjustment set it already.
 */
async function writeCompleted(tx: SqlExecutor, storeId: string, rows: Row[]): Promise<void> {
  if (rows.length === 0) return;
  const newerTip = `(s.tip_at IS NULL OR (s.tip_at, s.tip_event_id) < (excluded.tip_at, excluded.tip_event_id))`;
  const tip = (column: string) =>
    `${column} = CASE WHEN ${newerTip} THEN excluded.${column} ELSE s.${column} END`;
  await tx.query(
    `INSERT INTO sales_payments AS s (store_id, payment_id, order_id, status, tender, amount_cents,
                                      currency, completed_at, tip_cents, tip_at, tip_event_id)
     SELECT DISTINCT ON (r.payment_id) $1, r.payment_id, r.order_id, 'completed', r.tender,
            r.amount_cents, r.currency, r.completed_at, r.tip_cents, r.completed_at, r.event_id
       FROM jsonb_to_recordset($2::jsonb) AS r(payment_id uuid, order_id uuid, tender text,
            amount_cents bigint, currency text, completed_at timestamptz, tip_cents bigint,
            event_id uuid)
      ORDER BY r.payment_id, r.completed_at DESC, r.event_id DESC
     ON CONFLICT (store_id, payment_id) DO UPDATE
        SET status = 'completed', tender = excluded.tender, amount_cents = excluded.amount_cents,
            currency = excluded.currency, completed_at = excluded.completed_at,
            ${['tip_cents', 'tip_at', 'tip_event_id'].map(tip).join(', ')}`,
    [storeId, JSON.stringify(rows)],
  );
}

/** payment.failed: the payment failed, unless it completed (whichever arrives first). */
async function writeFailed(tx: SqlExecutor, storeId: string, rows: Row[]): Promise<void> {
  if (rows.length === 0) return;
  await tx.query(
    `INSERT INTO sales_payments AS s (store_id, payment_id, order_id, status, tender, amount_cents,
                                      currency)
     SELECT DISTINCT ON (r.payment_id) $1, r.payment_id, r.order_id, 'failed', r.tender,
            r.amount_cents, r.currency
       FROM jsonb_to_recordset($2::jsonb) AS r(payment_id uuid, order_id uuid, tender text,
            amount_cents bigint, currency text, at timestamptz, event_id uuid)
      ORDER BY r.payment_id, r.at DESC, r.event_id DESC
     ON CONFLICT (store_id, payment_id) DO UPDATE
        SET status = 'failed', tender = excluded.tender, amount_cents = excluded.amount_cents,
            currency = excluded.currency
      WHERE s.status <> 'completed'`,
    [storeId, JSON.stringify(rows)],
  );
}

/** payment.tipadjusted: take the tip from the latest adjustment unless a later one set it. */
async function writeTips(tx: SqlExecutor, storeId: string, rows: Row[]): Promise<void> {
  if (rows.length === 0) return;
  await tx.query(
    `INSERT INTO sales_payments AS s (store_id, payment_id, order_id, tip_cents, tip_at,
                                      tip_event_id)
     SELECT DISTINCT ON (r.payment_id) $1, r.payment_id, r.order_id, r.tip_cents, r.at,
            r.event_id
       FROM jsonb_to_recordset($2::jsonb) AS r(payment_id uuid, order_id uuid, tip_cents bigint,
            at timestamptz, event_id uuid)
      ORDER BY r.payment_id, r.at DESC, r.event_id DESC
     ON CONFLICT (store_id, payment_id) DO UPDATE
        SET tip_cents = excluded.tip_cents, tip_at = excluded.tip_at,
            tip_event_id = excluded.tip_event_id
      WHERE s.tip_at IS NULL OR (s.tip_at, s.tip_event_id) < (excluded.tip_at, excluded.tip_event_id)`,
    [storeId, JSON.stringify(rows)],
  );
}

/**
 * payment.refundprocessed: each refund once, by its id; the payment's refunded sum and voided
 * flag recounted from all its refunds (its row created if it has not arrived yet).
 */
async function insertRefunds(tx: SqlExecutor, storeId: string, rows: Row[]): Promise<void> {
  if (rows.length === 0) return;
  const json = JSON.stringify(rows);
  await tx.query(
    `INSERT INTO sales_refunds (store_id, refund_id, payment_id, order_id, amount_cents, voided,
                                processed_at)
     SELECT $1, r.refund_id, r.payment_id, r.order_id, r.amount_cents, r.voided, r.processed_at
       FROM jsonb_to_recordset($2::jsonb) AS r(refund_id uuid, payment_id uuid, order_id uuid,
            amount_cents bigint, voided boolean, processed_at timestamptz)
     ON CONFLICT (store_id, refund_id) DO NOTHING`,
    [storeId, json],
  );
  await tx.query(
    `INSERT INTO sales_payments (store_id, payment_id, order_id)
     SELECT $1, r.payment_id, r.order_id
       FROM jsonb_to_recordset($2::jsonb) AS r(payment_id uuid, order_id uuid)
     ON CONFLICT (store_id, payment_id) DO NOTHING`,
    [storeId, json],
  );
  await tx.query(
    `UPDATE sales_payments p
        SET refunded_cents = r.refunded, voided = r.voided
       FROM (SELECT payment_id,
                    coalesce(sum(amount_cents) FILTER (WHERE NOT voided), 0)::bigint AS refunded,
                    coalesce(bool_or(voided), false) AS voided
               FROM sales_refunds WHERE store_id = $1 AND payment_id = ANY($2::uuid[])
              GROUP BY payment_id) r
      WHERE p.store_id = $1 AND p.payment_id = r.payment_id`,
    [storeId, [...new Set(rows.map((r) => String(r.payment_id)))]],
  );
}

// ---- sales report ----

/** A validated report request: dates as `YYYY-MM-DD`, `from` ≤ `to`, a known IANA zone. */
export interface SalesReportQuery {
  from: string;
  to: string;
  /** One store; all stores when absent. */
  storeId?: string | undefined;
  /** IANA time zone the days and hours are counted in; UTC when absent. */
  timeZone?: string | undefined;
}

export interface SalesTotals {
  orders: number;
  grossCents: Cents;
  netCents: Cents;
  tipsCents: Cents;
  refundsCents: Cents;
  averageTicketCents: Cents;
}

export interface SalesReport {
  totals: SalesTotals;
  /** Every day from `from` to `to`, days without sales included. */
  byDay: {
    date: string;
    orders: number;
    grossCents: Cents;
    netCents: Cents;
    tipsCents: Cents;
    refundsCents: Cents;
  }[];
  /** Hours 0–23 of the day, summed over the range; `salesCents` is net. */
  byHour: { hour: number; orders: number; salesCents: Cents }[];
  /** The ten items with the highest sales. */
  topItems: { itemId: string; name: string; quantity: number; salesCents: Cents }[];
  tenders: { tender: string; count: number; amountCents: Cents }[];
  /** Stores with sales, highest first; `salesCents` is net. */
  stores: { storeId: string; orders: number; salesCents: Cents }[];
}

export type SalesReportErrorCode = 'unknown-time-zone';

export class SalesReportError extends Error {
  override readonly name = 'SalesReportError';
  constructor(
    readonly code: SalesReportErrorCode,
    message: string,
  ) {
    super(message);
  }
}

// What counts as a sale, for every figure of the report:
//
// - A sale is an order whose order.created has arrived, whose creation time falls on a day of
//   the range in the report's time zone, and that is neither cancelled nor left with a failed
//   payment (a paid-first order whose payment failed and that no later payment confirmed).
//   Open checks count from the moment they are rung up.
// - Gross is the sum of those orders' totals as last reported by the hub (items after
//   discounts, plus tax and service charge; tips not included).
// - Refunds are the money given back on payments of those orders, whenever it was given back.
//   A payment voided before capture moved no money: it is neither a refund nor a tender.
// - Net is gross less refunds; hourly and per-store sales are net. The average ticket is net
//   divided by the number of orders, rounded half up.
// - Tips are the current tips (after adjustments) of the completed, not voided payments of
//   those orders. Tenders count those payments and sum their amounts without tips.
// - Item sales are the line totals the hub reported, less the share of voided units, on those
//   orders; refunds are not allocated to items.
//
// One statement computes everything, so every figure comes from the same snapshot.
const REPORT_SQL = `
WITH bounds AS (
  SELECT ($1::date::timestamp AT TIME ZONE $3::text) AS lo,
         (($2::date + 1)::timestamp AT TIME ZONE $3::text) AS hi
),
sale AS MATERIALIZED (
  SELECT o.store_id, o.order_id, o.total_cents,
         o.created_at AT TIME ZONE $3::text AS local_at,
         (SELECT coalesce(sum(r.amount_cents), 0) FROM sales_refunds r
           WHERE r.store_id = o.store_id AND r.order_id = o.order_id AND NOT r.voided
         )::bigint AS refunds_cents,
         (SELECT coalesce(sum(p.tip_cents), 0) FROM sales_payments p
           WHERE p.store_id = o.store_id AND p.order_id = o.order_id
             AND p.status = 'completed' AND NOT p.voided
         )::bigint AS tips_cents
    FROM sales_orders o CROSS JOIN bounds b
   WHERE o.created_at >= b.lo AND o.created_at < b.hi
     AND o.status NOT IN ('cancelled', 'payment-failed')
     AND ($4::text IS NULL OR o.store_id = $4::text)
)
SELECT
  (SELECT json_build_object(
            'orders', count(*),
            'gross', coalesce(sum(total_cents), 0),
            'refunds', coalesce(sum(refunds_cents), 0),
            'tips', coalesce(sum(tips_cents), 0))
     FROM sale) AS totals,
  (SELECT coalesce(json_agg(json_build_object(
            'date', to_char(d.day, 'YYYY-MM-DD'), 'orders', d.orders, 'gross', d.gross,
            'refunds', d.refunds, 'tips', d.tips) ORDER BY d.day), '[]'::json)
     FROM (SELECT g.day::date AS day, count(s.order_id) AS orders,
                  coalesce(sum(s.total_cents), 0) AS gross,
                  coalesce(sum(s.refunds_cents), 0) AS refunds,
                  coalesce(sum(s.tips_cents), 0) AS tips
             FROM generate_series($1::date::timestamp, $2::date::timestamp, interval '1 day')
                  AS g(day)
             LEFT JOIN sale s ON s.local_at::date = g.day::date
            GROUP BY g.day) d) AS by_day,
  (SELECT json_agg(json_build_object('hour', h.hour, 'orders', h.orders, 'sales', h.sales)
                   ORDER BY h.hour)
     FROM (SELECT g.hour, count(s.order_id) AS orders,
                  coalesce(sum(s.total_cents - s.refunds_cents), 0) AS sales
             FROM generate_series(0, 23) AS g(hour)
             LEFT JOIN sale s ON extract(hour FROM s.local_at) = g.hour
            GROUP BY g.hour) h) AS by_hour,
  (SELECT coalesce(json_agg(json_build_object('itemId', i.item_id, 'name', i.name,
                   'quantity', i.quantity, 'sales', i.sales)
                   ORDER BY i.sales DESC, i.quantity DESC, i.item_id), '[]'::json)
     FROM (SELECT l.menu_item_id AS item_id,
                  (array_agg(l.name ORDER BY s.local_at DESC, l.order_item_id))[1] AS name,
                  sum(l.sold_quantity) AS quantity, sum(l.sold_cents) AS sales
             FROM sale s
             JOIN sales_order_lines l ON l.store_id = s.store_id AND l.order_id = s.order_id
            GROUP BY l.menu_item_id
           HAVING sum(l.sold_quantity) > 0
            ORDER BY sales DESC, quantity DESC, item_id
            LIMIT 10) i) AS top_items,
  (SELECT coalesce(json_agg(json_build_object('tender', t.tender, 'count', t.count,
                   'amount', t.amount) ORDER BY t.amount DESC, t.tender), '[]'::json)
     FROM (SELECT p.tender, count(*) AS count, sum(p.amount_cents) AS amount
             FROM sale s
             JOIN sales_payments p ON p.store_id = s.store_id AND p.order_id = s.order_id
            WHERE p.status = 'completed' AND NOT p.voided
            GROUP BY p.tender) t) AS tenders,
  (SELECT coalesce(json_agg(json_build_object('storeId', st.store_id, 'orders', st.orders,
                   'sales', st.sales) ORDER BY st.sales DESC, st.store_id), '[]'::json)
     FROM (SELECT store_id, count(*) AS orders, sum(total_cents - refunds_cents) AS sales
             FROM sale GROUP BY store_id) st) AS stores
`;

interface ReportRow {
  totals: { orders: number; gross: number; refunds: number; tips: number };
  by_day: { date: string; orders: number; gross: number; refunds: number; tips: number }[];
  by_hour: { hour: number; orders: number; sales: number }[];
  top_items: { itemId: string; name: string; quantity: number; sales: number }[];
  tenders: { tender: string; count: number; amount: number }[];
  stores: { storeId: string; orders: number; sales: number }[];
}

/** The sales report of `q` (see above for what counts as a sale). */
export async function salesReport(db: SqlExecutor, q: SalesReportQuery): Promise<SalesReport> {
  const timeZone = q.timeZone ?? 'UTC';
  let row: ReportRow;
  try {
    row = await db.one<ReportRow>(REPORT_SQL, [q.from, q.to, timeZone, q.storeId ?? null]);
  } catch (err) {
    if (sqlState(err) === '22023' && /time zone/i.test((err as Error).message)) {
      throw new SalesReportError('unknown-time-zone', `unknown time zone "${timeZone}"`);
    }
    throw err;
  }
  const { orders } = row.totals;
  const grossCents = cents(row.totals.gross);
  const refundsCents = cents(row.totals.refunds);
  const netCents = cents(grossCents - refundsCents);
  return {
    totals: {
      orders,
      grossCents,
      netCents,
      tipsCents: cents(row.totals.tips),
      refundsCents,
      averageTicketCents: cents(orders === 0 ? 0 : Math.round(netCents / orders)),
    },
    byDay: row.by_day.map((d) => ({
      date: d.date,
      orders: d.orders,
      grossCents: cents(d.gross),
      netCents: cents(d.gross - d.refunds),
      tipsCents: cents(d.tips),
      refundsCents: cents(d.refunds),
    })),
    byHour: row.by_hour.map((h) => ({
      hour: h.hour,
      orders: h.orders,
      salesCents: cents(h.sales),
    })),
    topItems: row.top_items.map((i) => ({
      itemId: i.itemId,
      name: i.name,
      quantity: i.quantity,
      salesCents: cents(i.sales),
    })),
    tenders: row.tenders.map((t) => ({
      tender: t.tender,
      count: t.count,
      amountCents: cents(t.amount),
    })),
    stores: row.stores.map((s) => ({
      storeId: s.storeId,
      orders: s.orders,
      salesCents: cents(s.sales),
    })),
  };
}
