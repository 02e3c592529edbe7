import amqp from 'amqplib';
import type { Logger } from '../logger.js';
import { CLOUD_EXCHANGE } from './amqp-relay.js';
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
  ],
};

export interface ParsedEvent {
  EventId: string;
  EventType: string;
}

export interface AmqpConsumerOptions<E extends ParsedEvent> {
  url: string;
  db: SqlDatabase;
  /** The service: its queue is `pos.{consumer}`. */
  consumer: string;
  /** Routing keys (event types, or patterns such as `payment.*`). */
  bindings: readonly string[];
  /** Validate a message into an event, or say why it is not one. */
  parse: (raw: unknown) => { ok: true; event: E } | { ok: false; reason: string };
  /** The effect, inside the transaction that also records the event in the inbox. */
  handle: (event: E, tx: SqlExecutor) => Promise<void>;
  logger: Logger;
  /** Tries before an event that keeps failing becomes a dead letter (seed §7.5: 3). */
  maxAttempts?: number;
}

/**
 * A cloud service's consumer of the RabbitMQ event exchange: one durable queue per service, each
 * event applied once (its ID is recorded in the inbox in the same transaction as the effect, so
 * a message delivered twice — by RabbitMQ or by a hub's sync — has no second effect), and an
 * event that is malformed or keeps failing is kept as a dead letter with the reason, to be
 * listed and replayed (`replayDeadLetters`).
 */
export class AmqpConsumer<E extends ParsedEvent> {
  #connection: amqp.ChannelModel | undefined;
  #channel: amqp.Channel | undefined;
  readonly #attempts = new Map<string, number>();
  applied = 0;
  duplicates = 0;
  deadLettered = 0;

  constructor(private readonly o: AmqpConsumerOptions<E>) {}

  get queue(): string {
    return `pos.${this.o.consumer}`;
  }

  async start(): Promise<void> {
    const connection = await amqp.connect(this.o.url);
    connection.on('error', (err) =>
      this.o.logger.warn({ err: err.message }, 'RabbitMQ connection error'),
    );
    const channel = await connection.createChannel();
    await channel.assertExchange(CLOUD_EXCHANGE, 'topic', { durable: true });
    await channel.assertQueue(this.queue, { durable: true });
    for (const key of this.o.bindings) await channel.bindQueue(this.queue, CLOUD_EXCHANGE, key);
    await channel.prefetch(16);
    await channel.consume(this.queue, (message) => {
      if (message) void this.#receive(channel, message);
    });
    this.#connection = connection;
    this.#channel = channel;
  }

  async stop(): Promise<void> {
    await this.#channel?.close().catch(() => {});
    await this.#connection?.close().catch(() => {});
  }

  async #receive(channel: amqp.Channel, message: amqp.ConsumeMessage): Promise<void> {
    const text = message.content.toString('utf8');
    let raw: unknown;
    try {
      raw = JSON.parse(text);
    } catch {
      await this.#dead(text, undefined, undefined, 'message is not JSON', 1);
      channel.ack(message);
      return;
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
      );
      channel.ack(message);
      return;
    }
    const event = parsed.event;
    try {
      const applied = await this.o.db.transaction(async (tx) => {
        const claimed = await tx.query(
          `INSERT INTO cloud_inbox (consumer, event_id, event_type) VALUES ($1, $2, $3)
           ON CONFLICT DO NOTHING RETURNING event_id`,
          [this.o.consumer, event.EventId, event.EventType],
        );
        if (claimed.length === 0) return false;
        await this.o.handle(event, tx);
        return true;
      });
      if (applied) this.applied += 1;
      else this.duplicates += 1;
      this.#attempts.delete(event.EventId);
      channel.ack(message);
    } catch (err) {
      const attempts = (this.#attempts.get(event.EventId) ?? 0) + 1;
      if (attempts >= (this.o.maxAttempts ?? 3)) {
        this.#attempts.delete(event.EventId);
        await this.#dead(
          text,
          event.EventId,
          event.EventType,
          `handler failed: ${(err as Error).message}`,
          attempts,
        );
        channel.ack(message);
      } else {
        this.#attempts.set(event.EventId, attempts);
        this.o.logger.warn(
          { err: (err as Error).message, eventId: event.EventId, attempts },
          'event failed; retrying',
        );
        setTimeout(() => channel.nack(message, false, true), 50 * 2 ** attempts);
      }
    }
  }

  async #dead(
    envelope: string,
    eventId: string | undefined,
    eventType: string | undefined,
    reason: string,
    attempts: number,
  ) {
    this.deadLettered += 1;
    this.o.logger.error(
      { consumer: this.o.consumer, eventId, eventType, reason },
      'event dead-lettered',
    );
    await this.o.db.query(
      `INSERT INTO cloud_dead_letters (consumer, event_id, event_type, envelope, reason, attempts)
       VALUES ($1, $2, $3, $4, $5, $6)`,
      [this.o.consumer, eventId ?? null, eventType ?? null, envelope, reason, attempts],
    );
  }
}

export interface DeadLetter {
  id: string;
  eventId: string | null;
  eventType: string | null;
  reason: string;
  attempts: number;
  failedAt: string;
  replayedAt: string | null;
}

export function listDeadLetters(db: SqlDatabase, consumer: string): Promise<DeadLetter[]> {
  return db.query<DeadLetter>(
    `SELECT id::text AS id, event_id AS "eventId", event_type AS "eventType", reason, attempts,
            failed_at::text AS "failedAt", replayed_at::text AS "replayedAt"
     FROM cloud_dead_letters WHERE consumer = $1 ORDER BY id`,
    [consumer],
  );
}

/**
 * Put dead letters back on the consumer's own queue (after the fault was fixed). Each is sent
 * once and marked replayed; the inbox still drops anything that was applied meanwhile.
 */
export async function replayDeadLetters(
  db: SqlDatabase,
  consumer: string,
  url: string,
  ids?: readonly string[],
) {
  const rows = await db.query<{ id: string; envelope: string }>(
    `SELECT id::text AS id, envelope FROM cloud_dead_letters
     WHERE consumer = $1 AND replayed_at IS NULL ${ids ? 'AND id = ANY($2::bigint[])' : ''} ORDER BY id`,
    ids ? [consumer, ids] : [consumer],
  );
  if (rows.length === 0) return 0;
  const connection = await amqp.connect(url);
  try {
    const channel = await connection.createConfirmChannel();
    for (const row of rows)
      channel.sendToQueue(`pos.${consumer}`, Buffer.from(row.envelope), { persistent: true });
    await channel.waitForConfirms();
    await db.query(
      'UPDATE cloud_dead_letters SET replayed_at = now() WHERE id = ANY($1::bigint[])',
      [rows.map((r) => r.id)],
    );
    return rows.length;
  } finally {
    await connection.close();
  }
}
