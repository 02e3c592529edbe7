import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  createLogger,
  Inbox,
  InboxConsumer,
  inboxSchema,
  Outbox,
  openSqlite,
  outboxSchema,
  type SqliteDatabase,
  type StoredEnvelope,
} from '@pos/kit';
import mqtt from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type EdgeBroker, startBroker } from './broker.js';
import { BusClient } from './client.js';
import { startConsumer, startRelay } from './wiring.js';

const logger = createLogger({ service: 'bus-test', level: 'silent' });
const storeId = 'store-1';
let broker: EdgeBroker;
let dir: string;
let url: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'pos-bus-'));
  broker = await startBroker({ host: '127.0.0.1', port: 0, logger });
  url = `mqtt://127.0.0.1:${broker.port}`;
});

afterAll(async () => {
  await broker.close();
  rmSync(dir, { recursive: true, force: true });
});

const internalBus = (name: string) =>
  BusClient.connect({
    url,
    storeId,
    clientId: `${name}-${randomUUID().slice(0, 6)}`,
    logger,
    credentials: broker.internalCredentials,
  });

function event(n: number, type = 'order.created.v1'): StoredEnvelope {
  return {
    EventId: randomUUID(),
    EventType: type,
    Timestamp: new Date().toISOString(),
    CorrelationId: randomUUID(),
    Source: 'test',
    StoreId: storeId,
    Payload: { n },
  };
}

async function eventually(check: () => boolean, ms = 10_000): Promise<void> {
  const until = Date.now() + ms;
  while (!check()) {
    if (Date.now() > until) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('edge bus', () => {
  it('delivers an outbox event to an external MQTT client over TCP', async () => {
    const db = openSqlite({ path: join(dir, 'e2e.db'), schemas: [outboxSchema] });
    const outbox = new Outbox(db, () => []);
    const bus = await internalBus('producer');
    const relay = await startRelay(outbox, bus, { logger });

    const external = await mqtt.connectAsync(url, { clientId: 'external-screen' });
    const received: StoredEnvelope[] = [];
    const topics: string[] = [];
    external.on('message', (topic, payload) => {
      topics.push(topic);
      received.push(JSON.parse(payload.toString()) as StoredEnvelope);
    });
    await external.subscribeAsync(`pos/${storeId}/events/#`, { qos: 1 });

    const sent = event(1);
    outbox.transaction(() => outbox.append(sent));
    await eventually(() => received.length === 1);
    expect(received[0]).toEqual(sent);
    expect(topics[0]).toBe(`pos/${storeId}/events/order.created.v1`);

    // A device on the LAN may listen but never publish events: the broker drops the client.
    const forger = await mqtt.connectAsync(url, { clientId: 'forger', reconnectPeriod: 0 });
    forger.publish(`pos/${storeId}/events/order.created.v1`, JSON.stringify(event(2)), { qos: 0 });
    await new Promise((r) => setTimeout(r, 300));
    expect(received).toHaveLength(1);
    await forger.endAsync(true);
    await external.endAsync(true);
    await relay.stop();
    await bus.close();
    db.close();
  });

  it('redelivers an event until its consumer acknowledges, without a second effect', async () => {
    const producerDb = openSqlite({ path: join(dir, 'redeliver-p.db'), schemas: [outboxSchema] });
    const outbox = new Outbox(producerDb, () => ['kds']);
    const consumerDb = openEffectsDb(join(dir, 'redeliver-c.db'));
    const pBus = await internalBus('producer');
    const cBus = await internalBus('consumer');
    const relay = await startRelay(outbox, pBus, {
      logger,
      redeliverAfterMs: 50,
      sweepEveryMs: 50,
    });
    let dropAcks = true;
    const consumer = new InboxConsumer({
      inbox: new Inbox(consumerDb, 'kds'),
      logger,
      parse: (raw) => ({ ok: true, event: raw as StoredEnvelope }),
      handle: recordEffect(consumerDb),
      acknowledge: (ids) => {
        if (!dropAcks) void cBus.publishAcks('kds', ids);
      },
    });
    await cBus.subscribeEvents(['order.created.v1'], (_t, p) => consumer.receive(p));

    const sent = event(7);
    outbox.transaction(() => outbox.append(sent));
    await eventually(() => consumer.duplicates >= 2);
    dropAcks = false;
    await eventually(() => relay.stats().openDeliveries === 0);
    expect(effectCounts(consumerDb)).toEqual({ [sent.EventId]: 1 });

    await relay.stop();
    await pBus.close();
    await cBus.close();
  });

  it('dead-letters a broken event and keeps consuming', async () => {
    const consumerDb = openEffectsDb(join(dir, 'dead.db'));
    const bus = await internalBus('dl');
    const consumer = await startConsumer(consumerDb, bus, 'kds', ['order.created.v1'], {
      logger,
      parse: (raw) =>
        typeof (raw as StoredEnvelope).EventId === 'string'
          ? { ok: true, event: raw as StoredEnvelope }
          : { ok: false, issues: [{ path: 'EventId', message: 'required' }] },
      handle: recordEffect(consumerDb),
    });
    await bus.publishEvent({ ...event(1), EventId: undefined } as unknown as StoredEnvelope);
    const good = event(2);
    await bus.publishEvent(good);
    await eventually(() => consumer.applied === 1 && consumer.deadLettered === 1);
    const dead = new Inbox(consumerDb, 'kds').deadLetters();
    expect(dead).toHaveLength(1);
    expect(dead[0]?.reason).toMatch(/EventId/);
    expect(effectCounts(consumerDb)).toEqual({ [good.EventId]: 1 });
    await bus.close();
  });

  for (const mode of ['before-publish', 'after-publish'] as const) {
    it(`recovers a producer killed ${mode.replace('-', ' ')}: no loss, no duplicate effect`, async () => {
      const producerPath = join(dir, `crash-${mode}.db`);
      const consumerDb = openEffectsDb(join(dir, `crash-${mode}-effects.db`));
      const cBus = await internalBus('effects');
      const consumer = await startConsumer(consumerDb, cBus, 'effects', ['order.created.v1'], {
        logger,
        parse: (raw) => ({ ok: true, event: raw as StoredEnvelope }),
        handle: recordEffect(consumerDb),
      });

      const count = 50;
      const exit = await runCrashProducer(producerPath, count, mode);
      expect(exit.signal).toBe('SIGKILL');

      const producerDb = openSqlite({ path: producerPath, schemas: [outboxSchema] });
      const committed = (
        producerDb.prepare('SELECT count(*) AS n FROM outbox').get() as { n: number }
      ).n;
      expect(committed).toBe(count);
      if (mode === 'after-publish') {
        await eventually(() => consumer.applied === count);
        // Every event reached the consumer, but the producer died before hearing the acks.
        const open = producerDb.prepare('SELECT count(*) AS n FROM outbox_delivery').get() as {
          n: number;
        };
        expect(open.n).toBeGreaterThan(0);
      }

      // Restart: a new relay on the same file republishes everything still open.
      const outbox = new Outbox(producerDb, () => ['effects']);
      const bus = await internalBus('restarted');
      const relay = await startRelay(outbox, bus, { logger });
      await eventually(() => relay.stats().openDeliveries === 0 && relay.stats().unpublished === 0);

      const counts = effectCounts(consumerDb);
      expect(Object.keys(counts)).toHaveLength(count);
      expect(Object.values(counts).every((n) => n === 1)).toBe(true);
      if (mode === 'after-publish') expect(consumer.duplicates).toBeGreaterThan(0);

      await relay.stop();
      await bus.close();
      await cBus.close();
    });
  }
});

function openEffectsDb(path: string): SqliteDatabase {
  return openSqlite({
    path,
    schemas: [
      inboxSchema,
      {
        component: 'effects',
        migrations: [
          {
            version: 1,
            name: 'effects',
            up: 'CREATE TABLE effect (event_id TEXT NOT NULL, applied_at INTEGER NOT NULL)',
          },
        ],
      },
    ],
  });
}

/** The effect deliberately has no unique key: only the inbox keeps it from happening twice. */
function recordEffect(db: SqliteDatabase) {
  const insert = db.prepare('INSERT INTO effect (event_id, applied_at) VALUES (?, ?)');
  return (e: StoredEnvelope) => {
    insert.run(e.EventId, Date.now());
  };
}

function effectCounts(db: SqliteDatabase): Record<string, number> {
  const rows = db
    .prepare('SELECT event_id AS id, count(*) AS n FROM effect GROUP BY event_id')
    .all() as { id: string; n: number }[];
  return Object.fromEntries(rows.map((r) => [r.id, r.n]));
}

function runCrashProducer(
  db: string,
  count: number,
  mode: string,
): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  const fixture = new URL('./crash-producer.fixture.ts', import.meta.url).pathname;
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', fixture, db, String(count), mode, url, storeId],
      {
        env: { ...process.env, BUS_PASSWORD: broker.internalCredentials.password },
        stdio: ['ignore', 'inherit', 'inherit'],
      },
    );
    child.once('error', reject);
    child.once('exit', (code, signal) => resolve({ code, signal }));
  });
}
