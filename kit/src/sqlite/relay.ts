import type { Logger } from 'pino';
import { isDiskFull } from './db.js';
import type { StoredEnvelope } from './envelope.js';
import type { Outbox } from './outbox.js';

export interface RelayTransport {
  /** Resolve once the bus has accepted the event (QoS 1 PUBACK); reject if it did not. */
  publish(event: StoredEnvelope): Promise<void>;
}

export interface RelayOptions {
  logger: Logger;
  /** Events published per round. */
  batchSize?: number;
  /** An event whose deliveries stay open this long is published again. */
  redeliverAfterMs?: number;
  /** How often open deliveries are checked. */
  sweepEveryMs?: number;
  /** Delivered events are kept this long (for inspection), then deleted. */
  retainMs?: number;
  clock?: () => number;
}

export interface RelayStats {
  unpublished: number;
  openDeliveries: number;
  oldestOpenMs: number | null;
}

interface Row {
  seq: number;
  envelope: string;
}

/**
 * Publishes what the outbox holds, in commit order, and keeps publishing an event until every
 * consumer it was routed to has acknowledged it. At start-up every open delivery is published
 * again at once: those are exactly the events that may have been lost in a crash.
 */
export class OutboxRelay {
  readonly #outbox: Outbox;
  readonly #transport: RelayTransport;
  readonly #log: Logger;
  readonly #batch: number;
  readonly #redeliverAfter: number;
  readonly #sweepEvery: number;
  readonly #retain: number;
  readonly #clock: () => number;
  #running = false;
  #pumping: Promise<void> | null = null;
  #again = false;
  #timer: NodeJS.Timeout | null = null;
  #unsubscribe: (() => void) | null = null;
  #failures = 0;
  readonly #sql;

  constructor(outbox: Outbox, transport: RelayTransport, options: RelayOptions) {
    this.#outbox = outbox;
    const db = outbox.db;
    this.#sql = {
      unpublished: db.prepare(
        'SELECT seq, envelope FROM outbox WHERE published_at IS NULL AND seq <= ? ORDER BY seq LIMIT ?',
      ),
      mark: db.prepare(
        'UPDATE outbox SET published_at = ?, publish_count = publish_count + 1 WHERE seq = ?',
      ),
      acknowledge: db.prepare('DELETE FROM outbox_delivery WHERE event_id = ? AND consumer = ?'),
      open: db.prepare(
        `SELECT o.seq, o.envelope FROM outbox o
         WHERE o.seq > ? AND o.published_at IS NOT NULL AND o.published_at <= ?
           AND EXISTS (SELECT 1 FROM outbox_delivery d WHERE d.seq = o.seq)
         ORDER BY o.seq LIMIT ?`,
      ),
      prune: db.prepare(
        `DELETE FROM outbox WHERE published_at IS NOT NULL AND created_at < ?
         AND NOT EXISTS (SELECT 1 FROM outbox_delivery d WHERE d.seq = outbox.seq)`,
      ),
      countUnpublished: db.prepare('SELECT count(*) AS n FROM outbox WHERE published_at IS NULL'),
      countOpen: db.prepare(
        `SELECT count(*) AS n, min(o.created_at) AS oldest
         FROM outbox_delivery d JOIN outbox o ON o.seq = d.seq`,
      ),
    };
    this.#transport = transport;
    this.#log = options.logger;
    this.#batch = options.batchSize ?? 200;
    this.#redeliverAfter = options.redeliverAfterMs ?? 10_000;
    this.#sweepEvery = options.sweepEveryMs ?? 2_000;
    this.#retain = options.retainMs ?? 7 * 24 * 3600_000;
    this.#clock = options.clock ?? Date.now;
  }

  /** Start relaying. Open deliveries from a previous run are published first. */
  async start(): Promise<void> {
    this.#running = true;
    this.#unsubscribe = this.#outbox.onCommitted(() => this.notify());
    await this.#republishOpen(0);
    this.notify();
    this.#timer = setInterval(() => {
      void this.#republishOpen(this.#redeliverAfter);
      this.#prune();
    }, this.#sweepEvery);
    this.#timer.unref();
  }

  /**
   * Publish every open delivery again now: for a consumer that subscribed after this relay
   * started (the hub starts its modules one after another), rather than at the next sweep.
   */
  async redeliverOpen(): Promise<void> {
    if (this.#running) await this.#republishOpen(0);
  }

  async stop(): Promise<void> {
    this.#running = false;
    this.#unsubscribe?.();
    if (this.#timer) clearInterval(this.#timer);
    await this.#pumping;
  }

  /**
   * Publish whatever is new, soon. The round starts on a later tick, never inside the caller's
   * stack: a caller may still be inside the transaction that wrote the event, and the relay
   * must only ever read what has committed. Calls made meanwhile are coalesced.
   */
  notify(): void {
    if (!this.#running) return;
    if (this.#pumping) {
      this.#again = true;
      return;
    }
    this.#pumping = new Promise<void>((resolve) => setImmediate(resolve))
      .then(() => this.#pump())
      .finally(() => {
        this.#pumping = null;
        if (this.#again && this.#running) {
          this.#again = false;
          this.notify();
        }
      });
  }

  /** The last seq known to be on disk (an event is never published before it is). */
  #durable(): number {
    const d = this.#outbox.durableThrough;
    return Number.isFinite(d) ? d : Number.MAX_SAFE_INTEGER;
  }

  /** Wait until every committed event has been published once. */
  async drain(): Promise<void> {
    while (this.#running && this.stats().unpublished > 0) {
      this.notify();
      await (this.#pumping ?? new Promise((r) => setTimeout(r, 5)));
    }
  }

  /** A consumer has committed the effect of these events. */
  acknowledge(consumer: string, eventIds: readonly string[]): number {
    if (eventIds.length === 0) return 0;
    let removed = 0;
    const saved = this.#bookkeeping(() => {
      for (const id of eventIds) removed += this.#sql.acknowledge.run(id, consumer).changes;
    });
    return saved ? removed : 0;
  }

  stats(): RelayStats {
    const unpublished = (this.#sql.countUnpublished.get() as { n: number }).n;
    const open = this.#sql.countOpen.get() as { n: number; oldest: number | null };
    return {
      unpublished,
      openDeliveries: open.n,
      oldestOpenMs: open.oldest === null ? null : this.#clock() - open.oldest,
    };
  }

  async #pump(): Promise<void> {
    while (this.#running) {
      const rows = this.#sql.unpublished.all(this.#durable(), this.#batch) as Row[];
      if (rows.length === 0) return;
      const done = await this.#publishRows(rows);
      if (done < rows.length) return;
    }
  }

  /**
   * Publish rows in order and mark the ones that went in one transaction. The publishes are
   * pipelined on the one MQTT connection, which keeps their order; on the first failure the
   * rest of the batch is left for the next round so order is kept.
   */
  async #publishRows(rows: Row[]): Promise<number> {
    const results = await Promise.allSettled(
      rows.map((row) => this.#transport.publish(JSON.parse(row.envelope) as StoredEnvelope)),
    );
    let published = 0;
    while (published < results.length && results[published]?.status === 'fulfilled') published++;
    if (published > 0) {
      const now = this.#clock();
      const marked = this.#bookkeeping(() => {
        for (const row of rows.slice(0, published)) this.#sql.mark.run(now, row.seq);
      });
      // Sent but not marked (storage full): they are sent again on a later round, which the
      // inboxes absorb, rather than straight away in a loop.
      if (!marked) {
        this.#failures += 1;
        setTimeout(() => this.notify(), Math.min(5_000, 50 * this.#failures)).unref();
        return 0;
      }
    }
    if (published < rows.length) {
      const failed = results[published] as PromiseRejectedResult;
      this.#failures += 1;
      if (this.#failures === 1 || this.#failures % 100 === 0) {
        this.#log.warn(
          { err: failed.reason, seq: rows[published]?.seq, failures: this.#failures },
          'outbox publish failed',
        );
      }
      const retry = setTimeout(() => this.notify(), Math.min(5_000, 50 * this.#failures));
      retry.unref();
    } else {
      this.#failures = 0;
    }
    return published;
  }

  async #republishOpen(olderThanMs: number): Promise<void> {
    if (!this.#running) return;
    const select = this.#sql.open;
    const cutoff = this.#clock() - olderThanMs;
    let after = 0;
    let total = 0;
    while (this.#running) {
      const rows = select.all(after, cutoff, this.#batch) as Row[];
      if (rows.length === 0) break;
      const done = await this.#publishRows(rows);
      total += done;
      if (done < rows.length) break;
      after = (rows[rows.length - 1] as Row).seq;
    }
    if (total > 0) this.#log.info({ count: total }, 'republished events not yet acknowledged');
  }

  #prune(): void {
    this.#bookkeeping(() => this.#sql.prune.run(this.#clock() - this.#retain));
  }

  /**
   * Relay bookkeeping (published marks, acknowledgements, pruning) is committed without its
   * own disk sync even where the data needs `synchronous=FULL`: losing it in a power cut only
   * means an event is published again, and consumers' inboxes make that harmless. The next
   * synced commit on the file makes it durable anyway. For the same reason a full disk only
   * postpones it: false when it could not be saved, never a throw into the bus callback that
   * acknowledged (that would take the whole hub down while it can still answer).
   */
  #bookkeeping(fn: () => unknown): boolean {
    const db = this.#outbox.db;
    if (db.inTransaction) {
      fn();
      return true;
    }
    const level = db.pragma('synchronous', { simple: true }) as number;
    if (level > 1) db.pragma('synchronous = NORMAL');
    try {
      db.transaction(fn)();
      return true;
    } catch (err) {
      if (!isDiskFull(err)) throw err;
      this.#log.warn({ err }, 'outbox bookkeeping postponed: storage full');
      return false;
    } finally {
      if (level > 1) db.pragma(`synchronous = ${level}`);
    }
  }
}
