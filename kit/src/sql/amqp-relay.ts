import amqp from 'amqplib';
import type { Logger } from '../logger.js';
import type { SqlDatabase } from './database.js';

export interface AmqpRelayOptions {
  db: SqlDatabase;
  /** The service's outbox table: `seq`, `event_id`, `event_type`, `envelope`, `published_at`. */
  table: string;
  /** e.g. `amqp://guest:guest@127.0.0.1:5672` (RABBITMQ_URL). */
  url: string;
  logger: Logger;
  /** Topic exchange the cloud's events go to; the routing key is the event type. */
  exchange?: string;
  pollMs?: number;
}

export const CLOUD_EXCHANGE = 'pos.events';

/**
 * Publishes a cloud service's outbox to RabbitMQ (seed §5.1) in commit order, with publisher
 * confirms: a row is marked published only once the broker has it, so a crash between the
 * two publishes it again (consumers drop repeats by message ID, which is the event ID). A lost
 * broker connection is retried every few seconds; the outbox keeps everything meanwhile.
 */
export class AmqpOutboxRelay {
  #connection: amqp.ChannelModel | undefined;
  #channel: amqp.ConfirmChannel | undefined;
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<void> | undefined;
  #stopped = false;
  readonly #exchange: string;

  constructor(private readonly o: AmqpRelayOptions) {
    if (!/^[a-z_][a-z0-9_]*$/.test(o.table)) throw new Error(`not a table name: ${o.table}`);
    this.#exchange = o.exchange ?? CLOUD_EXCHANGE;
  }

  start(): void {
    const tick = () => {
      if (this.#stopped) return;
      this.#running ??= this.#pass().finally(() => {
        this.#running = undefined;
      });
    };
    tick();
    this.#timer = setInterval(tick, this.o.pollMs ?? 500);
    this.#timer.unref();
  }

  /** Publish what is waiting now (tests and shutdown). */
  async flush(): Promise<void> {
    await this.#running;
    await this.#pass();
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    if (this.#timer) clearInterval(this.#timer);
    await this.#running?.catch(() => {});
    await this.#channel?.close().catch(() => {});
    await this.#connection?.close().catch(() => {});
  }

  async #pass(): Promise<void> {
    try {
      const channel = await this.#open();
      for (;;) {
        const rows = await this.o.db.query<{
          seq: string;
          event_id: string;
          event_type: string;
          envelope: string;
        }>(
          `SELECT seq::text AS seq, event_id::text AS event_id, event_type, envelope FROM ${this.o.table}
           WHERE published_at IS NULL ORDER BY seq LIMIT 200`,
        );
        if (rows.length === 0) return;
        for (const row of rows) {
          channel.publish(this.#exchange, row.event_type, Buffer.from(row.envelope), {
            persistent: true,
            contentType: 'application/json',
            messageId: row.event_id,
            type: row.event_type,
          });
        }
        await channel.waitForConfirms();
        await this.o.db.query(
          `UPDATE ${this.o.table} SET published_at = now() WHERE seq = ANY($1::bigint[])`,
          [rows.map((r) => r.seq)],
        );
      }
    } catch (err) {
      this.o.logger.warn(
        { err: (err as Error).message },
        'events not published to RabbitMQ yet; will retry',
      );
      await this.#channel?.close().catch(() => {});
      await this.#connection?.close().catch(() => {});
      this.#channel = undefined;
      this.#connection = undefined;
    }
  }

  async #open(): Promise<amqp.ConfirmChannel> {
    if (this.#channel) return this.#channel;
    const connection = await amqp.connect(this.o.url);
    connection.on('error', () => {});
    connection.on('close', () => {
      this.#channel = undefined;
      this.#connection = undefined;
    });
    const channel = await connection.createConfirmChannel();
    await channel.assertExchange(this.#exchange, 'topic', { durable: true });
    this.#connection = connection;
    this.#channel = channel;
    return channel;
  }
}
