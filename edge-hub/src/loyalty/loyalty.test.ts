import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { EVENT_SAMPLES } from '@pos/contracts/event-samples';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type ApiClient,
  eventually,
  moduleOf,
  PINS,
  startTestHub,
  type TestHub,
} from '../testing/hub-harness.js';
import type { LoyaltyModule } from './module.js';

// Loyalty on a real hub whose cloud is a stand-in for the sync service: earning rules from
// the change feed kept (newer ones only, a broken one refused), points estimated from them,
// guests looked up in the cloud with the store credential, and an answer that says "offline"
// (with the guest still to attach) whenever the cloud cannot answer.

const STORE = 'quay-side';
const CREDENTIAL = `${STORE}.${'s'.repeat(43)}`;
const MEMBER = {
  customerId: '0195f5a6-8c1e-7b4a-9d2e-3f4a5b6c7d8e',
  name: 'Ada Lovelace',
  tier: { tierId: 'silver', name: 'Silver' },
  pointsBalance: 620,
  lifetimePoints: 800,
  nextTier: { tierId: 'gold', name: 'Gold', minLifetimePoints: 1500, pointsToGo: 700 },
  progressPercent: 30,
  contact: { phone: '•••• 0123', email: null },
};

const hour = 3_600_000;
const rules = (version: number, extra: Record<string, unknown> = {}) => ({
  ...EVENT_SAMPLES['loyalty.ruleschanged.v1'],
  version,
  promotions: [],
  ...extra,
});

type LookupMode = 'member' | 'none' | 'proxy-404' | 'down' | 'hang';

/** The cloud sync service as far as a hub's loyalty needs it. */
class FakeCloud {
  server: Server;
  url = '';
  changes: { cursor: number; topic: string; payload: unknown; createdAt: string }[] = [];
  lookups: { auth: string | undefined; query: string }[] = [];
  mode: LookupMode = 'member';

  constructor() {
    this.server = createServer((req, res) => void this.#route(req, res));
  }

  async start() {
    await new Promise<void>((r) => this.server.listen(0, '127.0.0.1', () => r()));
    const address = this.server.address();
    this.url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  }

  feed(topic: string, payload: unknown) {
    this.changes.push({
      cursor: this.changes.length + 1,
      topic,
      payload,
      createdAt: new Date().toISOString(),
    });
  }

  async close() {
    this.server.closeAllConnections();
    await new Promise((r) => this.server.close(r));
  }

  async #route(req: IncomingMessage, res: ServerResponse) {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const url = new URL(req.url ?? '/', 'http://x');
    const send = (status: number, body: unknown) => {
      res.writeHead(status, {
        'content-type': status >= 400 ? 'application/problem+json' : 'application/json',
      });
      res.end(JSON.stringify(body));
    };
    if (url.pathname === '/api/v1/sync/enrol')
      return send(201, { storeId: STORE, name: 'Quay Side', credential: CREDENTIAL });
    if (req.headers.authorization !== `Bearer ${CREDENTIAL}`) return send(401, { status: 401 });
    if (url.pathname === '/api/v1/sync/push') {
      const raw = Buffer.concat(chunks);
      const body = JSON.parse(
        (req.headers['content-encoding'] === 'gzip' ? gunzipSync(raw) : raw).toString(),
      ) as { events: { Sequence: number }[] };
      return send(200, {
        lastSequence: body.events.at(-1)?.Sequence ?? 0,
        applied: body.events.length,
        skipped: 0,
      });
    }
    if (url.pathname === '/api/v1/sync/changes') {
      const after = Number(url.searchParams.get('after') ?? 0);
      const changes = this.changes.filter((c) => c.cursor > after);
      if (changes.length === 0) await new Promise((r) => setTimeout(r, 100));
      return send(200, { changes, cursor: changes.at(-1)?.cursor ?? after });
    }
    if (url.pathname === '/api/v1/sync/loyalty/accounts') {
      this.lookups.push({ auth: req.headers.authorization, query: url.search });
      switch (this.mode) {
        case 'member':
          return send(200, { ...MEMBER, internalNote: 'not for the till' });
        case 'none':
          return send(404, { status: 404, detail: 'No member', reason: 'no-member' });
        case 'proxy-404':
          return send(404, { status: 404, detail: 'No route' });
        case 'down':
          return send(503, { status: 503, detail: 'The loyalty service is not reachable' });
        case 'hang':
          return; // never answers
      }
    }
    send(404, { status: 404 });
  }
}

let t: TestHub;
let cloud: FakeCloud;
let cashier: ApiClient;
let manager: ApiClient;

beforeAll(async () => {
  cloud = new FakeCloud();
  await cloud.start();
  t = await startTestHub({
    env: { STORE_ID: STORE },
    sync: { client: { backoff: { minMs: 50, maxMs: 300 }, heartbeatMs: 500, longPollMs: 500 } },
    loyalty: { lookupTimeoutMs: 500 },
  });
  cashier = await t.as(PINS.cashier);
  manager = await t.as(PINS.manager);
});
afterAll(async () => {
  await t?.stop();
  await cloud?.close();
});

const lookup = (query: string, as: ApiClient = cashier) => as.get(`/api/v1/loyalty/lookup${query}`);
const heldVersion = async () =>
  ((await cashier.get('/api/v1/loyalty/rules')).body.rules?.version as number | undefined) ?? null;

describe('loyalty on the hub', () => {
  it('answers offline before the hub is enrolled, with the guest to attach', async () => {
    const res = await lookup('?phone=%2B1%20555%20010%200123');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      online: false,
      reason: 'not-enrolled',
      message: 'Offline — points will be added when the hub reconnects',
      attach: { phone: '+1 555 010 0123' },
    });
  });

  it('refuses a bad lookup or estimate with 400 problem+json naming the fields', async () => {
    const cases: [string, string][] = [
      ['', 'query.phone'],
      ['?phone=%2B15550100123&email=ada%40example.com', 'query.phone'],
      ['?phone=call%20me', 'query.phone'],
      ['?phone=12', 'query.phone'],
      ['?email=ada-at-example', 'query.email'],
      ['?phone=%2B15550100123&tier=gold', 'query'],
    ];
    for (const [query, field] of cases) {
      const res = await lookup(query);
      expect(res.status, query).toBe(400);
      expect(res.headers.get('content-type')).toContain('application/problem+json');
      expect(
        res.body.errors.map((e: { field: string }) => e.field),
        query,
      ).toContain(field);
    }
    const estimates: [unknown, string][] = [
      [{}, 'categoryAmounts'],
      [
        { categoryAmounts: [{ categoryId: 'mains', amountCents: 12.5 }] },
        'categoryAmounts.0.amountCents',
      ],
      [{ categoryAmounts: [{ categoryId: '', amountCents: 100 }] }, 'categoryAmounts.0.categoryId'],
      [{ categoryAmounts: [], tierId: 7 }, 'tierId'],
      [{ categoryAmounts: [], price: 1 }, ''],
    ];
    for (const [body, field] of estimates) {
      const res = await cashier.post('/api/v1/loyalty/estimate', body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.headers.get('content-type')).toContain('application/problem+json');
      expect(res.body.errors.map((e: { field: string }) => e.field)).toContain(field);
    }
  });

  it('is for cashiers (and up): not the kitchen, not anonymous', async () => {
    expect((await lookup('?phone=%2B15550100123', await t.as(PINS.cook))).status).toBe(403);
    const anonymous = await fetch(`${t.hub.url}/api/v1/loyalty/lookup?phone=%2B15550100123`);
    expect(anonymous.status).toBe(401);
    expect((await lookup('?phone=%2B15550100123', manager)).status).toBe(200);
  });

  it('says it cannot estimate before the rules arrive', async () => {
    const res = await cashier.post('/api/v1/loyalty/estimate', {
      categoryAmounts: [{ categoryId: 'mains', amountCents: 1000 }],
    });
    expect(res.status).toBe(200);
    expect(res.body.points).toBeNull();
  });

  it('keeps the rules the change feed brings: newer ones only, a broken one refused', async () => {
    // The feed the hub finds on enrolling: rules v2, a broken v3, an older v1 behind them.
    cloud.feed('loyalty', rules(2));
    cloud.feed('loyalty', { ...rules(3), tiers: [] });
    cloud.feed('loyalty', rules(1));
    const enrolled = await manager.post('/api/v1/sync/enrol', {
      cloudUrl: cloud.url,
      code: 'ABCD-EFGH-JKLM',
    });
    expect(enrolled.status, JSON.stringify(enrolled.body)).toBe(201);
    await eventually(
      async () => (await cashier.get('/api/v1/sync/status')).body.changeCursor === 3,
    );
    expect(await heldVersion()).toBe(2);
    const log = readFileSync(join(t.dir, 'hub.log'), 'utf8');
    const refused = log.split('\n').filter((l) => l.includes('change from the cloud refused'));
    expect(refused).toHaveLength(1);
    expect(refused[0]).toMatch(/loyalty rules refused: tiers/);
    expect(() => moduleOf<LoyaltyModule>(t, 'loyalty').applyRules({ version: 9 })).toThrow(
      /loyalty rules refused/,
    );

    // A promotion running now, double points on desserts, and the silver tier at 1.25×.
    const now = Date.now();
    cloud.feed(
      'loyalty',
      rules(4, {
        promotions: [
          {
            promotionId: 'double-now',
            name: 'Double points today',
            startsAt: new Date(now - hour).toISOString(),
            endsAt: new Date(now + hour).toISOString(),
            multiplierBp: 20_000,
          },
          {
            promotionId: 'triple-later',
            name: 'Triple points next week',
            startsAt: new Date(now + 100 * hour).toISOString(),
            endsAt: new Date(now + 101 * hour).toISOString(),
            multiplierBp: 30_000,
          },
        ],
      }),
    );
    await eventually(async () => (await heldVersion()) === 4);

    // Held across a restart (loyalty.db).
    await t.restart();
    cashier = await t.as(PINS.cashier);
    manager = await t.as(PINS.manager);
    expect(await heldVersion()).toBe(4);
  });

  it('estimates what an order earns from the rules held, offline too', async () => {
    const order = {
      categoryAmounts: [
        { categoryId: 'mains', amountCents: 1_000 },
        { categoryId: 'desserts', amountCents: 550 },
      ],
    };
    // ($10 + $5.50 × 2) × 1 (base tier) × 2 (promotion running) = 42.
    const base = await cashier.post('/api/v1/loyalty/estimate', order);
    expect(base.status).toBe(200);
    expect(base.body).toEqual({
      points: 42,
      tier: { tierId: 'base', name: 'Member' },
      promotion: { promotionId: 'double-now', name: 'Double points today', multiplierBp: 20_000 },
      rulesVersion: 4,
    });
    // × 1.25 for silver = 52.5, rounded down.
    const silver = await cashier.post('/api/v1/loyalty/estimate', { ...order, tierId: 'silver' });
    expect(silver.body).toMatchObject({ points: 52, tier: { tierId: 'silver' } });
    // A tier the rules do not know is estimated at the base rate.
    const unknown = await cashier.post('/api/v1/loyalty/estimate', { ...order, tierId: 'jade' });
    expect(unknown.body).toMatchObject({ points: 42, tier: { tierId: 'base' } });
    const empty = await cashier.post('/api/v1/loyalty/estimate', { categoryAmounts: [] });
    expect(empty.body.points).toBe(0);
  });

  it('looks a member up in the cloud with the store credential', async () => {
    await eventually(
      async () => (await cashier.get('/api/v1/sync/status')).body.state === 'online',
    );
    cloud.mode = 'member';
    const res = await lookup('?phone=%2B1%20555%20010%200123');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      online: true,
      member: MEMBER,
      attach: { customerId: MEMBER.customerId, name: 'Ada Lovelace', phone: '+1 555 010 0123' },
    });
    expect(cloud.lookups.at(-1)).toEqual({
      auth: `Bearer ${CREDENTIAL}`,
      query: '?phone=%2B1+555+010+0123',
    });
    const byEmail = await lookup('?email=ada%40example.com');
    expect(byEmail.body.attach).toEqual({
      customerId: MEMBER.customerId,
      name: 'Ada Lovelace',
      email: 'ada@example.com',
    });
  });

  it('says when a guest is not a member', async () => {
    cloud.mode = 'none';
    const res = await lookup('?phone=%2B15550100999');
    expect(res.status).toBe(404);
    expect(res.headers.get('content-type')).toContain('application/problem+json');
    expect(res.body.detail).toBe('No loyalty member with that phone or email');
  });

  it('answers offline whenever the cloud cannot answer, and still gives the guest to attach', async () => {
    for (const mode of ['down', 'proxy-404', 'hang'] as const) {
      cloud.mode = mode;
      const started = Date.now();
      const res = await lookup('?email=ada%40example.com');
      expect(res.status, mode).toBe(200);
      expect(res.body, mode).toEqual({
        online: false,
        reason: 'unreachable',
        message: 'Offline — points will be added when the hub reconnects',
        attach: { email: 'ada@example.com' },
      });
      expect(Date.now() - started, mode).toBeLessThan(3_000);
    }
    // The cloud gone altogether: the estimate still works from the rules held.
    await cloud.close();
    const res = await lookup('?phone=%2B15550100123');
    expect(res.body).toMatchObject({ online: false, reason: 'unreachable' });
    const estimate = await cashier.post('/api/v1/loyalty/estimate', {
      categoryAmounts: [{ categoryId: 'mains', amountCents: 1_000 }],
    });
    expect(estimate.body.points).toBe(20);
  });
});
