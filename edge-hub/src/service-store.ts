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
} from '@pos/kit';
import type { BusClient } from './bus/client.js';
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
  #consumers: InboxConsumer<AnyEvent>[] = [];

  private constructor(
    readonly ctx: HubContext,
    readonly name: string,
    readonly db: SqliteDatabase,
    readonly outbox: Outbox,
    readonly bus: BusClient,
    readonly relay: OutboxRelay,
  ) {
    this.source = `${name}-service`;
    this.#group = new GroupCommit(db, () => outbox.notifyCommitted());
  }

  static async open(ctx: HubContext, options: ServiceStoreOptions): Promise<ServiceStore> {
    const db = openSqlite({
      path: join(ctx.config.dataDir, `${options.name}.db`),
      synchronous: options.synchronous,
      schemas: [outboxSchema, inboxSchema, ...options.schemas],
    });
    try {
      const outbox = new Outbox(db, ctx.subscriptions.consumersOf, ctx.clock);
      const bus = await ctx.connectBus(options.name);
      const relay = await startRelay(outbox, bus, { logger: ctx.logger, clock: ctx.clock });
      return new ServiceStore(ctx, options.name, db, outbox, bus, relay);
    } catch (err) {
      db.close();
      throw err;
    }
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

  /** Run `fn` in one SQLite transaction; the relay is woken once it has committed. */
  transaction<T>(fn: () => T): T {
    return this.outbox.transaction(fn);
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
        this.outbox.notifyCommitted();
        afterApply?.(event);
      },
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
    this.db.close();
  }
}
