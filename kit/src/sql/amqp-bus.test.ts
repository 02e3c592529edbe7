import { randomBytes } from 'node:crypto';
import { createServer, type Server, type Socket, connect as tcpConnect } from 'node:net';
import amqp from 'amqplib';
import { afterAll, describe, expect, it } from 'vitest';
import { createLogger } from '../logger.js';
import { AmqpBus, type BusDelivery } from './bus.js';

// The RabbitMQ bus across a lost connection, on the machine's broker reached through a TCP relay
// the test owns: dropping the relay's connections is, to the bus, the broker going away and
// coming back, without touching the broker anyone else uses.

const BROKER = new URL(process.env.AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672');
const logger = createLogger({ service: 'amqp-bus-test', level: 'silent' });

/** A TCP relay to the broker whose connections can all be dropped at once. */
async function relay(): Promise<{ url: string; drop(): void; close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  const server: Server = createServer((client) => {
    const upstream = tcpConnect(Number(BROKER.port || 5672), BROKER.hostname);
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
      s.on('error', () => {
        client.destroy();
        upstream.destroy();
      });
    }
    client.pipe(upstream).pipe(client);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const address = server.address();
  const url = new URL(BROKER);
  url.host = `127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  const drop = () => {
    for (const s of sockets) s.destroy();
  };
  return {
    url: url.toString(),
    drop,
    close: () => {
      drop();
      return new Promise<void>((r) => server.close(() => r()));
    },
  };
}

async function until(check: () => boolean, ms = 10_000) {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}

const queues: string[] = [];
afterAll(async () => {
  const connection = await amqp.connect(BROKER.toString());
  const channel = await connection.createChannel();
  for (const q of queues) await channel.deleteQueue(q).catch(() => {});
  await connection.close();
});

describe('AmqpBus when the connection to RabbitMQ is lost', () => {
  it('consumes again once the broker can be reached, and settling a stale delivery does not throw', async () => {
    const link = await relay();
    const bus = new AmqpBus(link.url, logger, { resubscribeMs: 100 });
    const key = `test.reconnect.${randomBytes(4).toString('hex')}`;
    const queue = `pos.test-${randomBytes(4).toString('hex')}`;
    queues.push(queue);
    const seen: string[] = [];
    let held: BusDelivery | undefined;
    const unsubscribe = await bus.subscribe(queue, [key], (d) => {
      const text = d.body.toString();
      seen.push(text);
      // The first one is left unsettled across the drop, as a message being applied would be.
      if (text === 'one' && !held) held = d;
      else d.ack();
    });
    const publish = async (body: string) => {
      // The first publish after a drop may meet the dead connection; the outbox tries again.
      for (let attempt = 0; ; attempt++) {
        try {
          await bus.publish([{ routingKey: key, body: Buffer.from(body), messageId: body }]);
          return;
        } catch (err) {
          if (attempt >= 20) throw err;
          await new Promise((r) => setTimeout(r, 100));
        }
      }
    };
    try {
      await publish('one');
      await until(() => held !== undefined);

      link.drop();
      await new Promise((r) => setTimeout(r, 200));
      // Its channel is gone: acknowledging it now changes nothing and throws nothing.
      expect(() => held?.ack()).not.toThrow();

      await publish('two');
      // The subscription is taken up again; the unsettled message comes again, then the new one.
      await until(() => seen.includes('two'));
      expect(seen.filter((s) => s === 'one').length).toBe(2);
    } finally {
      await unsubscribe();
      await bus.close();
      await link.close();
    }
  });
});
