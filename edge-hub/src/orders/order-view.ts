import { AppError, type SqliteDatabase } from '@pos/kit';
import type { SearchQuery } from './order-input.js';
import type { OrderRecord, OrderStore } from './order-store.js';

/** An order as the API shows it. */
export function orderView(order: OrderRecord, store?: OrderStore) {
  const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());
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
    customer: order.customer,
    notes: order.notes,
    currency: order.currency,
    discount: order.discount,
    items: order.items.map((i) => ({
      id: i.id,
      menuItemId: i.line.menuItemId,
      name: i.line.name,
      categoryId: i.line.categoryId,
      variant: i.line.variant ?? null,
      modifiers: i.line.modifiers,
      quantity: i.quantity,
      voidedQuantity: i.voidedQuantity,
      unitPriceCents: i.line.unitPriceCents,
      discount: i.line.discount ?? null,
      notes: i.line.notes ?? null,
      seat: i.line.seat ?? null,
      course: i.line.course,
      stationId: i.line.stationId,
      allergens: i.line.allergens,
      grossCents: i.grossCents,
      discountCents: i.discountCents,
      taxCents: i.taxCents,
      totalCents: i.totalCents,
      sentAt: iso(i.sentAt),
    })),
    subtotalCents: order.subtotalCents,
    discountCents: order.discountCents,
    taxCents: order.taxCents,
    serviceChargeCents: order.serviceChargeCents,
    totalCents: order.totalCents,
    createdBy: order.createdBy,
    createdAt: iso(order.createdAt),
    updatedAt: iso(order.updatedAt),
    version: order.version,
    ...(store
      ? {
          history: store.history(order.id).map((h) => ({ ...h, at: iso(h.at) })),
          voids: store.voids(order.id).map((v) => ({ ...v, at: iso(v.at) })),
        }
      : {}),
  };
}

interface SummaryRow {
  id: string;
  number: number;
  business_date: string;
  type: string;
  source: string;
  status: string;
  payment_status: string;
  table_id: string | null;
  guests: number | null;
  customer: string | null;
  total_cents: number;
  currency: string;
  created_at: number;
  updated_at: number;
}

/** Keyset cursor over (created_at, id), newest first: stable while new orders arrive. */
function encodeCursor(row: SummaryRow): string {
  return Buffer.from(JSON.stringify([row.created_at, row.id])).toString('base64url');
}

function decodeCursor(cursor: string): [number, string] {
  try {
    const value = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown;
    if (Array.isArray(value) && typeof value[0] === 'number' && typeof value[1] === 'string') {
      return [value[0], value[1]];
    }
  } catch {
    // fall through
  }
  throw new AppError('validation', 'Invalid query.cursor', {
    errors: [{ field: 'query.cursor', message: 'not a cursor this server gave out' }],
  });
}

/** Order history search: by status, time range, business day, table and free text. */
export function searchOrders(db: SqliteDatabase, q: SearchQuery) {
  const where: string[] = [];
  const params: unknown[] = [];
  if (q.status) {
    where.push(`status IN (${q.status.map(() => '?').join(', ')})`);
    params.push(...q.status);
  }
  if (q.from) {
    where.push('created_at >= ?');
    params.push(Date.parse(q.from));
  }
  if (q.to) {
    where.push('created_at < ?');
    params.push(Date.parse(q.to));
  }
  if (q.businessDate) {
    where.push('business_date = ?');
    params.push(q.businessDate);
  }
  if (q.tableId) {
    where.push('table_id = ?');
    params.push(q.tableId);
  }
  if (q.q) {
    where.push("search_text LIKE ? ESCAPE '\\'");
    params.push(`%${q.q.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`);
  }
  if (q.cursor) {
    const [createdAt, id] = decodeCursor(q.cursor);
    where.push('(created_at < ? OR (created_at = ? AND id < ?))');
    params.push(createdAt, createdAt, id);
  }
  const sql = `SELECT id, number, business_date, type, source, status, payment_status, table_id,
      guests, customer, total_cents, currency, created_at, updated_at
    FROM orders ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
    ORDER BY created_at DESC, id DESC LIMIT ?`;
  const rows = db.prepare(sql).all(...params, q.limit + 1) as SummaryRow[];
  const page = rows.slice(0, q.limit);
  const last = page[page.length - 1];
  return {
    orders: page.map((r) => ({
      id: r.id,
      number: r.number,
      businessDate: r.business_date,
      type: r.type,
      source: r.source,
      status: r.status,
      paymentStatus: r.payment_status,
      tableId: r.table_id,
      guests: r.guests,
      customer: r.customer ? (JSON.parse(r.customer) as Record<string, string>) : null,
      totalCents: r.total_cents,
      currency: r.currency,
      createdAt: new Date(r.created_at).toISOString(),
      updatedAt: new Date(r.updated_at).toISOString(),
    })),
    nextCursor: rows.length > q.limit && last ? encodeCursor(last) : null,
  };
}

/** The floor: every table with the open order on it, for the terminal's floor view. */
export function floorView(store: OrderStore) {
  const open = store.openOrdersOnTables();
  return store.tables().map((t) => {
    const orders = open.filter((o) => o.table_id === t.id);
    const unpaid = orders.some((o) => o.payment_status !== 'PAID');
    return {
      ...t,
      status: orders.length === 0 ? 'open' : unpaid ? 'ordered' : 'paid',
      orders: orders.map((o) => ({
        id: o.id,
        number: o.number,
        status: o.status,
        paymentStatus: o.payment_status,
        totalCents: o.total_cents,
        guests: o.guests,
        since: new Date(o.created_at).toISOString(),
      })),
    };
  });
}
