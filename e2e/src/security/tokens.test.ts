import { readFileSync } from 'node:fs';
import type { IncomingMessage } from 'node:http';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { type Cloud, startCloud } from '@pos/cloud-services/cloud';
import { PINS, startTestHub, type TestHub } from '@pos/edge-hub/testing/hub-harness';
import { createLogger } from '@pos/kit';
import { io } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ANY_PORTS, ONE_BURGER_DRAFT } from '../cloud-harness.js';
import { withExpressApps } from './express-routes.js';

// A working day's worth of credentials goes through the hub and the cloud: an owner and a guest
// sign in at the gateway, refresh and sign out; managers call APIs; a hub enrols and pushes with
// its store credential; a guest places an online order and follows it over Server-Sent Events;
// staff sign in with PINs, refresh their session and open the kitchen display's WebSocket. Every
// log line every service writes (at debug level, the most they ever say) and every address any
// server is asked for is kept, and none may hold a password, PIN, token, store credential,
// enrolment code or cookie value. A credential in a log or an address outlives its session in
// log stores, proxies and browser history.

const OWNER = { email: 'owner@tokens.example', password: 'owner password for tokens' };
const GUEST = { email: 'guest@tokens.example', password: 'guest password for tokens' };
const STORE = 'token-street';
/** What a browser would send along with its requests, were a cookie ever set. */
const COOKIE = 'session=cookie-value-7f3a9c1e5b';

/** Every credential seen during the flow: none may appear in a log line or an address. */
const secrets = new Map<string, string>();
const remember = (what: string, value: unknown) => {
  if (typeof value !== 'string' || value.length < 4) throw new Error(`${what} is missing`);
  secrets.set(value, what);
  return value;
};

/** Log lines, from every service's logger and the hub's log file. */
const lines: string[] = [];
/** Every request target (path and query) any server of the hub or the cloud was sent. */
const urls: string[] = [];

let cloud: Cloud;
let t: TestHub;

const capture = new Writable({
  write(chunk, _encoding, done) {
    lines.push(...String(chunk).split('\n').filter(Boolean));
    done();
  },
});

beforeAll(async () => {
  remember('owner password', OWNER.password);
  remember('guest password', GUEST.password);
  remember('cookie value', COOKIE.split('=')[1]);
  const found = await withExpressApps(
    () =>
      startCloud({
        env: { AUTH_OWNER_EMAIL: OWNER.email, AUTH_OWNER_PASSWORD: OWNER.password },
        ports: ANY_PORTS,
        logger: createLogger({ service: 'tokens-cloud', level: 'debug', destination: capture }),
      }),
    (started) => started.urls,
  );
  cloud = found.started;
  for (const server of found.servers) watchUrls(server);
  t = await startTestHub({ logLevel: 'debug' });
  watchUrls(t.hub.http.server);
}, 120_000);

afterAll(async () => {
  await cloud?.stop();
  await t?.stop();
});

function watchUrls(server: {
  on(event: 'request' | 'upgrade', fn: (req: IncomingMessage) => void): unknown;
}) {
  server.on('request', (req) => urls.push(req.url ?? ''));
  server.on('upgrade', (req) => urls.push(req.url ?? ''));
}

const gateway = (path: string) => `${cloud.urls.gateway}${path}`;

/** A JSON call as a browser would make it, with a cookie along. */
async function call(method: string, url: string, token?: string, body?: unknown, headers = {}) {
  const res = await fetch(url, {
    method,
    headers: {
      cookie: COOKIE,
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      ...headers,
    },
    ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
  });
  const text = await res.text();
  let json: any;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {
    json = text;
  }
  return { status: res.status, body: json };
}

async function signInOwner(): Promise<{ accessToken: string; refreshToken: string }> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const res = await call('POST', gateway('/api/v1/auth/login'), undefined, OWNER);
    if (res.status === 200) return res.body;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('the owner could not sign in');
}

async function cloudFlow(): Promise<void> {
  // The owner signs in, works, refreshes, and signs out.
  const owner = await signInOwner();
  const access = remember('owner access token', owner.accessToken);
  remember('owner refresh token', owner.refreshToken);
  expect((await call('PUT', gateway('/api/v1/menu/draft'), access, ONE_BURGER_DRAFT)).status).toBe(
    200,
  );
  const store = await call('POST', gateway('/api/v1/sync/stores'), access, {
    storeId: STORE,
    name: 'Token Street',
  });
  expect(store.status, JSON.stringify(store.body)).toBe(201);
  remember('enrolment code', store.body.enrolmentCode);
  const published = await call('POST', gateway('/api/v1/menu/publish'), access, {
    storeIds: [STORE],
  });
  expect(published.status, JSON.stringify(published.body)).toBeLessThan(300);
  const refreshed = await call('POST', gateway('/api/v1/auth/refresh-token'), undefined, {
    refreshToken: owner.refreshToken,
  });
  expect(refreshed.status).toBe(200);
  remember('refreshed access token', refreshed.body.accessToken);
  remember('refreshed refresh token', refreshed.body.refreshToken);
  expect(
    (await call('GET', gateway('/api/v1/sync/stores'), refreshed.body.accessToken)).status,
  ).toBe(200);

  // The store's hub enrols with its one-time code and pushes with its credential.
  const enrolled = await call('POST', gateway('/api/v1/sync/enrol'), undefined, {
    code: store.body.enrolmentCode,
  });
  expect(enrolled.status, JSON.stringify(enrolled.body)).toBe(201);
  const credential = remember('store credential', enrolled.body.credential);
  expect(
    (await call('POST', gateway('/api/v1/sync/push'), credential, { events: [] })).status,
  ).toBe(200);
  expect((await call('GET', gateway('/api/v1/sync/changes'), credential)).status).toBe(200);

  // A guest registers, signs in, reads their points, and gets a wrong password and a bad token
  // wrong (the refusals are where a careless log line would print what was sent).
  await call('POST', gateway('/api/v1/auth/register'), undefined, { ...GUEST, displayName: 'G' });
  const wrong = `${GUEST.password} but wrong`;
  remember('mistyped password', wrong);
  expect(
    (await call('POST', gateway('/api/v1/auth/login'), undefined, { ...GUEST, password: wrong }))
      .status,
  ).toBe(401);
  const guest = await call('POST', gateway('/api/v1/auth/login'), undefined, GUEST);
  expect(guest.status).toBe(200);
  const guestToken = remember('guest access token', guest.body.accessToken);
  remember('guest refresh token', guest.body.refreshToken);
  expect((await call('GET', gateway('/api/v1/loyalty/me'), guestToken)).status).toBeLessThan(500);
  const forged = remember('forged token', `${guestToken.slice(0, -8)}AAAAAAAA`);
  expect((await call('GET', gateway('/api/v1/loyalty/me'), forged)).status).toBe(401);
  const malformed = `{"email":"${GUEST.email}","password":"${GUEST.password}"`;
  expect(
    (await call('POST', gateway('/api/v1/auth/login'), undefined, malformed)).status,
  ).toBeLessThan(500);

  // The guest orders online and follows the order over Server-Sent Events.
  const order = await call(
    'POST',
    gateway('/api/v1/online/orders'),
    undefined,
    {
      storeId: STORE,
      orderType: 'pickup',
      customer: { name: 'Guest', email: GUEST.email },
      items: [{ menuItemId: 'burger', quantity: 1 }],
    },
    { 'idempotency-key': crypto.randomUUID() },
  );
  expect(order.status, JSON.stringify(order.body)).toBe(201);
  const orderToken = remember('order access token', order.body.accessToken);
  const events = await fetch(gateway(`/api/v1/online/orders/${order.body.orderId}/events`), {
    headers: { accept: 'text/event-stream', authorization: `Bearer ${orderToken}`, cookie: COOKIE },
  });
  expect(events.status).toBe(200);
  const reader = events.body?.getReader();
  const first = await reader?.read();
  expect(new TextDecoder().decode(first?.value)).toContain('data:');
  await reader?.cancel();
  expect(
    (await call('GET', gateway(`/api/v1/online/orders/${order.body.orderId}`), orderToken)).status,
  ).toBe(200);

  for (const refreshToken of [refreshed.body.refreshToken, guest.body.refreshToken]) {
    expect(
      (await call('POST', gateway('/api/v1/auth/logout'), undefined, { refreshToken })).status,
    ).toBeLessThan(300);
  }
}

async function hubFlow(): Promise<void> {
  for (const pin of [PINS.cashier, PINS.manager, PINS.cook, '0000', '8642']) remember('PIN', pin);
  const hub = t.hub.url;
  // A mistyped PIN first: a refusal must not print what was typed either.
  expect((await call('POST', `${hub}/api/v1/staff/login`, undefined, { pin: '0000' })).status).toBe(
    401,
  );
  const tokens: Record<string, string> = {};
  for (const [role, pin] of Object.entries({
    cashier: PINS.cashier,
    manager: PINS.manager,
    cook: PINS.cook,
  })) {
    const res = await call('POST', `${hub}/api/v1/staff/login`, undefined, { pin });
    expect(res.status).toBe(200);
    tokens[role] = remember(`${role} session token`, res.body.token);
  }
  const cashier = tokens.cashier as string;
  const manager = tokens.manager as string;
  expect((await call('GET', `${hub}/api/v1/staff/me`, cashier)).status).toBe(200);
  expect((await call('GET', `${hub}/api/v1/staff`, manager)).status).toBe(200);
  const order = await call(
    'POST',
    `${hub}/api/v1/orders`,
    cashier,
    {
      id: crypto.randomUUID(),
      type: 'dine-in',
      tableId: 'T1',
      guests: 1,
      items: [
        { menuItemId: 'burger-classic', modifierIds: ['mod-burger-medium-rare'], quantity: 1 },
      ],
    },
    { 'idempotency-key': crypto.randomUUID() },
  );
  expect(order.status, JSON.stringify(order.body)).toBe(201);
  // A manager's approval carries a PIN in the body, mistyped first: it must stay there.
  const cancel = (managerPin: string) =>
    call(
      'POST',
      `${hub}/api/v1/orders/${order.body.id}/cancel`,
      cashier,
      { reason: 'Guest left', approval: { managerPin } },
      { 'idempotency-key': crypto.randomUUID() },
    );
  expect((await cancel('8642')).status).toBe(403);
  expect((await cancel(PINS.manager)).status).toBe(200);

  // The kitchen display's live connection.
  const socket = io(hub, {
    path: '/ws/kitchen-orders',
    transports: ['websocket'],
    auth: { token: tokens.cook },
    extraHeaders: { cookie: COOKIE },
  });
  const state = await new Promise<unknown>((resolve, reject) => {
    socket.on('connect_error', reject);
    socket.on('connect', () => socket.emit('subscribe', { station: 'grill' }));
    socket.on('state', resolve);
  });
  expect(state).toBeDefined();
  socket.close();

  const refreshed = await call('POST', `${hub}/api/v1/staff/session/refresh`, cashier);
  expect(refreshed.status).toBe(200);
  const renewed = remember('refreshed session token', refreshed.body.token);
  expect((await call('POST', `${hub}/api/v1/staff/logout`, renewed)).status).toBe(204);
  expect((await call('GET', `${hub}/api/v1/staff/me`, renewed)).status).toBe(401);
}

/** Where each credential shows up in `text`, by name (the value itself is never printed). */
function leaks(
  where: string,
  texts: readonly string[],
  match: (text: string, secret: string) => boolean,
) {
  const found: string[] = [];
  for (const text of texts) {
    for (const [secret, what] of secrets) {
      if (match(text, secret))
        found.push(`${what} in ${where}: ${text.replaceAll(secret, '<HERE>').slice(0, 300)}`);
    }
  }
  return found;
}

/** A PIN is short: only where it stands as a whole value (`"1234"`, `=1234`, `/1234`). */
const shows = (text: string, secret: string) =>
  /^\d{4,8}$/.test(secret)
    ? new RegExp(`(?:["=/:]|^)${secret}(?:["&/]|$)`).test(text)
    : text.includes(secret) || text.includes(encodeURIComponent(secret));

describe('credentials never in logs or addresses', () => {
  it('the search finds a credential wherever it would leak', () => {
    const token = 'eyJhbGciOiJFZERTQSJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl';
    expect(shows(`/ws?token=${encodeURIComponent(token)}`, token)).toBe(true);
    expect(shows(`{"authorization":"Bearer ${token}"}`, token)).toBe(true);
    expect(shows('{"body":{"pin":"2468"}}', '2468')).toBe(true);
    expect(shows('/api/v1/staff/login?pin=2468', '2468')).toBe(true);
    // A PIN's digits inside a longer number are not that PIN.
    expect(shows('{"port":42468,"ms":12468.5}', '2468')).toBe(false);
  });

  it('no password, PIN, token, store credential or cookie appears in any log line or requested address', async () => {
    await cloudFlow();
    await hubFlow();
    // Requests still finishing write their lines on `finish`.
    await new Promise((r) => setTimeout(r, 200));
    const hubLog = readFileSync(join(t.dir, 'hub.log'), 'utf8').split('\n').filter(Boolean);
    const all = [...lines, ...hubLog];
    // The capture works: debug lines of both the cloud and the hub were written.
    expect(lines.some((l) => l.includes('"msg":"request"'))).toBe(true);
    expect(hubLog.some((l) => l.includes('"msg":"request"'))).toBe(true);
    expect(urls.some((u) => u.startsWith('/api/v1/online/orders/'))).toBe(true);
    expect(urls.some((u) => u.startsWith('/ws/kitchen-orders'))).toBe(true);
    expect(secrets.size).toBeGreaterThan(15);
    expect([...leaks('a log line', all, shows), ...leaks('an address', urls, shows)]).toEqual([]);
  }, 120_000);
});
