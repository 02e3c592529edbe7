import type { Schema, SqliteDatabase } from '@pos/kit';

// The kitchen display's own database: orders as the kitchen sees them, one ticket per order and
// station, the items on them, fired courses, and each bump (for preparation-time metrics).

export const kdsSchema: Schema = {
  component: 'kds',
  migrations: [
    {
      version: 1,
      name: 'kitchen orders, tickets, items, courses, bumps',
      up: `
        CREATE TABLE kds_orders (
          order_id TEXT PRIMARY KEY,
          number INTEGER NOT NULL,
          type TEXT NOT NULL,
          table_id TEXT,
          guests INTEGER,
          server TEXT,
          received_at INTEGER NOT NULL,
          first_course INTEGER NOT NULL,
          rush INTEGER NOT NULL DEFAULT 0,
          paid INTEGER NOT NULL DEFAULT 0,
          cancelled_at INTEGER,
          cancel_reason TEXT,
          acknowledged_at INTEGER,
          preparing_at INTEGER,
          ready_at INTEGER,
          expo_bumped_at INTEGER
        );
        CREATE TABLE kds_courses (
          order_id TEXT NOT NULL REFERENCES kds_orders (order_id),
          course INTEGER NOT NULL,
          fired_at INTEGER NOT NULL,
          PRIMARY KEY (order_id, course)
        );
        CREATE TABLE kds_tickets (
          id TEXT PRIMARY KEY,
          order_id TEXT NOT NULL REFERENCES kds_orders (order_id),
          station_id TEXT NOT NULL,
          started_at INTEGER,
          bumped_at INTEGER,
          flash_until INTEGER,
          late_alerted INTEGER NOT NULL DEFAULT 0,
          UNIQUE (order_id, station_id)
        );
        CREATE INDEX kds_tickets_station ON kds_tickets (station_id, bumped_at);
        CREATE INDEX kds_orders_active ON kds_orders (expo_bumped_at, cancelled_at);
        CREATE TABLE kds_items (
          order_item_id TEXT PRIMARY KEY,
          order_id TEXT NOT NULL REFERENCES kds_orders (order_id),
          ticket_id TEXT NOT NULL REFERENCES kds_tickets (id),
          position INTEGER NOT NULL,
          menu_item_id TEXT NOT NULL,
          name TEXT NOT NULL,
          variant TEXT,
          modifiers TEXT NOT NULL,
          notes TEXT,
          seat INTEGER,
          course INTEGER NOT NULL,
          allergens TEXT NOT NULL,
          quantity INTEGER NOT NULL,
          voided_quantity INTEGER NOT NULL DEFAULT 0,
          kind TEXT NOT NULL,
          added_at INTEGER NOT NULL,
          fired_at INTEGER,
          done_at INTEGER
        );
        CREATE INDEX kds_items_ticket ON kds_items (ticket_id, position);
        CREATE INDEX kds_items_order ON kds_items (order_id);
        CREATE TABLE kds_bumps (
          id INTEGER PRIMARY KEY AUTOINCREMENT,
          ticket_id TEXT NOT NULL,
          station_id TEXT NOT NULL,
          menu_item_id TEXT,
          name TEXT,
          prep_ms INTEGER NOT NULL,
          late INTEGER NOT NULL,
          at INTEGER NOT NULL
        );
        CREATE INDEX kds_bumps_at ON kds_bumps (at);
      `,
    },
  ],
};

export interface KdsOrderRow {
  orderId: string;
  number: number;
  type: string;
  tableId: string | null;
  guests: number | null;
  server: string | null;
  receivedAt: number;
  firstCourse: number;
  rush: number;
  paid: number;
  cancelledAt: number | null;
  cancelReason: string | null;
  acknowledgedAt: number | null;
  preparingAt: number | null;
  readyAt: number | null;
  expoBumpedAt: number | null;
}

export interface TicketRow {
  id: string;
  orderId: string;
  stationId: string;
  /** When its first item was fired: the ticket's age counts from here. */
  startedAt: number | null;
  bumpedAt: number | null;
  flashUntil: number | null;
  lateAlerted: number;
}

export interface ItemRow {
  orderItemId: string;
  orderId: string;
  ticketId: string;
  position: number;
  menuItemId: string;
  name: string;
  variant: string | null;
  modifiers: string;
  notes: string | null;
  seat: number | null;
  course: number;
  allergens: string;
  quantity: number;
  voidedQuantity: number;
  kind: 'new' | 'add-on';
  addedAt: number;
  firedAt: number | null;
  doneAt: number | null;
}

const ORDER_COLUMNS = `order_id AS orderId, number, type, table_id AS tableId, guests, server,
  received_at AS receivedAt, first_course AS firstCourse, rush, paid, cancelled_at AS cancelledAt,
  cancel_reason AS cancelReason, acknowledged_at AS acknowledgedAt, preparing_at AS preparingAt,
  ready_at AS readyAt, expo_bumped_at AS expoBumpedAt`;
const TICKET_COLUMNS = `id, order_id AS orderId, station_id AS stationId, started_at AS startedAt,
  bumped_at AS bumpedAt, flash_until AS flashUntil, late_alerted AS lateAlerted`;
const ITEM_COLUMNS = `order_item_id AS orderItemId, order_id AS orderId, ticket_id AS ticketId,
  position, menu_item_id AS menuItemId, name, variant, modifiers, notes, seat, course, allergens,
  quantity, voided_quantity AS voidedQuantity, kind, added_at AS addedAt, fired_at AS firedAt,
  done_at AS doneAt`;

/** Row access; callers own the transactions. */
export class KdsStore {
  constructor(readonly db: SqliteDatabase) {}

  order(orderId: string): KdsOrderRow | undefined {
    return this.db
      .prepare(`SELECT ${ORDER_COLUMNS} FROM kds_orders WHERE order_id = ?`)
      .get(orderId) as KdsOrderRow | undefined;
  }

  insertOrder(o: KdsOrderRow): void {
    this.db
      .prepare(
        `INSERT INTO kds_orders (order_id, number, type, table_id, guests, server, received_at,
           first_course, rush, paid)
         VALUES (@orderId, @number, @type, @tableId, @guests, @server, @receivedAt, @firstCourse,
           @rush, @paid)`,
      )
      .run(o);
  }

  setOrder(orderId: string, fields: Partial<Omit<KdsOrderRow, 'orderId'>>): void {
    const columns: Record<string, string> = {
      rush: 'rush',
      paid: 'paid',
      cancelledAt: 'cancelled_at',
      cancelReason: 'cancel_reason',
      acknowledgedAt: 'acknowledged_at',
      preparingAt: 'preparing_at',
      readyAt: 'ready_at',
      expoBumpedAt: 'expo_bumped_at',
      tableId: 'table_id',
    };
    const entries = Object.entries(fields).filter(([k]) => columns[k] !== undefined);
    if (entries.length === 0) return;
    const sets = entries.map(([k]) => `${columns[k]} = ?`).join(', ');
    this.db
      .prepare(`UPDATE kds_orders SET ${sets} WHERE order_id = ?`)
      .run(...entries.map(([, v]) => v as string | number | null), orderId);
  }

  /** Orders the kitchen still shows: not done at the expo, or cancelled and not acknowledged. */
  activeOrders(): KdsOrderRow[] {
    return this.db
      .prepare(
        `SELECT ${ORDER_COLUMNS} FROM kds_orders
         WHERE (cancelled_at IS NULL AND expo_bumped_at IS NULL)
            OR (cancelled_at IS NOT NULL AND acknowledged_at IS NULL)
         ORDER BY received_at, order_id`,
      )
      .all() as KdsOrderRow[];
  }

  firedCourses(orderId: string): Set<number> {
    const rows = this.db
      .prepare('SELECT course FROM kds_courses WHERE order_id = ?')
      .all(orderId) as { course: number }[];
    return new Set(rows.map((r) => r.course));
  }

  fireCourse(orderId: string, course: number, at: number): boolean {
    return (
      this.db
        .prepare(
          'INSERT INTO kds_courses (order_id, course, fired_at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING',
        )
        .run(orderId, course, at).changes > 0
    );
  }

  ticket(id: string): TicketRow | undefined {
    return this.db.prepare(`SELECT ${TICKET_COLUMNS} FROM kds_tickets WHERE id = ?`).get(id) as
      | TicketRow
      | undefined;
  }

  ticketOf(orderId: string, stationId: string): TicketRow | undefined {
    return this.db
      .prepare(`SELECT ${TICKET_COLUMNS} FROM kds_tickets WHERE order_id = ? AND station_id = ?`)
      .get(orderId, stationId) as TicketRow | undefined;
  }

  ticketsOfOrder(orderId: string): TicketRow[] {
    return this.db
      .prepare(`SELECT ${TICKET_COLUMNS} FROM kds_tickets WHERE order_id = ? ORDER BY station_id`)
      .all(orderId) as TicketRow[];
  }

  insertTicket(t: TicketRow): void {
    this.db
      .prepare(
        `INSERT INTO kds_tickets (id, order_id, station_id, started_at, bumped_at, flash_until)
         VALUES (@id, @orderId, @stationId, @startedAt, @bumpedAt, @flashUntil)`,
      )
      .run(t);
  }

  setTicket(
    id: string,
    fields: Partial<Pick<TicketRow, 'startedAt' | 'bumpedAt' | 'flashUntil' | 'lateAlerted'>>,
  ): void {
    const columns: Record<string, string> = {
      startedAt: 'started_at',
      bumpedAt: 'bumped_at',
      flashUntil: 'flash_until',
      lateAlerted: 'late_alerted',
    };
    const entries = Object.entries(fields);
    if (entries.length === 0) return;
    const sets = entries.map(([k]) => `${columns[k]} = ?`).join(', ');
    this.db
      .prepare(`UPDATE kds_tickets SET ${sets} WHERE id = ?`)
      .run(...entries.map(([, v]) => v as number | null), id);
  }

  /** The station's most recently bumped tickets, newest first (for recall). */
  recentlyBumped(stationId: string, limit: number): TicketRow[] {
    return this.db
      .prepare(
        `SELECT ${TICKET_COLUMNS} FROM kds_tickets
         WHERE station_id = ? AND bumped_at IS NOT NULL ORDER BY bumped_at DESC, id LIMIT ?`,
      )
      .all(stationId, limit) as TicketRow[];
  }

  /** Open tickets whose age may have passed the alarm and have not raised it yet. */
  unalertedOpen(startedBefore: number): TicketRow[] {
    return this.db
      .prepare(
        `SELECT ${TICKET_COLUMNS} FROM kds_tickets t
         WHERE bumped_at IS NULL AND late_alerted = 0 AND started_at IS NOT NULL
           AND started_at <= ?
           AND NOT EXISTS (SELECT 1 FROM kds_orders o WHERE o.order_id = t.order_id
                           AND o.cancelled_at IS NOT NULL)`,
      )
      .all(startedBefore) as TicketRow[];
  }

  item(orderItemId: string): ItemRow | undefined {
    return this.db
      .prepare(`SELECT ${ITEM_COLUMNS} FROM kds_items WHERE order_item_id = ?`)
      .get(orderItemId) as ItemRow | undefined;
  }

  itemsOfTicket(ticketId: string): ItemRow[] {
    return this.db
      .prepare(`SELECT ${ITEM_COLUMNS} FROM kds_items WHERE ticket_id = ? ORDER BY position`)
      .all(ticketId) as ItemRow[];
  }

  itemsOfOrder(orderId: string): ItemRow[] {
    return this.db
      .prepare(`SELECT ${ITEM_COLUMNS} FROM kds_items WHERE order_id = ? ORDER BY position`)
      .all(orderId) as ItemRow[];
  }

  nextPosition(orderId: string): number {
    const row = this.db
      .prepare('SELECT COALESCE(MAX(position), -1) + 1 AS n FROM kds_items WHERE order_id = ?')
      .get(orderId) as { n: number };
    return row.n;
  }

  insertItem(i: ItemRow): void {
    this.db
      .prepare(
        `INSERT INTO kds_items (order_item_id, order_id, ticket_id, position, menu_item_id, name,
           variant, modifiers, notes, seat, course, allergens, quantity, voided_quantity, kind,
           added_at, fired_at, done_at)
         VALUES (@orderItemId, @orderId, @ticketId, @position, @menuItemId, @name, @variant,
           @modifiers, @notes, @seat, @course, @allergens, @quantity, @voidedQuantity, @kind,
           @addedAt, @firedAt, @doneAt)
         ON CONFLICT (order_item_id) DO NOTHING`,
      )
      .run(i);
  }

  setItem(
    orderItemId: string,
    fields: Partial<Pick<ItemRow, 'voidedQuantity' | 'firedAt' | 'doneAt'>>,
  ): void {
    const columns: Record<string, string> = {
      voidedQuantity: 'voided_quantity',
      firedAt: 'fired_at',
      doneAt: 'done_at',
    };
    const entries = Object.entries(fields);
    if (entries.length === 0) return;
    const sets = entries.map(([k]) => `${columns[k]} = ?`).join(', ');
    this.db
      .prepare(`UPDATE kds_items SET ${sets} WHERE order_item_id = ?`)
      .run(...entries.map(([, v]) => v as number | null), orderItemId);
  }

  /** What a station still has to make, by item (see `allDayCounts`), in one query. */
  allDay(stationId: string): { name: string; variant: string | null; quantity: number }[] {
    return this.db
      .prepare(
        `SELECT i.name, i.variant, SUM(i.quantity - i.voided_quantity) AS quantity
         FROM kds_items i JOIN kds_tickets t ON t.id = i.ticket_id
         JOIN kds_orders o ON o.order_id = i.order_id
         WHERE t.station_id = ? AND t.bumped_at IS NULL AND i.fired_at IS NOT NULL
           AND i.done_at IS NULL AND i.quantity > i.voided_quantity AND o.cancelled_at IS NULL
         GROUP BY i.name, i.variant`,
      )
      .all(stationId) as { name: string; variant: string | null; quantity: number }[];
  }

  recordBump(b: {
    ticketId: string;
    stationId: string;
    menuItemId: string | null;
    name: string | null;
    prepMs: number;
    late: boolean;
    at: number;
  }): void {
    this.db
      .prepare(
        `INSERT INTO kds_bumps (ticket_id, station_id, menu_item_id, name, prep_ms, late, at)
         VALUES (?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(b.ticketId, b.stationId, b.menuItemId, b.name, b.prepMs, b.late ? 1 : 0, b.at);
  }

  bumpsSince(since: number): {
    ticketId: string;
    stationId: string;
    menuItemId: string | null;
    name: string | null;
    prepMs: number;
    late: number;
    at: number;
  }[] {
    return this.db
      .prepare(
        `SELECT ticket_id AS ticketId, station_id AS stationId, menu_item_id AS menuItemId, name,
                prep_ms AS prepMs, late, at FROM kds_bumps WHERE at >= ? ORDER BY at`,
      )
      .all(since) as never;
  }
}
