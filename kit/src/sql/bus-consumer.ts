import { AppError } from '../errors.js';
import type { Logger } from '../logger.js';
import type { BusDelivery, CloudBus } from './bus.js';
import type { SqlDatabase, SqlExecutor } from './database.js';
import type { SqlSchema } from './migrate.js';

/** The inbox and dead letters of a cloud service's event consumer (in the service's database). */
export const cloudInboxSchema: SqlSchema = {
  component: 'cloud-inbox',
  migrations: [
    {
      version: 1,
      name: 'inbox and dead letters',
      up: `
        CREATE TABLE cloud_inbox (
          consumer TEXT NOT NULL,
          event_id TEXT NOT NULL,
          event_type TEXT NOT NULL,
          processed_at TIMESTAMPTZ NOT NULL DEFAULT now(),
          PRIMARY KEY (consumer, event_id)
        );
        CREATE TABLE cloud_dead_letters (
          id BIGSERIAL PRIMARY KEY,
          consumer TEXT NOT NULL,
          event_id TEXT,
          event_type TEXT,
          envelope TEXT NOT NULL,
          reason TEXT NOT NULL,
          attempts INTEGER NOT NULL,
          failed_at TIMESTAMPTZ NOT NULL DEFAULT now(),
          replayed_at TIMESTAMPTZ
        );
      `,
    },
    {
      version: 2,
      name: 'replay requested from the command line, carried out by the running consumer',
      up: `
        ALTER TABLE cloud_dead_letters ADD COLUMN replay_requested_at TIMESTAMPTZ;
        CREATE INDEX cloud_dead_letters_replay ON cloud_dead_letters (consumer)
          WHERE replay_requested_at IS NOT NULL AND replayed_at IS NULL;
      `,
    },
  ],
};

export interface ParsedEvent {
  EventId: string;
  EventType: string;
}

export interface BusConsumerOptions<E extends ParsedEvent> {
  bus: CloudBus;
  db: SqlDatabase;
  /** The service: its queue is `pos.{consumer}`. */
  consumer: string;
  /** Routing keys (event types, or patterns such as `payment.*`). */
  bindings: readonly string[];
  /** Validate a message into an event, or say why it is not one. */
  parse: (raw: unknown) => { ok: true; event: E } | { ok: false; reason: string };
  /**
   * Work done before the transaction, such as fetching from another service (holding a
   * transaction open across a network call would block the database); its result is handed
   * to `handle`. It may run again for an event delivered twice.
   */
  prepare?: (event: E) => Promise<unknown>;
  /** The effect, inside the transaction that also records the event in the inbox. */
  handle: (event: E, tx: SqlExecutor, prepared?: unknown) => Promise<void>;
  logger: Logger;
  /** Tries before an event that keeps failing becomes a dead letter (seed §7.5: 3). */
  maxAttempts?: number;
  /** How often replays asked for with `replayDeadLetters` are looked for. */
  replayEveryMs?: number;
}

type Outcome = 'applied' | 'duplicate' | 'dead' | { retry: number };

/**
 * A cloud service's consumer of the event bus: one durable queue per service, each event
 * applied once (its ID is recorded in the inbox in the same transaction as the effect, so a
 * message delivered twice — by the bus or by a hub's sync — has no second effect), and an event
 * that is malformed or keeps failing is kept as a dead letter with the reason, to be listed and
 * replayed (`replayDeadLetters`), which this consumer carries out.
 */
export class BusConsumer<E extends ParsedEvent> {
  #unsubscribe: (() => Promise<void>) | undefined;
  #timer: NodeJS.Timeout | undefined;
  #replaying: Promise<void> | undefined;
  readonly #attempts = new Map<string, number>();
  /** Tries of an event that met its database (or a service it needs) unavailable. */
  readonly #waits = new Map<string, number>();
  applied = 0;
  duplicates = 0;
  deadLettered = 0;

  constructor(private readonly o: BusConsumerOptions<E>) {}

  get queue(): string {
    return `pos.${this.o.consumer}`;
  }

  async start(): Promise<void> {
    this.#unsubscribe = await this.o.bus.subscribe(this.queue, this.o.bindings, (delivery) => {
      void this.#receive(delivery);
    });
    this.#timer = setInterval(() => {
      this.#replaying ??= this.replayRequested()
        .then(() => {})
        .catch((err: unknown) =>
          this.o.logger.warn({ err: (err as Error).message }, 'dead letters not replayed yet'),
        )
        .finally(() => {
          this.#replaying = undefined;
        });
    }, this.o.replayEveryMs ?? 1_000);
    this.#timer.unref();
  }

  async stop(): Promise<void> {
    if (this.#timer) clearInterval(this.#timer);
    await this.#replaying;
    await this.#unsubscribe?.();
  }

  /** Apply the dead letters whose replay was asked for; each is marked replayed once tried. */
  async replayRequested(): Promise<number> {
    const rows = await this.o.db.query<{ id: string; envelope: string }>(
      `SELECT id::text AS id, envelope FROM cloud_dead_letters
       WHERE consumer = $1 AND replay_requested_at IS NOT NULL AND replayed_at IS NULL
       ORDER BY cloud_dead_letters.id LIMIT 100`,
      [this.o.consumer],
    );
    for (const row of rows) {
      for (;;) {
        const outcome = await this.#process(row.envelope, row.id);
        if (typeof outcome === 'string') break;
        await new Promise((r) => setTimeout(r, backoffMs(outcome.retry)));
      }
    }
    return rows.length;
  }

  async #receive(delivery: BusDelivery): Promise<void> {
    let outcome: Outcome;
    try {
      outcome = await this.#process(delivery.body.toString('utf8'));
    } catch (err) {
      // Not even a dead letter could be written (the database is away): the message goes back
      // to the queue, to be taken again once it may be.
      this.o.logger.warn({ err: (err as Error).message }, 'event not handled; retrying');
      outcome = { retry: 6 };
    }
    if (typeof outcome === 'string') delivery.ack();
    else setTimeout(() => delivery.requeue(), backoffMs(outcome.retry));
  }

  /**
   * Parse, then apply inside one transaction with the inbox entry (and, for a replay, the mark
   * on its dead letter). A failure is retried up to `maxAttempts`, then kept as a dead letter.
   */
  async #process(text: string, replayOf?: string): Promise<Outcome> {
    let raw: unknown;
    try {
      raw = JSON.parse(text);
    } catch {
      await this.#dead(text, undefined, undefined, 'message is not JSON', 1, replayOf);
      return 'dead';
    }
    const parsed = this.o.parse(raw);
    if (!parsed.ok) {
      const claimed = raw as Partial<ParsedEvent> | null;
      await this.#dead(
        text,
        claimed?.EventId,
        claimed?.EventType,
        `invalid event: ${parsed.reason}`,
        1,
        replayOf,
      );
      return 'dead';
    }
    const event = parsed.event;
    try {
      const prepared = await this.o.prepare?.(event);
      const applied = await this.o.db.transaction(async (tx) => {
        if (replayOf) await markReplayed(tx, replayOf);
        const claimed = await tx.query(
          `INSERT INTO cloud_inbox (consumer, event_id, event_type) VALUES ($1, $2, $3)
           ON CONFLICT DO NOTHING RETURNING event_id`,
          [this.o.consumer, event.EventId, event.EventType],
        );
        if (claimed.length === 0) return false;
        await this.o.handle(event, tx, prepared);
        return true;
      });
      if (applied) this.applied += 1;
      else this.duplicates += 1;
      this.#attempts.delete(event.EventId);
      this.#waits.delete(event.EventId);
      return applied ? 'applied' : 'duplicate';
    } catch (err) {
      if (err instanceof AppError && err.code === 'unavailable') {
        // The database restarting or a service it needs away is no fault of the event: it is
        // tried again, with backoff, for as long as that lasts, and never dead-lettered for it.
        const waits = (this.#waits.get(event.EventId) ?? 0) + 1;
        this.#waits.set(event.EventId, waits);
        if (waits === 1)
          this.o.logger.warn(
            { err: err.message, eventId: event.EventId },
            'event waits for its database; retrying',
          );
        return { retry: waits };
      }
      const attempts = (this.#attempts.get(event.EventId) ?? 0) + 1;
      if (attempts >= (this.o.maxAttempts ?? 3)) {
        this.#attempts.delete(event.EventId);
        await this.#dead(
          text,
          event.EventId,
          event.EventType,
          `handler failed: ${(err as Error).message}`,
          attempts,
          replayOf,
        );
        return 'dead';
      }
      this.#attempts.set(event.EventId, attempts);
      this.o.logger.warn(
        { err: (err as Error).message, eventId: event.EventId, attempts },
        'event failed; retrying',
      );
      return { retry: attempts };
    }
  }

  async #dead(
    envelope: string,
    eventId: string | undefined,
    eventType: string | undefined,
    reason: string,
    attempts: number,
    replayOf: string | undefined,
  ) {
    this.deadLettered += 1;
    this.o.logger.error(
      { consumer: this.o.consumer, eventId, eventType, reason },
      'event dead-lettered',
    );
    await this.o.db.transaction(async (tx) => {
      if (replayOf) await markReplayed(tx, replayOf);
      await tx.query(
        `INSERT INTO cloud_dead_letters (consumer, event_id, event_type, envelope, reason, attempts)
         VALUES ($1, $2, $3, $4, $5, $6)`,
        [this.o.consumer, eventId ?? null, eventType ?? null, envelope, reason, attempts],
      );
    });
  }
}

const backoffMs = (attempts: number) => 50 * 2 ** Math.min(attempts, 6);

function markReplayed(tx: SqlExecutor, id: string) {
  return tx.query('UPDATE cloud_dead_letters SET replayed_at = now() WHERE id = $1::bigint', [id]);
}

export interface DeadLetter {
  id: string;
  eventId: string | null;
  eventType: string | null;
  reason: string;
  attempts: number;
  failedAt: string;
  replayRequestedAt: string | null;
  replayedAt: string | null;
}

export function listDeadLetters(db: SqlDatabase, consumer: string): Promise<DeadLetter[]> {
  return db.query<DeadLetter>(
    `SELECT id::text AS id, event_id AS "eventId", event_type AS "eventType", reason, attempts,
            failed_at::text AS "failedAt", replay_requested_at::text AS "replayRequestedAt",
            replayed_at::text AS "replayedAt"
     FROM cloud_dead_letters WHERE consumer = $1 ORDER BY cloud_dead_letters.id`,
    [consumer],
  );
}

/**
 * Ask for dead letters to be applied again (after the fault was fixed): all of a consumer's that
 * are waiting, or those with the given IDs. The running service carries it out within a second
 * and marks each replayed; its inbox still drops anything that was applied meanwhile, and one
 * that fails again becomes a new dead letter. Returns how many were asked for.
 */
export async function replayDeadLetters(
  db: SqlDatabase,
  consumer: string,
  ids?: readonly string[],
): Promise<number> {
  const rows = await db.query(
    `UPDATE cloud_dead_letters SET replay_requested_at = now()
     WHERE consumer = $1 AND replay_requested_at IS NULL AND replayed_at IS NULL
       ${ids ? 'AND id = ANY($2::bigint[])' : ''}
     RETURNING id`,
    ids ? [consumer, ids] : [consumer],
  );
  return rows.length;
}
