import { afterAll, describe, expect, it } from 'vitest';
import { createLogger } from '../logger.js';
import { type BusDelivery, MemoryBus, topicMatcher } from './bus.js';
import {
  BusConsumer,
  cloudInboxSchema,
  listDeadLetters,
  replayDeadLetters,
} from './bus-consumer.js';
import { BusOutboxRelay } from './bus-relay.js';
import { migrateAll } from './migrate.js';
import { SharedPglite } from './pglite-database.js';

// The in-process cloud bus (the embedded default) and the consumer and relay on top of it,
// on a real embedded PostgreSQL (PGlite).

const logger = createLogger({ service: 'bus-test', level: 'silent' });
const pglite = new SharedPglite({ logger });
afterAll(() => pglite.close());

const message = (routingKey: string, n: number) => ({
  routingKey,
  messageId: `m${n}`,
  body: Buffer.from(JSON.stringify({ EventId: `e${n}`, EventType: routingKey, n })),
});

async function until(check: () => Promise<boolean> | boolean, ms = 5_000) {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('topicMatcher', () => {
  it('matches words as RabbitMQ topic exchanges do', () => {
    expect(topicMatcher('payment.completed.v1')('payment.completed.v1')).toBe(true);
    expect(topicMatcher('payment.completed.v1')('payment.failed.v1')).toBe(false);
    expect(topicMatcher('payment.*.v1')('payment.failed.v1')).toBe(true);
    expect(topicMatcher('payment.*')('payment.failed.v1')).toBe(false);
    expect(topicMatcher('payment.#')('payment.failed.v1')).toBe(true);
    expect(topicMatcher('payment.#')('payment')).toBe(true);
    expect(topicMatcher('#')('anything.at.all')).toBe(true);
    expect(topicMatcher('#.v1')('order.ready.v1')).toBe(true);
    expect(topicMatcher('#.v1')('order.ready.v2')).toBe(false);
  });
});

describe('MemoryBus', () => {
  it('routes by binding, in order, and confirms a publish only once each consumer acknowledged', async () => {
    const bus = new MemoryBus();
    const seen: string[] = [];
    const held: BusDelivery[] = [];
    await bus.subscribe('pos.a', ['order.*.v1'], (d) => {
      seen.push(`a:${JSON.parse(d.body.toString()).n}`);
      d.ack();
    });
    await bus.subscribe('pos.b', ['order.ready.v1'], (d) => held.push(d));
    let confirmed = false;
    const publish = bus
      .publish([message('order.created.v1', 1), message('order.ready.v1', 2)])
      .then(() => {
        confirmed = true;
      });
    await until(() => seen.length === 2 && held.length === 1);
    expect(seen).toEqual(['a:1', 'a:2']);
    await new Promise((r) => setTimeout(r, 50));
    expect(confirmed).toBe(false);
    held[0]?.ack();
    await publish;
    expect(confirmed).toBe(true);
    await bus.close();
  });

  it('redelivers a requeued message before the ones behind it', async () => {
    const bus = new MemoryBus();
    const seen: number[] = [];
    let failOnce = true;
    await bus.subscribe('pos.q', ['#'], (d) => {
      const n = JSON.parse(d.body.toString()).n as number;
      seen.push(n);
      if (n === 1 && failOnce) {
        failOnce = false;
        d.requeue();
      } else d.ack();
    });
    await bus.publish([message('x.v1', 1), message('x.v1', 2)]);
    expect(seen).toEqual([1, 1, 2]);
    await bus.close();
  });

  it('fails a publish to a queue whose consumer is away, so the outbox keeps the event', async () => {
    const bus = new MemoryBus({ holdMs: 100 });
    const stop = await bus.subscribe('pos.q', ['x.v1'], (d) => d.ack());
    await stop();
    await expect(bus.publish([message('x.v1', 1)])).rejects.toThrow(/no consumer/);
    // Nobody bound: nothing to deliver, as an unroutable message on RabbitMQ.
    await expect(bus.publish([message('y.v1', 2)])).resolves.toBeUndefined();
    // A consumer that comes back within the hold time receives what waited.
    const got: number[] = [];
    const waiting = bus.publish([message('x.v1', 3)]);
    await bus.subscribe('pos.q', [], (d) => {
      got.push(JSON.parse(d.body.toString()).n);
      d.ack();
    });
    await waiting;
    expect(got).toEqual([3]);
    await bus.close();
  });
});

describe('BusConsumer and BusOutboxRelay on the in-process bus', () => {
  it('applies each event once, dead-letters what keeps failing, and replays it on request', async () => {
    const db = await pglite.database('bus_test');
    await migrateAll(db, [
      cloudInboxSchema,
      {
        component: 'bus-test',
        migrations: [
          {
            version: 1,
            name: 'outbox and effects',
            up: `
              CREATE TABLE test_outbox (seq BIGSERIAL PRIMARY KEY, event_id TEXT NOT NULL,
                event_type TEXT NOT NULL, envelope TEXT NOT NULL, published_at TIMESTAMPTZ);
              CREATE TABLE effects (event_id TEXT NOT NULL, n INTEGER NOT NULL);
            `,
          },
        ],
      },
    ]);
    const bus = new MemoryBus();
    let broken = true;
    const consumer = new BusConsumer<{ EventId: string; EventType: string; n: number }>({
      bus,
      db,
      consumer: 'test',
      bindings: ['thing.*.v1'],
      parse: (raw) => {
        const e = raw as { EventId?: unknown; EventType?: unknown; n?: unknown };
        return typeof e.EventId === 'string' && typeof e.n === 'number'
          ? { ok: true, event: e as { EventId: string; EventType: string; n: number } }
          : { ok: false, reason: 'n must be a number' };
      },
      handle: async (event, tx) => {
        if (event.n === 13 && broken) throw new Error('the printer of thirteens is down');
        await tx.query('INSERT INTO effects (event_id, n) VALUES ($1, $2)', [
          event.EventId,
          event.n,
        ]);
      },
      logger,
      replayEveryMs: 50,
    });
    await consumer.start();
    const relay = new BusOutboxRelay({ db, table: 'test_outbox', bus, logger, pollMs: 20 });
    const put = (id: string, envelope: string) =>
      db.query(
        `INSERT INTO test_outbox (event_id, event_type, envelope) VALUES ($1, 'thing.done.v1', $2)`,
        [id, envelope],
      );
    // The same event twice (a crash between publish and mark), a broken one, one that fails.
    await put('e1', JSON.stringify({ EventId: 'e1', EventType: 'thing.done.v1', n: 1 }));
    await put('e1', JSON.stringify({ EventId: 'e1', EventType: 'thing.done.v1', n: 1 }));
    await put('e2', JSON.stringify({ EventId: 'e2', EventType: 'thing.done.v1', n: 'two' }));
    await put('e13', JSON.stringify({ EventId: 'e13', EventType: 'thing.done.v1', n: 13 }));
    relay.start();
    await until(
      async () =>
        (await db.query('SELECT 1 FROM test_outbox WHERE published_at IS NULL')).length === 0,
    );
    expect(await db.query('SELECT event_id, n FROM effects')).toEqual([{ event_id: 'e1', n: 1 }]);
    expect(consumer.duplicates).toBe(1);
    const dead = await listDeadLetters(db, 'test');
    expect(dead.map((d) => [d.eventId, d.reason, d.attempts])).toEqual([
      ['e2', 'invalid event: n must be a number', 1],
      ['e13', 'handler failed: the printer of thirteens is down', 3],
    ]);

    broken = false;
    const thirteen = dead[1]?.id as string;
    expect(await replayDeadLetters(db, 'test', [thirteen])).toBe(1);
    expect(await replayDeadLetters(db, 'test', [thirteen])).toBe(0);
    await until(async () => (await db.query('SELECT 1 FROM effects WHERE n = 13')).length === 1);
    const after = await listDeadLetters(db, 'test');
    expect(after.find((d) => d.id === thirteen)?.replayedAt).not.toBeNull();
    expect(after.find((d) => d.eventId === 'e2')?.replayedAt).toBeNull();
    await relay.stop();
    await consumer.stop();
    await bus.close();
    await db.close();
  });
  it('publishes in commit order beyond rows 9 and 99 (numeric order, not textual)', async () => {
    const db = await pglite.database('relay_order_test');
    await db.query(`CREATE TABLE order_outbox (seq BIGSERIAL PRIMARY KEY, event_id TEXT NOT NULL,
      event_type TEXT NOT NULL, envelope TEXT NOT NULL, published_at TIMESTAMPTZ)`);
    await db.query(
      `INSERT INTO order_outbox (event_id, event_type, envelope)
       SELECT 'e' || n, 'thing.done.v1', json_build_object('id', n)::text
         FROM generate_series(1, 120) AS n`,
    );
    const bus = new MemoryBus();
    const seen: number[] = [];
    await bus.subscribe('watcher', ['thing.#'], (d) => {
      seen.push(JSON.parse(d.body.toString()).id);
      d.ack();
    });
    const relay = new BusOutboxRelay({ db, table: 'order_outbox', bus, logger });
    await relay.flush();
    expect(seen).toEqual(Array.from({ length: 120 }, (_, i) => i + 1));
    await relay.stop();
    await bus.close();
    await db.close();
  });

  it('lists dead letters in the order they failed past the tenth', async () => {
    const db = await pglite.database('dead_letter_order_test');
    await migrateAll(db, [cloudInboxSchema]);
    await db.query(
      `INSERT INTO cloud_dead_letters (consumer, event_id, event_type, envelope, reason, attempts)
       SELECT 'orderly', 'e' || n, 'thing.done.v1', '{}', 'failed', 3 FROM generate_series(1, 12) AS n`,
    );
    const letters = await listDeadLetters(db, 'orderly');
    expect(letters.map((l) => l.eventId)).toEqual(
      Array.from({ length: 12 }, (_, i) => `e${i + 1}`),
    );
    await db.close();
  });

  it('publishes each outbox row once when flushes and polls overlap', async () => {
    const db = await pglite.database('relay_test');
    await db.query(`CREATE TABLE relay_outbox (seq BIGSERIAL PRIMARY KEY, event_id TEXT NOT NULL,
      event_type TEXT NOT NULL, envelope TEXT NOT NULL, published_at TIMESTAMPTZ)`);
    const bus = new MemoryBus();
    const seen: string[] = [];
    await bus.subscribe('watcher', ['thing.#'], async (d) => {
      // A slow consumer keeps each publish in flight while the next flush arrives.
      await new Promise((r) => setTimeout(r, 5));
      seen.push(JSON.parse(d.body.toString()).id);
      d.ack();
    });
    const relay = new BusOutboxRelay({ db, table: 'relay_outbox', bus, logger, pollMs: 1 });
    relay.start();
    const flushes: Promise<void>[] = [];
    for (let i = 0; i < 40; i++) {
      await db.query(
        `INSERT INTO relay_outbox (event_id, event_type, envelope) VALUES ($1, 'thing.done.v1', $2)`,
        [`e${i}`, JSON.stringify({ id: `e${i}` })],
      );
      flushes.push(relay.flush(), relay.flush());
    }
    await Promise.all(flushes);
    await relay.flush();
    expect(seen.toSorted()).toEqual(Array.from({ length: 40 }, (_, i) => `e${i}`).toSorted());
    await relay.stop();
    await bus.close();
    await db.close();
  });
});
