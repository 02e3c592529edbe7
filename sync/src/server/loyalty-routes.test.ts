import { createServer, type Server } from 'node:http';
import { makeEvent, uuidv7 } from '@pos/contracts';
import { EVENT_SAMPLES } from '@pos/contracts/event-samples';
import { createLogger } from '@pos/kit';
import { MemoryBus, type StartedService } from '@pos/kit/sql';
import { lazyTestDatabase } from '@pos/kit/sql/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { maskEmail, maskPhone, summarise } from './loyalty-routes.js';
import { startSyncServer } from './service.js';
import { testTokens } from './test-tokens.js';

// The loyalty lookup hubs make through the sync service, on real PostgreSQL, with a stand-in
// for the loyalty service on the internal network: only a store's credential may ask, the
// search is checked, a guest who is not a member is a 404, and the answer holds what the
// counter needs with the contact details masked. The earning rules reach the change feed both
// when the sync service starts (asked for) and when they change (from the bus).

const logger = createLogger({ service: 'sync-loyalty-test', level: 'silent' });
const pg = lazyTestDatabase('pos_sync_loyalty_test');

const { jwks, tokenFor } = await testTokens();
const managerToken = () => tokenFor(['manager']);

const ADA = {
  customerId: '0195f5a6-8c1e-7b4a-9d2e-3f4a5b6c7d8e',
  name: 'Ada Lovelace',
  phone: '+1 (555) 010-0123',
  email: 'ada.lovelace@example.com',
  tier: 'silver',
  pointsBalance: 620,
  lifetimePoints: 800,
};
const TIERS = [
  { tierId: 'base', name: 'Member', minLifetimePoints: 0, earnRateBp: 10_000 },
  { tierId: 'silver', name: 'Silver', minLifetimePoints: 500, earnRateBp: 12_500 },
  { tierId: 'gold', name: 'Gold', minLifetimePoints: 1500, earnRateBp: 15_000 },
];
const RULES = { ...EVENT_SAMPLES['loyalty.ruleschanged.v1'], version: 1 };

/** The loyalty service's routes the sync service uses, answering as it does. */
function fakeLoyalty(): Promise<{ server: Server; url: string; asked: string[] }> {
  const asked: string[] = [];
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    asked.push(url.pathname + url.search);
    const send = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    if (url.pathname === '/api/v1/loyalty/tiers') return send(200, { tiers: TIERS });
    if (url.pathname === '/api/v1/loyalty/points/rules') return send(200, RULES);
    if (url.pathname === '/api/v1/loyalty/accounts') {
      const phone = url.searchParams.get('phone')?.replace(/[^0-9+]/g, '');
      const email = url.searchParams.get('email')?.toLowerCase();
      if (phone === '+15550100123' || email === ADA.email) return send(200, ADA);
      return send(404, { title: 'Not found', detail: 'No account with that phone or email' });
    }
    send(404, { title: 'Not found' });
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      resolve({ server, url: `http://127.0.0.1:${port}`, asked });
    }),
  );
}

describe('loyalty through the sync service (PostgreSQL)', () => {
  let svc: StartedService;
  let loyalty: Awaited<ReturnType<typeof fakeLoyalty>>;
  let credential: string;
  const bus = new MemoryBus();

  beforeAll(async () => {
    loyalty = await fakeLoyalty();
    svc = await startSyncServer(
      { env: { SYNC_DATABASE_URL: (await pg.get()).url }, host: '127.0.0.1', port: 0, logger, bus },
      { jwks, loyaltyUrl: loyalty.url },
    );
    const manager = await managerToken();
    const created = await call('POST', '/api/v1/sync/stores', manager, {
      storeId: 'quay-side',
      name: 'Quay Side',
    });
    expect(created.status).toBe(201);
    const enrolled = await call('POST', '/api/v1/sync/enrol', undefined, {
      code: created.body.enrolmentCode,
    });
    expect(enrolled.status).toBe(201);
    credential = enrolled.body.credential;
  });
  afterAll(async () => {
    await svc?.stop();
    await bus.close();
    await new Promise((r) => loyalty?.server.close(r));
    await pg.dispose();
  });

  async function call(method: string, path: string, auth?: string, body?: unknown) {
    const res = await fetch(`${svc.url}${path}`, {
      method,
      headers: {
        ...(auth ? { authorization: `Bearer ${auth}` } : {}),
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await res.text();
    return {
      status: res.status,
      type: res.headers.get('content-type') ?? '',
      text,
      body: text ? JSON.parse(text) : undefined,
    };
  }
  const lookup = (query: string, auth: string | null = credential) =>
    call('GET', `/api/v1/sync/loyalty/accounts${query}`, auth ?? undefined);

  it('answers only a store credential', async () => {
    const none = await lookup('?phone=%2B15550100123', null);
    expect(none.status).toBe(401);
    expect(none.type).toContain('application/problem+json');
    const wrong = await lookup('?phone=%2B15550100123', `quay-side.${'x'.repeat(43)}`);
    expect(wrong.status).toBe(401);
    // Refused before the loyalty service is asked.
    expect(loyalty.asked.filter((p) => p.startsWith('/api/v1/loyalty/accounts'))).toEqual([]);
  });

  it('refuses a search that is not one phone or one email, naming the field', async () => {
    const cases: [string, string][] = [
      ['', 'query.phone'],
      ['?phone=%2B15550100123&email=ada%40example.com', 'query.phone'],
      ['?phone=call-me', 'query.phone'],
      ['?email=ada-at-example', 'query.email'],
      ['?phone=%2B15550100123&name=Ada', 'query'],
    ];
    for (const [query, field] of cases) {
      const res = await lookup(query);
      expect(res.status, query).toBe(400);
      expect(res.type).toContain('application/problem+json');
      expect(res.body.errors.map((e: { field: string }) => e.field)).toContain(field);
    }
  });

  it('says when a guest is not a member', async () => {
    const res = await lookup('?email=nobody%40example.com');
    expect(res.status).toBe(404);
    expect(res.body).toMatchObject({ status: 404, reason: 'no-member' });
  });

  it('answers name, tier, balance and progress, with the contact details masked', async () => {
    for (const query of ['?phone=%2B1%20555%20010%200123', '?email=Ada.Lovelace%40example.com']) {
      const res = await lookup(query);
      expect(res.status, query).toBe(200);
      expect(res.body).toEqual({
        customerId: ADA.customerId,
        name: 'Ada Lovelace',
        tier: { tierId: 'silver', name: 'Silver' },
        pointsBalance: 620,
        lifetimePoints: 800,
        nextTier: { tierId: 'gold', name: 'Gold', minLifetimePoints: 1500, pointsToGo: 700 },
        progressPercent: 30,
        contact: { phone: '•••• 0123', email: 'a•••@e•••.com' },
      });
      expect(res.text).not.toContain('lovelace@');
      expect(res.text).not.toContain('010-0123');
    }
  });

  it('carries the earning rules to every store: at start, and when they change', async () => {
    const rulesInFeed = async () => {
      const res = await call('GET', '/api/v1/sync/changes?after=0', credential);
      expect(res.status).toBe(200);
      return (res.body.changes as { topic: string; payload: { version: number } }[])
        .filter((c) => c.topic === 'loyalty')
        .map((c) => c.payload);
    };
    // The feed had none, so the sync service asked the loyalty service at start.
    await expect.poll(rulesInFeed, { timeout: 5_000 }).toEqual([RULES]);

    const changed = makeEvent(
      'loyalty.ruleschanged.v1',
      {
        ...RULES,
        version: 2,
        multipliers: [{ categoryId: 'mains', multiplierBp: 15_000 }],
      } as never,
      { source: 'loyalty-service', correlationId: uuidv7() as never },
    );
    await bus.publish([
      {
        routingKey: changed.EventType,
        messageId: changed.EventId,
        body: Buffer.from(JSON.stringify(changed)),
      },
    ]);
    await expect
      .poll(async () => (await rulesInFeed()).map((r) => r.version), { timeout: 5_000 })
      .toEqual([1, 2]);
    expect((await rulesInFeed())[1]).toMatchObject({
      multipliers: [{ categoryId: 'mains', multiplierBp: 15_000 }],
    });
  });

  it('is unavailable (503), not an error, while the loyalty service cannot be reached', async () => {
    await new Promise((r) => loyalty.server.close(r));
    loyalty.server.closeAllConnections();
    const res = await lookup('?phone=%2B15550100123');
    expect(res.status).toBe(503);
    expect(res.type).toContain('application/problem+json');
  });
});

describe('what a cashier is shown of a member', () => {
  it('masks phone numbers and emails', () => {
    expect(maskPhone('+44 20 7946 0958')).toBe('•••• 0958');
    expect(maskPhone('555-0101')).toBe('•••• 0101');
    expect(maskPhone('12 34 56')).toBe('•••• 56');
    expect(maskEmail('sam@example.co.uk')).toBe('s•••@e•••.uk');
    expect(maskEmail('x@localhost')).toBe('x•••@l•••');
  });

  it('puts a member between their tier and the next', () => {
    const account = { ...ADA, tier: 'base', lifetimePoints: 0 };
    expect(summarise(account, TIERS)).toMatchObject({
      nextTier: { tierId: 'silver', pointsToGo: 500 },
      progressPercent: 0,
    });
    expect(summarise({ ...account, lifetimePoints: 499 }, TIERS).progressPercent).toBe(99);
    const top = summarise({ ...account, tier: 'gold', lifetimePoints: 9_999 }, TIERS);
    expect(top).toMatchObject({ nextTier: null, progressPercent: 100, tier: { name: 'Gold' } });
    // A tier the lookup does not know (just removed) is named by its ID.
    expect(summarise({ ...account, tier: 'bronze' }, TIERS).tier).toEqual({
      tierId: 'bronze',
      name: 'bronze',
    });
  });
});
