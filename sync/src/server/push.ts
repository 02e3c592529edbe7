import { parseEvent } from '@pos/contracts';
import { AppError } from '@pos/kit';
import type { SqlDatabase, SqlExecutor } from '@pos/kit/sql';
import type { HubState, PushResponse, SyncedEvent } from '../protocol.js';
import { applyParsedBatchToReadModel } from './read-model.js';
import { applyShiftEvents } from './shifts.js';

/**
 * Apply one batch of a store's events (ARCHITECTURE "Sync", the Replicache pattern): in one
 * transaction, with the store's row locked, events at or below its `last_sequence` are skipped
 * (a batch sent again after its answer was lost), the rest are stored, folded into the sales
 * read model and queued for the cloud bus, and `last_sequence` moves to the last of them. A
 * batch that starts beyond `last_sequence + 1` changes nothing and is answered 409 with the
 * position, from which the hub sends again.
 */
export async function applyBatch(
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
    // Each event checked against its contract; one that breaks it is kept with the reason but
    // neither applied nor fanned out. The batch is then stored and queued for the bus in one
    // statement. An event already held (the same event under a second sequence number, from a
    // hub restored from a backup) is applied once, its number used up; so is an event sent twice
    // in one batch. The outbox takes each valid event's JSON verbatim (a `json` column keeps its
    // text as written), in Sequence order, which the relay keeps on the bus.
    const seen = new Set<string>();
    const rows = fresh.map((event, n) => {
      const envelope = { ...event, StoreId: storeId };
      const parsed = parseEvent(envelope);
      const id = event.EventId.toLowerCase();
      const once = !seen.has(id);
      seen.add(id);
      return {
        n,
        sequence: event.Sequence,
        event_id: id,
        event_type: event.EventType,
        correlation_id: event.CorrelationId,
        occurred_at: event.Timestamp,
        envelope,
        invalid_reason: parsed.ok
          ? null
          : parsed.issues
              .map((i) => `${i.path}: ${i.message}`)
              .join('; ')
              .slice(0, 1_000),
        published: parsed.ok && once ? parsed.event : null,
      };
    });
    const stored = new Set<string>();
    if (rows.length > 0) {
      const inserted = await tx.query<{ event_id: string }>(
        `WITH r AS MATERIALIZED (
           SELECT * FROM json_to_recordset($2::json) AS r(n integer, sequence bigint,
                  event_id uuid, event_type text, correlation_id uuid, occurred_at timestamptz,
                  envelope jsonb, invalid_reason text, published json)
         ), stored AS (
           INSERT INTO received_events (store_id, sequence, event_id, event_type, correlation_id,
                                        occurred_at, envelope, invalid_reason)
           SELECT $1, r.sequence, r.event_id, r.event_type, r.correlation_id, r.occurred_at,
                  r.envelope, r.invalid_reason
             FROM r
           ON CONFLICT (event_id) DO NOTHING RETURNING event_id
         ), queued AS (
           INSERT INTO sync_outbox (event_id, event_type, envelope)
           SELECT r.event_id, r.event_type, r.published::text
             FROM r JOIN stored USING (event_id)
            WHERE r.published IS NOT NULL
            ORDER BY r.n
         )
         SELECT event_id::text FROM stored`,
        [storeId, JSON.stringify(rows)],
      );
      for (const row of inserted) stored.add(row.event_id.toLowerCase());
    }
    const accepted = rows.flatMap(({ event_id, published }) =>
      published && stored.has(event_id) ? [published] : [],
    );
    await applyParsedBatchToReadModel(tx, storeId, accepted);
    await applyShiftEvents(tx, storeId, accepted);
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
    [storeId, last, state ? JSON.stringify(state) : null],
  );
}
