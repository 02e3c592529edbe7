import { randomUUID } from 'node:crypto';
import { uuidv7 } from '@pos/contracts';

export const MANAGER_PIN = '2468';

export interface Reply {
  status: number;
  body: any;
}

/**
 * A terminal talking to the hub the way the real one does when the hub may die under it: a
 * request that gets no answer (connection refused or dropped) is sent again, unchanged, with
 * the same IDs and the same `Idempotency-Key`, until the hub answers; a session the hub no
 * longer knows is signed in again.
 */
export class Till {
  #token: string | undefined;
  /** Retries that met a key still claimed by a request the hub's crash cut short. */
  inProgressRetries = 0;

  constructor(
    readonly hubUrl: string,
    readonly pin: string,
  ) {}

  async call(
    method: string,
    path: string,
    body?: unknown,
    options: { idempotencyKey?: string } = {},
  ): Promise<Reply> {
    const until = Date.now() + 90_000;
    for (;;) {
      try {
        this.#token ??= await this.#signIn();
        const res = await fetch(`${this.hubUrl}${path}`, {
          method,
          headers: {
            authorization: `Bearer ${this.#token}`,
            ...(body === undefined ? {} : { 'content-type': 'application/json' }),
            ...(options.idempotencyKey ? { 'idempotency-key': options.idempotencyKey } : {}),
          },
          ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        });
        const text = await res.text();
        if (res.status === 401) {
          this.#token = undefined;
          continue;
        }
        const answer = text ? JSON.parse(text) : undefined;
        if (res.status === 409 && answer?.type === 'urn:pos:problem:idempotency-in-progress') {
          // The first request with this key died with the hub, which holds its claim for a
          // minute. The body names the payment (or refund) by its own ID, which the hub takes
          // once, so the retry goes under a new key rather than waiting the minute out.
          options.idempotencyKey = randomUUID();
          this.inProgressRetries += 1;
          continue;
        }
        return { status: res.status, body: answer };
      } catch (err) {
        // No answer: the hub is down or restarting. Anything else is a fault of the test.
        if (!(err instanceof TypeError) || Date.now() > until) throw err;
        await new Promise((r) => setTimeout(r, 100));
      }
    }
  }

  get(path: string): Promise<Reply> {
    return this.call('GET', path);
  }

  /** A POST with its own `Idempotency-Key`, kept across retries. */
  post(path: string, body: unknown = {}): Promise<Reply> {
    return this.call('POST', path, body, { idempotencyKey: randomUUID() });
  }

  async #signIn(): Promise<string> {
    const res = await fetch(`${this.hubUrl}/api/v1/staff/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ pin: this.pin }),
    });
    if (!res.ok) throw new Error(`PIN ${this.pin} refused: ${res.status} ${await res.text()}`);
    return ((await res.json()) as { token: string }).token;
  }
}

export function expectStatus(reply: Reply, allowed: number[], what: string): any {
  if (!allowed.includes(reply.status)) {
    throw new Error(`${what}: ${reply.status} ${JSON.stringify(reply.body)}`);
  }
  return reply.body;
}

/** The store has one card reader: terminals take turns on it. */
export class ReaderQueue {
  #tail: Promise<unknown> = Promise.resolve();

  use<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.#tail.then(fn);
    this.#tail = run.catch(() => {});
    return run;
  }
}

/** What a terminal does with one order. */
export const FLOWS = [
  'cash',
  'card',
  'seats',
  'modified',
  'equal-thirds',
  'cancelled',
  'refunded',
  'card-voided',
  'card-and-cash',
] as const;
export type Flow = (typeof FLOWS)[number];

export interface Rung {
  orderId: string;
  flow: Flow;
  customerId: string | undefined;
}

export interface ClientPlan {
  till: Till;
  reader: ReaderQueue;
  /** Which flows to use, in turn (offset by the client, so clients do different things). */
  flows: readonly Flow[];
  orders: number;
  index: number;
  /** Loyalty members; every third order is rung up for one of them. */
  customers: readonly { customerId: string; phone: string }[];
  /** Counted up as each order is finished, for whoever watches progress. */
  progress: { done: number };
}

const TABLES = [
  ...Array.from({ length: 12 }, (_, i) => `T${i + 1}`),
  ...Array.from({ length: 4 }, (_, i) => `P${i + 1}`),
  ...Array.from({ length: 6 }, (_, i) => `B${i + 1}`),
];

/** Ring up and settle `plan.orders` orders, one after another, as one terminal. */
export async function runClient(plan: ClientPlan): Promise<Rung[]> {
  const rung: Rung[] = [];
  for (let k = 0; k < plan.orders; k++) {
    const flow = plan.flows[(k + plan.index) % plan.flows.length] as Flow;
    const member =
      (k + plan.index) % 3 === 0
        ? plan.customers[(k * 3 + plan.index) % plan.customers.length]
        : undefined;
    const orderId = await ringUp(plan, flow, k, member);
    rung.push({ orderId, flow, customerId: member?.customerId });
    plan.progress.done += 1;
  }
  return rung;
}

async function ringUp(
  plan: ClientPlan,
  flow: Flow,
  k: number,
  member: { customerId: string; phone: string } | undefined,
): Promise<string> {
  const { till } = plan;
  const orderId = uuidv7();
  const dineIn = flow === 'seats';
  const placed = expectStatus(
    await till.call('POST', '/api/v1/orders', {
      id: orderId,
      type: dineIn ? 'dine-in' : 'takeout',
      ...(dineIn ? { tableId: TABLES[(k * 3 + plan.index) % TABLES.length], guests: 2 } : {}),
      ...(member ? { customer: { ...member, name: 'Loyal Guest' } } : {}),
      items: [
        {
          menuItemId: 'burger-classic',
          modifierIds: ['mod-burger-medium'],
          quantity: 1,
          ...(dineIn ? { seat: 1 } : {}),
        },
        { menuItemId: 'side-fries', quantity: 1 + (k % 2), ...(dineIn ? { seat: 2 } : {}) },
        {
          menuItemId: dineIn ? 'beer-ipa' : 'drink-cola',
          variantId: dineIn ? 'pint' : 'large',
          quantity: 1,
          ...(dineIn ? { seat: 2 } : {}),
        },
      ],
    }),
    [200, 201],
    `order ${orderId}`,
  );
  const pay = (body: Record<string, unknown>) => takePayment(plan, orderId, body);
  switch (flow) {
    case 'cash':
      await pay({ tender: 'cash', tenderedCents: Math.ceil(placed.totalCents / 500) * 500 });
      break;
    case 'card':
      await pay({ tender: 'card', tipCents: Math.round(placed.totalCents * 0.15) });
      break;
    case 'seats':
      await pay({ tender: 'cash', split: { by: 'seat', seat: 1 } });
      await pay({ tender: 'card', split: { by: 'seat', seat: 2 }, tipCents: 200 });
      break;
    case 'modified': {
      const fries = placed.items.find((i: { menuItemId: string }) => i.menuItemId === 'side-fries');
      expectStatus(
        await till.call('PUT', `/api/v1/orders/${orderId}`, {
          modificationId: randomUUID(),
          add: [{ menuItemId: 'drink-ginger-beer', quantity: 2 }],
          void: [{ orderItemId: fries.id, quantity: 1, reason: 'guest changed their mind' }],
          approval: { managerPin: MANAGER_PIN },
        }),
        [200],
        `modify ${orderId}`,
      );
      await pay({ tender: 'cash' });
      break;
    }
    case 'equal-thirds':
      for (const part of [1, 2, 3]) {
        const tender = part === 2 ? 'card' : 'cash';
        await pay({ tender, split: { by: 'equal', parts: 3, part } });
      }
      break;
    case 'cancelled':
      await cancel(till, orderId);
      break;
    case 'refunded': {
      const paid = await pay({ tender: 'cash' });
      await refund(till, paid.id, k % 2 === 0 ? 350 : undefined);
      break;
    }
    case 'card-voided': {
      const card = await pay({ tender: 'card' });
      // Taken offline and not forwarded yet: voided, and the guest pays cash instead.
      if (await voidPayment(till, card.id)) await pay({ tender: 'cash' });
      break;
    }
    case 'card-and-cash':
      await pay({ tender: 'card', amountCents: 500, tipCents: 100 });
      await pay({ tender: 'cash' });
      break;
  }
  return orderId;
}

/**
 * One tender on the order. The payment's ID is chosen here, so a retry after the hub died
 * finds the payment instead of taking a second one; a card payment the restart interrupted is
 * failed by the hub, and the cashier takes the card again.
 */
async function takePayment(
  plan: ClientPlan,
  orderId: string,
  body: Record<string, unknown>,
): Promise<any> {
  for (let attempt = 0; attempt < 5; attempt++) {
    const paymentId = uuidv7();
    const send = () =>
      plan.till.call(
        'POST',
        '/api/v1/payments/process',
        { paymentId, orderId, receipt: 'print', ...body },
        { idempotencyKey: randomUUID() },
      );
    let reply = body.tender === 'card' ? await plan.reader.use(send) : await send();
    // A payment of this order still being read when the hub went down: it is settled at start.
    while (reply.status === 409 && /being taken/.test(JSON.stringify(reply.body))) {
      await new Promise((r) => setTimeout(r, 200));
      reply = body.tender === 'card' ? await plan.reader.use(send) : await send();
    }
    const payment = expectStatus(reply, [200, 201], `payment on ${orderId}`);
    if (payment.status !== 'failed') return payment;
  }
  throw new Error(`payment on ${orderId} kept failing`);
}

async function cancel(till: Till, orderId: string): Promise<void> {
  const reply = await till.call('POST', `/api/v1/orders/${orderId}/cancel`, {
    reason: 'guest left',
    approval: { managerPin: MANAGER_PIN },
  });
  if (reply.status === 200) return;
  // Cancelled just before the hub went down: the retry finds it so.
  const order = expectStatus(await till.get(`/api/v1/orders/${orderId}`), [200], 'order');
  if (order.status !== 'CANCELLED')
    throw new Error(`cancel ${orderId}: ${reply.status} ${JSON.stringify(reply.body)}`);
}

async function refund(till: Till, paymentId: string, amountCents?: number): Promise<void> {
  expectStatus(
    await till.call(
      'POST',
      `/api/v1/payments/${paymentId}/refund`,
      {
        refundId: uuidv7(),
        reason: 'cold food',
        approval: { managerPin: MANAGER_PIN },
        ...(amountCents ? { amountCents } : {}),
      },
      { idempotencyKey: randomUUID() },
    ),
    [200, 201],
    `refund of ${paymentId}`,
  );
}

/** Void a card payment; false when it can no longer be voided (already forwarded). */
async function voidPayment(till: Till, paymentId: string): Promise<boolean> {
  const reply = await till.call(
    'POST',
    `/api/v1/payments/${paymentId}/void`,
    { refundId: uuidv7(), reason: 'wrong card', approval: { managerPin: MANAGER_PIN } },
    { idempotencyKey: randomUUID() },
  );
  if (reply.status === 201) return true;
  const payment = expectStatus(await till.get(`/api/v1/payments/${paymentId}`), [200], 'payment');
  if (payment.status === 'voided') return true;
  if (reply.status === 409) return false;
  throw new Error(`void ${paymentId}: ${reply.status} ${JSON.stringify(reply.body)}`);
}
