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
      name === 'gateway' ? ['auth', 'loyalty', 'menu', 'notification'] : ['database'];
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
      auth: { auth: [1, 2, 3, 4] },
      menu: { menu: [1, 2] },
      loyalty: { loyalty: [1, 2], 'cloud-inbox': [1] },
      notification: { notification: [1, 2], 'cloud-inbox': [1] },
      sync: { sync: [1] },
    });
    expect(existsSync(join(dataDir, 'pglite', 'PG_VERSION'))).toBe(true);
    expect(await run()).toEqual({
      auth: { auth: [] },
      menu: { menu: [] },
      loyalty: { loyalty: [], 'cloud-inbox': [] },
      notification: { notification: [], 'cloud-inbox': [] },
      sync: { sync: [] },
    });
  });
});
