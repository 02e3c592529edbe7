import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createLogger } from '@pos/kit';
import type { StartedService } from '@pos/kit/sql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GATEWAY_ROUTES, routeFor } from './routes.js';
import { startGateway } from './service.js';

interface Echo {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: string;
}

/** A stand-in upstream that answers with what it received; `/slow` takes its time. */
function echoServer(): Promise<Server> {
  const server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    if (req.url?.endsWith('/slow')) await new Promise((r) => setTimeout(r, 500));
    if (res.destroyed) return;
    const echo: Echo = {
      method: req.method ?? '',
      url: req.url ?? '',
      headers: req.headers,
      body: Buffer.concat(chunks).toString('utf8'),
    };
    res.writeHead(req.url?.includes('/health') ? 200 : 201, {
      'content-type': 'application/json',
      'x-upstream': 'echo',
      'keep-alive': 'timeout=5',
    });
    res.end(JSON.stringify(echo));
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

const urlOf = (server: Server) => `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

/** A port nothing listens on. */
async function deadUrl(): Promise<string> {
  const server = await echoServer();
  const url = urlOf(server);
  await new Promise((resolve) => server.close(resolve));
  return url;
}

function send(
  url: string,
  options: { method: string; headers: Record<string, string>; body: string },
): Promise<{ status: number; headers: IncomingMessage['headers']; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: options.method, headers: options.headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () =>
        resolve({
          status: res.statusCode ?? 0,
          headers: res.headers,
          body: Buffer.concat(chunks).toString('utf8'),
        }),
      );
    });
    req.on('error', reject);
    req.end(options.body);
  });
}

describe('gateway', () => {
  let echo: Server;
  let gateway: StartedService;

  beforeAll(async () => {
    echo = await echoServer();
    gateway = await startGateway(
      {
        env: {},
        host: '127.0.0.1',
        port: 0,
        logger: createLogger({ service: 'gateway', level: 'silent' }),
      },
      {
        upstreams: {
          auth: urlOf(echo),
          menu: urlOf(echo),
          loyalty: await deadUrl(),
          notification: urlOf(echo),
          sync: urlOf(echo),
          online: urlOf(echo),
        },
        timeoutMs: 150,
        healthTimeoutMs: 500,
        // Proxying on its own here: access rules are tested in guard.test.ts.
        routes: GATEWAY_ROUTES.map((r) => ({
          ...r,
          read: 'public' as const,
          write: 'public' as const,
        })),
      },
    );
  });
  afterAll(async () => {
    await gateway?.stop();
    echo?.closeAllConnections();
    await new Promise((resolve) => echo?.close(resolve));
  });

  it('forwards method, path, query, body and correlation ID, and streams the answer back', async () => {
    const correlationId = randomUUID();
    // node:http rather than fetch: fetch will not send a Connection header.
    const response = await send(`${gateway.url}/api/v1/auth/login?next=%2Fhome`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-correlation-id': correlationId,
        connection: 'keep-alive, x-private',
        'x-private': 'for the gateway only',
      },
      body: JSON.stringify({ email: 'a@example.com' }),
    });
    expect(response.status).toBe(201);
    expect(response.headers['x-upstream']).toBe('echo');
    expect(response.headers['x-correlation-id']).toBe(correlationId);
    expect(response.headers['keep-alive']).not.toBe('timeout=5');
    const seen = JSON.parse(response.body) as Echo;
    expect(seen).toMatchObject({
      method: 'POST',
      url: '/api/v1/auth/login?next=%2Fhome',
      body: '{"email":"a@example.com"}',
    });
    expect(seen.headers['x-correlation-id']).toBe(correlationId);
    expect(seen.headers['x-forwarded-for']).toBe('127.0.0.1');
    expect(seen.headers['x-forwarded-host']).toBe(new URL(gateway.url).host);
    expect(seen.headers['x-private']).toBeUndefined();
  });

  it('gives a request without a correlation ID one, and the upstream sees the same', async () => {
    const response = await fetch(`${gateway.url}/api/v1/notifications/send`, {
      headers: { 'x-correlation-id': 'not-a-uuid' },
    });
    const seen = (await response.json()) as Echo;
    const assigned = response.headers.get('x-correlation-id');
    expect(assigned).toMatch(/^[0-9a-f-]{36}$/);
    expect(seen.headers['x-correlation-id']).toBe(assigned);
  });

  it('answers 503 problem+json when the upstream is down', async () => {
    const correlationId = randomUUID();
    const response = await fetch(`${gateway.url}/api/v1/loyalty/accounts`, {
      headers: { 'x-correlation-id': correlationId },
    });
    expect(response.status).toBe(503);
    expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(response.headers.get('retry-after')).toBe('5');
    expect(await response.json()).toMatchObject({
      type: 'urn:pos:problem:unavailable',
      status: 503,
      detail: 'The loyalty service is not reachable',
      instance: '/api/v1/loyalty/accounts',
      correlationId,
    });
  });

  it('answers 504 problem+json when the upstream does not answer in time', async () => {
    const response = await fetch(`${gateway.url}/api/v1/menu/slow`);
    expect(response.status).toBe(504);
    expect(await response.json()).toMatchObject({ type: 'urn:pos:problem:timeout' });
  });

  it('keeps its own 404 for paths no route owns', async () => {
    const response = await fetch(`${gateway.url}/api/v1/orders`);
    expect(response.status).toBe(404);
    expect(response.headers.get('x-upstream')).toBeNull();
  });

  it('is not ready while an upstream is down, and says which', async () => {
    const response = await fetch(`${gateway.url}/ready`);
    expect(response.status).toBe(503);
    expect(await response.json()).toEqual({
      status: 'not-ready',
      checks: {
        auth: 'ok',
        menu: 'ok',
        loyalty: 'not reachable',
        notification: 'ok',
        sync: 'ok',
        online: 'ok',
      },
    });
    expect((await fetch(`${gateway.url}/health`)).status).toBe(200);
  });
});

describe('routeFor', () => {
  it('matches a prefix and everything below it, nothing that merely starts the same', () => {
    expect(routeFor('/api/v1/menu')?.upstream).toBe('menu');
    expect(routeFor('/api/v1/menu/items/tea')?.upstream).toBe('menu');
    expect(routeFor('/api/v1/notifications/send')?.upstream).toBe('notification');
    expect(routeFor('/api/v1/menuitems')).toBeUndefined();
    expect(routeFor('/health')).toBeUndefined();
  });

  it('prefers the longest prefix', () => {
    const routes = [
      ...GATEWAY_ROUTES,
      {
        prefix: '/api/v1/auth/admin',
        upstream: 'menu' as const,
        read: 'public' as const,
        write: 'public' as const,
      },
    ];
    expect(routeFor('/api/v1/auth/admin/users', routes)?.upstream).toBe('menu');
    expect(routeFor('/api/v1/auth/login', routes)?.upstream).toBe('auth');
  });
});

describe('gateway retries', () => {
  it('retries a read after a dropped connection, never a write', async () => {
    let dropped = 0;
    const flaky = createServer((req, res) => {
      // Every other request is cut off before an answer, as a restarting service would.
      if (dropped % 2 === 0) {
        dropped += 1;
        req.socket.destroy();
        return;
      }
      dropped += 1;
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ method: req.method }));
    });
    await new Promise<void>((resolve) => flaky.listen(0, '127.0.0.1', () => resolve()));
    const gateway = await startGateway(
      {
        env: {},
        host: '127.0.0.1',
        port: 0,
        logger: createLogger({ service: 'gateway', level: 'silent' }),
      },
      {
        upstreams: {
          auth: urlOf(flaky),
          menu: urlOf(flaky),
          loyalty: urlOf(flaky),
          notification: urlOf(flaky),
          sync: urlOf(flaky),
          online: urlOf(flaky),
        },
        routes: GATEWAY_ROUTES.map((r) => ({
          ...r,
          read: 'public' as const,
          write: 'public' as const,
        })),
      },
    );
    try {
      const read = await fetch(`${gateway.url}/api/v1/menu/items`);
      expect(read.status).toBe(200);
      expect(dropped).toBe(2); // cut once, answered on the retry
      const write = await fetch(`${gateway.url}/api/v1/menu/items`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{}',
      });
      expect(write.status).toBe(503);
      expect(dropped).toBe(3); // the write was sent once
    } finally {
      await gateway.stop();
      flaky.closeAllConnections();
      await new Promise((r) => flaky.close(r));
    }
  });
});

describe('deprecated routes', () => {
  it('say so in Deprecation, Sunset and Link headers', async () => {
    const upstream = createServer((_req, res) => res.end('{}'));
    await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', () => resolve()));
    const gateway = await startGateway(
      {
        env: {},
        host: '127.0.0.1',
        port: 0,
        logger: createLogger({ service: 'gateway', level: 'silent' }),
      },
      {
        upstreams: {
          auth: urlOf(upstream),
          menu: urlOf(upstream),
          loyalty: urlOf(upstream),
          notification: urlOf(upstream),
          sync: urlOf(upstream),
          online: urlOf(upstream),
        },
        routes: [
          ...GATEWAY_ROUTES.map((r) => ({
            ...r,
            read: 'public' as const,
            write: 'public' as const,
          })),
          {
            prefix: '/api/v1/menu/legacy',
            upstream: 'menu' as const,
            read: 'public' as const,
            write: 'public' as const,
            deprecated: {
              sunset: 'Wed, 30 Jun 2027 00:00:00 GMT',
              successor: '/api/v1/menu/items',
            },
          },
        ],
      },
    );
    try {
      const old = await fetch(`${gateway.url}/api/v1/menu/legacy/items`);
      expect(old.headers.get('deprecation')).toBe('true');
      expect(old.headers.get('sunset')).toBe('Wed, 30 Jun 2027 00:00:00 GMT');
      expect(old.headers.get('link')).toBe('</api/v1/menu/items>; rel="successor-version"');
      const current = await fetch(`${gateway.url}/api/v1/menu/items`);
      expect(current.headers.get('deprecation')).toBeNull();
      expect(current.headers.get('x-api-version')).toBe('1');
    } finally {
      await gateway.stop();
      upstream.closeAllConnections();
      await new Promise((r) => upstream.close(r));
    }
  });
});
