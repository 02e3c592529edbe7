import {
  type ConsumerOptions,
  Inbox,
  InboxConsumer,
  type Logger,
  Outbox,
  OutboxRelay,
  type RelayOptions,
  type SqliteDatabase,
  type StoredEnvelope,
} from '@pos/kit';
import type { Bus } from './client.js';

/**
 * The hub's consumers and the event types each one needs: the bus's routing table. An event is
 * kept in its producer's outbox until every consumer listed for its type has acknowledged it.
 */
export class Subscriptions {
  readonly #byType = new Map<string, Set<string>>();

  add(consumer: string, types: readonly string[]): void {
    for (const type of types) {
      const set = this.#byType.get(type) ?? new Set<string>();
      set.add(consumer);
      this.#byType.set(type, set);
    }
  }

  consumersOf = (eventType: string): readonly string[] => [...(this.#byType.get(eventType) ?? [])];
}

/** Relay a service's outbox onto the bus and take the acknowledgements back. */
export async function startRelay(
  outbox: Outbox,
  bus: Bus,
  options: RelayOptions,
): Promise<OutboxRelay> {
  const relay = new OutboxRelay(outbox, { publish: (e) => bus.publishEvent(e) }, options);
  await bus.subscribeAcks((consumer, ids) => relay.acknowledge(consumer, ids));
  await relay.start();
  return relay;
}

/** Feed a consumer from the bus through its inbox, acknowledging on the bus. */
export async function startConsumer<E extends StoredEnvelope>(
  db: SqliteDatabase,
  bus: Bus,
  consumer: string,
  types: readonly string[],
  options: Omit<ConsumerOptions<E>, 'inbox' | 'acknowledge'> & { logger: Logger },
): Promise<InboxConsumer<E>> {
  const inbox = new Inbox(db, consumer);
  const runner = new InboxConsumer<E>({
    ...options,
    inbox,
    acknowledge: (ids) => {
      bus.publishAcks(consumer, ids).catch((err: unknown) => {
        options.logger.warn({ err, consumer }, 'acknowledgement not sent; events will come again');
      });
    },
  });
  await bus.subscribeEvents(types, (_topic, payload) => runner.receive(payload));
  return runner;
}

export { Outbox };
