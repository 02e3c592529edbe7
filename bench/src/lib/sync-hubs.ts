/**
 * The hub side of the sync benchmark (`bench/src/sync.ts`): the bus consumer's tally of what
 * was fanned out, one hub catching up through the real `SyncClient` on the hub's own SQLite
 * queue, and the floor, the same rows written straight into PostgreSQL.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { AnyEvent } from '@pos/contracts';
import { SqliteSyncState, SqliteUpstreamQueue, syncHubSchema } from '@pos/edge-hub/sync/store';
import { type Logger, openSqlite } from '@pos/kit';
import { SyncClient } from '@pos/sync/client/client';
import type { PushResponse } from '@pos/sync/protocol';
import pg from 'pg';
import { onCleanup } from './cleanup.js';
import { cpuSnapshot, cpuUsed, type ProcessGroups } from './cpu.js';
import { LatencySamples, type LatencySummary, round2, summarize } from './stats.js';

/**
 * Reject when `work` takes longer than `ms`: a stuck phase fails the run instead of hanging.
 * `what` names it in the error, read when the time is up (so it can say how far it got).
 */
export async function within<T>(work: Promise<T>, ms: number, what: () => string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`${what()} did not finish within ${ms / 1000} s`)),
      ms,
    );
  });
  try {
    return await Promise.race([work, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** Deliveries on the benchmark's queue, counted by the phase each event was pushed in. */
export class FanOut {
  readonly #phaseOf = new Map<string, string>();
  readonly #seen = new Set<string>();
  readonly #counts = new Map<string, number>();
  readonly #waiting = new Map<string, { total: number; done: (at: number) => void }>();
  duplicates = 0;
  unknown = 0;

  expect(phase: string, eventIds: Iterable<string>): void {
    for (const id of eventIds) this.#phaseOf.set(id, phase);
  }

  receive(body: Buffer): void {
    const id = (JSON.parse(body.toString()) as { EventId?: string }).EventId ?? '';
    const phase = this.#phaseOf.get(id);
    if (phase === undefined) {
      this.unknown++;
      return;
    }
    if (this.#seen.has(id)) {
      this.duplicates++;
      return;
    }
    this.#seen.add(id);
    const count = (this.#counts.get(phase) ?? 0) + 1;
    this.#counts.set(phase, count);
    const waiting = this.#waiting.get(phase);
    if (waiting && count >= waiting.total) {
      this.#waiting.delete(phase);
      waiting.done(performance.now());
    }
  }

  count(phase: string): number {
    return this.#counts.get(phase) ?? 0;
  }

  /** Resolves with `performance.now()` at the delivery that made `total` for `phase`. */
  all(phase: string, total: number): Promise<number> {
    if (this.count(phase) >= total) return Promise.resolve(performance.now());
    return new Promise((done) => this.#waiting.set(phase, { total, done }));
  }
}

export interface Credentials {
  storeId: string;
  credential: string;
}

/** What every phase needs: where the server is, the tally, whose CPU to count, how long. */
export interface PhaseContext {
  serverUrl: string;
  fanOut: FanOut;
  groups: ProcessGroups;
  timeoutMs: number;
  logger: Logger;
}

export interface CatchUpResult {
  seconds: number;
  appliedAtS: number;
  deliveredAtS: number;
  batches: LatencySummary;
  cpu: Record<string, number>;
}

/** A hub's `sync.db` as it is when it comes back online: `events` queued, the client enrolled. */
function offlineHub(ctx: PhaseContext, store: Credentials, events: readonly AnyEvent[]) {
  const dir = mkdtempSync(join(tmpdir(), 'pos-bench-sync-hub-'));
  onCleanup(() => rmSync(dir, { recursive: true, force: true }));
  const db = openSqlite({
    path: join(dir, 'sync.db'),
    synchronous: 'FULL',
    schemas: [syncHubSchema],
  });
  const queue = new SqliteUpstreamQueue(db, Date.now);
  db.transaction(() => {
    for (const event of events) queue.enqueue(event);
  })();
  const state = new SqliteSyncState(db);
  state.set('cloudUrl', ctx.serverUrl);
  state.set('storeId', store.storeId);
  state.set('credential', store.credential);
  state.set('cursor', '0');
  return { db, queue, state };
}

/**
 * One hub back online: its queue holds `events` (numbered 1…n by the hub's own queue), its
 * client starts, and the phase ends once the server has confirmed the last one and the bus
 * consumer has received every one.
 */
export async function catchUp(
  ctx: PhaseContext,
  phase: string,
  store: Credentials,
  events: readonly AnyEvent[],
): Promise<CatchUpResult> {
  const { db, queue, state } = offlineHub(ctx, store, events);
  try {
    ctx.fanOut.expect(
      phase,
      events.map((e) => e.EventId),
    );
    const batches = new LatencySamples();
    let applied: (at: number) => void = () => {};
    const appliedAt = new Promise<number>((done) => {
      applied = done;
    });
    // The client's own fetch, timed: each push's answer, and when the last event is confirmed.
    const timedFetch: typeof fetch = async (input, init) => {
      const sent = performance.now();
      const res = await fetch(input, init);
      if (String(input).endsWith('/api/v1/sync/push') && res.ok) {
        const answer = (await res.clone().json()) as PushResponse;
        const now = performance.now();
        batches.add(now - sent);
        if (answer.lastSequence >= events.length) applied(now);
      }
      return res;
    };
    const client = new SyncClient({
      queue,
      state,
      logger: ctx.logger,
      applyChange: () => {},
      hubState: () => ({}),
      fetch: timedFetch,
    });

    const before = cpuSnapshot(ctx.groups);
    const t0 = performance.now();
    client.start();
    try {
      const [appliedMs, deliveredMs] = await within(
        Promise.all([appliedAt, ctx.fanOut.all(phase, events.length)]),
        ctx.timeoutMs,
        () => `${phase} (${ctx.fanOut.count(phase)} of ${events.length} delivered)`,
      );
      const end = Math.max(appliedMs, deliveredMs);
      return {
        seconds: round2((end - t0) / 1_000),
        appliedAtS: round2((appliedMs - t0) / 1_000),
        deliveredAtS: round2((deliveredMs - t0) / 1_000),
        batches: summarize(batches),
        cpu: cpuUsed(before, cpuSnapshot(ctx.groups)),
      };
    } finally {
      await client.stop();
    }
  } finally {
    db.close();
  }
}

/** The same rows into a plain table, batch by batch, one client: PostgreSQL's own cost. */
export async function floor(
  url: string,
  storeId: string,
  events: readonly AnyEvent[],
  batchSize: number,
): Promise<{ seconds: number }> {
  const rows = events.map((e, i) => [
    e.EventId,
    storeId,
    i + 1,
    e.EventType,
    JSON.stringify({ ...e, Sequence: i + 1 }),
  ]);
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(`CREATE TABLE bench_floor (
      event_id UUID PRIMARY KEY,
      store_id TEXT NOT NULL,
      sequence BIGINT NOT NULL,
      event_type TEXT NOT NULL,
      envelope JSONB NOT NULL
    )`);
    const t0 = performance.now();
    for (let i = 0; i < rows.length; i += batchSize) {
      const batch = rows.slice(i, i + batchSize);
      const values = batch.map((_, j) => {
        const p = j * 5;
        return `($${p + 1}, $${p + 2}, $${p + 3}, $${p + 4}, $${p + 5})`;
      });
      await client.query(
        `INSERT INTO bench_floor (event_id, store_id, sequence, event_type, envelope) VALUES ${values.join(', ')}`,
        batch.flat(),
      );
    }
    const seconds = (performance.now() - t0) / 1_000;
    await client.query('DROP TABLE bench_floor');
    return { seconds: Math.round(seconds * 1_000) / 1_000 };
  } finally {
    await client.end();
  }
}
