import type { Logger, StoredEnvelope } from '@pos/kit';
import mqtt, { type MqttClient } from 'mqtt';
import {
  ackTopic,
  ackTopicFilter,
  consumerOfAckTopic,
  eventTopic,
  eventTopicFilter,
} from './topics.js';

export interface BusClientOptions {
  url: string;
  storeId: string;
  clientId: string;
  logger: Logger;
  credentials?: { username: string; password: string };
}

type Handler = (topic: string, payload: Buffer) => void;

/** What the hub's services need from the edge bus, whatever carries it. */
export interface Bus {
  readonly storeId: string;
  /** Resolves once the broker has taken the event (QoS 1). */
  publishEvent(event: StoredEnvelope): Promise<void>;
  publishAcks(consumer: string, eventIds: readonly string[]): Promise<void>;
  subscribeEvents(types: readonly string[], handler: Handler): Promise<void>;
  subscribeAcks(handler: (consumer: string, eventIds: string[]) => void): Promise<void>;
  close(): Promise<void>;
}

/** Parse an acknowledgement message; malformed ones are dropped (they only delay redelivery). */
export function parseAcks(payload: Buffer): string[] | undefined {
  try {
    const parsed = JSON.parse(payload.toString('utf8')) as { eventIds?: unknown };
    if (!Array.isArray(parsed.eventIds)) return undefined;
    return parsed.eventIds.filter((id): id is string => typeof id === 'string');
  } catch {
    return undefined;
  }
}

/**
 * The edge bus over MQTT (TCP or WebSocket): for processes other than the hub, and for tests
 * that kill a producer process. Publishes resolve on the broker's PUBACK; it reconnects by
 * itself and the MQTT client restores subscriptions on reconnect.
 */
export class BusClient implements Bus {
  readonly storeId: string;
  readonly #client: MqttClient;
  readonly #handlers: { filter: string; handler: Handler }[] = [];
  #closing: Promise<void> | null = null;

  private constructor(client: MqttClient, storeId: string) {
    this.#client = client;
    this.storeId = storeId;
    client.on('message', (topic, payload) => {
      for (const { filter, handler } of this.#handlers) {
        if (topicMatches(filter, topic)) handler(topic, payload);
      }
    });
  }

  static async connect(options: BusClientOptions): Promise<BusClient> {
    const client = mqtt.connect(options.url, {
      clientId: options.clientId,
      clean: true,
      reconnectPeriod: 500,
      connectTimeout: 5_000,
      resubscribe: true,
      ...(options.credentials ?? {}),
    });
    client.on('error', (err) => options.logger.warn({ err: err.message }, 'bus client error'));
    await new Promise<void>((resolve, reject) => {
      client.once('connect', () => resolve());
      client.once('error', reject);
    });
    return new BusClient(client, options.storeId);
  }

  get connected(): boolean {
    return this.#client.connected;
  }

  /** Publish with QoS 1; resolves once the broker has acknowledged. */
  publishEvent(event: StoredEnvelope): Promise<void> {
    return this.#publish(eventTopic(this.storeId, event.EventType), JSON.stringify(event));
  }

  publishAcks(consumer: string, eventIds: readonly string[]): Promise<void> {
    return this.#publish(ackTopic(this.storeId, consumer), JSON.stringify({ eventIds }));
  }

  /** Receive every event of the given types (or all with `#`). */
  async subscribeEvents(types: readonly string[], handler: Handler): Promise<void> {
    const filters = types.map((t) => eventTopicFilter(this.storeId, t));
    for (const filter of filters) this.#handlers.push({ filter, handler });
    await this.#client.subscribeAsync(filters, { qos: 1 });
  }

  /** Receive acknowledgements from every consumer. Malformed ones are dropped. */
  async subscribeAcks(handler: (consumer: string, eventIds: string[]) => void): Promise<void> {
    const filter = ackTopicFilter(this.storeId);
    this.#handlers.push({
      filter,
      handler: (topic, payload) => {
        const consumer = consumerOfAckTopic(this.storeId, topic);
        const ids = consumer ? parseAcks(payload) : undefined;
        if (consumer && ids) handler(consumer, ids);
      },
    });
    await this.#client.subscribeAsync(filter, { qos: 1 });
  }

  /** Disconnect; safe to call more than once. */
  async close(): Promise<void> {
    if (this.#closing) return this.#closing;
    this.#closing = this.#client.endAsync();
    return this.#closing;
  }

  #publish(topic: string, payload: string): Promise<void> {
    return new Promise((resolve, reject) => {
      if (!this.#client.connected) {
        reject(new Error('bus is not connected'));
        return;
      }
      this.#client.publish(topic, payload, { qos: 1 }, (err) => (err ? reject(err) : resolve()));
    });
  }
}

/** MQTT topic filter matching (`+` one level, `#` the rest). */
export function topicMatches(filter: string, topic: string): boolean {
  const f = filter.split('/');
  const t = topic.split('/');
  for (let i = 0; i < f.length; i++) {
    if (f[i] === '#') return true;
    if (i >= t.length) return false;
    if (f[i] !== '+' && f[i] !== t[i]) return false;
  }
  return f.length === t.length;
}
