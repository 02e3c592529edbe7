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
    // Customers who register are users too: a staff member added by the owner also publishes.
    const until = Date.now() + 10_000;
    while (Date.now() < until && received.length === 0) await new Promise((r) => setTimeout(r, 50));
    const events = received.map((m) => ({
      id: m.properties.messageId,
      parsed: parseEvent(JSON.parse(m.content.toString())),
    }));
    expect(events.length).toBeGreaterThan(0);
    for (const e of events) {
      expect(e.parsed.ok).toBe(true);
      if (e.parsed.ok) expect(e.id).toBe(e.parsed.event.EventId);
    }
    expect(
      events.some((e) => e.parsed.ok && e.parsed.event.EventType === 'auth.usercreated.v1'),
    ).toBe(true);
    const db = await pglite.database('auth');
    const waiting = await db.one<{ n: number }>(
      'SELECT count(*)::int AS n FROM auth_outbox WHERE published_at IS NULL',
    );
    expect(waiting.n).toBe(0);
    await channel.close();
  });
});
