import type { Discount, ResolvedLine } from '@pos/contracts';
import type { Schema, SqliteDatabase } from '@pos/kit';
import type { OrderStatus } from './status.js';

export const orderSchema: Schema = {
  component: 'orders',
  migrations: [
    {
      version: 1,
      name: 'orders, items, history, numbering, tables',
      up: `
        CREATE TABLE orders (
          id TEXT PRIMARY KEY,
          number INTEGER NOT NULL,
          business_date TEXT NOT NULL,
          type TEXT NOT NULL,
          source TEXT NOT NULL,
          status TEXT NOT NULL,
          payment_status TEXT NOT NULL DEFAULT 'UNPAID',
          table_id TEXT,
          guests INTEGER,
          customer TEXT,
          notes TEXT,
          discount TEXT,
          service_charge_bp INTEGER NOT NULL DEFAULT 0,
          currency TEXT NOT NULL,
          subtotal_cents INTEGER NOT NULL,
          discount_cents INTEGER NOT NULL,
          tax_cents INTEGER NOT NULL,
          service_charge_cents INTEGER NOT NULL,
          total_cents INTEGER NOT NULL,
          created_by TEXT,
          created_at INTEGER NOT NULL,
          updated_at INTEGER NOT NULL,
          version INTEGER NOT NULL,
          fingerprint TEXT NOT NULL,
          search_text TEXT NOT NULL,
          UNIQUE (business_date, number)
        );
        CREATE INDEX orders_recent ON orders (created_at DESC, id DESC);
        CREATE INDEX orders_status ON orders (status, created_at);
        CREATE INDEX orders_table ON orders (table_id, status);
        CREATE TABLE order_items (
          id TEXT PRIMARY KEY,
          order_id TEXT NOT NULL REFERENCES orders (id),
          position INTEGER NOT NULL,
          line TEXT NOT NULL,
          quantity INTEGER NOT NULL,
          voided_quantity INTEGER NOT NULL DEFAULT 0,
          gross_cents INTEGER NOT NULL,
          discount_cents INTEGER NOT NULL,
          tax_cents INTEGER NOT NULL,
          total_cents INTEGER NOT NULL,
          sent_at INTEGER,
          added_by TEXT,
          modification_id TEXT
        );
        CREATE INDEX order_items_order ON order_items (order_id, position);
        CREATE TABLE order_voids (
          id INTEGER PRIMARY KEY AUTOINCREMENT,
          order_id TEXT NOT NULL REFERENCES orders (id),
          order_item_id TEXT NOT NULL REFERENCES order_items (id),
          quantity INTEGER NOT NULL,
          reason TEXT NOT NULL,
          voided_by TEXT NOT NULL,
          approved_by TEXT,
          was_sent INTEGER NOT NULL,
          at INTEGER NOT NULL
        );
        CREATE TABLE order_history (
          id INTEGER PRIMARY KEY AUTOINCREMENT,
          order_id TEXT NOT NULL REFERENCES orders (id),
          at INTEGER NOT NULL,
          from_status TEXT,
          to_status TEXT NOT NULL,
          by TEXT,
          reason TEXT
        );
        CREATE INDEX order_history_order ON order_history (order_id, id);
        CREATE TABLE order_modifications (
          id TEXT PRIMARY KEY,
          order_id TEXT NOT NULL REFERENCES orders (id),
          fingerprint TEXT NOT NULL,
          at INTEGER NOT NULL,
          by TEXT NOT NULL
        );
        CREATE TABLE order_numbers (
          business_date TEXT PRIMARY KEY,
          last INTEGER NOT NULL
        );
        CREATE TABLE dining_tables (
          id TEXT PRIMARY KEY,
          name TEXT NOT NULL,
          area TEXT NOT NULL,
          seats INTEGER NOT NULL,
          sort INTEGER NOT NULL
        );
      `,
    },
    {
      version: 2,
      name: 'payments the order has heard of',
      up: `
        -- What the payment service said about this order (payment.* events), so the order's
        -- payment status is computed from the payments themselves, whatever order they came in.
        CREATE TABLE order_payments (
          payment_id TEXT PRIMARY KEY,
          order_id TEXT NOT NULL REFERENCES orders (id),
          amount_cents INTEGER NOT NULL,
          refunded_cents INTEGER NOT NULL DEFAULT 0,
          voided INTEGER NOT NULL DEFAULT 0,
          at INTEGER NOT NULL
        );
        CREATE INDEX order_payments_order ON order_payments (order_id);
      `,
    },
    {
      version: 3,
      name: 'online orders refused',
      up: `
        -- Online orders the hub refused (order.onlinerejected.v1 sent): nothing of the order is
        -- kept, only that it was refused, so a re-delivered one is neither taken nor refused twice.
        CREATE TABLE online_rejections (
          order_id TEXT PRIMARY KEY,
          reason TEXT NOT NULL,
          message TEXT NOT NULL,
          at INTEGER NOT NULL
        );
      `,
    },
  ],
};

export type PaymentStatus = 'UNPAID' | 'PARTIALLY_PAID' | 'PAID' | 'REFUNDED';

/** The menu's view of a line, kept as it was when rung in (later menu changes don't alter it). */
export type LineSnapshot = Omit<ResolvedLine, 'id' | 'quantity'>;

export interface ItemRecord {
  id: string;
  position: number;
  line: LineSnapshot;
  quantity: number;
  voidedQuantity: number;
  grossCents: number;
  discountCents: number;
  taxCents: number;
  totalCents: number;
  sentAt: number | null;
  addedBy: string | null;
  modificationId: string | null;
}

export interface OrderRecord {
  id: string;
  number: number;
  businessDate: string;
  type: 'dine-in' | 'takeout' | 'pickup';
  source: 'terminal' | 'online';
  status: OrderStatus;
  paymentStatus: PaymentStatus;
  tableId: string | null;
  guests: number | null;
  customer: Record<string, string> | null;
  notes: string | null;
  discount: Discount | null;
  serviceChargeBp: number;
  currency: string;
  subtotalCents: number;
  discountCents: number;
  taxCents: number;
  serviceChargeCents: number;
  totalCents: number;
  createdBy: string | null;
  createdAt: number;
  updatedAt: number;
  version: number;
  fingerprint: string;
  items: ItemRecord[];
}

export interface DiningTable {
  id: string;
  name: string;
  area: string;
  seats: number;
}

interface OrderRow {
  id: string;
  number: number;
  business_date: string;
  type: OrderRecord['type'];
  source: OrderRecord['source'];
  status: OrderStatus;
  payment_status: PaymentStatus;
  table_id: string | null;
  guests: number | null;
  customer: string | null;
  notes: string | null;
  discount: string | null;
  service_charge_bp: number;
  currency: string;
  subtotal_cents: number;
  discount_cents: number;
  tax_cents: number;
  service_charge_cents: number;
  total_cents: number;
  created_by: string | null;
  created_at: number;
  updated_at: number;
  version: number;
  fingerprint: string;
}

interface ItemRow {
  id: string;
  position: number;
  line: string;
  quantity: number;
  voided_quantity: number;
  gross_cents: number;
  discount_cents: number;
  tax_cents: number;
  total_cents: number;
  sent_at: number | null;
  added_by: string | null;
  modification_id: string | null;
}

/** SQL for orders. Every write happens inside the caller's transaction. */
export class OrderStore {
  readonly #stmts;

  constructor(readonly db: SqliteDatabase) {
    this.#stmts = {
      order: db.prepare('SELECT * FROM orders WHERE id = ?'),
      items: db.prepare('SELECT * FROM order_items WHERE order_id = ? ORDER BY position'),
      exists: db.prepare('SELECT 1 FROM orders WHERE id = ?'),
      nextNumber: db.prepare(
        `INSERT INTO order_numbers (business_date, last) VALUES (?, 1)
         ON CONFLICT (business_date) DO UPDATE SET last = last + 1 RETURNING last`,
      ),
      insertOrder: db.prepare(
        `INSERT INTO orders (id, number, business_date, type, source, status, payment_status,
           table_id, guests, customer, notes, discount, service_charge_bp, currency,
           subtotal_cents, discount_cents, tax_cents, service_charge_cents, total_cents,
           created_by, created_at, updated_at, version, fingerprint, search_text)
         VALUES (@id, @number, @businessDate, @type, @source, @status, @paymentStatus,
           @tableId, @guests, @customer, @notes, @discount, @serviceChargeBp, @currency,
           @subtotalCents, @discountCents, @taxCents, @serviceChargeCents, @totalCents,
           @createdBy, @createdAt, @updatedAt, @version, @fingerprint, @searchText)`,
      ),
      updateOrder: db.prepare(
        `UPDATE orders SET status = @status, payment_status = @paymentStatus, table_id = @tableId,
           guests = @guests, notes = @notes, discount = @discount,
           service_charge_bp = @serviceChargeBp, subtotal_cents = @subtotalCents,
           discount_cents = @discountCents, tax_cents = @taxCents,
           service_charge_cents = @serviceChargeCents, total_cents = @totalCents,
           updated_at = @updatedAt, version = @version, search_text = @searchText
         WHERE id = @id`,
      ),
      insertItem: db.prepare(
        `INSERT INTO order_items (id, order_id, position, line, quantity, voided_quantity,
           gross_cents, discount_cents, tax_cents, total_cents, sent_at, added_by, modification_id)
         VALUES (@id, @orderId, @position, @line, @quantity, @voidedQuantity, @grossCents,
           @discountCents, @taxCents, @totalCents, @sentAt, @addedBy, @modificationId)`,
      ),
      updateItem: db.prepare(
        `UPDATE order_items SET voided_quantity = @voidedQuantity, gross_cents = @grossCents,
           discount_cents = @discountCents, tax_cents = @taxCents, total_cents = @totalCents
         WHERE id = @id`,
      ),
      history: db.prepare(
        'INSERT INTO order_history (order_id, at, from_status, to_status, by, reason) VALUES (?, ?, ?, ?, ?, ?)',
      ),
      historyOf: db.prepare(
        'SELECT at, from_status AS "from", to_status AS "to", by, reason FROM order_history WHERE order_id = ? ORDER BY id',
      ),
      voidsOf: db.prepare(
        `SELECT order_item_id AS orderItemId, quantity, reason, voided_by AS voidedBy,
                approved_by AS approvedBy, at FROM order_voids WHERE order_id = ? ORDER BY id`,
      ),
      insertVoid: db.prepare(
        `INSERT INTO order_voids (order_id, order_item_id, quantity, reason, voided_by, approved_by, was_sent, at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
      ),
      modification: db.prepare(
        'SELECT order_id, fingerprint FROM order_modifications WHERE id = ?',
      ),
      insertModification: db.prepare(
        'INSERT INTO order_modifications (id, order_id, fingerprint, at, by) VALUES (?, ?, ?, ?, ?)',
      ),
      table: db.prepare('SELECT id, name, area, seats FROM dining_tables WHERE id = ?'),
      tables: db.prepare('SELECT id, name, area, seats FROM dining_tables ORDER BY sort'),
      openOnTables: db.prepare(
        `SELECT id, number, table_id, status, payment_status, total_cents, guests, created_at
         FROM orders WHERE table_id IS NOT NULL
           AND status NOT IN ('CANCELLED', 'COMPLETED', 'PICKED_UP', 'INVENTORY_UNAVAILABLE')
         ORDER BY created_at`,
      ),
    };
  }

  exists(id: string): boolean {
    return this.#stmts.exists.get(id) !== undefined;
  }

  get(id: string): OrderRecord | undefined {
    const row = this.#stmts.order.get(id) as OrderRow | undefined;
    if (!row) return undefined;
    return toOrder(row, this.#stmts.items.all(id) as ItemRow[]);
  }

  nextNumber(businessDate: string): number {
    return (this.#stmts.nextNumber.get(businessDate) as { last: number }).last;
  }

  insert(order: OrderRecord, searchText: string): void {
    this.#stmts.insertOrder.run({ ...orderParams(order), searchText });
    for (const item of order.items) this.insertItem(order.id, item);
  }

  insertItem(orderId: string, item: ItemRecord): void {
    this.#stmts.insertItem.run({
      ...item,
      orderId,
      line: JSON.stringify(item.line),
    });
  }

  update(order: OrderRecord, searchText: string): void {
    this.#stmts.updateOrder.run({ ...orderParams(order), searchText });
    for (const item of order.items) this.#stmts.updateItem.run(item);
  }

  recordHistory(
    orderId: string,
    at: number,
    from: OrderStatus | null,
    to: OrderStatus,
    by: string | null,
    reason: string | null,
  ): void {
    this.#stmts.history.run(orderId, at, from, to, by, reason);
  }

  history(orderId: string) {
    return this.#stmts.historyOf.all(orderId) as {
      at: number;
      from: OrderStatus | null;
      to: OrderStatus;
      by: string | null;
      reason: string | null;
    }[];
  }

  voids(orderId: string) {
    return this.#stmts.voidsOf.all(orderId) as {
      orderItemId: string;
      quantity: number;
      reason: string;
      voidedBy: string;
      approvedBy: string | null;
      at: number;
    }[];
  }

  /** Idempotent: a payment is recorded once, whatever the number of deliveries. */
  recordPayment(paymentId: string, orderId: string, amountCents: number, at: number): void {
    this.db
      .prepare(
        `INSERT INTO order_payments (payment_id, order_id, amount_cents, at) VALUES (?, ?, ?, ?)
         ON CONFLICT (payment_id) DO NOTHING`,
      )
      .run(paymentId, orderId, amountCents, at);
  }

  /** Why an online order was refused, if it was. */
  onlineRejection(orderId: string): { reason: string; message: string } | undefined {
    return this.db
      .prepare('SELECT reason, message FROM online_rejections WHERE order_id = ?')
      .get(orderId) as { reason: string; message: string } | undefined;
  }

  /** Note an online order as refused; false when it was already. */
  recordOnlineRejection(orderId: string, reason: string, message: string, at: number): boolean {
    return (
      this.db
        .prepare(
          `INSERT INTO online_rejections (order_id, reason, message, at) VALUES (?, ?, ?, ?)
           ON CONFLICT (order_id) DO NOTHING`,
        )
        .run(orderId, reason, message, at).changes === 1
    );
  }

  /** A refund (money back, the order stays paid) or a void (the payment never counted). */
  recordRefund(paymentId: string, amountCents: number, voided: boolean): void {
    this.db
      .prepare(
        voided
          ? 'UPDATE order_payments SET voided = 1 WHERE payment_id = ?'
          : 'UPDATE order_payments SET refunded_cents = refunded_cents + ? WHERE payment_id = ?',
      )
      .run(...(voided ? [paymentId] : [amountCents, paymentId]));
  }

  /** Paid (voids left out) and refunded so far. */
  paymentTotals(orderId: string): { paidCents: number; refundedCents: number } {
    return this.db
      .prepare(
        `SELECT COALESCE(SUM(CASE WHEN voided = 0 THEN amount_cents ELSE 0 END), 0) AS paidCents,
                COALESCE(SUM(CASE WHEN voided = 0 THEN refunded_cents ELSE 0 END), 0) AS refundedCents
         FROM order_payments WHERE order_id = ?`,
      )
      .get(orderId) as { paidCents: number; refundedCents: number };
  }

  recordVoid(v: {
    orderId: string;
    orderItemId: string;
    quantity: number;
    reason: string;
    voidedBy: string;
    approvedBy: string | null;
    wasSent: boolean;
    at: number;
  }): void {
    this.#stmts.insertVoid.run(
      v.orderId,
      v.orderItemId,
      v.quantity,
      v.reason,
      v.voidedBy,
      v.approvedBy,
      v.wasSent ? 1 : 0,
      v.at,
    );
  }

  modification(id: string): { order_id: string; fingerprint: string } | undefined {
    return this.#stmts.modification.get(id) as
      | { order_id: string; fingerprint: string }
      | undefined;
  }

  recordModification(id: string, orderId: string, fingerprint: string, at: number, by: string) {
    this.#stmts.insertModification.run(id, orderId, fingerprint, at, by);
  }

  table(id: string): DiningTable | undefined {
    return this.#stmts.table.get(id) as DiningTable | undefined;
  }

  tables(): DiningTable[] {
    return this.#stmts.tables.all() as DiningTable[];
  }

  openOrdersOnTables() {
    return this.#stmts.openOnTables.all() as {
      id: string;
      number: number;
      table_id: string;
      status: OrderStatus;
      payment_status: PaymentStatus;
      total_cents: number;
      guests: number | null;
      created_at: number;
    }[];
  }

  seedTables(tables: readonly DiningTable[]): void {
    const insert = this.db.prepare(
      'INSERT INTO dining_tables (id, name, area, seats, sort) VALUES (?, ?, ?, ?, ?)',
    );
    this.db.transaction(() => {
      tables.forEach((t, i) => {
        insert.run(t.id, t.name, t.area, t.seats, i);
      });
    })();
  }
}

function orderParams(order: OrderRecord) {
  return {
    id: order.id,
    number: order.number,
    businessDate: order.businessDate,
    type: order.type,
    source: order.source,
    status: order.status,
    paymentStatus: order.paymentStatus,
    tableId: order.tableId,
    guests: order.guests,
    customer: order.customer ? JSON.stringify(order.customer) : null,
    notes: order.notes,
    discount: order.discount ? JSON.stringify(order.discount) : null,
    serviceChargeBp: order.serviceChargeBp,
    currency: order.currency,
    subtotalCents: order.subtotalCents,
    discountCents: order.discountCents,
    taxCents: order.taxCents,
    serviceChargeCents: order.serviceChargeCents,
    totalCents: order.totalCents,
    createdBy: order.createdBy,
    createdAt: order.createdAt,
    updatedAt: order.updatedAt,
    version: order.version,
    fingerprint: order.fingerprint,
  };
}

function toOrder(row: OrderRow, items: ItemRow[]): OrderRecord {
  return {
    id: row.id,
    number: row.number,
    businessDate: row.business_date,
    type: row.type,
    source: row.source,
    status: row.status,
    paymentStatus: row.payment_status,
    tableId: row.table_id,
    guests: row.guests,
    customer: row.customer ? (JSON.parse(row.customer) as Record<string, string>) : null,
    notes: row.notes,
    discount: row.discount ? (JSON.parse(row.discount) as Discount) : null,
    serviceChargeBp: row.service_charge_bp,
    currency: row.currency,
    subtotalCents: row.subtotal_cents,
    discountCents: row.discount_cents,
    taxCents: row.tax_cents,
    serviceChargeCents: row.service_charge_cents,
    totalCents: row.total_cents,
    createdBy: row.created_by,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    version: row.version,
    fingerprint: row.fingerprint,
    items: items.map((i) => ({
      id: i.id,
      position: i.position,
      line: JSON.parse(i.line) as LineSnapshot,
      quantity: i.quantity,
      voidedQuantity: i.voided_quantity,
      grossCents: i.gross_cents,
      discountCents: i.discount_cents,
      taxCents: i.tax_cents,
      totalCents: i.total_cents,
      sentAt: i.sent_at,
      addedBy: i.added_by,
      modificationId: i.modification_id,
    })),
  };
}
