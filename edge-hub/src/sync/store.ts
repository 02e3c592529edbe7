import type { Schema, SqliteDatabase } from '@pos/kit';
import type { SyncStateStore, UpstreamQueue } from '@pos/sync/client/index';

/**
 * The hub's side of sync on SQLite (`sync.db`): every event bound for the cloud, numbered
 * 1, 2, 3… without gaps in the order it reached the hub (its `Sequence`), and the client's
 * position. Nothing is deleted when it is sent: the cloud may ask for events again after a
 * restore, and the numbers must never be reused.
 */
export const syncHubSchema: Schema = {
  component: 'sync',
  migrations: [
    {
      version: 1,
      name: 'upstream queue and sync state',
      up: `
        CREATE TABLE upstream (
          sequence INTEGER PRIMARY KEY,
          event_id TEXT NOT NULL UNIQUE,
          event_type TEXT NOT NULL,
          envelope TEXT NOT NULL,
          queued_at INTEGER NOT NULL
        );
        CREATE TABLE sync_state (
          key TEXT PRIMARY KEY,
          value TEXT NOT NULL
        );
      `,
    },
  ],
};

export class SqliteUpstreamQueue implements UpstreamQueue {
  readonly #listeners: (() => void)[] = [];
  readonly #insert;
  readonly #after;
  readonly #oldest;
  readonly #last;
  readonly #byType;
  readonly #listAfter;

  constructor(
    db: SqliteDatabase,
    private readonly clock: () => number,
  ) {
    this.#insert = db.prepare(
      'INSERT INTO upstream (sequence, event_id, event_type, envelope, queued_at) VALUES (?, ?, ?, ?, ?)',
    );
    this.#after = db.prepare(
      'SELECT sequence, envelope FROM upstream WHERE sequence > ? ORDER BY sequence LIMIT ?',
    );
    this.#oldest = db.prepare(
      'SELECT queued_at FROM upstream WHERE sequence > ? ORDER BY sequence LIMIT 1',
    );
    // The rowid's maximum: read from the end of the table, not by scanning it.
    this.#last = db.prepare('SELECT coalesce(max(sequence), 0) AS n FROM upstream');
    this.#byType = db.prepare(
      `SELECT event_type AS eventType, count(*) AS count FROM upstream WHERE sequence > ?
       GROUP BY event_type ORDER BY count(*) DESC, event_type`,
    );
    this.#listAfter = db.prepare(
      `SELECT sequence, event_id, event_type, queued_at FROM upstream WHERE sequence > ?
       ORDER BY sequence LIMIT ?`,
    );
  }

  /**
   * Number and store an event, in the consumer's transaction (whose inbox drops repeats), so
   * a rolled-back transaction takes its number back with it. The envelope gains its `Sequence`.
   */
  enqueue(event: { EventId: string; EventType: string }): number {
    const sequence = this.last() + 1;
    this.#insert.run(
      sequence,
      event.EventId,
      event.EventType,
      JSON.stringify({ ...event, Sequence: sequence }),
      this.clock(),
    );
    return sequence;
  }

  /** Once the transaction that queued events has committed: wake the sender. */
  committed(): void {
    for (const listener of this.#listeners) listener();
  }

  after(
    sequence: number,
    maxEvents: number,
    maxBytes: number,
  ): { sequence: number; envelope: string }[] {
    const rows = this.#after.all(sequence, maxEvents) as { sequence: number; envelope: string }[];
    let bytes = 0;
    const batch: { sequence: number; envelope: string }[] = [];
    for (const row of rows) {
      bytes += row.envelope.length + 1;
      if (batch.length > 0 && bytes > maxBytes) break;
      batch.push(row);
    }
    return batch;
  }

  last(): number {
    return (this.#last.get() as { n: number }).n;
  }

  oldestAfter(sequence: number): number | undefined {
    return (this.#oldest.get(sequence) as { queued_at: number } | undefined)?.queued_at;
  }

  onQueued(listener: () => void): void {
    this.#listeners.push(listener);
  }

  /** What waits after `sequence`: how many of each type, and the first `limit` in order. */
  backlog(sequence: number, limit: number): Backlog {
    return {
      byType: this.#byType.all(sequence) as Backlog['byType'],
      events: (
        this.#listAfter.all(sequence, limit) as {
          sequence: number;
          event_id: string;
          event_type: string;
          queued_at: number;
        }[]
      ).map((r) => ({
        sequence: r.sequence,
        eventId: r.event_id,
        eventType: r.event_type,
        queuedAt: new Date(r.queued_at).toISOString(),
      })),
    };
  }
}

export interface Backlog {
  byType: { eventType: string; count: number }[];
  events: { sequence: number; eventId: string; eventType: string; queuedAt: string }[];
}

export class SqliteSyncState implements SyncStateStore {
  readonly #get;
  readonly #set;
  readonly #delete;

  constructor(db: SqliteDatabase) {
    this.#get = db.prepare('SELECT value FROM sync_state WHERE key = ?');
    this.#set = db.prepare(
      'INSERT INTO sync_state (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value',
    );
    this.#delete = db.prepare('DELETE FROM sync_state WHERE key = ?');
  }

  get(key: Parameters<SyncStateStore['get']>[0]): string | undefined {
    return (this.#get.get(key) as { value: string } | undefined)?.value;
  }

  set(key: Parameters<SyncStateStore['set']>[0], value: string | undefined): void {
    if (value === undefined) this.#delete.run(key);
    else this.#set.run(key, value);
  }
}
