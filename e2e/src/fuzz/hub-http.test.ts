import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { DeclaredRoute } from '@pos/edge-hub/staff/access';
import { PINS, startTestHub, type TestHub } from '@pos/edge-hub/testing/hub-harness';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  briefly,
  fuzzOptions,
  nastyString,
  pathSegment,
  problemWith,
  queryString,
  runs,
  selected,
  send,
  Tally,
  type WireBody,
  type WireHeaders,
  wireBody,
  wireHeaders,
} from './arbitraries.js';

// Every route the hub declares, called by a role that may call it with bad bodies, path
// parameters, query strings and headers. Bad input gets a 4xx problem+json, input that happens
// to be valid may succeed, nothing is ever a 5xx, and the hub answers /health after each route.

const HUB_BODY_LIMIT = 256 * 1024;
const tally = new Tally('hub');
let t: TestHub;
const tokens: Record<string, string> = {};
/** IDs that exist on the hub, so a fuzzed request sometimes reaches a real thing. */
const known: string[] = ['burger-classic', 'fries', 'grill', 'expo', 'T5', '1'];
let orderId = '';

/** A cloud that refuses every enrolment code, so valid-shaped enrolments get an answer. */
let cloud: Server;
const cloudUrl = () => `http://127.0.0.1:${(cloud.address() as AddressInfo).port}`;

/**
 * Enrolling calls the cloud at the URL the manager typed; one that does not answer (a fuzzed
 * but well-formed URL) is an unreachable upstream, a 503, not a refusal of the input.
 */
const upstreamDown = (route: DeclaredRoute, status: number, text: string) =>
  route.path === '/api/v1/sync/enrol' &&
  status === 503 &&
  text.includes('The cloud could not be reached');

/** Each call comes from its own address, so wrong PINs in one case do not lock out the next. */
let address = 0;
const nextAddress = () => {
  address += 1;
  return `10.${(address >> 16) & 255}.${(address >> 8) & 255}.${address & 255}`;
};

async function signIn(pin: string): Promise<string> {
  const res = await fetch(`${t.hub.url}/api/v1/staff/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-forwarded-for': nextAddress() },
    body: JSON.stringify({ pin }),
  });
  expect(res.status).toBe(200);
  return ((await res.json()) as { token: string }).token;
}

const ROLE_PIN: Record<string, string> = {
  owner: PINS.owner,
  manager: PINS.manager,
  cashier: PINS.cashier,
  cook: PINS.cook,
};

const burger = { menuItemId: 'burger-classic', modifierIds: ['mod-burger-medium'], quantity: 1 };

/** A valid-shaped body for each route that takes one; mutations start from it. */
function seedBody(route: DeclaredRoute): unknown {
  const key = `${route.method.toUpperCase()} ${route.path}`;
  const seeds: Record<string, unknown> = {
    'POST /api/v1/staff/login': { pin: PINS.cashier },
    'POST /api/v1/orders': {
      id: randomUUID(),
      type: 'dine-in',
      tableId: 'T7',
      guests: 2,
      items: [burger],
    },
    'PUT /api/v1/orders/:id': { modificationId: randomUUID(), add: [burger], guests: 3 },
    'POST /api/v1/orders/:id/cancel': {
      reason: 'guest left',
      approval: { managerPin: PINS.manager },
    },
    'POST /api/v1/orders/:id/status': { status: 'PREPARING' },
    'POST /api/v1/payments/process': { orderId, tender: 'cash', tenderedCents: 10_000 },
    'POST /api/v1/payments/:id/refund': { amountCents: 100, reason: 'cold' },
    'POST /api/v1/payments/:id/void': { reason: 'wrong order' },
    'POST /api/v1/payments/:id/tip': { tipCents: 200 },
    'POST /api/v1/payments/receipts': { orderId },
    'POST /api/v1/shifts': { openingFloatCents: 10_000 },
    'POST /api/v1/shifts/:id/cash-movements': {
      kind: 'paid-in',
      amountCents: 500,
      reason: 'change',
    },
    'POST /api/v1/shifts/:id/close': { counted: [{ denominationCents: 100, count: 10 }] },
    'POST /api/v1/reports/z': { businessDate: '2026-01-02' },
    'POST /api/v1/loyalty/estimate': {
      categoryAmounts: [{ categoryId: 'mains', amountCents: 1_000 }],
    },
    'POST /api/v1/sync/enrol': { code: 'ABCD-EFGH-JKLM', cloudUrl: cloudUrl() },
    'POST /api/v1/inventory/stock-in': { ingredientId: 'patty', quantity: 1, note: 'fuzz' },
    'POST /api/v1/inventory/stock-out': { ingredientId: 'patty', quantity: 1, reason: 'fuzz' },
    'POST /api/v1/inventory/adjust': {
      ingredientId: 'patty',
      countedQuantity: 40,
      reason: 'count',
    },
    'POST /api/v1/inventory/availability/:menuItemId': { available: true, reason: 'back' },
    'POST /api/v1/kds/orders/:id/status': { status: 'READY' },
    'POST /api/v1/kds/orders/:id/fire': { course: 2 },
    'POST /api/v1/kds/orders/:id/rush': { rush: true },
    'POST /api/v1/drawer/open': { reason: 'change' },
    'POST /api/v1/card-readers/:id/simulate': { outcome: 'declined' },
  };
  return seeds[key] ?? {};
}

const QUERY_NAMES = [
  'status',
  'from',
  'to',
  'businessDate',
  'tableId',
  'q',
  'limit',
  'cursor',
  'hours',
  'lowOnly',
  'phone',
  'email',
  'station',
  'shiftId',
  'ingredientId',
];

/** Refreshing and signing out end the session they use: those get a session of their own. */
const endsSession = (route: DeclaredRoute) =>
  route.path === '/api/v1/staff/logout' || route.path === '/api/v1/staff/session/refresh';

/** The weakest role that may call the route (the caller the route is written for). */
function roleFor(route: DeclaredRoute): string | undefined {
  if (route.access === 'public') return undefined;
  return route.access[0];
}

interface Case {
  params: string[];
  query: string;
  body: WireBody;
  headers: WireHeaders;
  auth: 'role' | 'none' | 'garbage';
  garbage: string;
}

function caseFor(route: DeclaredRoute): fc.Arbitrary<Case> {
  const names = [...route.path.matchAll(/:([a-zA-Z]+)/g)];
  return fc.record({
    params: fc.tuple(...names.map(() => pathSegment(known))).map((p) => [...p]),
    query: fc.oneof(
      { weight: 2, arbitrary: fc.constant('') },
      { weight: 1, arbitrary: queryString(QUERY_NAMES) },
    ),
    body: wireBody(seedBody(route), HUB_BODY_LIMIT),
    headers: wireHeaders,
    auth: fc.oneof(
      { weight: 12, arbitrary: fc.constant('role' as const) },
      { weight: 1, arbitrary: fc.constantFrom('none' as const, 'garbage' as const) },
    ),
    garbage: nastyString.map((s) => s.replace(/[^\x20-\x7e]/g, '').slice(0, 500)),
  });
}

async function call(
  route: DeclaredRoute,
  c: Case,
): Promise<{ status: number | string; problem?: string; url: string }> {
  let i = 0;
  const path = route.path.replace(/:([a-zA-Z]+)/g, () => c.params[i++] ?? 'x');
  const url = `${t.hub.url}${path}${c.query ? `?${c.query}` : ''}`;
  const role = roleFor(route);
  const token =
    c.auth === 'garbage'
      ? c.garbage
      : c.auth === 'none' || !role
        ? undefined
        : endsSession(route)
          ? await signIn(ROLE_PIN[role] as string)
          : tokens[role];
  const method = route.method.toUpperCase();
  const headers: Record<string, string> = {
    ...(c.headers as Record<string, string>),
    'x-forwarded-for': nextAddress(),
    ...(token !== undefined ? { authorization: `Bearer ${token}` } : {}),
  };
  const answer = await send(url, { method, headers, body: c.body.text });
  if (upstreamDown(route, answer.status, answer.text)) return { status: 'upstream-503', url };
  return { status: answer.status, problem: problemWith(answer, method), url };
}

beforeAll(async () => {
  cloud = createServer((req, res) => {
    req.resume();
    res.writeHead(401, { 'content-type': 'application/problem+json' });
    res.end(JSON.stringify({ type: 'urn:pos:problem:unauthenticated', title: 'No', status: 401 }));
  });
  await new Promise<void>((resolve) => cloud.listen(0, '127.0.0.1', resolve));
  t = await startTestHub({ logLevel: 'warn' });
  for (const [role, pin] of Object.entries(ROLE_PIN)) tokens[role] = await signIn(pin);
  // Something real to point at: an order with its kitchen tickets, and what lists show.
  const placed = await fetch(`${t.hub.url}/api/v1/orders`, {
    method: 'POST',
    headers: { authorization: `Bearer ${tokens.cashier}`, 'content-type': 'application/json' },
    body: JSON.stringify({
      id: randomUUID(),
      type: 'dine-in',
      tableId: 'T5',
      guests: 1,
      items: [burger],
    }),
  });
  expect(placed.status).toBe(201);
  const order = (await placed.json()) as { id: string; items: { id: string }[] };
  orderId = order.id;
  known.push(order.id, ...order.items.map((item) => item.id));
  const tickets = await fetch(`${t.hub.url}/api/v1/kds/stations/grill/tickets`, {
    headers: { authorization: `Bearer ${tokens.cook}` },
  });
  const text = await tickets.text();
  for (const id of text.match(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g) ??
    [])
    if (!known.includes(id)) known.push(id);
}, 60_000);

afterAll(async () => {
  console.log(tally.summary());
  await t?.stop();
  cloud?.closeAllConnections();
  await new Promise((resolve) => cloud?.close(resolve));
});

async function healthy(): Promise<void> {
  const res = await fetch(`${t.hub.url}/health`, { signal: AbortSignal.timeout(10_000) });
  expect(res.status).toBe(200);
}

describe('hub HTTP API under bad input', () => {
  // Found by the properties below; kept as plain examples.
  it('refuses a body nested thousands of levels deep with a 400, Idempotency-Key or not', async () => {
    for (const key of [undefined, 'deep-body']) {
      const answer = await send(`${t.hub.url}/api/v1/shifts`, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${tokens.cashier}`,
          'content-type': 'application/json',
          ...(key ? { 'idempotency-key': key } : {}),
        },
        body: `${'{"a":'.repeat(5_000)}1${'}'.repeat(5_000)}`,
      });
      expect(answer.status).toBe(400);
      expect(problemWith(answer, 'POST')).toBeUndefined();
      expect(answer.text).toContain('nested more than 64 levels');
    }
  });

  it('answers a request line over the size limit with a 431 problem', async () => {
    const answer = await send(`${t.hub.url}/api/v1/orders?q=${'x'.repeat(20_000)}`, {
      method: 'GET',
      headers: { authorization: `Bearer ${tokens.cashier}` },
    });
    expect(answer.status).toBe(431);
    expect(answer.contentType).toBe('application/problem+json');
    expect(JSON.parse(answer.text)).toMatchObject({ status: 431, title: expect.any(String) });
    await healthy();
  });

  it('answers every declared route with 2xx or a 4xx problem, never a 5xx', async () => {
    const routes = [...t.hub.routes];
    expect(routes.length).toBeGreaterThan(60);
    const failures: string[] = [];
    for (const route of routes) {
      const label = `${route.method.toUpperCase()} ${route.path}`;
      if (!selected(label)) continue;
      try {
        await fc.assert(
          fc.asyncProperty(caseFor(route), async (c) => {
            const { status, problem, url } = await call(route, c);
            tally.record(label, status);
            if (problem)
              throw new Error(`${label} (${url.slice(0, 300)}, body ${c.body.kind}) → ${problem}`);
          }),
          fuzzOptions(runs(50)),
        );
      } catch (err) {
        failures.push(briefly(err));
      }
      await healthy();
    }
    expect(failures).toEqual([]);
  }, 600_000);

  it('answers unknown paths and methods with a 404 or 405 problem', async () => {
    const methods = fc.constantFrom('GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS', 'HEAD');
    const paths = fc.oneof(
      fc.constantFrom(...t.hub.routes.map((r) => r.path.replace(/:([a-zA-Z]+)/g, 'x'))),
      pathSegment(known).map((s) => `/api/v1/${s}`),
      fc.constantFrom(
        '/api/v2/orders',
        '/api/v1/',
        '/api/v1/orders/',
        '/%2e%2e/%2e%2e/etc/passwd',
        '/api/v1/orders;x',
        '/api//v1//orders',
      ),
    );
    await fc.assert(
      fc.asyncProperty(methods, paths, async (method, path) => {
        const answer = await send(`${t.hub.url}${path}`, {
          method,
          headers: { authorization: `Bearer ${tokens.owner}`, 'x-forwarded-for': nextAddress() },
          ...(method === 'GET' || method === 'HEAD' ? {} : { body: '{}' }),
        });
        tally.record('unknown path or method', answer.status);
        const problem = problemWith(answer, method);
        if (problem) throw new Error(`${method} ${path.slice(0, 200)} → ${problem}`);
      }),
      fuzzOptions(runs(300)),
    );
    await healthy();
  }, 300_000);
});
