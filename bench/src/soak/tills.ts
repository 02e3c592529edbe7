/**
 * The soak's terminals: each order is one of four ways a restaurant trades, in turn, so that
 * every kind of work reaches the hub in a steady mix:
 *   takeout-cash   the demo's three lines, paid in cash with a receipt;
 *   takeout-card   the same, paid by card on the store's reader;
 *   dine-in-card   a table for two ringing in by seat, a round added a moment later (an ADD-ON
 *                  ticket for the fryer, a drink for the bar), paid by card with a tip;
 *   dine-in-cash   the same, paid in cash.
 * Every order acknowledged by the hub (201) goes into the ledger with what the printers and the
 * cloud should then have of it, which the end of the run checks.
 */
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { uuidv7 } from '@pos/contracts';
import { DEMO_ORDER_ITEMS } from '../lib/pos-api.js';
import type { StaffClient } from './ops.js';

export const FLOWS = ['takeout-cash', 'takeout-card', 'dine-in-card', 'dine-in-cash'] as const;
export type Flow = (typeof FLOWS)[number];

/** The demo floor's tables (README, "The demo restaurant"). */
const TABLES = [
  ...Array.from({ length: 12 }, (_, i) => `T${i + 1}`),
  ...Array.from({ length: 4 }, (_, i) => `P${i + 1}`),
  ...Array.from({ length: 6 }, (_, i) => `B${i + 1}`),
];

const DINE_IN_ITEMS = [
  { menuItemId: 'burger-classic', modifierIds: ['mod-burger-medium'], quantity: 1, seat: 1 },
  { menuItemId: 'side-fries', quantity: 1, seat: 2 },
  { menuItemId: 'beer-ipa', variantId: 'pint', quantity: 1, seat: 2 },
];
/** The second round: a new station line (fryer) and a bar line. */
const ADDED_ITEMS = [
  { menuItemId: 'side-fries', quantity: 1 },
  { menuItemId: 'drink-ginger-beer', quantity: 1 },
];
/** The guests' pause between ringing in and the second round. */
const SECOND_ROUND_MS = 1_000;

export interface OrderRecord {
  id: string;
  number: number;
  flow: Flow;
  totalCents: number;
  /** Stations of the lines rung in first, and of those added later. */
  stations: Set<string>;
  addOnStations: Set<string>;
  paid: boolean;
}

interface OrderBody {
  id: string;
  number: number;
  totalCents: number;
  items: { stationId: string }[];
}

/** The store has one card reader: terminals take turns on it, as cashiers do. */
export class ReaderQueue {
  #tail: Promise<unknown> = Promise.resolve();

  use<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.#tail.then(fn);
    this.#tail = run.catch(() => {});
    return run;
  }
}

export class Tills {
  /** Every order the hub acknowledged, by ID. */
  readonly orders = new Map<string, OrderRecord>();
  readonly reader = new ReaderQueue();
  /** Orders whose flow stopped half-way (the failure is counted in the client's stats). */
  broken = 0;
  #next = 0;

  constructor(readonly client: StaffClient) {}

  /** An order placed elsewhere (the stock probe): taken into the ledger and paid in cash. */
  async adopt(id: string): Promise<void> {
    const res = await this.client.call('get order', { path: `/api/v1/orders/${id}` }, [200]);
    const order = this.#record(JSON.parse(res.body) as OrderBody, 'takeout-cash');
    await this.#pay(order, 'cash');
  }

  /**
   * One order through the till, its flow the next in turn; resolves with `performance.now()`
   * when the order was acknowledged (for the schedule's latency), after the rest of the flow.
   */
  async ringUp(): Promise<number> {
    const flow = FLOWS[this.#next % FLOWS.length]!;
    const table = TABLES[Math.floor(this.#next / FLOWS.length) % TABLES.length]!;
    this.#next++;
    const dineIn = flow.startsWith('dine-in');
    const res = await this.client.call(
      'place order',
      {
        path: '/api/v1/orders',
        json: {
          id: uuidv7(),
          type: dineIn ? 'dine-in' : 'takeout',
          ...(dineIn ? { tableId: table, guests: 2 } : {}),
          items: dineIn ? DINE_IN_ITEMS : DEMO_ORDER_ITEMS,
        },
      },
      [201],
    );
    const answeredAt = performance.now();
    const order = this.#record(JSON.parse(res.body) as OrderBody, flow);
    try {
      if (dineIn) {
        await new Promise((r) => setTimeout(r, SECOND_ROUND_MS));
        await this.#addRound(order);
      }
      await this.#pay(order, flow.endsWith('card') ? 'card' : 'cash');
    } catch (err) {
      this.broken++;
      throw err;
    }
    return answeredAt;
  }

  #record(body: OrderBody, flow: Flow): OrderRecord {
    const order: OrderRecord = {
      id: body.id,
      number: body.number,
      flow,
      totalCents: body.totalCents,
      stations: new Set(body.items.map((i) => i.stationId)),
      addOnStations: new Set(),
      paid: false,
    };
    this.orders.set(order.id, order);
    return order;
  }

  async #addRound(order: OrderRecord): Promise<void> {
    const res = await this.client.call(
      'modify order',
      {
        method: 'PUT',
        path: `/api/v1/orders/${order.id}`,
        json: { modificationId: uuidv7(), add: ADDED_ITEMS },
      },
      [200],
    );
    const body = JSON.parse(res.body) as OrderBody & { items: { id: string }[] };
    // The lines the change added are the order's last ones.
    for (const line of body.items.slice(-ADDED_ITEMS.length))
      order.addOnStations.add(line.stationId);
    order.totalCents = body.totalCents;
  }

  /** Paid in full with a printed receipt; the payment's ID fixed so it can only be taken once. */
  async #pay(order: OrderRecord, tender: 'cash' | 'card'): Promise<void> {
    const json = {
      paymentId: uuidv7(),
      orderId: order.id,
      tender,
      receipt: 'print',
      ...(tender === 'card' && order.flow.startsWith('dine-in')
        ? { tipCents: Math.round(order.totalCents * 0.15) }
        : {}),
    };
    const send = () =>
      this.client.call(
        tender === 'card' ? 'pay card' : 'pay cash',
        {
          path: '/api/v1/payments/process',
          json,
          headers: { 'idempotency-key': randomUUID() },
        },
        [200, 201],
      );
    const res = tender === 'card' ? await this.reader.use(send) : await send();
    const payment = JSON.parse(res.body) as { status: string; failureReason?: string };
    if (payment.status === 'failed') {
      this.client.stats.fail('pay card', `declined: ${res.body.slice(0, 200)}`);
      throw new Error(`the card payment on order ${order.number} failed`);
    }
    order.paid = true;
  }
}
