import { randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { createLogger } from '@pos/kit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Cloud, startCloud } from './cloud.js';
import { CLOUD_SERVICES, type CloudServiceName } from './config.js';

const anyPorts = Object.fromEntries(CLOUD_SERVICES.map((name) => [name, 0])) as Record<
  CloudServiceName,
  number
>;
const quiet = () => createLogger({ service: 'cloud', level: 'silent' });

describe('startCloud on the embedded database', () => {
  let cloud: Cloud;

  beforeAll(async () => {
    cloud = await startCloud({ env: {}, ports: anyPorts, logger: quiet() });
  });
  afterAll(async () => {
    await cloud?.stop();
  });

  it.each(CLOUD_SERVICES)('%s answers /health and /ready', async (name) => {
    const health = await fetch(`${cloud.urls[name]}/health`);
    expect(health.status).toBe(200);
    expect(await health.json()).toMatchObject({ status: 'ok', service: name });
    const ready = await fetch(`${cloud.urls[name]}/ready`);
    const body = (await ready.json()) as { status: string; checks: Record<string, string> };
    expect(ready.status, JSON.stringify(body)).toBe(200);
    const expected =
      name === 'gateway'
        ? ['auth', 'loyalty', 'menu', 'notification', 'online', 'sync']
        : ['database'];
    expect(Object.keys(body.checks).sort()).toEqual(expected);
  });

  it('proxies through the gateway to the menu service with the caller correlation ID', async () => {
    const correlationId = randomUUID();
    const response = await fetch(`${cloud.urls.gateway}/api/v1/menu/categories`, {
      headers: { 'X-Correlation-ID': correlationId },
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('x-correlation-id')).toBe(correlationId);
    expect(await response.json()).toEqual({ categories: [] });
  });

  it('carries events between services on the in-process bus when there is no RabbitMQ', async () => {
    const json = { 'Content-Type': 'application/json' };
    const opened = await fetch(`${cloud.urls.loyalty}/api/v1/loyalty/accounts`, {
      method: 'POST',
      headers: json,
      body: JSON.stringify({ email: `bus-${Date.now()}@example.com` }),
    });
    expect(opened.status).toBe(201);
    const { customerId } = (await opened.json()) as { customerId: string };
    const added = await fetch(`${cloud.urls.loyalty}/api/v1/loyalty/points/add`, {
      method: 'POST',
      headers: json,
      body: JSON.stringify({ customerId, points: 40, reason: 'welcome' }),
    });
    expect(added.status).toBe(200);
    // loyalty.pointsearned.v1 goes from the loyalty outbox to the notification service.
    let logs: { template: string; status: string }[] = [];
    for (let i = 0; i < 100 && logs.length === 0; i++) {
      await new Promise((r) => setTimeout(r, 100));
      const res = await fetch(
        `${cloud.urls.notification}/api/v1/notifications/logs?userId=${customerId}`,
      );
      logs = ((await res.json()) as { notifications: typeof logs }).notifications;
    }
    expect(logs.map((l) => l.template)).toEqual(['points-earned']);
  });

  it('lets a proxied service answer its own problems', async () => {
    const response = await fetch(`${cloud.urls.gateway}/api/v1/auth/nowhere?x=1`);
    expect(response.status).toBe(404);
    expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(await response.json()).toMatchObject({ instance: '/api/v1/auth/nowhere?x=1' });
  });
});

describe('startCloud with a data directory', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'pos-cloud-'));
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  /** Start, read what each service migrated from the log, check readiness, stop. */
  async function run(): Promise<Record<string, unknown>> {
    const lines: Record<string, unknown>[] = [];
    const destination = new Writable({
      write(chunk, _encoding, done) {
        for (const line of String(chunk).split('\n').filter(Boolean)) lines.push(JSON.parse(line));
        done();
      },
    });
    const logger = createLogger({ service: 'cloud', level: 'info', destination });
    const cloud = await startCloud({ env: {}, ports: anyPorts, dataDir, logger });
    try {
      expect((await fetch(`${cloud.urls.gateway}/ready`)).status).toBe(200);
    } finally {
      await cloud.stop();
    }
    const migrated: Record<string, unknown> = {};
    for (const line of lines.filter((l) => l.msg === 'database ready')) {
      migrated[line.module as string] = line.migrated;
    }
    return migrated;
  }

  it('keeps the embedded database under dataDir/pglite across restarts', async () => {
    expect(await run()).toMatchObject({
      auth: { auth: [1, 2, 3, 4, 5] },
      menu: { menu: [1, 2, 3] },
      loyalty: { loyalty: [1, 2, 3, 4], idempotency: [1], 'cloud-inbox': [1, 2] },
      notification: { notification: [1, 2, 3], 'cloud-inbox': [1, 2] },
      sync: {
        sync: [1, 2, 3, 4, 5],
        sales: [1, 2, 3],
        'sync-shifts': [1],
        'sync-online': [1],
        'sync-feed': [1],
        'cloud-inbox': [1, 2],
      },
      online: { online: [1, 2], idempotency: [1], 'cloud-inbox': [1, 2] },
    });
    expect(existsSync(join(dataDir, 'pglite', 'PG_VERSION'))).toBe(true);
    expect(await run()).toEqual({
      auth: { auth: [] },
      menu: { menu: [] },
      loyalty: { loyalty: [], idempotency: [], 'cloud-inbox': [] },
      notification: { notification: [], 'cloud-inbox': [] },
      sync: {
        sync: [],
        sales: [],
        'sync-shifts': [],
        'sync-online': [],
        'sync-feed': [],
        'cloud-inbox': [],
      },
      online: { online: [], idempotency: [], 'cloud-inbox': [] },
    });
  });
});
