import { type AnyEvent, parseEvent } from '@pos/contracts';
import { AppError } from '@pos/kit';
import type { SqlDatabase, SqlExecutor } from '@pos/kit/sql';
import type { HubState, PushResponse, SyncedEvent } from '../protocol.js';
import { applyAvailabilityEvents } from './online.js';
import { applyParsedBatchToReadModel } from './read-model.js';
import { applyShiftEvents } from './shifts.js';
import { storable, unstorableAt } from './storable.js';

/** How long a batch that starts beyond the store's position waits for the one before it. */
const GAP_WAIT_MS = 2_000;

/**
 * Where each store's position stands in this process, so that a batch which arrives before the
 * one it follows (a hub sends its next batch while the cloud applies the last, and the two race
 * to the store's row) waits for it rather than being refused.
 */
export class StorePositions {
  readonly #waiters = new Map<string, Set<{ at: number; reached: () => void }>>();
  /** The last position each store reached here. */
  readonly #known = new Map<string, number>();

  /** A batch up to `sequence` committed for the store. */
  advanced(storeId: string, sequence: number): void {
    this.#known.set(storeId, sequence);
    const waiting = this.#waiters.get(storeId);
    if (!waiting) return;
    for (const waiter of waiting) if (sequence >= waiter.at) waiter.reached();
  }

  /** Resolves true once the store reaches `sequence` here, false after `timeoutMs`. */
  reach(storeId: string, sequence: number, timeoutMs: number): Promise<boolean> {
    if ((this.#known.get(storeId) ?? 0) >= sequence) return Promise.resolve(true);
    return new Promise((resolve) => {
      const waiting = this.#waiters.get(storeId) ?? new Set();
      this.#waiters.set(storeId, waiting);
      const done = (reached: boolean) => {
        clearTimeout(timer);
        waiting.delete(waiter);
        if (waiting.size === 0) this.#waiters.delete(storeId);
        resolve(reached);
      };
      const waiter = { at: sequence, reached: () => done(true) };
      const timer = setTimeout(() => done(false), timeoutMs);
      waiting.add(waiter);
    });
  }
}

/**
 * Apply a batch (`applyStoreBatch`); one that starts beyond the store's position first waits a
 * moment for the batch before it to commit in this process, then is tried once more. A gap that
 * remains (the hub's position is ahead of what the cloud holds) is refused with the position.
 */
export async function applyBatch(
  db: SqlDatabase,
  positions: StorePositions,
  storeId: string,
  events: readonly SyncedEvent[],
  state: HubState | undefined,
): Promise<PushResponse> {
  let answer: PushResponse;
  try {
    answer = await applyStoreBatch(db, storeId, events, state);
  } catch (err) {
    const first = events[0];
    const gap = err instanceof AppError && err.code === 'conflict';
    if (!gap || !first || !(await positions.reach(storeId, first.Sequence - 1, GAP_WAIT_MS)))
      throw err;
    answer = await applyStoreBatch(db, storeId, events, state);
  }
  positions.advanced(storeId, answer.lastSequence);
  return answer;
}

/**
 * Apply one batch of a store's events (ARCHITECTURE "Sync", the Replicache pattern): in one
 * transaction, with the store's row locked, events at or below its `last_sequence` are skipped
 * (a batch sent again after its answer was lost), the rest are stored, folded into the sales
 * read model and queued for the cloud bus, and `last_sequence` moves to the last of them. A
 * batch that starts beyond `last_sequence + 1` changes nothing and is answered 409 with the
 * position, from which the hub sends again.
 */
export async function applyStoreBatch(
  db: SqlDatabase,
  storeId: string,
  events: readonly SyncedEvent[],
  state: HubState | undefined,
): Promise<PushResponse> {
  return db.transaction(async (tx) => {
    const store = await tx.one<{ last_sequence: string }>(
      'SELECT last_sequence::text FROM stores WHERE store_id = $1 FOR UPDATE',
      [storeId],
    );
    let last = Number(store.last_sequence);
    const first = events[0];
    if (first && first.Sequence > last + 1) {
      throw new AppError('conflict', `Events after ${last} are missing; send from ${last + 1}`, {
        extra: { lastSequence: last },
      });
    }
    const fresh = events.filter((e) => e.Sequence > last);
    for (const event of fresh) {
      if (event.StoreId !== undefined && event.StoreId !== storeId) {
        throw new AppError(
          'forbidden',
          `Event ${event.EventId} belongs to ${event.StoreId}, not ${storeId}`,
        );
      }
    }
    // Each event checked against its contract; one that breaks it is kept as it came with the
    // reason, but neither applied nor fanned out. A valid event is kept and queued for the bus as
    // its contract reads it, one JSON text for both. The batch is stored and queued in one
    // statement. An event already held (the same event under a second sequence number, from a
    // hub restored from a backup) is applied once, its number used up; so is an event sent twice
    // in one batch. The outbox takes each event's JSON text as sent here (a `json` value keeps
    // its text as written), in Sequence order, which the relay keeps on the bus.
    const seen = new Set<string>();
    const accepted: AnyEvent[] = [];
    const rows = fresh.map((event, n) => {
      const envelope = { ...event, StoreId: storeId };
      const parsed = parseEvent(envelope);
      const unstorable = unstorableAt(envelope);
      const valid = parsed.ok && unstorable === undefined;
      const id = event.EventId.toLowerCase();
      const once = !seen.has(id);
      seen.add(id);
      if (parsed.ok && valid && once) accepted.push(parsed.event);
      return {
        n,
        sequence: event.Sequence,
        event_id: id,
        event_type: event.EventType,
        correlation_id: event.CorrelationId,
        occurred_at: event.Timestamp,
        doc: parsed.ok && valid ? parsed.event : storable(envelope),
        // The reason may quote what was sent, and a cut may split a surrogate pair.
        invalid_reason: !parsed.ok
          ? storable(
              parsed.issues
                .map((i) => `${i.path}: ${i.message}`)
                .join('; ')
                .slice(0, 1_000),
            )
          : unstorable !== undefined
            ? storable(`${unstorable}: holds NUL or a lone surrogate, which cannot be stored`)
            : null,
        publish: valid && once,
      };
    });
    const stored = new Set<string>();
    if (rows.length > 0) {
      const inserted = await tx.query<{ event_id: string }>(
        `WITH r AS MATERIALIZED (
           SELECT * FROM json_to_recordset($2::json) AS r(n integer, sequence bigint,
                  event_id uuid, event_type text, correlation_id uuid, occurred_at timestamptz,
                  doc json, invalid_reason text, publish boolean)
         ), stored AS (
           INSERT INTO received_events (store_id, sequence, event_id, event_type, correlation_id,
                                        occurred_at, envelope, invalid_reason)
           SELECT $1, r.sequence, r.event_id, r.event_type, r.correlation_id, r.occurred_at,
                  r.doc::jsonb, r.invalid_reason
             FROM r
           ON CONFLICT (event_id) DO NOTHING RETURNING event_id
         ), queued AS (
           INSERT INTO sync_outbox (event_id, event_type, envelope)
           SELECT r.event_id, r.event_type, r.doc::text
             FROM r JOIN stored USING (event_id)
            WHERE r.publish
            ORDER BY r.n
         )
         SELECT event_id::text FROM stored`,
        [storeId, JSON.stringify(rows)],
      );
      for (const row of inserted) stored.add(row.event_id.toLowerCase());
    }
    const applied = accepted.filter((e) => stored.has(e.EventId.toLowerCase()));
    await applyParsedBatchToReadModel(tx, storeId, applied);
    await applyShiftEvents(tx, storeId, applied);
    await applyAvailabilityEvents(tx, storeId, applied);
    const lastFresh = fresh.at(-1);
    if (lastFresh) last = lastFresh.Sequence;
    await recordSeen(tx, storeId, last, state);
    return { lastSequence: last, applied: fresh.length, skipped: events.length - fresh.length };
  });
}

async function recordSeen(
  tx: SqlExecutor,
  storeId: string,
  last: number,
  state: HubState | undefined,
) {
  await tx.query(
    `UPDATE stores SET last_sequence = $2, last_seen_at = now(),
       hub_state = CASE WHEN $3::jsonb IS NULL THEN hub_state ELSE $3::jsonb END
     WHERE store_id = $1`,
    [storeId, last, state ? JSON.stringify(storable(state)) : null],
  );
}
