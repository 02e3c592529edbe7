import { parseEvent } from '@pos/contracts';
import { createLogger } from '@pos/kit';
import { CLOUD_EXCHANGE, SharedPglite, type StartedService } from '@pos/kit/sql';
import amqp from 'amqplib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAuthService } from './service.js';

// auth.* events reach RabbitMQ: written with the change, published with confirms by the relay.

const RABBITMQ_URL = process.env.RABBITMQ_URL ?? 'amqp://guest:guest@127.0.0.1:5672';
const logger = createLogger({ service: 'auth-events-test', level: 'silent' });
const pglite = new SharedPglite({ logger });
let svc: StartedService;
let connection: amqp.ChannelModel;

beforeAll(async () => {
  svc = await startAuthService({
    env: {
      RABBITMQ_URL,
      AUTH_OWNER_EMAIL: 'owner@events.example',
      AUTH_OWNER_PASSWORD: 'owner password 1',
    },
    embedded: pglite,
    host: '127.0.0.1',
    port: 0,
    logger,
  });
  connection = await amqp.connect(RABBITMQ_URL);
});
afterAll(async () => {
  await connection?.close();
  await svc?.stop();
  await pglite.close();
});

describe('auth events on RabbitMQ', () => {
  it('publishes auth.usercreated.v1 with the event ID as message ID', async () => {
    const channel = await connection.createChannel();
    await channel.assertExchange(CLOUD_EXCHANGE, 'topic', { durable: true });
    const { queue } = await channel.assertQueue('', { exclusive: true });
    await channel.bindQueue(queue, CLOUD_EXCHANGE, 'auth.#');
    const received: amqp.ConsumeMessage[] = [];
    await channel.consume(queue, (m) => m && received.push(m), { noAck: true });

    const email = `events${Date.now()}@example.com`;
    const reg = await fetch(`${svc.url}/api/v1/auth/register`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email, password: 'long enough password', displayName: 'E' }),
    });
    expect(reg.status).toBe(201);
    const mine = () =>
      received
        .map((m) => ({
          id: m.properties.messageId as string,
          parsed: parseEvent(JSON.parse(m.content.toString())),
        }))
        .filter(
          (e) => e.parsed.ok && (e.parsed.event.Payload as { email?: string }).email === email,
        );
    const until = Date.now() + 10_000;
    while (Date.now() < until && mine().length === 0) await new Promise((r) => setTimeout(r, 50));
    const [event] = mine();
    expect(event?.parsed.ok).toBe(true);
    if (!event?.parsed.ok) return;
    expect(event.parsed.event.EventType).toBe('auth.usercreated.v1');
    expect(event.id).toBe(event.parsed.event.EventId);
    // Every message is a valid event whose message ID is its event ID.
    for (const m of received) {
      const parsed = parseEvent(JSON.parse(m.content.toString()));
      expect(parsed.ok && m.properties.messageId === parsed.event.EventId).toBe(true);
    }
    const db = await pglite.database('auth');
    const row = await db.one<{ published: boolean }>(
      'SELECT published_at IS NOT NULL AS published FROM auth_outbox WHERE event_id = $1',
      [event.parsed.event.EventId],
    );
    expect(row.published).toBe(true);
    await channel.close();
  });
});
