import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createLogger } from '@pos/kit';
import { inlineHash } from '@pos/kit/http/page-headers';
import type { StartedService } from '@pos/kit/sql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGateway } from './service.js';

// The gateway's pages and everything it forwards carry a CSP that refuses framing, `nosniff` and
// no referrer; a page a service renders without headers of its own gets the locked-down policy,
// and a service that sets its own keeps it.

let upstream: Server;
let gateway: StartedService;

beforeAll(async () => {
  upstream = createServer((req, res) => {
    if (req.url?.startsWith('/api/v1/online/orders/own-policy')) {
      res.writeHead(200, {
        'content-type': 'text/html',
        'content-security-policy': "default-src 'self'; frame-ancestors 'self'",
      });
    } else res.writeHead(200, { 'content-type': 'text/html' });
    res.end('<!doctype html><title>A service page</title>');
  });
  await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`;
  gateway = await startGateway(
    {
      env: {},
      host: '127.0.0.1',
      port: 0,
      logger: createLogger({ service: 't', level: 'silent' }),
    },
    {
      upstreams: { auth: url, menu: url, loyalty: url, notification: url, sync: url, online: url },
      limits: { perUser: 1_000, perIp: 1_000, windowMs: 60_000 },
    },
  );
});

afterAll(async () => {
  await gateway?.stop();
  upstream?.closeAllConnections();
  await new Promise((r) => upstream?.close(r));
});

async function headersOf(path: string) {
  const res = await fetch(`${gateway.url}${path}`);
  const body = await res.text();
  return { status: res.status, headers: res.headers, body };
}

const framingRefused = (csp: string | null) => /(^|;)\s*frame-ancestors 'none'/.test(csp ?? '');

describe('security headers at the gateway', () => {
  it('the manager portal loads only its own files, cannot be framed, and is not sniffed', async () => {
    const { status, headers } = await headersOf('/portal/');
    expect(status).toBe(200);
    const csp = headers.get('content-security-policy') ?? '';
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("connect-src 'self'");
    expect(csp).not.toContain('unsafe-inline');
    expect(framingRefused(csp)).toBe(true);
    expect(headers.get('x-content-type-options')).toBe('nosniff');
    expect(headers.get('referrer-policy')).toBe('no-referrer');
  });

  it('the API docs page allows exactly its own inline script and style, by hash', async () => {
    const { headers, body } = await headersOf('/api/v1/docs');
    const csp = headers.get('content-security-policy') ?? '';
    const script = /<script>([\s\S]*?)<\/script>/.exec(body)?.[1] ?? '';
    const style = /<style>([\s\S]*?)<\/style>/.exec(body)?.[1] ?? '';
    expect(csp).toContain(`script-src ${inlineHash(script)}`);
    expect(csp).toContain(`style-src ${inlineHash(style)}`);
    expect(framingRefused(csp)).toBe(true);
  });

  it('a page a service renders without its own policy gets the locked-down one', async () => {
    const { headers } = await headersOf('/api/v1/online/orders/challenge/pi_x');
    expect(headers.get('content-security-policy')).toBe(
      "default-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
    );
    expect(headers.get('x-content-type-options')).toBe('nosniff');
    expect(headers.get('x-frame-options')).toBe('DENY');
  });

  it("a service's own policy is kept", async () => {
    const { headers } = await headersOf('/api/v1/online/orders/own-policy');
    expect(headers.get('content-security-policy')).toBe(
      "default-src 'self'; frame-ancestors 'self'",
    );
  });

  it("the gateway's own errors carry the headers too", async () => {
    const { status, headers } = await headersOf('/nowhere');
    expect(status).toBe(404);
    expect(framingRefused(headers.get('content-security-policy'))).toBe(true);
  });
});
