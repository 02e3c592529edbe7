import { parseEvent } from '@pos/contracts';
import { AppError } from '@pos/kit';
import type { SqlDatabase, SqlExecutor } from '@pos/kit/sql';
import type { HubState, PushResponse, SyncedEvent } from '../protocol.js';
import { applyToReadModel } from './read-model.js';

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
    for (const event of fresh) {
      const envelope = { ...event, StoreId: storeId };
      const checked = parseEvent(envelope);
      const invalid = checked.ok
        ? null
        : checked.issues
            .map((i) => `${i.path}: ${i.message}`)
            .join('; ')
            .slice(0, 1_000);
      const stored = await tx.query(
        `INSERT INTO received_events (store_id, sequence, event_id, event_type, correlation_id, occurred_at, envelope, invalid_reason)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (event_id) DO NOTHING RETURNING event_id`,
        [
          storeId,
          event.Sequence,
          event.EventId,
          event.EventType,
          event.CorrelationId,
          event.Timestamp,
          JSON.stringify(envelope),
          invalid,
        ],
      );
      // The same event under a second sequence number (a hub restored from a backup) is applied
      // once; its number is still used up.
      if (stored.length > 0 && checked.ok) {
        await applyToReadModel(tx, storeId, checked.event);
        await tx.query(
          'INSERT INTO sync_outbox (event_id, event_type, envelope) VALUES ($1, $2, $3)',
          [event.EventId, event.EventType, JSON.stringify(checked.event)],
        );
      }
      last = event.Sequence;
    }
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
