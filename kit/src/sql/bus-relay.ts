import type { Logger } from '../logger.js';
import type { CloudBus } from './bus.js';
import type { SqlDatabase } from './database.js';

export interface BusRelayOptions {
  db: SqlDatabase;
  /** The service's outbox table: `seq`, `event_id`, `event_type`, `envelope`, `published_at`. */
  table: string;
  bus: CloudBus;
  logger: Logger;
  pollMs?: number;
}

/**
 * Publishes a cloud service's outbox to the cloud bus (seed §5.1) in commit order: a row is
 * marked published only once the bus has confirmed it, so a crash between the two publishes it
 * again (consumers drop repeats by event ID). While the bus cannot be reached the outbox keeps
 * everything and the relay tries again at its next poll.
 */
export class BusOutboxRelay {
  #timer: NodeJS.Timeout | undefined;
  /** The last pass scheduled: passes run one after another, never side by side. */
  #tail: Promise<void> = Promise.resolve();
  /** A pass scheduled but not started yet, which every caller until it starts can share. */
  #waiting: Promise<void> | undefined;
  #stopped = false;
  #failing = false;

  constructor(private readonly o: BusRelayOptions) {
    if (!/^[a-z_][a-z0-9_]*$/.test(o.table)) throw new Error(`not a table name: ${o.table}`);
  }

  start(): void {
    const tick = () => {
      if (!this.#stopped) void this.#schedule();
    };
    tick();
    this.#timer = setInterval(tick, this.o.pollMs ?? 500);
    this.#timer.unref();
  }

  /** Publish what is committed now; resolves once it is on the bus (or the bus is away). */
  flush(): Promise<void> {
    return this.#schedule();
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    if (this.#timer) clearInterval(this.#timer);
    await this.#tail;
  }

  #schedule(): Promise<void> {
    // A pass that has not started yet reads everything committed before it starts.
    if (this.#waiting) return this.#waiting;
    const pass = this.#tail.then(() => {
      this.#waiting = undefined;
      return this.#pass();
    });
    this.#waiting = pass;
    this.#tail = pass;
    return pass;
  }

  async #pass(): Promise<void> {
    try {
      for (;;) {
        const rows = await this.o.db.query<{
          seq: string;
          event_id: string;
          event_type: string;
          envelope: string;
        }>(
          `SELECT seq::text AS seq, event_id::text AS event_id, event_type, envelope FROM ${this.o.table}
           WHERE published_at IS NULL ORDER BY ${this.o.table}.seq LIMIT 500`,
        );
        if (rows.length === 0) break;
        await this.o.bus.publish(
          rows.map((row) => ({
            routingKey: row.event_type,
            body: Buffer.from(row.envelope),
            messageId: row.event_id,
          })),
        );
        await this.o.db.query(
          `UPDATE ${this.o.table} SET published_at = now() WHERE seq = ANY($1::bigint[])`,
          [rows.map((r) => r.seq)],
        );
      }
      if (this.#failing) this.o.logger.info({ table: this.o.table }, 'events published again');
      this.#failing = false;
    } catch (err) {
      // Once per outage, not once per poll.
      if (!this.#failing)
        this.o.logger.warn(
          { err: (err as Error).message, table: this.o.table, bus: this.o.bus.kind },
          'events not published to the cloud bus yet; will retry',
        );
      this.#failing = true;
    }
  }
}
