import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { expect } from 'vitest';
import {
  expectedPoints,
  expectedReport,
  expectedRows,
  type HubOrder,
  reportFigures,
  sum,
} from './guarantee-books.js';
import { type CloudProcess, cloudCall } from './guarantee-cloud.js';

// The checks behind "everything reaches the cloud exactly once", shared by the sync guarantee
// and the cloud fault scenarios: the cloud's copy of one store against the hub's own books and
// its own databases.

/** The hub's events that go up to the cloud (the rest stay in the store). */
export const UPSTREAM = /^(order|payment|inventory|kds)\./;

/** Answers like `cloudCall`'s, from the gateway or a service directly. */
export type CloudRead = (method: string, path: string) => ReturnType<typeof cloudCall>;

const day = (offset: number) =>
  new Date(Date.now() + offset * 86_400_000).toISOString().slice(0, 10);

/**
 * The sales report (order count, gross, refunds, tips, each tender) to the cent, then the read
 * model row by row: each order's total and each payment's tender, amount, tip, refunds and void.
 */
export async function expectSalesToMatch(
  cloud: CloudProcess,
  storeId: string,
  books: readonly HubOrder[],
): Promise<void> {
  const report = await cloudCall(
    cloud.owner,
    'GET',
    `${cloud.urls.sync}/api/v1/sync/reports/sales?from=${day(-1)}&to=${day(1)}&storeId=${storeId}`,
  );
  expect(report.status).toBe(200);
  const expected = expectedReport(books);
  expect(reportFigures(report.body)).toEqual(expected);
  expect(report.body.totals.netCents).toBe(expected.grossCents - expected.refundsCents);

  const rows = expectedRows(books);
  const orders = await cloud.sql<{ order_id: string; total_cents: number; status: string }>(
    'sync',
    `SELECT order_id::text, total_cents, status FROM sales_orders
      WHERE store_id = $1 AND created_at IS NOT NULL ORDER BY order_id::text`,
    [storeId],
  );
  expect(
    orders.map((o) => ({
      orderId: o.order_id,
      totalCents: Number(o.total_cents),
      cancelled: o.status === 'cancelled',
    })),
  ).toEqual(rows.orders);
  const payments = await cloud.sql<{
    payment_id: string;
    order_id: string;
    status: string;
    tender: string;
    amount_cents: number;
    tip_cents: number;
    refunded_cents: number;
    voided: boolean;
  }>(
    'sync',
    `SELECT payment_id::text, order_id::text, status, tender, amount_cents, tip_cents,
            refunded_cents, voided
       FROM sales_payments WHERE store_id = $1 ORDER BY payment_id::text`,
    [storeId],
  );
  expect(
    payments.map((p) => ({
      paymentId: p.payment_id,
      orderId: p.order_id,
      status: p.status,
      tender: p.tender,
      amountCents: Number(p.amount_cents),
      tipCents: Number(p.tip_cents),
      refundedCents: Number(p.refunded_cents),
      voided: p.voided,
    })),
  ).toEqual(rows.payments);
}

/** The hub's SQLite databases under its data folder, each opened read-only (close them). */
export function* hubDatabases(hubDataDir: string): Generator<Database.Database> {
  for (const file of readdirSync(join(hubDataDir, 'hub')).filter((f) => f.endsWith('.db'))) {
    yield new Database(join(hubDataDir, 'hub', file), { readonly: true });
  }
}

/** The hub's events still on their way to its sync queue (outbox deliveries not yet done). */
export function undeliveredToSync(hubDataDir: string): number {
  let open = 0;
  for (const db of hubDatabases(hubDataDir)) {
    try {
      const has = db
        .prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'outbox_delivery'")
        .get();
      if (has) {
        open += (
          db
            .prepare("SELECT count(*) AS n FROM outbox_delivery WHERE consumer = 'sync-upstream'")
            .get() as { n: number }
        ).n;
      }
    } finally {
      db.close();
    }
  }
  return open;
}

/**
 * The cloud holds each of the hub's events once, under the number the hub gave it: the same
 * (sequence, event) pairs 1…N on both sides, every order, payment, stock and kitchen event in
 * the hub's outboxes among them, and each valid one queued for the cloud bus once.
 */
export async function expectEveryEventOnce(
  cloud: CloudProcess,
  storeId: string,
  hubDataDir: string,
): Promise<void> {
  const received = await cloud.sql<{ sequence: number; event_id: string }>(
    'sync',
    'SELECT sequence, event_id::text FROM received_events WHERE store_id = $1 ORDER BY sequence',
    [storeId],
  );
  const [dupes] = await cloud.sql<{ n: number }>(
    'sync',
    `SELECT count(*) - count(DISTINCT event_id) AS n FROM received_events WHERE store_id = $1`,
    [storeId],
  );
  expect(Number(dupes?.n)).toBe(0);
  const sync = new Database(join(hubDataDir, 'hub', 'sync.db'), { readonly: true });
  let queued: { sequence: number; event_id: string }[];
  try {
    queued = sync
      .prepare('SELECT sequence, event_id FROM upstream ORDER BY sequence')
      .all() as typeof queued;
  } finally {
    sync.close();
  }
  expect(received.map((r) => [Number(r.sequence), r.event_id])).toEqual(
    queued.map((q) => [q.sequence, q.event_id]),
  );
  expect(queued.map((q) => q.sequence)).toEqual(queued.map((_, i) => i + 1));

  const produced = new Set<string>();
  for (const db of hubDatabases(hubDataDir)) {
    try {
      const has = db
        .prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'outbox'")
        .get();
      if (!has) continue;
      for (const { event_id, event_type } of db
        .prepare('SELECT event_id, event_type FROM outbox')
        .all() as { event_id: string; event_type: string }[]) {
        if (UPSTREAM.test(event_type)) produced.add(event_id);
      }
    } finally {
      db.close();
    }
  }
  expect(produced.size).toBe(queued.length);
  expect(queued.every((q) => produced.has(q.event_id))).toBe(true);

  const [fanned] = await cloud.sql<{ rows: number; events: number; valid: number }>(
    'sync',
    `SELECT (SELECT count(*) FROM sync_outbox) AS rows,
            (SELECT count(DISTINCT event_id) FROM sync_outbox) AS events,
            (SELECT count(*) FROM received_events WHERE invalid_reason IS NULL) AS valid`,
  );
  expect(Number(fanned?.rows)).toBe(Number(fanned?.valid));
  expect(Number(fanned?.events)).toBe(Number(fanned?.valid));
}

/**
 * Each payment of a member's order earned once and nothing else did: no payment earned twice,
 * and each member's history and balance are exactly the points of their payments.
 */
export async function expectPointsOncePerPayment(
  cloud: CloudProcess,
  books: readonly HubOrder[],
  members: readonly { customerId: string }[],
  read: CloudRead,
  /** The tier every member must still be in, when the test keeps them below the next. */
  tier?: string,
): Promise<void> {
  expect(
    await cloud.sql(
      'loyalty',
      `SELECT payment_id, count(*) FROM points_transactions WHERE kind = 'earn'
        GROUP BY payment_id HAVING count(*) > 1`,
    ),
  ).toEqual([]);
  const expected = expectedPoints(books);
  expect(expected.size).toBeGreaterThan(0);
  for (const { customerId } of members) {
    const earned = expected.get(customerId) ?? new Map<string, number>();
    const account = await read('GET', `/api/v1/loyalty/accounts/${customerId}`);
    expect(account.status).toBe(200);
    const history = await read(
      'GET',
      `/api/v1/loyalty/accounts/${customerId}/transactions?limit=500`,
    );
    expect(history.status).toBe(200);
    const entries = history.body.transactions as { paymentId: string; points: number }[];
    expect(
      entries
        .map((e) => [e.paymentId, e.points])
        .sort(([a], [b]) => String(a).localeCompare(String(b))),
    ).toEqual([...earned].sort(([a], [b]) => a.localeCompare(b)));
    expect(account.body.pointsBalance).toBe(sum([...earned.values()]));
    if (tier) expect(account.body.tier).toBe(tier);
  }
}
