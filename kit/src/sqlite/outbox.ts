import type { Schema, SqliteDatabase } from './db.js';
import type { StoredEnvelope } from './envelope.js';

/**
 * Transactional outbox. A service writes its state change and the event describing it in one
 * SQLite transaction (`append`), so an event exists if and only if the change does. For every
 * consumer that subscribes to the event's type, a delivery row is written too; it is removed
 * only when that consumer acknowledges the event, after committing its effect. The relay
 * publishes new events and re-publishes any whose deliveries are still open, so an event that
 * was in flight when the hub crashed is delivered again on restart; consumers deduplicate with
 * their inbox. Nothing leaves the outbox before every consumer has it.
 */
export const outboxSchema: Schema = {
  component: 'outbox',
  migrations: [
    {
      version: 1,
      name: 'outbox and deliveries',
      up: `
        CREATE TABLE outbox (
          seq INTEGER PRIMARY KEY AUTOINCREMENT,
          event_id TEXT NOT NULL UNIQUE,
          event_type TEXT NOT NULL,
          envelope TEXT NOT NULL,
          created_at INTEGER NOT NULL,
          published_at INTEGER,
          publish_count INTEGER NOT NULL DEFAULT 0
        );
        CREATE INDEX outbox_unpublished ON outbox (seq) WHERE published_at IS NULL;
        CREATE TABLE outbox_delivery (
          seq INTEGER NOT NULL REFERENCES outbox (seq) ON DELETE CASCADE,
          consumer TEXT NOT NULL,
          event_id TEXT NOT NULL,
          PRIMARY KEY (seq, consumer)
        ) WITHOUT ROWID;
        CREATE INDEX outbox_delivery_event ON outbox_delivery (event_id, consumer);
      `,
    },
  ],
};

/** Which consumers must receive each event type: the bus's routing table. */
export type ConsumerRoutes = (eventType: string) => readonly string[];

export class Outbox {
  readonly #insertEvent;
  readonly #insertDelivery;
  readonly #routes: ConsumerRoutes;
  readonly #clock: () => number;
  #listeners: (() => void)[] = [];
  /** The seq of the last event appended (committed or not). */
  lastSeq = 0;
  /**
   * Events up to this seq are on disk and may be published. A store that syncs its file itself
   * (see `WalSync`) raises it after each sync; otherwise every committed event counts.
   */
  durableThrough = Number.POSITIVE_INFINITY;

  constructor(
    readonly db: SqliteDatabase,
    routes: ConsumerRoutes,
    clock: () => number = Date.now,
  ) {
    this.#routes = routes;
    this.#clock = clock;
    this.#insertEvent = db.prepare(
      'INSERT INTO outbox (event_id, event_type, envelope, created_at) VALUES (?, ?, ?, ?)',
    );
    this.#insertDelivery = db.prepare(
      'INSERT INTO outbox_delivery (seq, consumer, event_id) VALUES (?, ?, ?)',
    );
    this.lastSeq = (
      db.prepare('SELECT coalesce(max(seq), 0) AS n FROM outbox').get() as { n: number }
    ).n;
  }

  /**
   * Record `event` for publication. Call inside the transaction that makes the change; the
   * relay is woken when that transaction has committed (see `notifyCommitted`).
   */
  append(event: StoredEnvelope): void {
    if (!this.db.inTransaction) {
      throw new Error('Outbox.append must run inside the transaction that makes the change');
    }
    const { lastInsertRowid } = this.#insertEvent.run(
      event.EventId,
      event.EventType,
      JSON.stringify(event),
      this.#clock(),
    );
    for (const consumer of this.#routes(event.EventType)) {
      this.#insertDelivery.run(lastInsertRowid, consumer, event.EventId);
    }
    this.lastSeq = Number(lastInsertRowid);
  }

  /** Tell the relay that new events are committed. */
  notifyCommitted(): void {
    for (const listener of this.#listeners) listener();
  }

  onCommitted(listener: () => void): () => void {
    this.#listeners.push(listener);
    return () => {
      this.#listeners = this.#listeners.filter((l) => l !== listener);
    };
  }

  /** Run `fn` in a transaction, then wake the relay if it committed. */
  transaction<T>(fn: () => T): T {
    const result = this.db.transaction(fn)();
    this.notifyCommitted();
    return result;
  }
}
