import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createLogger } from '@pos/kit';
import { SharedPglite, type StartedService } from '@pos/kit/sql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAuthService } from '../auth/service.js';
import { CircuitBreaker } from './breaker.js';
import { GATEWAY_ROUTES } from './routes.js';
import { startGateway } from './service.js';

// The gateway's guard in front of the real auth service: JWTs from its JWKS, role rules per
// route, rate limits in memory and in Redis, and the circuit breaker on a dead service.

const logger = createLogger({ service: 'gateway-test', level: 'silent' });
const pglite = new SharedPglite({ logger });
let auth: StartedService;
let echo: Server;

const listen = (server: Server, port = 0) =>
  new Promise<number>((resolve) =>
    server.listen(port, '127.0.0.1', () => resolve((server.address() as AddressInfo).port)),
  );
const echoServer = () =>
  createServer((req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ url: req.url, forwardedFor: req.headers['x-forwarded-for'] }));
  });

beforeAll(async () => {
  auth = await startAuthService({ env: {}, embedded: pglite, host: '127.0.0.1', port: 0, logger });
  echo = echoServer();
  await listen(echo);
});
afterAll(async () => {
  await auth?.stop();
  echo?.closeAllConnections();
  await new Promise((r) => echo?.close(r));
  await pglite.close();
});

const echoUrl = () => `http://127.0.0.1:${(echo.address() as AddressInfo).port}`;

async function gateway(
  options: {
    redisUrl?: string;
    perUser?: number;
    deadNotification?: string;
    publicNotifications?: boolean;
  } = {},
) {
  return startGateway(
    { env: {}, host: '127.0.0.1', port: 0, logger },
    {
      upstreams: {
        auth: auth.url,
        menu: echoUrl(),
        loyalty: echoUrl(),
        notification: options.deadNotification ?? echoUrl(),
        sync: echoUrl(),
        online: echoUrl(),
      },
      limits: { perUser: options.perUser ?? 100, perIp: 1_000, windowMs: 60_000 },
      ...(options.redisUrl ? { redisUrl: options.redisUrl } : {}),
      breaker: { failures: 5, openMs: 300 },
      ...(options.publicNotifications
        ? {
            routes: GATEWAY_ROUTES.map((r) =>
              r.upstream === 'notification'
                ? { ...r, read: 'public' as const, write: 'public' as const }
                : r,
            ),
          }
        : {}),
      timeoutMs: 1_000,
    },
  );
}

async function signUp(base: string) {
  const email = `g${Date.now()}${Math.random().toString(36).slice(2)}@example.com`;
  await fetch(`${base}/api/v1/auth/register`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email, password: 'long enough password', displayName: 'G' }),
  });
  const res = await fetch(`${base}/api/v1/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email, password: 'long enough password' }),
  });
  return ((await res.json()) as { accessToken: string }).accessToken;
}

const get = (url: string, token?: string, method = 'GET') =>
  fetch(url, { method, headers: token ? { authorization: `Bearer ${token}` } : {} });

describe('gateway guard', () => {
  it('lets the public through, asks for a token elsewhere, and checks roles', async () => {
    const gw = await gateway();
    try {
      const menu = await get(`${gw.url}/api/v1/menu/items`);
      expect(menu.status).toBe(200);
      expect(menu.headers.get('x-api-version')).toBe('1');
      // The caller's own X-Forwarded-For is not passed on as if it were true.
      const spoof = await fetch(`${gw.url}/api/v1/menu/items`, {
        headers: { 'x-forwarded-for': '6.6.6.6' },
      });
      expect(((await spoof.json()) as { forwardedFor: string }).forwardedFor).toBe('127.0.0.1');

      const noToken = await get(`${gw.url}/api/v1/loyalty/accounts`);
      expect(noToken.status).toBe(401);
      expect(noToken.headers.get('www-authenticate')).toContain('Bearer');
      const token = await signUp(gw.url);
      // A customer reaches their own points, never the staff's lookup of anyone's account.
      expect((await get(`${gw.url}/api/v1/loyalty/accounts`, token)).status).toBe(403);
      // A customer may not change the menu or read the notification log.
      expect((await get(`${gw.url}/api/v1/menu/items`, token, 'POST')).status).toBe(403);
      expect((await get(`${gw.url}/api/v1/notifications/log`, token)).status).toBe(403);

      const [h, p] = token.split('.');
      const none = `${Buffer.from('{"alg":"none"}').toString('base64url')}.${p}.`;
      expect((await get(`${gw.url}/api/v1/loyalty/accounts`, none)).status).toBe(401);
      const tampered = `${h}.${Buffer.from(JSON.stringify({ sub: 'x', roles: ['owner'] })).toString('base64url')}.${token.split('.')[2]}`;
      expect((await get(`${gw.url}/api/v1/menu/items`, tampered, 'POST')).status).toBe(401);
    } finally {
      await gw.stop();
    }
  });

  for (const store of ['memory', 'redis'] as const) {
    it(`limits requests per user (${store}), answering 429 with Retry-After`, async () => {
      const gw = await gateway({
        perUser: 3,
        ...(store === 'redis'
          ? { redisUrl: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379' }
          : {}),
      });
      try {
        const token = await signUp(gw.url);
        const statuses = [];
        for (let i = 0; i < 4; i++)
          statuses.push((await get(`${gw.url}/api/v1/loyalty/a`, token)).status);
        expect(statuses).toEqual([200, 200, 200, 429]);
        const limited = await get(`${gw.url}/api/v1/loyalty/a`, token);
        expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
        // Another user has their own allowance.
        expect((await get(`${gw.url}/api/v1/loyalty/a`, await signUp(gw.url))).status).toBe(200);
      } finally {
        await gw.stop();
      }
    });
  }

  it('opens the circuit on a dead service, answers at once, and closes when it is back', async () => {
    const revived = echoServer();
    const port = await listen(revived);
    await new Promise((r) => revived.close(r)); // the notification service is down
    const gw = await gateway({
      deadNotification: `http://127.0.0.1:${port}`,
      publicNotifications: true,
    });
    try {
      const url = `${gw.url}/api/v1/notifications/log`;
      for (let i = 0; i < 5; i++) {
        const res = await get(url);
        expect(res.status).toBe(503);
        expect(((await res.json()) as { detail: string }).detail).toMatch(/not reachable/);
      }
      const open = await get(url);
      expect(open.status).toBe(503);
      expect(((await open.json()) as { detail: string }).detail).toMatch(/failing/);
      expect(Number(open.headers.get('retry-after'))).toBeGreaterThan(0);

      await listen(revived, port); // the service is back
      await new Promise((r) => setTimeout(r, 350)); // the circuit's open time passes
      expect((await get(url)).status).toBe(200); // the probe goes through and closes it
      expect((await get(url)).status).toBe(200);
      revived.closeAllConnections();
      await new Promise((r) => revived.close(r));
    } finally {
      await gw.stop();
    }
  });
});

describe('API description', () => {
  it("merges the services' OpenAPI documents with the gateway's access rules, and serves a docs page", async () => {
    const gw = await gateway();
    try {
      const res = await fetch(`${gw.url}/api/v1/openapi.json`);
      expect(res.status).toBe(200);
      const doc = (await res.json()) as {
        openapi: string;
        paths: Record<
          string,
          Record<
            string,
            {
              'x-access': unknown;
              security?: unknown;
              requestBody?: {
                content: Record<string, { schema: { properties: Record<string, unknown> } }>;
              };
            }
          >
        >;
      };
      expect(doc.openapi).toBe('3.1.0');
      const login = doc.paths['/api/v1/auth/login']?.post;
      expect(login?.['x-access']).toBe('public');
      expect(login?.security).toBeUndefined();
      expect(
        Object.keys(login?.requestBody?.content['application/json']?.schema.properties ?? {}),
      ).toEqual(['email', 'password']);
      const users = doc.paths['/api/v1/auth/users']?.post;
      expect(users?.['x-access']).toEqual(['owner', 'manager']);
      expect(users?.security).toEqual([{ bearer: [] }]);
      expect(doc.paths['/api/v1/auth/stores/{storeId}/roster']?.get).toBeDefined();
      const page = await fetch(`${gw.url}/api/v1/docs`);
      expect(page.headers.get('content-type')).toContain('text/html');
      expect(await page.text()).toContain('/api/v1/openapi.json');
    } finally {
      await gw.stop();
    }
  });
});

describe('gateway route × role matrix', () => {
  it("applies each route's read and write rule to every role", async () => {
    const gw = await gateway();
    const db = await pglite.database('auth');
    try {
      const roles = ['customer', 'cashier', 'cook', 'manager', 'owner', 'service'] as const;
      const tokens: Record<string, string> = {};
      for (const role of roles) {
        const email = `m-${role}-${Date.now()}@example.com`;
        await fetch(`${gw.url}/api/v1/auth/register`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ email, password: 'matrix password', displayName: role }),
        });
        await db.query(
          `UPDATE user_roles SET role = $1 WHERE user_id = (SELECT user_id FROM users WHERE email = $2)`,
          [role, email],
        );
        const login = await fetch(`${gw.url}/api/v1/auth/login`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ email, password: 'matrix password' }),
        });
        tokens[role] = ((await login.json()) as { accessToken: string }).accessToken;
      }
      const failures: string[] = [];
      for (const route of GATEWAY_ROUTES) {
        // A path under the prefix that no longer prefix claims (the auth service answers 404).
        const path = `${route.prefix}/matrix-probe`;
        for (const method of ['GET', 'POST'] as const) {
          const rule = method === 'GET' ? route.read : route.write;
          for (const who of ['nobody', ...roles]) {
            const res = await get(
              `${gw.url}${path}`,
              who === 'nobody' ? undefined : tokens[who],
              method,
            );
            await res.body?.cancel();
            const expected =
              rule === 'public'
                ? 'pass'
                : who === 'nobody'
                  ? 401
                  : rule === 'signed-in' || rule.includes(who)
                    ? 'pass'
                    : 403;
            const ok =
              expected === 'pass'
                ? res.status !== 401 && res.status !== 403
                : res.status === expected;
            if (!ok)
              failures.push(`${method} ${path} as ${who}: ${res.status}, expected ${expected}`);
          }
        }
      }
      expect(failures).toEqual([]);
    } finally {
      await gw.stop();
    }
  });
});

describe('circuit breaker', () => {
  it('opens after 5 failures, lets one probe through after the wait, and closes on success', () => {
    let now = 0;
    const b = new CircuitBreaker({ failures: 5, openMs: 30_000, clock: () => now });
    for (let i = 0; i < 4; i++) b.failure();
    expect(b.state).toBe('closed');
    b.failure();
    expect(b.state).toBe('open');
    expect(b.allow()).toBe(false);
    expect(b.retryAfterSeconds()).toBe(30);
    now = 30_000;
    expect(b.state).toBe('half-open');
    expect(b.allow()).toBe(true);
    expect(b.allow()).toBe(false); // one probe at a time
    b.failure();
    expect(b.state).toBe('open');
    now = 60_000;
    expect(b.allow()).toBe(true);
    b.success();
    expect(b.state).toBe('closed');
    expect(b.allow()).toBe(true);
  });
});
