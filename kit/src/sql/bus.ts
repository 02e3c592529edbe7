import amqp from 'amqplib';
import type { Logger } from '../logger.js';

/** The topic exchange the cloud's events go to; the routing key is the event type. */
export const CLOUD_EXCHANGE = 'pos.events';

export interface BusMessage {
  /** The event type (`payment.completed.v1`). */
  routingKey: string;
  body: Buffer;
  /** The event ID. */
  messageId: string;
}

export interface BusDelivery {
  body: Buffer;
  /** Done with it: applied, a repeat, or kept as a dead letter. */
  ack(): void;
  /** Not applied; deliver it again. */
  requeue(): void;
}

/**
 * The cloud's event bus: a topic exchange with a durable queue per consuming service. RabbitMQ
 * (`AmqpBus`) when `AMQP_URL` is set; otherwise, with every service in one process, the
 * in-process `MemoryBus`.
 */
export interface CloudBus {
  readonly kind: 'amqp' | 'memory';
  /** Resolves once the bus has taken responsibility for every message (publisher confirms). */
  publish(messages: readonly BusMessage[]): Promise<void>;
  /** Declare `queue` bound to `bindings` (topic patterns) and receive its messages. */
  subscribe(
    queue: string,
    bindings: readonly string[],
    receive: (delivery: BusDelivery) => void,
  ): Promise<() => Promise<void>>;
  close(): Promise<void>;
}

/** A queue being consumed, and the channel currently consuming it (none while the broker is away). */
interface AmqpSubscription {
  queue: string;
  bindings: readonly string[];
  receive: (delivery: BusDelivery) => void;
  channel: amqp.Channel | undefined;
  ended: boolean;
}

/**
 * RabbitMQ: one connection, a confirm channel for publishing and a channel per subscription.
 * When the connection goes (the broker restarts, the network drops), publishing reconnects at
 * its next try, and every subscription is taken up again on a new connection as soon as the
 * broker takes one (tried every `resubscribeMs`), so consumers resume without a restart of the
 * service. Messages delivered but not acknowledged when the channel went are delivered again
 * by the broker; the consumer's inbox drops those it had already applied.
 */
export class AmqpBus implements CloudBus {
  readonly kind = 'amqp';
  #connection: Promise<amqp.ChannelModel> | undefined;
  #publisher: Promise<amqp.ConfirmChannel> | undefined;
  #closed = false;
  readonly #subscriptions = new Set<AmqpSubscription>();
  #resubscribe: NodeJS.Timeout | undefined;
  #resubscribeFailing = false;

  constructor(
    private readonly url: string,
    private readonly logger?: Logger,
    private readonly options: { resubscribeMs?: number } = {},
  ) {}

  async publish(messages: readonly BusMessage[]): Promise<void> {
    try {
      this.#publisher ??= this.#open().then(async (c) => {
        const channel = await c.createConfirmChannel();
        channel.on('error', () => {});
        channel.on('close', () => {
          this.#publisher = undefined;
        });
        await channel.assertExchange(CLOUD_EXCHANGE, 'topic', { durable: true });
        return channel;
      });
      const channel = await this.#publisher;
      for (const m of messages) {
        channel.publish(CLOUD_EXCHANGE, m.routingKey, m.body, {
          persistent: true,
          contentType: 'application/json',
          messageId: m.messageId,
          type: m.routingKey,
        });
      }
      await channel.waitForConfirms();
    } catch (err) {
      this.#publisher = undefined;
      throw err;
    }
  }

  async subscribe(
    queue: string,
    bindings: readonly string[],
    receive: (delivery: BusDelivery) => void,
  ): Promise<() => Promise<void>> {
    const subscription: AmqpSubscription = {
      queue,
      bindings,
      receive,
      channel: undefined,
      ended: false,
    };
    // The first subscription must succeed here: the caller learns the broker is not up yet.
    await this.#consume(subscription);
    this.#subscriptions.add(subscription);
    return async () => {
      subscription.ended = true;
      this.#subscriptions.delete(subscription);
      await subscription.channel?.close().catch(() => {});
    };
  }

  async close(): Promise<void> {
    this.#closed = true;
    clearTimeout(this.#resubscribe);
    const connection = await this.#connection?.catch(() => undefined);
    await connection?.close().catch(() => {});
  }

  /** Declare the subscription's queue and bindings on a new channel and consume from it. */
  async #consume(subscription: AmqpSubscription): Promise<void> {
    const { queue } = subscription;
    const connection = await this.#open();
    const channel = await connection.createChannel();
    channel.on('error', (err: Error) =>
      this.logger?.warn({ err: err.message, queue }, 'RabbitMQ channel error'),
    );
    channel.on('close', () => {
      if (subscription.channel === channel) subscription.channel = undefined;
      if (!subscription.ended && !this.#closed) this.#resubscribeSoon();
    });
    try {
      await channel.assertExchange(CLOUD_EXCHANGE, 'topic', { durable: true });
      await channel.assertQueue(queue, { durable: true });
      for (const key of subscription.bindings) await channel.bindQueue(queue, CLOUD_EXCHANGE, key);
      await channel.prefetch(16);
      await channel.consume(queue, (message) => {
        if (!message) return;
        subscription.receive({
          body: message.content,
          // A channel that has gone since the delivery cannot settle it: the broker delivers
          // the message again, and the inbox drops it if it was applied.
          ack: () => settle(() => channel.ack(message)),
          requeue: () => settle(() => channel.nack(message, false, true)),
        });
      });
    } catch (err) {
      await channel.close().catch(() => {});
      throw err;
    }
    subscription.channel = channel;
  }

  /** Take up every subscription that lost its channel, now and again until all have one. */
  #resubscribeSoon(): void {
    if (this.#resubscribe || this.#closed) return;
    this.#resubscribe = setTimeout(() => {
      void this.#resubscribeAll().finally(() => {
        this.#resubscribe = undefined;
        const waiting = [...this.#subscriptions].some((s) => !s.ended && !s.channel);
        if (waiting) this.#resubscribeSoon();
      });
    }, this.options.resubscribeMs ?? 1_000);
    this.#resubscribe.unref();
  }

  async #resubscribeAll(): Promise<void> {
    for (const subscription of this.#subscriptions) {
      if (subscription.ended || subscription.channel || this.#closed) continue;
      try {
        await this.#consume(subscription);
        this.logger?.info({ queue: subscription.queue }, 'consuming from RabbitMQ again');
      } catch (err) {
        // Once per outage, not once per try.
        if (!this.#resubscribeFailing)
          this.logger?.warn(
            { err: (err as Error).message, queue: subscription.queue },
            'RabbitMQ away; consumers will resubscribe when it is back',
          );
        this.#resubscribeFailing = true;
        return;
      }
    }
    this.#resubscribeFailing = false;
  }

  #open(): Promise<amqp.ChannelModel> {
    if (this.#closed) return Promise.reject(new Error('the bus is closed'));
    this.#connection ??= amqp.connect(this.url).then(
      (connection) => {
        connection.on('error', (err: Error) =>
          this.logger?.warn({ err: err.message }, 'RabbitMQ connection error'),
        );
        connection.on('close', () => {
          this.#connection = undefined;
          this.#publisher = undefined;
        });
        return connection;
      },
      (err: unknown) => {
        this.#connection = undefined;
        throw err;
      },
    );
    return this.#connection;
  }
}

/** Acknowledge or requeue on a channel that may have closed meanwhile. */
function settle(action: () => void): void {
  try {
    action();
  } catch {
    // The channel is gone; the broker redelivers what it had not had settled.
  }
}

/** `payment.*` matches one word, `payment.#` any number, as RabbitMQ's topic exchange does. */
export function topicMatcher(pattern: string): (routingKey: string) => boolean {
  const words = pattern.split('.');
  const match = (p: number, keyWords: string[], k: number): boolean => {
    if (p === words.length) return k === keyWords.length;
    const word = words[p];
    if (word === '#') {
      for (let skip = k; skip <= keyWords.length; skip++)
        if (match(p + 1, keyWords, skip)) return true;
      return false;
    }
    if (k === keyWords.length) return false;
    return (word === '*' || word === keyWords[k]) && match(p + 1, keyWords, k + 1);
  };
  return (routingKey) => match(0, routingKey.split('.'), 0);
}

interface Pending {
  message: BusMessage;
  settle: (err?: Error) => void;
  timer?: NodeJS.Timeout;
}

class MemoryQueue {
  readonly matchers: ((key: string) => boolean)[] = [];
  readonly waiting: Pending[] = [];
  receive: ((delivery: BusDelivery) => void) | undefined;
  busy = false;
  /** Bumped when the consumer goes, so a late acknowledgement from it changes nothing. */
  generation = 0;

  matches(key: string): boolean {
    return this.matchers.some((m) => m(key));
  }
}

/**
 * The cloud bus inside one process (`npm start` on embedded defaults, no RabbitMQ). Queues and
 * bindings behave as RabbitMQ's do, and a queue hands its messages to its consumer one at a
 * time, in order. A publish resolves only once each queue's consumer has acknowledged the
 * message (applied it, dropped a repeat, or kept it as a dead letter), so an outbox marks an
 * event published only when it has had its effect: a crash in between publishes it again and
 * the consumer's inbox drops the repeat. A queue whose consumer is away keeps a message for
 * `holdMs`, then the publish fails and the outbox tries again later.
 */
export class MemoryBus implements CloudBus {
  readonly kind = 'memory';
  readonly #queues = new Map<string, MemoryQueue>();

  constructor(private readonly options: { holdMs?: number } = {}) {}

  async publish(messages: readonly BusMessage[]): Promise<void> {
    const settled: Promise<void>[] = [];
    for (const message of messages) {
      for (const queue of this.#queues.values()) {
        if (!queue.matches(message.routingKey)) continue;
        settled.push(this.#enqueue(queue, message));
      }
    }
    await Promise.all(settled);
  }

  async subscribe(
    name: string,
    bindings: readonly string[],
    receive: (delivery: BusDelivery) => void,
  ): Promise<() => Promise<void>> {
    let queue = this.#queues.get(name);
    if (!queue) {
      queue = new MemoryQueue();
      this.#queues.set(name, queue);
    }
    for (const b of bindings) queue.matchers.push(topicMatcher(b));
    if (queue.receive) throw new Error(`queue ${name} already has a consumer`);
    queue.receive = receive;
    for (const pending of queue.waiting) clearTimeout(pending.timer);
    this.#next(queue);
    const q = queue;
    return async () => {
      q.receive = undefined;
      q.busy = false;
      q.generation += 1;
      // What it had not acknowledged goes back to the publishers, who will send it again.
      for (const pending of q.waiting.splice(0)) pending.settle(new Error(`${name} stopped`));
    };
  }

  async close(): Promise<void> {
    for (const queue of this.#queues.values()) {
      queue.receive = undefined;
      queue.busy = false;
      queue.generation += 1;
      for (const pending of queue.waiting.splice(0)) pending.settle(new Error('the bus closed'));
    }
  }

  #enqueue(queue: MemoryQueue, message: BusMessage): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const pending: Pending = {
        message,
        settle: (err) => {
          clearTimeout(pending.timer);
          if (err) reject(err);
          else resolve();
        },
      };
      queue.waiting.push(pending);
      if (queue.receive) this.#next(queue);
      else this.#hold(queue, pending);
    });
  }

  #hold(queue: MemoryQueue, pending: Pending) {
    pending.timer = setTimeout(() => {
      const at = queue.waiting.indexOf(pending);
      if (at < 0 || queue.receive) return;
      queue.waiting.splice(at, 1);
      pending.settle(new Error('no consumer is receiving this queue'));
    }, this.options.holdMs ?? 5_000);
    pending.timer.unref();
  }

  #next(queue: MemoryQueue) {
    if (queue.busy || !queue.receive) return;
    const pending = queue.waiting[0];
    if (!pending) return;
    queue.busy = true;
    const generation = queue.generation;
    let done = false;
    const finish = (requeue: boolean) => {
      if (done || generation !== queue.generation) return;
      done = true;
      queue.busy = false;
      if (!requeue) {
        const at = queue.waiting.indexOf(pending);
        if (at >= 0) queue.waiting.splice(at, 1);
        pending.settle();
      }
      setImmediate(() => this.#next(queue));
    };
    const receive = queue.receive;
    setImmediate(() =>
      receive({
        body: pending.message.body,
        ack: () => finish(false),
        requeue: () => finish(true),
      }),
    );
  }
}
