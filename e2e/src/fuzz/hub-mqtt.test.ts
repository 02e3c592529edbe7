import { readdirSync } from 'node:fs';
import { connect as tcpConnect } from 'node:net';
import { join } from 'node:path';
import { uuidv7 } from '@pos/contracts';
import { EVENT_SAMPLES } from '@pos/contracts/event-samples';
import {
  type ApiClient,
  eventually,
  PINS,
  startTestHub,
  type TestHub,
} from '@pos/edge-hub/testing/hub-harness';
import Database from 'better-sqlite3';
import fc from 'fast-check';
import mqtt, { type MqttClient } from 'mqtt';
import { io } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import {
  deeplyNested,
  fuzzOptions,
  mutate,
  nastyJson,
  nastyString,
  runs,
  Tally,
} from './arbitraries.js';

// The hub's MQTT broker and the consumers behind it, fed garbage: every event topic the hub's
// services consume and every acknowledgement topic, with random, truncated, huge, binary and
// bent-but-almost-valid payloads, published by a LAN device (which may not publish at all) and
// by a client holding the hub's own publishing secret (a service gone wrong); then raw bytes
// that are not MQTT, over TCP and WebSocket. The hub must stay up, answer /health and /ready,
// and still turn a new order into a kitchen ticket that a cook can bump.

const tally = new Tally('mqtt');
let t: TestHub;
let cashier: ApiClient;
let cook: ApiClient;
let storeId = '';
const TYPES = Object.keys(EVENT_SAMPLES) as (keyof typeof EVENT_SAMPLES)[];

beforeAll(async () => {
  t = await startTestHub({ logLevel: 'warn' });
  cashier = await t.as(PINS.cashier);
  cook = await t.as(PINS.cook);
  storeId = t.hub.config.storeId;
}, 60_000);

afterAll(async () => {
  console.log(tally.summary('topics and sockets'));
  await t?.stop();
});

async function client(options: mqtt.IClientOptions = {}): Promise<MqttClient> {
  const c = await mqtt.connectAsync(t.hub.mqttUrl, {
    reconnectPeriod: 0,
    connectTimeout: 10_000,
    ...options,
  });
  c.on('error', () => {});
  return c;
}

/** Every topic the hub's services handle, and a few near misses. */
function topics(): string[] {
  const consumers = [...t.modules.map((m) => m.name), 'kds', 'inventory', 'orders', 'printing'];
  return [
    ...TYPES.map((type) => `pos/${storeId}/events/${type}`),
    ...[...new Set(consumers)].map((c) => `pos/${storeId}/acks/${c}`),
    `pos/${storeId}/acks/`,
    `pos/${storeId}/events/`,
    `pos/other-store/events/order.created.v1`,
    `pos/${storeId}/events/no.such.v1`,
  ];
}

/** A valid event envelope of `type` for this store. */
function envelope(type: keyof typeof EVENT_SAMPLES): Record<string, unknown> {
  return {
    EventId: uuidv7(),
    EventType: type,
    Timestamp: new Date().toISOString(),
    CorrelationId: uuidv7(),
    Source: `${type.split('.')[0]}-service`,
    StoreId: storeId,
    Payload: EVENT_SAMPLES[type],
  };
}

const HUGE = Buffer.alloc(2 * 1024 * 1024, 0x7b);

/** What to publish on `topic`: bent envelopes, acks, JSON of every shape, bytes, the huge. */
function payloadFor(topic: string): fc.Arbitrary<{ bytes: Buffer; kind: string }> {
  const type = topic.split('/').at(-1) as keyof typeof EVENT_SAMPLES;
  const json = (kind: string) => (v: unknown) => ({
    bytes: Buffer.from(JSON.stringify(v) ?? ''),
    kind,
  });
  const base = type in EVENT_SAMPLES ? envelope(type) : envelope('order.cancelled.v1');
  return fc.oneof(
    { weight: 5, arbitrary: mutate(base).map(json('bent-envelope')) },
    {
      weight: 3,
      arbitrary: mutate(base.Payload)
        .map((Payload) => ({ ...base, EventId: uuidv7(), Payload }))
        .map(json('bent-payload')),
    },
    {
      weight: 2,
      arbitrary: fc
        .oneof(fc.array(fc.oneof(fc.uuid(), fc.string()), { maxLength: 5 }), nastyJson)
        .map((eventIds) => ({ eventIds }))
        .map(json('acks')),
    },
    { weight: 2, arbitrary: nastyJson.map(json('random-json')) },
    {
      weight: 1,
      arbitrary: fc.double({ min: 0, max: 0.99, noNaN: true }).map((f) => {
        const text = JSON.stringify(base);
        return {
          bytes: Buffer.from(text.slice(0, Math.floor(text.length * f))),
          kind: 'truncated',
        };
      }),
    },
    {
      weight: 1,
      arbitrary: fc
        .uint8Array({ maxLength: 400 })
        .map((b) => ({ bytes: Buffer.from(b), kind: 'binary' })),
    },
    {
      weight: 1,
      arbitrary: fc.constantFrom(
        { bytes: Buffer.alloc(0), kind: 'empty' },
        { bytes: HUGE, kind: 'huge' },
        { bytes: Buffer.from(deeplyNested(50_000, 'array')), kind: 'nested' },
        {
          bytes: Buffer.from('{"EventId":"\uD800","EventType":"order.created.v1"}'),
          kind: 'surrogate',
        },
        { bytes: Buffer.from([0xff, 0xfe, 0x00, 0x7b]), kind: 'bad-utf8' },
      ),
    },
  );
}

/** Dead letters across the hub's databases, by consumer. */
function deadLetters(): Map<string, number> {
  const counts = new Map<string, number>();
  const files = (readdirSync(t.dir, { recursive: true }) as string[]).filter(
    (f) => f.endsWith('.db') || f.endsWith('.sqlite'),
  );
  for (const file of files) {
    const db = new Database(join(t.dir, file), { readonly: true, fileMustExist: true });
    try {
      const has = db
        .prepare(`SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'dead_letter'`)
        .get();
      if (!has) continue;
      const rows = db
        .prepare('SELECT consumer, COUNT(*) AS n FROM dead_letter GROUP BY consumer')
        .all() as {
        consumer: string;
        n: number;
      }[];
      for (const r of rows) counts.set(r.consumer, (counts.get(r.consumer) ?? 0) + r.n);
    } finally {
      db.close();
    }
  }
  return counts;
}

async function healthy(): Promise<void> {
  for (const path of ['/health', '/ready']) {
    const res = await fetch(`${t.hub.url}${path}`, { signal: AbortSignal.timeout(10_000) });
    expect(res.status, `${path}: ${await res.text()}`).toBe(200);
  }
}

/** A new order still becomes a grill ticket, which a cook can still bump. */
async function kitchenStillWorks(): Promise<void> {
  const placed = await cashier.post('/api/v1/orders', {
    id: uuidv7(),
    type: 'dine-in',
    tableId: 'T3',
    guests: 1,
    items: [{ menuItemId: 'burger-classic', modifierIds: ['mod-burger-medium'], quantity: 1 }],
  });
  expect(placed.status, JSON.stringify(placed.body)).toBe(201);
  let ticketId: string | undefined;
  await eventually(async () => {
    const state = await cook.get<{ tickets: { id: string; orderId: string }[] }>(
      '/api/v1/kds/stations/grill/tickets',
    );
    ticketId = state.body.tickets.find((x) => x.orderId === placed.body.id)?.id;
    return ticketId !== undefined;
  }, 20_000);
  const bumped = await cook.post(`/api/v1/kds/tickets/${ticketId}/bump`, {});
  expect(bumped.status, JSON.stringify(bumped.body)).toBe(200);
}

describe('hub MQTT under bad payloads', () => {
  it('refuses publishing by LAN devices, whatever they send, and keeps working', async () => {
    const watcher = await client();
    const leaked: string[] = [];
    await watcher.subscribeAsync(`pos/${storeId}/#`, { qos: 1 });
    const sentinel = `fuzz-${uuidv7()}`;
    watcher.on('message', (topic, payload) => {
      if (payload.includes(sentinel)) leaked.push(topic);
    });
    const all = topics();
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...all),
        fc.oneof(nastyJson, fc.constant(null)),
        async (topic, value) => {
          const device = await client();
          const outcome = await new Promise<string>((resolve) => {
            device.once('close', () => resolve('refused'));
            device.publish(topic, JSON.stringify({ sentinel, value }) ?? '', { qos: 1 }, (err) =>
              resolve(err ? 'refused' : 'accepted'),
            );
          });
          device.end(true);
          tally.record(topic, outcome);
        },
      ),
      fuzzOptions(runs(40)),
    );
    // Give a leaked message time to arrive before saying none did.
    await new Promise((r) => setTimeout(r, 300));
    watcher.end(true);
    expect(leaked).toEqual([]);
    expect(tally.count('accepted')).toBe(0);
    await healthy();
  }, 120_000);

  it('dead-letters what a misbehaving hub service publishes, and keeps processing valid events', async () => {
    const inside = await client({
      username: t.hub.broker.internalCredentials.username,
      password: t.hub.broker.internalCredentials.password,
    });
    const all = topics();
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...all).chain((topic) => fc.tuple(fc.constant(topic), payloadFor(topic))),
        async ([topic, { bytes }]) => {
          await inside.publishAsync(topic, bytes, { qos: 1 });
          tally.record(topic, 'delivered');
        },
      ),
      fuzzOptions(runs(400)),
    );
    inside.end(true);
    await healthy();
    await kitchenStillWorks();
    // The garbage went somewhere: each consumer that got some kept it with a reason.
    const dead = deadLetters();
    console.log(`fuzz mqtt: dead letters by consumer: ${JSON.stringify(Object.fromEntries(dead))}`);
    expect([...dead.values()].reduce((a, b) => a + b, 0)).toBeGreaterThan(0);
  }, 180_000);

  it('survives bytes that are not MQTT, over TCP and WebSocket', async () => {
    const port = Number(new URL(t.hub.mqttUrl).port);
    const frames = fc.oneof(
      fc.uint8Array({ minLength: 1, maxLength: 512 }).map((b) => Buffer.from(b)),
      // A CONNECT header that promises far more than arrives, and a bogus protocol name.
      fc.constantFrom(
        Buffer.from([0x10, 0xff, 0xff, 0xff, 0x7f]),
        Buffer.from([
          0x10, 0x0c, 0x00, 0x04, 0x58, 0x58, 0x58, 0x58, 0x04, 0x02, 0x00, 0x3c, 0x00, 0x00,
        ]),
        Buffer.from([0x30, 0x80, 0x80, 0x80, 0x80, 0x01]),
        Buffer.from('GET / HTTP/1.1\r\nHost: x\r\n\r\n'),
      ),
    );
    await fc.assert(
      fc.asyncProperty(frames, fc.boolean(), async (bytes, overWebSocket) => {
        if (overWebSocket) {
          const ws = new WebSocket(`${t.hub.url.replace('http', 'ws')}/mqtt`, 'mqtt');
          await new Promise<void>((resolve) => {
            ws.once('open', () => {
              ws.send(bytes);
              setTimeout(() => resolve(), 20);
            });
            ws.once('error', () => resolve());
            ws.once('close', () => resolve());
          });
          ws.terminate();
          tally.record('ws /mqtt (raw)', 'closed');
        } else {
          await new Promise<void>((resolve) => {
            const socket = tcpConnect(port, '127.0.0.1', () => {
              socket.write(bytes);
              setTimeout(() => socket.destroy(), 20);
            });
            socket.once('close', () => resolve());
            socket.once('error', () => resolve());
          });
          tally.record('tcp mqtt (raw)', 'closed');
        }
      }),
      fuzzOptions(runs(80)),
    );
    await healthy();
    await kitchenStillWorks();
  }, 120_000);

  it("answers a kitchen screen's bad subscriptions and keeps serving good ones", async () => {
    // A screen with no token, or a made-up one, is turned away at the handshake.
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          nastyJson,
          nastyString.map((s) => s.slice(0, 9_000)),
        ),
        async (token) => {
          const stranger = io(t.hub.url, {
            path: '/ws/kitchen-orders',
            transports: ['websocket'],
            reconnection: false,
            auth: { token },
          });
          const outcome = await new Promise<string>((resolve) => {
            stranger.once('connect', () => resolve('connected'));
            stranger.once('connect_error', () => resolve('refused'));
          });
          stranger.disconnect();
          tally.record('socket.io handshake', outcome);
          expect(outcome).toBe('refused');
        },
      ),
      fuzzOptions(runs(40)),
    );
    const screen = io(t.hub.url, {
      path: '/ws/kitchen-orders',
      transports: ['websocket'],
      auth: { token: cook.token },
    });
    await new Promise<void>((resolve, reject) => {
      screen.once('connect', () => resolve());
      screen.once('connect_error', reject);
    });
    const station = fc.oneof(
      nastyString.map((s) => s.slice(0, 40)),
      fc.constantFrom('grill', 'expo', 'nowhere'),
    );
    const messages = fc.oneof(
      station.map((s) => ({ station: s }) as unknown),
      mutate({ station: 'grill' }),
      nastyJson,
    );
    await fc.assert(
      fc.asyncProperty(messages, async (message) => {
        const answer = await screen.timeout(10_000).emitWithAck('subscribe', message);
        tally.record('socket.io subscribe', (answer as { ok?: boolean }).ok ? 'ok' : 'refused');
      }),
      fuzzOptions(runs(150)),
    );
    const state = new Promise<{ station: string }>((resolve) => screen.once('state', resolve));
    expect(await screen.timeout(10_000).emitWithAck('subscribe', { station: 'grill' })).toEqual({
      ok: true,
    });
    expect((await state).station).toBe('grill');
    screen.disconnect();
    await healthy();
  }, 120_000);
});
