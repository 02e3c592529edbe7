import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { expectStatus, ReaderQueue, type Reply, runClient, Till } from '../guarantee-till.js';
import { runHub } from '../hub-process.js';
import {
  type EdgeStore,
  eventsPer,
  hubDb,
  hubDbNames,
  openEdgeStore,
  outboxFaults,
  TAKEOUT_STATIONS,
  ticketJobs,
  until,
} from './edge-store.js';

// The hub is killed with SIGKILL while six terminals ring up and pay orders (cash and card)
// against it, and started again. Every terminal sends a request that got no answer again,
// unchanged, with the same IDs and Idempotency-Key (`Till`). Afterwards: what was acknowledged
// before the kill is there once, what was retried is there once, every order is paid exactly
// its total, each database's event sequence is whole, and every order's kitchen tickets
// printed once.

const dataDir = mkdtempSync(join(tmpdir(), 'pos-fault-kill-'));
let store: EdgeStore | undefined;

afterAll(async () => {
  await store?.close();
  rmSync(dataDir, { recursive: true, force: true });
});

interface Answer {
  path: string;
  body: any;
  reply: Reply;
  /** The request was sent before the kill. */
  sentBefore: boolean;
  /** The answer came before the kill. */
  answeredBefore: boolean;
}

const clock = { killed: false };
const answers: Answer[] = [];

/** A terminal that notes, for every answer, whether it came before or after the kill. */
class RecordingTill extends Till {
  override async call(
    method: string,
    path: string,
    body?: unknown,
    options: { idempotencyKey?: string } = {},
  ): Promise<Reply> {
    const sentBefore = !clock.killed;
    const reply = await super.call(method, path, body, options);
    if (method === 'POST') {
      answers.push({ path, body, reply, sentBefore, answeredBefore: !clock.killed });
    }
    return reply;
  }
}

describe('hub killed with SIGKILL under load from several terminals', () => {
  it('keeps what it acknowledged, applies retries once, and prints each ticket once', async () => {
    store = await openEdgeStore(dataDir, { env: { SIM_READER_LATENCY_MS: '150' } });
    const s = store;
    const progress = { done: 0 };
    const reader = new ReaderQueue();
    const pins = ['1234', '4321', '2468', '1234', '4321', '2468'];
    const clients = pins.map((pin, index) =>
      runClient({
        till: new RecordingTill(s.hub.url, pin),
        reader,
        flows: ['cash', 'card'],
        orders: 8,
        index,
        customers: [],
        progress,
      }),
    );
    const all = Promise.all(clients);
    await until('a third of the orders', () => progress.done >= 16, 60_000);
    clock.killed = true;
    const killedAt = Date.now();
    await s.hub.kill('SIGKILL');
    s.hub = await runHub(s.hub.env);
    const rung = (await all).flat();
    expect(rung).toHaveLength(48);

    // The kill fell in the middle of the work: requests were answered before it, and some sent
    // before it were only answered by the restarted hub (the terminal sent them again).
    const acknowledged = answers.filter((a) => a.answeredBefore && a.reply.status < 300);
    const retried = answers.filter((a) => a.sentBefore && !a.answeredBefore);
    expect(acknowledged.length).toBeGreaterThan(16);
    expect(retried.length).toBeGreaterThan(0);
    for (const a of retried) expect(a.reply.status, JSON.stringify(a.reply.body)).toBeLessThan(300);

    const ordersDb = hubDb(dataDir, 'orders');
    const paymentsDb = hubDb(dataDir, 'payments');
    try {
      // Every order once, with its lines and exactly one order.created.v1.
      const created = eventsPer(ordersDb, 'order.created.v1', 'orderId');
      const lines = new Map(
        (
          ordersDb
            .prepare('SELECT order_id, count(*) AS n FROM order_items GROUP BY order_id')
            .all() as {
            order_id: string;
            n: number;
          }[]
        ).map((r) => [r.order_id, r.n]),
      );
      const stored = ordersDb.prepare('SELECT count(*) AS n FROM orders').get() as { n: number };
      expect(stored.n).toBe(rung.length);
      for (const { orderId } of rung) {
        expect(created.get(orderId), `order.created.v1 of ${orderId}`).toBe(1);
        expect(lines.get(orderId), `lines of ${orderId}`).toBe(3);
      }

      // Every payment the terminals were told about is stored once under its own ID, with one
      // payment.completed.v1 for each that went through.
      const completed = eventsPer(paymentsDb, 'payment.completed.v1', 'paymentId');
      const paid = answers.filter(
        (a) => a.path === '/api/v1/payments/process' && a.reply.status < 300,
      );
      for (const a of paid) {
        const id = a.body.paymentId as string;
        const row = paymentsDb.prepare('SELECT status FROM payments WHERE id = ?').get(id) as
          | { status: string }
          | undefined;
        expect(row?.status, `payment ${id}`).toBe(a.reply.body.status);
        expect(completed.get(id) ?? 0, `payment.completed.v1 of ${id}`).toBe(
          a.reply.body.status === 'failed' ? 0 : 1,
        );
      }
      for (const [id, n] of completed) expect(n, `payment.completed.v1 of ${id}`).toBe(1);

      for (const name of hubDbNames(dataDir)) {
        const db = hubDb(dataDir, name);
        try {
          expect(outboxFaults(db), `${name}.db outbox`).toEqual([]);
        } finally {
          db.close();
        }
      }
    } finally {
      ordersDb.close();
      paymentsDb.close();
    }

    // Each order paid exactly its total: nothing twice, nothing missing.
    const till = new Till(s.hub.url, '1234');
    const numbers = new Map<string, number>();
    for (const { orderId } of rung) {
      const balance = expectStatus(
        await till.get(`/api/v1/payments?orderId=${orderId}`),
        [200],
        `balance of ${orderId}`,
      );
      expect(balance.paidCents, `paid on ${orderId}`).toBe(balance.totalCents);
      expect(balance.balanceCents).toBe(0);
      const order = expectStatus(await till.get(`/api/v1/orders/${orderId}`), [200], 'order');
      numbers.set(orderId, order.number);
    }

    // Kitchen tickets: one per station for every order, those queued at the kill printed
    // after the restart, none twice.
    await until(
      'every kitchen ticket',
      () => s.kitchen.jobs().length >= rung.length * TAKEOUT_STATIONS.length,
      30_000,
    );
    await new Promise((r) => setTimeout(r, 1_500)); // a late duplicate would show by now
    // Raw TCP printing has no acknowledgement: a ticket the printer took in the instant before
    // the kill, before the hub could note it as printed, prints again after the restart
    // (README "Printers"). That one case is the only second copy allowed.
    let reprinted = 0;
    for (const [orderId, n] of numbers) {
      const jobs = ticketJobs(s.kitchen, n);
      for (const station of TAKEOUT_STATIONS) {
        const copies = jobs.filter((j) => j.text.includes(station));
        const first = copies[0] ? Date.parse(copies[0].receivedAt) : Number.NaN;
        const atTheKill = first >= killedAt - 250 && first <= killedAt + 50;
        expect(copies.length, `${station} #${n} of ${orderId}`).toBe(
          copies.length === 2 && atTheKill ? 2 : 1,
        );
        if (copies.length === 2) reprinted += 1;
      }
    }
    expect(reprinted).toBeLessThanOrEqual(1);
    expect(s.kitchen.jobs()).toHaveLength(rung.length * TAKEOUT_STATIONS.length + reprinted);
  }, 120_000);
});
