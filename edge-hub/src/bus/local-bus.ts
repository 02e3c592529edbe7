import type { StoredEnvelope } from '@pos/kit';
import type { Aedes, AedesPublishPacket } from 'aedes';
import { type Bus, parseAcks } from './client.js';
import {
  ackTopic,
  ackTopicFilter,
  consumerOfAckTopic,
  eventTopic,
  eventTopicFilter,
} from './topics.js';

/**
 * The edge bus for the hub's own modules, through aedes' in-process API: the same broker, the
 * same topics and routing (a terminal or screen subscribed over TCP or WebSocket sees every
 * event), without encoding MQTT packets and crossing a socket inside one process. Only code
 * holding the broker can publish this way: the hub itself.
 */
export class LocalBus implements Bus {
  readonly #subscriptions: {
    topic: string;
    deliver: (p: AedesPublishPacket, cb: () => void) => void;
  }[] = [];
  #closed = false;

  constructor(
    private readonly aedes: Aedes,
    readonly storeId: string,
  ) {}

  publishEvent(event: StoredEnvelope): Promise<void> {
    return this.#publish(eventTopic(this.storeId, event.EventType), JSON.stringify(event));
  }

  publishAcks(consumer: string, eventIds: readonly string[]): Promise<void> {
    return this.#publish(ackTopic(this.storeId, consumer), JSON.stringify({ eventIds }));
  }

  async subscribeEvents(
    types: readonly string[],
    handler: (topic: string, payload: Buffer) => void,
  ): Promise<void> {
    for (const type of types) {
      await this.#subscribe(eventTopicFilter(this.storeId, type), (packet) =>
        handler(packet.topic, toBuffer(packet.payload)),
      );
    }
  }

  async subscribeAcks(handler: (consumer: string, eventIds: string[]) => void): Promise<void> {
    await this.#subscribe(ackTopicFilter(this.storeId), (packet) => {
      const consumer = consumerOfAckTopic(this.storeId, packet.topic);
      const ids = consumer ? parseAcks(toBuffer(packet.payload)) : undefined;
      if (consumer && ids) handler(consumer, ids);
    });
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    for (const { topic, deliver } of this.#subscriptions) {
      await new Promise<void>((resolve) => this.aedes.unsubscribe(topic, deliver, () => resolve()));
    }
  }

  #subscribe(topic: string, receive: (packet: AedesPublishPacket) => void): Promise<void> {
    const deliver = (packet: AedesPublishPacket, cb: () => void) => {
      if (!this.#closed) receive(packet);
      cb();
    };
    this.#subscriptions.push({ topic, deliver });
    return new Promise((resolve) => this.aedes.subscribe(topic, deliver, () => resolve()));
  }

  #publish(topic: string, payload: string): Promise<void> {
    if (this.#closed || this.aedes.closed) return Promise.reject(new Error('bus is closed'));
    return new Promise((resolve, reject) =>
      this.aedes.publish(
        { cmd: 'publish', topic, payload: Buffer.from(payload), qos: 1, retain: false, dup: false },
        (err) => (err ? reject(err) : resolve()),
      ),
    );
  }
}

function toBuffer(payload: string | Buffer): Buffer {
  return typeof payload === 'string' ? Buffer.from(payload) : payload;
}
