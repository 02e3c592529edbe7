import { makeEvent, uuidv7 } from '@pos/contracts';
import { createLogger } from '@pos/kit';
import { MemoryBus, SharedPglite, type StartedService } from '@pos/kit/sql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_BATCH_EVENTS } from '../protocol.js';
import { startSyncServer } from '../server/service.js';
import { testTokens } from '../server/test-tokens.js';
import { SyncClient, type SyncStateKey, type UpstreamQueue } from './client.js';

// The hub end of sync against the real cloud sync service (on the embedded PostgreSQL): a
// backlog goes up in order with the next batch sent while the cloud applies the last, each
// event held once, even when an answer is lost on the way back.

const logger = createLogger({ service: 'sync-client-test', level: 'silent' });
const pglite = new SharedPglite({ logger });
const { jwks, tokenFor } = await testTokens();
const bus = new MemoryBus();
let svc: StartedService;
let db: Awaited<ReturnType<SharedPglite['database']>>;

beforeAll(async () => {
  svc = await startSyncServer(
    { env: {}, embedded: pglite, host: '127.0.0.1', port: 0, logger, bus },
    { jwks },
  );
  db = await pglite.database('sync');
});
afterAll(async () => {
  await svc?.stop();
  await bus.close();
  await pglite.close();
});

/** The hub's queue, in memory: events numbered 1, 2, 3… */
class ArrayQueue implements UpstreamQueue {
  readonly rows: { sequence: number; envelope: string; at: number }[] = [];
  #listener: (() => void) | undefined;
  add(envelope: Record<string, unknown>) {
    const sequence = this.rows.length + 1;
    this.rows.push({
      sequence,
      envelope: JSON.stringify({ ...envelope, Sequence: sequence }),
      at: Date.now(),
    });
    this.#listener?.();
  }
  after(sequence: number, maxEvents: number, maxBytes: number) {
    const out: { sequence: number; envelope: string }[] = [];
    let bytes = 0;
    for (const row of this.rows.slice(sequence, sequence + maxEvents)) {
      if (out.length > 0 && bytes + row.envelope.length > maxBytes) break;
      bytes += row.envelope.length;
      out.push(row);
    }
    return out;
  }
  last() {
    return this.rows.length;
  }
  oldestAfter(sequence: number) {
    return this.rows[sequence]?.at;
  }
  onQueued(listener: () => void) {
    this.#listener = listener;
  }
}

function cancelled(storeId: string) {
  return makeEvent(
    'order.cancelled.v1',
    { orderId: uuidv7(), reason: 'guest left', at: new Date().toISOString() } as never,
    { source: 'order-service', correlationId: uuidv7() as never, storeId: storeId as never },
  );
}

async function provision(storeId: string): Promise<string> {
  const res = await fetch(`${svc.url}/api/v1/sync/stores`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      authorization: `Bearer ${await tokenFor(['manager'])}`,
    },
    body: JSON.stringify({ storeId, name: storeId }),
  });
  expect(res.status).toBe(201);
  return ((await res.json()) as { enrolmentCode: string }).enrolmentCode;
}

/** A hub's client with its queue, counting push requests in flight at once. */
function hub(options: { loseAnswerOf?: number } = {}) {
  const queue = new ArrayQueue();
  const state = new Map<SyncStateKey, string>();
  const pushes = { sent: 0, inFlight: 0, mostInFlight: 0 };
  const client = new SyncClient({
    queue,
    state: {
      get: (k) => state.get(k),
      set: (k, v) => void (v === undefined ? state.delete(k) : state.set(k, v)),
    },
    logger,
    applyChange: () => {},
    hubState: () => ({ menuVersion: 1 }),
    backoff: { minMs: 20, maxMs: 50 },
    longPollMs: 200,
    fetch: async (input, init) => {
      if (!String(input).includes('/sync/push')) return fetch(input, init);
      const n = ++pushes.sent;
      pushes.inFlight += 1;
      pushes.mostInFlight = Math.max(pushes.mostInFlight, pushes.inFlight);
      try {
        const res = await fetch(input, init);
        // The cloud applied it, but the answer never reaches the hub.
        if (n === options.loseAnswerOf) throw new TypeError('fetch failed: connection reset');
        return res;
      } finally {
        pushes.inFlight -= 1;
      }
    },
  });
  return { queue, state, client, pushes };
}

async function cloudHolds(storeId: string) {
  const [row] = await db.query<{ last: string; received: string; distinct: string }>(
    `SELECT s.last_sequence::text AS last, count(r.*)::text AS received,
            count(DISTINCT r.sequence)::text AS distinct
       FROM stores s LEFT JOIN received_events r ON r.store_id = s.store_id
      WHERE s.store_id = $1 GROUP BY s.last_sequence`,
    [storeId],
  );
  return {
    last: Number(row?.last),
    received: Number(row?.received),
    distinct: Number(row?.distinct),
  };
}

describe('SyncClient catching up', () => {
  it('sends a backlog in order, the next batch on its way while the cloud applies the last', async () => {
    const storeId = 'backlog-street';
    const code = await provision(storeId);
    const { queue, client, pushes } = hub();
    const total = MAX_BATCH_EVENTS * 4 + 37;
    for (let i = 0; i < total; i++) queue.add(cancelled(storeId));
    await client.enrol(svc.url, code, storeId);
    try {
      await expect.poll(() => client.status().pendingEvents, { timeout: 20_000 }).toBe(0);
      expect(await cloudHolds(storeId)).toEqual({ last: total, received: total, distinct: total });
      expect(pushes.mostInFlight).toBe(2);
      // What the hub said of itself with its last batch: nothing waits behind it.
      const [store] = await db.query<{ hub_state: { pendingEvents: number } }>(
        'SELECT hub_state FROM stores WHERE store_id = $1',
        [storeId],
      );
      expect(store?.hub_state.pendingEvents).toBe(0);
    } finally {
      await client.stop();
    }
  });

  it('holds each event once when the answer to a batch is lost and the next was already sent', async () => {
    const storeId = 'lost-answer-street';
    const code = await provision(storeId);
    const { queue, client, pushes } = hub({ loseAnswerOf: 2 });
    const total = MAX_BATCH_EVENTS * 3 + 5;
    for (let i = 0; i < total; i++) queue.add(cancelled(storeId));
    await client.enrol(svc.url, code, storeId);
    try {
      await expect.poll(() => client.status().pendingEvents, { timeout: 20_000 }).toBe(0);
      expect(await cloudHolds(storeId)).toEqual({ last: total, received: total, distinct: total });
      expect(pushes.sent).toBeGreaterThan(Math.ceil(total / MAX_BATCH_EVENTS));
      // New events after the catch-up go up too.
      queue.add(cancelled(storeId));
      await expect.poll(async () => (await cloudHolds(storeId)).last).toBe(total + 1);
    } finally {
      await client.stop();
    }
  });
});
