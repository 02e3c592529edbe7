import { afterAll, describe, expect, it } from 'vitest';
import { AppError } from '../errors.js';
import { createLogger } from '../logger.js';
import { MemoryBus } from './bus.js';
import { BusConsumer, cloudInboxSchema, listDeadLetters } from './bus-consumer.js';
import type { SqlDatabase } from './database.js';
import { migrateAll } from './migrate.js';
import { SharedPglite } from './pglite-database.js';

// A consumer whose database goes away for a while (PostgreSQL restarting): the events that
// arrive meanwhile are neither lost nor dead-lettered, and each is applied once when it is back.

const logger = createLogger({ service: 'bus-outage-test', level: 'silent' });
const pglite = new SharedPglite({ logger });
afterAll(() => pglite.close());

type Thing = { EventId: string; EventType: string; n: number };

async function until(check: () => Promise<boolean> | boolean, ms = 15_000) {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}

async function setUp(schema: string) {
  const db = await pglite.database(schema);
  await migrateAll(db, [
    cloudInboxSchema,
    {
      component: 'bus-outage-test',
      migrations: [
        { version: 1, name: 'effects', up: 'CREATE TABLE effects (event_id TEXT, n INTEGER)' },
      ],
    },
  ]);
  return db;
}

const event = (n: number) => ({
  routingKey: 'thing.done.v1',
  messageId: `e${n}`,
  body: Buffer.from(JSON.stringify({ EventId: `e${n}`, EventType: 'thing.done.v1', n })),
});

function consumerOn(bus: MemoryBus, db: SqlDatabase, handleFails: () => Error | undefined) {
  return new BusConsumer<Thing>({
    bus,
    db,
    consumer: 'outage',
    bindings: ['thing.*.v1'],
    parse: (raw) => ({ ok: true, event: raw as Thing }),
    handle: async (e, tx) => {
      const fault = handleFails();
      if (fault) throw fault;
      await tx.query('INSERT INTO effects VALUES ($1, $2)', [e.EventId, e.n]);
    },
    logger,
  });
}

describe('BusConsumer while its database is unavailable', () => {
  it('keeps retrying an event that meets "unavailable", past the dead-letter limit', async () => {
    const db = await setUp('outage_unavailable');
    const bus = new MemoryBus({ holdMs: 30_000 });
    let faults = 4;
    const consumer = consumerOn(bus, db, () =>
      faults-- > 0 ? new AppError('unavailable', 'The database is busy or unreachable') : undefined,
    );
    await consumer.start();
    await bus.publish([event(1)]);
    expect(await db.query('SELECT event_id FROM effects')).toEqual([{ event_id: 'e1' }]);
    expect(await listDeadLetters(db, 'outage')).toEqual([]);
    expect(consumer.applied).toBe(1);
    await consumer.stop();
    await bus.close();
  });

  it('puts a message back, without crashing, when not even a dead letter can be written', async () => {
    const real = await setUp('outage_down');
    let down = true;
    // Every transaction fails while "down", as on a server that is not there.
    const db: SqlDatabase = {
      kind: real.kind,
      schema: real.schema,
      query: (text, params) => real.query(text, params),
      one: (text, params) => real.one(text, params),
      maybeOne: (text, params) => real.maybeOne(text, params),
      exec: (sql) => real.exec(sql),
      transaction: (fn) =>
        down ? Promise.reject(new Error('Connection refused')) : real.transaction(fn),
      close: () => real.close(),
    };
    const bus = new MemoryBus({ holdMs: 30_000 });
    const consumer = consumerOn(bus, db, () => undefined);
    await consumer.start();
    const published = bus.publish([event(2)]);
    await new Promise((r) => setTimeout(r, 1_500));
    down = false;
    await published;
    await until(async () => (await real.query('SELECT 1 FROM effects')).length === 1);
    expect(await listDeadLetters(real, 'outage')).toEqual([]);
    await consumer.stop();
    await bus.close();
  });
});
