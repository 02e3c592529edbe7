/**
 * Orders through a restaurant's whole flow, for benchmarks that need a hub's live work to look
 * like a day's trade rather than orders piling up open: a takeout order is placed and paid in
 * cash at the till, then the kitchen starts it and finishes it on its display, and it is picked
 * up. A hub whose orders never close holds thousands of open kitchen tickets, which no kitchen
 * does, and its cloud backlog is then nothing but `order.created`.
 *
 * The kitchen display and the order's status follow the order through the hub's events, a
 * moment after each answer, so each step after the order is tried again briefly while the hub
 * answers 404 (not there yet) or 409 (not in that state yet).
 */
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { uuidv7 } from '@pos/contracts';
import type { HttpClient, HttpResponse, RequestOptions } from './http.js';
import { newOrderRequest } from './pos-api.js';

export interface PlacedOrder {
  id: string;
  totalCents: number;
  /** `performance.now()` when the hub answered the order. */
  answeredAt: number;
}

/** How long a step waits for the hub's modules to catch up with the order before failing. */
const STEP_PATIENCE_MS = 10_000;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Open the till's shift (cash payments need one). */
export async function openShift(client: HttpClient): Promise<void> {
  const res = await client.request({
    path: '/api/v1/shifts',
    json: { openingFloatCents: 50_000 },
    headers: { 'idempotency-key': randomUUID() },
  });
  if (res.status !== 201) throw new Error(`the shift did not open (${res.status}): ${res.body}`);
}

/** Place one takeout order (the demo's three lines). */
export async function placeOrder(client: HttpClient): Promise<PlacedOrder> {
  const res = await client.request(newOrderRequest());
  const answeredAt = performance.now();
  if (res.status !== 201) throw new Error(`order: ${res.status} ${res.body.slice(0, 300)}`);
  const body = JSON.parse(res.body) as { id: string; totalCents: number };
  return { id: body.id, totalCents: body.totalCents, answeredAt };
}

/**
 * `request`, again every 20 ms while the hub answers 404 or 409, until `expect`. Each try has
 * an idempotency key of its own: a 404 or 409 changed nothing.
 */
async function step(client: HttpClient, what: string, request: RequestOptions, expect: number[]) {
  const until = performance.now() + STEP_PATIENCE_MS;
  for (;;) {
    const res: HttpResponse = await client.request({
      ...request,
      headers: { 'idempotency-key': randomUUID() },
    });
    if (expect.includes(res.status)) return res;
    if ((res.status !== 404 && res.status !== 409) || performance.now() > until)
      throw new Error(`${what}: ${res.status} ${res.body.slice(0, 300)}`);
    await sleep(20);
  }
}

/** Paid in cash at the till, no receipt printed (the payment's ID fixed: paid once). */
export async function payCash(client: HttpClient, order: PlacedOrder): Promise<void> {
  await step(
    client,
    'cash payment',
    {
      path: '/api/v1/payments/process',
      json: { paymentId: uuidv7(), orderId: order.id, tender: 'cash', receipt: 'none' },
    },
    [200, 201],
  );
}

/** Started and finished on the kitchen display, then picked up. */
export async function serve(client: HttpClient, order: PlacedOrder): Promise<void> {
  for (const status of ['PREPARING', 'READY']) {
    await step(
      client,
      `kitchen ${status.toLowerCase()}`,
      { path: `/api/v1/kds/orders/${order.id}/status`, json: { status } },
      [200],
    );
  }
  await step(
    client,
    'picked up',
    { path: `/api/v1/orders/${order.id}/status`, json: { status: 'PICKED_UP' } },
    [200],
  );
}

/** The whole flow of one order. */
export async function tradeOne(client: HttpClient): Promise<PlacedOrder> {
  const order = await placeOrder(client);
  await payCash(client, order);
  await serve(client, order);
  return order;
}

/**
 * The kitchen and the pass: orders handed over at the till wait here and `cooks` of them are
 * served at a time, each as soon as one is free, so that the till never waits for the kitchen.
 */
export class Kitchen {
  readonly errors: string[] = [];
  served = 0;
  readonly #client: HttpClient;
  readonly #queue: PlacedOrder[] = [];
  readonly #idle: (() => void)[] = [];
  readonly #cooks: Promise<void>[];
  #busy = 0;
  #closed = false;

  constructor(client: HttpClient, cooks: number) {
    this.#client = client;
    this.#cooks = Array.from({ length: cooks }, () => this.#cook());
  }

  /** Orders handed over and not served yet. */
  get open(): number {
    return this.#queue.length + this.#busy;
  }

  add(order: PlacedOrder): void {
    this.#queue.push(order);
    this.#idle.shift()?.();
  }

  /** Serve what is waiting, then stop. */
  async close(): Promise<void> {
    this.#closed = true;
    for (const wake of this.#idle.splice(0)) wake();
    await Promise.all(this.#cooks);
  }

  async #cook(): Promise<void> {
    for (;;) {
      const order = this.#queue.shift();
      if (!order) {
        if (this.#closed) return;
        await new Promise<void>((wake) => this.#idle.push(wake));
        continue;
      }
      this.#busy++;
      try {
        await serve(this.#client, order);
        this.served++;
      } catch (err) {
        this.errors.push(`order ${order.id}: ${(err as Error).message}`);
      } finally {
        this.#busy--;
      }
    }
  }
}
