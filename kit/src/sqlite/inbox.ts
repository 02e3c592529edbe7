import type { Logger } from 'pino';
import type { Schema, SqliteDatabase } from './db.js';
import { isDiskFull } from './db.js';
import type { StoredEnvelope } from './envelope.js';

/**
 * Inbox: a consumer records each event's ID in the same transaction as the event's effect, so
 * a redelivered event finds its ID and has no second effect. Events that cannot be applied
 * (broken payload, a handler that keeps failing) go to `dead_letter` with the reason, and the
 * consumer moves on; an operator can inspect and replay them.
 */
export const inboxSchema: Schema = {
  component: 'inbox',
  migrations: [
    {
      version: 1,
      name: 'inbox and dead letters',
      up: `
        CREATE TABLE inbox (
          consumer TEXT NOT NULL,
          event_id TEXT NOT NULL,
          event_type TEXT NOT NULL,
          processed_at INTEGER NOT NULL,
          PRIMARY KEY (consumer, event_id)
        ) WITHOUT ROWID;
        CREATE TABLE dead_letter (
          id INTEGER PRIMARY KEY AUTOINCREMENT,
          consumer TEXT NOT NULL,
          event_id TEXT,
          event_type TEXT,
          raw TEXT NOT NULL,
          reason TEXT NOT NULL,
          attempts INTEGER NOT NULL,
          failed_at INTEGER NOT NULL,
          replayed_at INTEGER
        );
      `,
    },
  ],
};

export type ApplyOutcome = 'applied' | 'duplicate';

/** Events applied together in one transaction when several are waiting. */
const BATCH = 64;

export class Inbox {
  readonly #claim;
  readonly #deadLetter;

  constructor(
    readonly db: SqliteDatabase,
    readonly consumer: string,
    readonly clock: () => number = Date.now,
  ) {
    this.#claim = db.prepare(
      'INSERT OR IGNORE INTO inbox (consumer, event_id, event_type, processed_at) VALUES (?, ?, ?, ?)',
    );
    this.#deadLetter = db.prepare(
      `INSERT INTO dead_letter (consumer, event_id, event_type, raw, reason, attempts, failed_at)
       VALUES (?, ?, ?, ?, ?, ?, ?)`,
    );
  }

  /**
   * Apply `effect` for `event` exactly once: the ID is claimed and the effect runs in one
   * transaction; if the effect throws, neither is kept.
   */
  apply<E extends StoredEnvelope>(event: E, effect: (event: E) => void): ApplyOutcome {
    return this.db.transaction(() => {
      const claimed = this.#claim.run(
        this.consumer,
        event.EventId,
        event.EventType,
        this.clock(),
      ).changes;
      if (claimed === 0) return 'duplicate' as const;
      effect(event);
      return 'applied' as const;
    })();
  }

  has(eventId: string): boolean {
    return (
      this.db
        .prepare('SELECT 1 FROM inbox WHERE consumer = ? AND event_id = ?')
        .get(this.consumer, eventId) !== undefined
    );
  }

  deadLetter(entry: {
    raw: string;
    reason: string;
    attempts: number;
    eventId?: string | undefined;
    eventType?: string | undefined;
  }): void {
    this.#deadLetter.run(
      this.consumer,
      entry.eventId ?? null,
      entry.eventType ?? null,
      entry.raw,
      entry.reason,
      entry.attempts,
      this.clock(),
    );
  }

  deadLetters(): DeadLetter[] {
    return this.db
      .prepare(
        `SELECT id, event_id AS eventId, event_type AS eventType, raw, reason, attempts,
                failed_at AS failedAt, replayed_at AS replayedAt
         FROM dead_letter WHERE consumer = ? ORDER BY id`,
      )
      .all(this.consumer) as DeadLetter[];
  }
}

export interface DeadLetter {
  id: number;
  eventId: string | null;
  eventType: string | null;
  raw: string;
  reason: string;
  attempts: number;
  failedAt: number;
  replayedAt: number | null;
}

export type ParseResult<E> =
  | { ok: true; event: E }
  | { ok: false; issues: { path: string; message: string }[] };

export interface ConsumerOptions<E extends StoredEnvelope> {
  inbox: Inbox;
  logger: Logger;
  /** Validate raw bytes from the bus into a typed event (the contract's `parseEvent`). */
  parse: (raw: unknown) => ParseResult<E>;
  /** The effect; runs inside the inbox transaction, so it must be synchronous SQLite work. */
  handle: (event: E) => void;
  /** Told which events are done (applied, duplicate or dead-lettered), in batches. */
  acknowledge: (eventIds: string[]) => void;
  /** Tries before an event that keeps failing goes to the dead letters (seed §7.5: 3). */
  maxAttempts?: number;
  /** Called after each applied event, outside the transaction (push to screens etc.). */
  afterApply?: (event: E) => void;
  /** Awaited before acknowledging: the store's disk sync when it syncs itself (`WalSync`). */
  durable?: () => Promise<void>;
}

/**
 * Feeds raw messages from the bus through validation and the inbox, one at a time in arrival
 * order, and acknowledges them in small batches.
 */
export class InboxConsumer<E extends StoredEnvelope> {
  readonly #o: ConsumerOptions<E>;
  readonly #max: number;
  #queue: Buffer[] = [];
  #busy = false;
  #acks: string[] = [];
  #ackTimer: NodeJS.Timeout | null = null;
  #idle: (() => void)[] = [];
  applied = 0;
  duplicates = 0;
  deadLettered = 0;

  constructor(options: ConsumerOptions<E>) {
    this.#o = options;
    this.#max = options.maxAttempts ?? 3;
  }

  receive(raw: Buffer): void {
    this.#queue.push(raw);
    if (!this.#busy) void this.#drain();
  }

  /** Resolves when everything received so far is processed and acknowledged. */
  whenIdle(): Promise<void> {
    if (!this.#busy && this.#queue.length === 0 && this.#acks.length === 0) {
      return Promise.resolve();
    }
    return new Promise((resolve) => this.#idle.push(resolve));
  }

  async #drain(): Promise<void> {
    this.#busy = true;
    try {
      // Events that arrive while the acknowledgements wait for the disk are drained in the same
      // run: `receive` does not start a second drain while this one is busy.
      do {
        while (this.#queue.length > 0) {
          const batch = this.#queue.splice(0, BATCH);
          const events: { raw: string; event: E }[] = [];
          for (const raw of batch) {
            const checked = this.#check(raw);
            if (checked) events.push(checked);
          }
          if (events.length > 0 && !this.#applyBatch(events)) {
            for (const { raw, event } of events) await this.#applyOne(raw, event);
          }
        }
        // Acknowledge only what is on disk: an ack makes the producer forget the event.
        if (this.#o.durable && this.#acks.length > 0) {
          await this.#o.durable();
          if (this.#queue.length > 0) this.#flushAcks();
        }
      } while (this.#queue.length > 0);
    } catch (err) {
      // What was not shown to be on disk is not acknowledged: the producer publishes it again
      // and the inbox makes the repeat harmless. Nothing is lost.
      this.#acks = [];
      this.#o.logger.error({ err }, 'consumer stopped a run; unacknowledged events will return');
    } finally {
      this.#busy = false;
      this.#flushAcks();
    }
  }

  /** Parse and validate; a message that is not a valid event goes to the dead letters. */
  #check(raw: Buffer): { raw: string; event: E } | undefined {
    const text = raw.toString('utf8');
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      this.#reject(text, 'message is not JSON', undefined, undefined, 1);
      return undefined;
    }
    const parsed = this.#o.parse(json);
    if (parsed.ok) return { raw: text, event: parsed.event };
    const claimed = json as Partial<StoredEnvelope> | null;
    const eventId = typeof claimed?.EventId === 'string' ? claimed.EventId : undefined;
    const eventType = typeof claimed?.EventType === 'string' ? claimed.EventType : undefined;
    const reason = parsed.issues.map((i) => `${i.path}: ${i.message}`).join('; ');
    this.#reject(text, `invalid event: ${reason}`, eventId, eventType, 1);
    return undefined;
  }

  /**
   * Apply a run of events in one transaction (one disk sync for all of them). Any failure
   * rolls the whole run back and the caller applies them one by one, with retries.
   */
  #applyBatch(events: { event: E }[]): boolean {
    if (events.length === 1) return false;
    let outcomes: ApplyOutcome[];
    try {
      outcomes = this.#o.inbox.db.transaction(() =>
        events.map(({ event }) => this.#o.inbox.apply(event, this.#o.handle)),
      )();
    } catch {
      return false;
    }
    events.forEach(({ event }, i) => {
      this.#applied(event, outcomes[i] as ApplyOutcome);
    });
    return true;
  }

  async #applyOne(raw: string, event: E): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        this.#applied(event, this.#o.inbox.apply(event, this.#o.handle));
        return;
      } catch (err) {
        // A full disk is not the event's fault: it is not acknowledged and comes back once
        // there is room, rather than ending in the dead letters (a kitchen ticket never printed).
        if (isDiskFull(err)) throw err;
        if (attempt >= this.#max) {
          const reason = err instanceof Error ? err.message : String(err);
          this.#reject(raw, `handler failed: ${reason}`, event.EventId, event.EventType, attempt);
          return;
        }
        this.#o.logger.warn({ err, eventId: event.EventId, attempt }, 'event handler failed');
        await new Promise((r) => setTimeout(r, 20 * 2 ** attempt));
      }
    }
  }

  #applied(event: E, outcome: ApplyOutcome): void {
    if (outcome === 'applied') {
      this.applied += 1;
      this.#o.afterApply?.(event);
    } else {
      this.duplicates += 1;
    }
    this.#ack(event.EventId);
  }

  #reject(
    raw: string,
    reason: string,
    eventId: string | undefined,
    eventType: string | undefined,
    attempts: number,
  ): void {
    this.#o.inbox.deadLetter({ raw, reason, attempts, eventId, eventType });
    this.deadLettered += 1;
    this.#o.logger.error(
      { consumer: this.#o.inbox.consumer, eventId, eventType, reason },
      'event sent to dead letters',
    );
    if (eventId) this.#ack(eventId);
  }

  #ack(eventId: string): void {
    this.#acks.push(eventId);
    // A store that syncs itself acknowledges at the end of each drain, after its sync.
    if (this.#o.durable) return;
    if (this.#acks.length >= 100) this.#flushAcks();
    else if (!this.#ackTimer) {
      this.#ackTimer = setTimeout(() => this.#flushAcks(), 10);
      this.#ackTimer.unref();
    }
  }

  #flushAcks(): void {
    if (this.#ackTimer) {
      clearTimeout(this.#ackTimer);
      this.#ackTimer = null;
    }
    if (this.#acks.length > 0) {
      const ids = this.#acks;
      this.#acks = [];
      this.#o.acknowledge(ids);
    }
    if (!this.#busy && this.#queue.length === 0) {
      const waiting = this.#idle;
      this.#idle = [];
      for (const resolve of waiting) resolve();
    }
  }
}
