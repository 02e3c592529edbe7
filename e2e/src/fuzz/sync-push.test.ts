import { deflateSync, gzipSync } from 'node:zlib';
import { parseEvent, uuidv7 } from '@pos/contracts';
import { EVENT_SAMPLES } from '@pos/contracts/event-samples';
import { createLogger } from '@pos/kit';
import { MemoryBus, PgDatabase, type StartedService } from '@pos/kit/sql';
import { createTestDatabase, type TestDatabase } from '@pos/kit/sql/testing';
import { startSyncServer } from '@pos/sync/server/service';
import { testTokens } from '@pos/sync/server/test-tokens';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  fuzzOptions,
  mutate,
  nastyJson,
  nastyNumber,
  nastyString,
  problemWith,
  queryString,
  runs,
  send,
  Tally,
} from './arbitraries.js';

// The cloud sync service on PostgreSQL, fed by a hub gone wrong: batches of every shape, events
// whose envelope or payload breaks its contract (kept with the reason, never fanned out, never a
// crash), Sequence values of the wrong type, truncated and bomb-sized gzip, bodies over the
// limit, and the change feed's query. Only 2xx or a 4xx problem may come back.

const SYNC_BODY_LIMIT = 4 * 1024 * 1024;
const STORE = 'fuzz-store';
const logger = createLogger({
  service: 'fuzz-sync',
  level: process.env.FUZZ_LOG_LEVEL ?? 'silent',
});
const { jwks, tokenFor } = await testTokens();
const tally = new Tally('sync');
const bus = new MemoryBus();
let database: TestDatabase;
let sql: PgDatabase;
let svc: StartedService;
let credential = '';
/** Every EventId a batch carried that the cloud accepted. */
const pushedIds = new Set<string>();
/** The store's position as the cloud last told it. */
let last = 0;

/** NUL or an unpaired surrogate in any key or string: PostgreSQL cannot store those as sent. */
function unstorable(value: unknown): boolean {
  const bad = (text: string) =>
    // biome-ignore lint/suspicious/noControlCharactersInRegex: NUL is what this looks for
    /\u0000|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/.test(text);
  if (typeof value === 'string') return bad(value);
  if (value === null || typeof value !== 'object') return false;
  return Object.entries(value).some(([k, v]) => bad(k) || unstorable(v));
}

const TYPES = Object.keys(EVENT_SAMPLES) as (keyof typeof EVENT_SAMPLES)[];

interface Envelope {
  EventId: string;
  EventType: string;
  Payload: unknown;
  [field: string]: unknown;
}

/** A valid event of `type` for the store, in wire format, without its Sequence yet. */
function envelope(type: keyof typeof EVENT_SAMPLES): Envelope {
  return {
    EventId: uuidv7(),
    EventType: type,
    Timestamp: new Date().toISOString(),
    CorrelationId: uuidv7(),
    Source: `${type.split('.')[0]}-service`,
    StoreId: STORE,
    Payload: EVENT_SAMPLES[type],
  };
}

beforeAll(async () => {
  database = await createTestDatabase('pos_fuzz_sync');
  svc = await startSyncServer(
    { env: { SYNC_DATABASE_URL: database.url }, host: '127.0.0.1', port: 0, logger, bus },
    { jwks },
  );
  sql = await PgDatabase.open({ url: database.url });
  const manager = await tokenFor(['manager']);
  const created = await post('/api/v1/sync/stores', { storeId: STORE, name: 'Fuzz' }, manager);
  expect(created.status).toBe(201);
  const enrolled = await post('/api/v1/sync/enrol', {
    code: (JSON.parse(created.text) as { enrolmentCode: string }).enrolmentCode,
  });
  expect(enrolled.status).toBe(201);
  credential = (JSON.parse(enrolled.text) as { credential: string }).credential;
}, 60_000);

afterAll(async () => {
  console.log(tally.summary('endpoints'));
  await svc?.stop();
  await sql?.close();
  await bus.close();
  await database?.drop();
});

function post(path: string, body: unknown, token?: string) {
  return send(`${svc.url}${path}`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...(token ? { authorization: `Bearer ${token}` } : {}),
    },
    body: JSON.stringify(body),
  });
}

async function push(
  body: string | Uint8Array,
  headers: Record<string, string> = {},
  token = credential,
) {
  const answer = await send(`${svc.url}/api/v1/sync/push`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}`, ...headers },
    body,
  });
  if (answer.status === 200)
    last = (JSON.parse(answer.text) as { lastSequence: number }).lastSequence;
  if (answer.status === 409) {
    const position = (JSON.parse(answer.text) as { lastSequence?: number }).lastSequence;
    if (typeof position === 'number') last = position;
  }
  return answer;
}

async function healthy(): Promise<void> {
  const res = await send(`${svc.url}/ready`, { method: 'GET' });
  expect(res.status, res.text).toBe(200);
}

/** Where an event of the batch sits: right after the store's position, or somewhere odd. */
const sequenceKind = fc.oneof(
  { weight: 8, arbitrary: fc.constant('next' as const) },
  {
    weight: 2,
    arbitrary: fc.oneof(
      fc.constantFrom('repeat' as const, 'gap' as const),
      nastyNumber.map((n) => ({ value: n as unknown })),
      fc
        .constantFrom<unknown>('1', null, true, [], {}, 1.5, 0, -1, 2 ** 53, 1e308, '9'.repeat(30))
        .map((value) => ({ value })),
    ),
  },
);

/** One event of a batch: valid, or bent in its envelope or its payload. */
const eventArb = fc
  .tuple(fc.constantFrom(...TYPES), fc.integer({ min: 0, max: 9 }))
  .chain(([type, bend]) => {
    const good = envelope(type);
    if (bend < 4) return fc.constant(good);
    if (bend < 7)
      return mutate(good.Payload).map((Payload) => ({ ...good, Payload, bent: 'payload' }));
    return mutate(good).map((e) => (e && typeof e === 'object' ? { ...e, bent: 'envelope' } : e));
  });

const batchArb = fc.record({
  events: fc.array(fc.tuple(eventArb, sequenceKind), { minLength: 0, maxLength: 6 }),
  state: fc.option(
    fc.oneof(
      fc.record({
        menuVersion: fc.nat(),
        pendingEvents: fc.nat(),
        hubVersion: fc.string({ maxLength: 40 }),
      }),
      nastyJson,
    ),
    { nil: undefined },
  ),
  extra: fc.option(fc.tuple(nastyString, nastyJson), { nil: undefined, freq: 8 }),
});

type Batch = typeof batchArb extends fc.Arbitrary<infer T> ? T : never;

/** The batch with Sequence numbers filled in from where the store stands now. */
function build(batch: Batch): { events: Record<string, unknown>[]; body: Record<string, unknown> } {
  let next = last + 1;
  const events = batch.events.map(([raw, kind]) => {
    const { bent: _bent, ...event } = (raw && typeof raw === 'object' ? raw : { raw }) as Record<
      string,
      unknown
    >;
    let Sequence: unknown;
    if (kind === 'next') Sequence = next++;
    else if (kind === 'repeat') Sequence = Math.max(1, last);
    else if (kind === 'gap') Sequence = next + 5;
    else Sequence = kind.value;
    return { ...event, Sequence };
  });
  const body: Record<string, unknown> = { events };
  if (batch.state !== undefined) body.state = batch.state;
  if (batch.extra)
    Object.defineProperty(body, batch.extra[0], { value: batch.extra[1], enumerable: true });
  return { events, body };
}

describe('sync push and change feed under bad input', () => {
  // Found by the properties below; kept as a plain example.
  it('keeps events holding NUL or a lone surrogate with the reason, and a hub state with them', async () => {
    const nul = envelope('order.cancelled.v1');
    nul.Payload = { ...(nul.Payload as object), reason: 'guest\u0000left' };
    const surrogate: Envelope = {
      ...envelope('order.onlinerejected.v1'),
      Payload: [{ 'x\uD83D': null }],
    };
    const events = [nul, surrogate].map((e, i) => ({ ...e, Sequence: last + 1 + i }));
    const answer = await push(
      JSON.stringify({ events, state: { hubVersion: 'v1\u0000', menuVersion: 1 } }),
    );
    expect(answer.status, answer.text).toBe(200);
    const rows = await sql.query<{ invalid_reason: string | null }>(
      'SELECT invalid_reason FROM received_events WHERE event_id = ANY($1::uuid[]) ORDER BY sequence',
      [events.map((e) => String(e.EventId))],
    );
    expect(rows.map((r) => r.invalid_reason)).toEqual([
      expect.stringContaining('Payload.reason'),
      expect.stringMatching(/Payload/),
    ]);
  });

  it('answers batches of every shape with 2xx or a 4xx problem, keeping broken events', async () => {
    await fc.assert(
      fc.asyncProperty(batchArb, async (batch) => {
        const before = last;
        const { events, body } = build(batch);
        const answer = await push(JSON.stringify(body));
        tally.record('POST /api/v1/sync/push', answer.status);
        const problem = problemWith(answer, 'POST');
        if (problem) throw new Error(`push → ${problem}`);
        if (answer.status !== 200) return;
        // Every fresh event is stored; one that breaks its contract carries the reason. An
        // event already held (by its ID) is applied once, so only first sightings are checked.
        const idOf = (e: Record<string, unknown>) => String(e.EventId).toLowerCase();
        const counts = new Map<string, number>();
        for (const e of events) counts.set(idOf(e), (counts.get(idOf(e)) ?? 0) + 1);
        for (const event of events) {
          const id = idOf(event);
          if (typeof event.Sequence !== 'number' || event.Sequence <= before) continue;
          if (pushedIds.has(id) || (counts.get(id) ?? 0) > 1) continue;
          if (parseEvent({ ...event, StoreId: STORE }).ok && !unstorable(event)) continue;
          const rows = await sql.query<{ invalid_reason: string | null }>(
            'SELECT invalid_reason FROM received_events WHERE store_id = $1 AND sequence = $2',
            [STORE, event.Sequence],
          );
          expect(rows, `event at ${event.Sequence} kept`).toHaveLength(1);
          expect(rows[0]?.invalid_reason, `reason for ${event.Sequence}`).toMatch(/\S/);
        }
        for (const e of events) pushedIds.add(idOf(e));
      }),
      fuzzOptions(runs(150)),
    );
    await healthy();
  }, 300_000);

  it('accepts well-formed batches of events with broken payloads and keeps each with its reason', async () => {
    const payloadBatch = fc.array(
      fc.constantFrom(...TYPES).chain((type) => {
        const good = envelope(type);
        return fc.oneof(
          fc.constant(good),
          mutate(good.Payload).map((Payload): Envelope => ({ ...good, Payload })),
        );
      }),
      { minLength: 1, maxLength: 8 },
    );
    let broken = 0;
    await fc.assert(
      fc.asyncProperty(payloadBatch, async (batch) => {
        const events = batch.map((event, i) => ({ ...event, Sequence: last + 1 + i }));
        const answer = await push(JSON.stringify({ events }));
        tally.record('POST /api/v1/sync/push', answer.status);
        expect(answer.status, answer.text.slice(0, 500)).toBe(200);
        expect(JSON.parse(answer.text)).toMatchObject({ applied: events.length, skipped: 0 });
        const rows = await sql.query<{ event_id: string; invalid_reason: string | null }>(
          'SELECT event_id::text, invalid_reason FROM received_events WHERE event_id = ANY($1::uuid[])',
          [events.map((e) => String(e.EventId))],
        );
        const reasons = new Map(rows.map((r) => [r.event_id, r.invalid_reason]));
        for (const event of events) {
          const id = String(event.EventId);
          expect(reasons.has(id), `${id} kept`).toBe(true);
          const valid = parseEvent({ ...event, StoreId: STORE }).ok && !unstorable(event);
          if (!valid) broken += 1;
          expect(
            reasons.get(id) === null,
            `${event.EventType} kept as ${valid ? 'valid' : 'broken'}: ${reasons.get(id)}`,
          ).toBe(valid);
        }
      }),
      fuzzOptions(runs(100)),
    );
    console.log(`fuzz sync: ${broken} events broke their contract and were kept with the reason`);
    expect(broken).toBeGreaterThan(0);
    await healthy();
  }, 300_000);

  it('refuses truncated, bomb-sized and mislabelled compressed bodies with a 4xx', async () => {
    const valid = () =>
      JSON.stringify(
        build({
          events: [[envelope('order.cancelled.v1'), 'next']],
          state: undefined,
          extra: undefined,
        }).body,
      );
    // Inflates to 64 MB: the limit applies to what comes out, not to what went in.
    const bomb = gzipSync(Buffer.alloc(64 * 1024 * 1024, 0x20), { level: 9 });
    const jsonBomb = gzipSync(
      `{"events":[],"state":{"hubVersion":"${'x'.repeat(8 * 1024 * 1024)}"}}`,
    );
    const bodies = fc.oneof(
      fc.constant(() => ({ body: gzipSync(valid()), encoding: 'gzip', kind: 'gzip' })),
      fc.constant(() => ({ body: deflateSync(valid()), encoding: 'deflate', kind: 'deflate' })),
      fc.double({ min: 0, max: 0.99, noNaN: true }).map((f) => () => {
        const zipped = gzipSync(valid());
        return {
          body: zipped.subarray(0, Math.floor(zipped.length * f)),
          encoding: 'gzip',
          kind: 'truncated-gzip',
        };
      }),
      fc.constant(() => ({ body: bomb, encoding: 'gzip', kind: 'gzip-bomb' })),
      fc.constant(() => ({ body: jsonBomb, encoding: 'gzip', kind: 'json-bomb' })),
      fc.uint8Array({ minLength: 1, maxLength: 300 }).map((bytes) => () => ({
        body: Buffer.concat([Buffer.from([0x1f, 0x8b, 0x08, 0x00]), Buffer.from(bytes)]),
        encoding: 'gzip',
        kind: 'gzip-garbage',
      })),
      fc
        .constantFrom('gzip', 'br', 'deflate', 'x-zip', 'gzip, gzip', 'identity')
        .map((encoding) => () => ({
          body: Buffer.from(valid()),
          encoding,
          kind: `plain-as-${encoding}`,
        })),
      fc.constant(() => ({
        body: Buffer.from(`{"events":[],"state":{"hubVersion":"${'x'.repeat(SYNC_BODY_LIMIT)}"}}`),
        encoding: 'identity',
        kind: 'oversized',
      })),
    );
    const seen = new Map<string, Set<number>>();
    await fc.assert(
      fc.asyncProperty(bodies, async (make) => {
        const { body, encoding, kind } = make();
        const answer = await push(body, { 'content-encoding': encoding });
        tally.record('POST /api/v1/sync/push (encoded)', answer.status);
        const problem = problemWith(answer, 'POST');
        if (problem) throw new Error(`${kind} → ${problem}`);
        seen.set(kind, (seen.get(kind) ?? new Set()).add(answer.status));
      }),
      fuzzOptions(runs(60)),
    );
    if (seen.has('gzip-bomb')) expect([...(seen.get('gzip-bomb') ?? [])]).toEqual([413]);
    if (seen.has('oversized')) expect([...(seen.get('oversized') ?? [])]).toEqual([413]);
    if (seen.has('truncated-gzip'))
      expect([...(seen.get('truncated-gzip') ?? [])].every((s) => s === 400)).toBe(true);
    await healthy();
  }, 300_000);

  it('answers the change feed query and weird credentials with 2xx or a 4xx problem', async () => {
    const credentials = fc.oneof(
      { weight: 4, arbitrary: fc.constant(credential) },
      {
        weight: 1,
        arbitrary: fc.oneof(
          nastyString.map((s) => s.replace(/[^\x20-\x7e]/g, '').slice(0, 500)),
          fc.constantFrom(
            `${STORE}.${'x'.repeat(43)}`,
            `${STORE}.`,
            `.${'x'.repeat(43)}`,
            `../${credential}`,
            `${credential}\t`,
          ),
        ),
      },
    );
    await fc.assert(
      fc.asyncProperty(queryString(['after', 'waitMs']), credentials, async (query, token) => {
        const answer = await send(`${svc.url}/api/v1/sync/changes?${query}`, {
          method: 'GET',
          headers: { authorization: `Bearer ${token}` },
        });
        tally.record('GET /api/v1/sync/changes', answer.status);
        const problem = problemWith(answer);
        if (problem) throw new Error(`changes?${query.slice(0, 200)} → ${problem}`);
      }),
      fuzzOptions(runs(120)),
    );
    await healthy();
  }, 300_000);

  it('still applies a valid batch after all that', async () => {
    const event = envelope('order.cancelled.v1');
    const answer = await push(JSON.stringify({ events: [{ ...event, Sequence: last + 1 }] }));
    expect(answer.status, answer.text).toBe(200);
    const rows = await sql.query<{ invalid_reason: string | null }>(
      'SELECT invalid_reason FROM received_events WHERE event_id = $1',
      [String(event.EventId)],
    );
    expect(rows).toEqual([{ invalid_reason: null }]);
  });
});
