import { join } from 'node:path';
import {
  type AnyEvent,
  type EventPayloadInputs,
  type EventPayloads,
  type EventType,
  makeEvent,
  nowTimestamp,
  parseEvent,
  type StoreId,
} from '@pos/contracts';
import {
  currentCorrelationId,
  GroupCommit,
  type InboxConsumer,
  inboxSchema,
  Outbox,
  type OutboxRelay,
  openSqlite,
  outboxSchema,
  type Schema,
  type SqliteDatabase,
  type Synchronous,
  WalSync,
} from '@pos/kit';
import type { Bus } from './bus/client.js';
import { startConsumer, startRelay } from './bus/wiring.js';
import type { HubContext } from './hub.js';

export interface ServiceStoreOptions {
  /** Module name: the SQLite file is `{dataDir}/{name}.db`, the event `Source` `{name}-service`. */
  name: string;
  /** `FULL` for orders and payments (survives a power cut), `NORMAL` elsewhere. */
  synchronous: Synchronous;
  schemas: readonly Schema[];
}

/**
 * A hub module's own database with its outbox, relay and inbox wired to the edge bus. Every
 * module opens exactly one, so every module stores and publishes the same way.
 */
export class ServiceStore {
  readonly source: string;
  readonly #group: GroupCommit;
  readonly #wal: WalSync | null;
  #consumers: InboxConsumer<AnyEvent>[] = [];

  private constructor(
    readonly ctx: HubContext,
    readonly name: string,
    readonly db: SqliteDatabase,
    readonly outbox: Outbox,
    readonly bus: Bus,
    readonly relay: OutboxRelay,
    wal: WalSync | null,
  ) {
    this.source = `${name}-service`;
    this.#wal = wal;
    this.#group = wal
      ? new GroupCommit(
          db,
          () => {},
          () => wal.sync(),
        )
      : new GroupCommit(db, () => outbox.notifyCommitted());
  }

  static async open(ctx: HubContext, options: ServiceStoreOptions): Promise<ServiceStore> {
    const path = join(ctx.config.dataDir, `${options.name}.db`);
    // `FULL` is kept by syncing the WAL off the event loop (WalSync) rather than by SQLite
    // inside every commit; see `durable`.
    const syncsItself = options.synchronous === 'FULL' || options.synchronous === 'EXTRA';
    const db = openSqlite({
      path,
      synchronous: syncsItself ? 'NORMAL' : options.synchronous,
      schemas: [outboxSchema, inboxSchema, ...options.schemas],
    });
    try {
      const outbox = new Outbox(db, ctx.subscriptions.consumersOf, ctx.clock);
      let wal: WalSync | null = null;
      if (syncsItself) {
        wal = new WalSync(
          `${path}-wal`,
          () => outbox.lastSeq,
          (mark) => {
            outbox.durableThrough = Math.max(
              Number.isFinite(outbox.durableThrough) ? outbox.durableThrough : 0,
              mark,
            );
            outbox.notifyCommitted();
          },
        );
        // What a previous run committed may sit in the page cache only: on disk before serving.
        outbox.durableThrough = 0;
        await wal.sync();
      }
      const bus = await ctx.connectBus(options.name);
      const relay = await startRelay(outbox, bus, { logger: ctx.logger, clock: ctx.clock });
      ctx.afterStart(() => relay.redeliverOpen());
      return new ServiceStore(ctx, options.name, db, outbox, bus, relay, wal);
    } catch (err) {
      db.close();
      throw err;
    }
  }

  /**
   * Resolves once everything this store has committed is on disk. Immediate for stores that
   * do not need to survive a power cut (`NORMAL`).
   */
  durable(): Promise<void> {
    return this.#wal ? this.#wal.sync() : Promise.resolve();
  }

  /**
   * Record an event; call inside `transaction` so it commits with the change it describes.
   * The payload is validated against its contract here, so a malformed event is a fault at
   * the producer and never reaches a consumer.
   */
  emit<T extends EventType>(type: T, payload: EventPayloads[T] | EventPayloadInputs[T]): AnyEvent {
    // makeEvent validates the payload against its contract, and parsing brands it.
    const event = makeEvent(type, payload as EventPayloads[T], {
      correlationId: currentCorrelationId(),
      source: this.source,
      storeId: this.ctx.config.storeId as StoreId,
      timestamp: nowTimestamp(this.ctx.clock),
    }) as AnyEvent;
    this.outbox.append(event);
    return event;
  }

  /**
   * Run `fn` in one SQLite transaction; its events are published once it is on disk. For a
   * store that syncs itself, await `durable()` before telling anyone it is done — or use
   * `commitSoon`, which does.
   */
  transaction<T>(fn: () => T): T {
    if (!this.#wal) return this.outbox.transaction(fn);
    const result = this.db.transaction(fn)();
    void this.#wal.sync();
    return result;
  }

  /**
   * Run `fn` in the next group commit (see `GroupCommit`): for hot writes on a `FULL` file.
   * Resolves once the group is on disk.
   */
  commitSoon<T>(fn: () => T): Promise<T> {
    return this.#group.run(fn);
  }

  /**
   * Consume event types from the bus: each event is validated against its contract and applied
   * through this module's inbox, so a redelivered event has no second effect. `handle` runs
   * inside the inbox transaction and may `emit` events of its own.
   */
  async consume(
    consumer: string,
    types: readonly EventType[],
    handle: (event: AnyEvent) => void,
    afterApply?: (event: AnyEvent) => void,
  ): Promise<InboxConsumer<AnyEvent>> {
    const runner = await startConsumer<AnyEvent>(this.db, this.bus, consumer, types, {
      logger: this.ctx.logger.child({ consumer }),
      parse: (raw) => {
        const result = parseEvent(raw);
        return result.ok
          ? { ok: true, event: result.event as AnyEvent }
          : { ok: false, issues: result.issues };
      },
      handle,
      afterApply: (event) => {
        if (!this.#wal) this.outbox.notifyCommitted();
        afterApply?.(event);
      },
      ...(this.#wal ? { durable: () => this.durable() } : {}),
    });
    this.#consumers.push(runner);
    return runner;
  }

  /** Wait until every event consumed so far is applied and its outbox events published. */
  async settle(): Promise<void> {
    await Promise.all(this.#consumers.map((c) => c.whenIdle()));
    await this.relay.drain();
  }

  /** Stop taking events first, finish what arrived, then stop relaying and close the file. */
  async close(): Promise<void> {
    await this.bus.close();
    await Promise.all(this.#consumers.map((c) => c.whenIdle()));
    await this.relay.stop();
    await this.#wal?.close();
    this.db.close();
  }
}
