import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { PgDatabase } from '@pos/kit/sql';
import { createTestDatabase, type TestDatabase } from '@pos/kit/sql/testing';
import { freePorts } from './ports.js';

const run = promisify(execFile);
const root = resolve(import.meta.dirname, '../..');

/** The cloud services that keep a database of their own (the gateway keeps none). */
const DATABASES = ['auth', 'menu', 'loyalty', 'notification', 'sync', 'online'] as const;
type DatabaseService = (typeof DATABASES)[number];
const PORTS = ['GATEWAY', 'AUTH', 'MENU', 'LOYALTY', 'NOTIFICATION', 'SYNC', 'ONLINE'] as const;

const BROKER = process.env.AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672';

/**
 * A RabbitMQ virtual host of the test's own, so the cloud's fixed queue names (`pos.loyalty`,
 * `pos.sync`…) are not shared with other tests running at the same time on the same broker,
 * which would take each other's events. Made with `rabbitmqctl`; where that is not allowed the
 * default virtual host is used and a note says so.
 */
async function privateVhost(): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `pos_guarantee_${randomBytes(4).toString('hex')}`;
  try {
    await run('rabbitmqctl', ['-q', 'add_vhost', name], { timeout: 30_000 });
    await run('rabbitmqctl', ['-q', 'set_permissions', '-p', name, 'guest', '.*', '.*', '.*'], {
      timeout: 30_000,
    });
  } catch (err) {
    process.stderr.write(
      `sync-guarantee: no private RabbitMQ vhost (${(err as Error).message.split('\n')[0]}); using the broker's default one\n`,
    );
    return { url: BROKER, drop: async () => {} };
  }
  const url = new URL(BROKER);
  url.pathname = `/${encodeURIComponent(name)}`;
  return {
    url: url.toString(),
    drop: async () => {
      await run('rabbitmqctl', ['-q', 'delete_vhost', name], { timeout: 30_000 }).catch(() => {});
    },
  };
}

export interface CloudProcess {
  urls: { gateway: string; sync: string };
  /** Every service's own address (`auth`, `menu`, … `gateway`), for `/health` and `/ready`. */
  serviceUrls: Record<string, string>;
  /** The owner's access token (15 min), signed in through the gateway. */
  owner: string;
  /** Run SQL against one service's own database (PostgreSQL). */
  sql<T>(service: DatabaseService, text: string, params?: unknown[]): Promise<T[]>;
  /** End the cloud process with this signal and wait for it to be gone. */
  kill(signal: NodeJS.Signals): Promise<void>;
  /** Start it again on the same ports, databases and broker; resolves when it is ready. */
  start(): Promise<void>;
  /** Its output so far (for a failure message). */
  output(): string;
  /** Stop it and drop its databases and virtual host. */
  dispose(): Promise<void>;
}

/** Where the cloud keeps its data, when not on the machine's shared servers. */
export interface CloudBackends {
  /** Makes each service's database (default: a fresh one on the shared PostgreSQL). */
  createDatabase?: () => Promise<TestDatabase>;
  /** A broker of the caller's own, used as it is (default: a fresh virtual host on the shared one). */
  amqpUrl?: string;
}

/**
 * The cloud as it is deployed: every service in one child process (`cloud-services/src/main.ts`)
 * on real PostgreSQL (a fresh database per service) and RabbitMQ (a fresh virtual host).
 */
export async function startCloudProcess(
  owner: { email: string; password: string },
  extraEnv: Record<string, string> = {},
  backends: CloudBackends = {},
): Promise<CloudProcess> {
  const dataDir = mkdtempSync(join(tmpdir(), 'pos-guarantee-cloud-'));
  const createDatabase = backends.createDatabase ?? (() => createTestDatabase('pos_guarantee'));
  const amqpUrl = backends.amqpUrl;
  const [databases, vhost, ports] = await Promise.all([
    Promise.all(DATABASES.map(() => createDatabase())),
    amqpUrl ? { url: amqpUrl, drop: async () => {} } : privateVhost(),
    freePorts(PORTS.length),
  ]);
  const byService = new Map<DatabaseService, TestDatabase>(
    DATABASES.map((name, i) => [name, databases[i] as TestDatabase]),
  );
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    POS_DATA_DIR: dataDir,
    CLOUD_HOST: '127.0.0.1',
    CLOUD_RUN: 'all',
    LOG_LEVEL: 'warn',
    AMQP_URL: vhost.url,
    AUTH_OWNER_EMAIL: owner.email,
    AUTH_OWNER_PASSWORD: owner.password,
    // The test reads reports and accounts often; the limits are still counted.
    GATEWAY_RATE_LIMIT_PER_USER: '1000000',
    GATEWAY_RATE_LIMIT_PER_IP: '1000000',
    ...extraEnv,
  };
  PORTS.forEach((name, i) => {
    env[`${name}_PORT`] = String(ports[i]);
  });
  for (const [name, db] of byService) env[`${name.toUpperCase()}_DATABASE_URL`] = db.url;
  const urls = {
    gateway: `http://127.0.0.1:${env.GATEWAY_PORT}`,
    sync: `http://127.0.0.1:${env.SYNC_PORT}`,
  };

  let child: ChildProcess | undefined;
  let out = '';
  const pools = new Map<DatabaseService, Promise<PgDatabase>>();

  const kill = (signal: NodeJS.Signals) =>
    new Promise<void>((done) => {
      const c = child;
      if (!c || c.exitCode !== null || c.signalCode !== null) return done();
      c.once('exit', () => done());
      c.kill(signal);
    });

  const start = async () => {
    const c = spawn(process.execPath, ['--import', 'tsx', 'cloud-services/src/main.ts'], {
      cwd: root,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child = c;
    const keep = (chunk: Buffer) => {
      out = (out + chunk.toString()).slice(-20_000);
    };
    c.stdout?.on('data', keep);
    c.stderr?.on('data', keep);
    const until = Date.now() + 90_000;
    for (;;) {
      if (c.exitCode !== null) throw new Error(`the cloud exited during start:\n${out}`);
      const ready = await Promise.all(
        [urls.gateway, urls.sync].map((u) =>
          fetch(`${u}/ready`).then(
            (r) => r.ok,
            () => false,
          ),
        ),
      );
      if (ready.every(Boolean)) return;
      if (Date.now() > until) {
        await kill('SIGKILL');
        throw new Error(`the cloud did not become ready:\n${out}`);
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  };

  try {
    await start();
  } catch (err) {
    await Promise.all(databases.map((d) => d.drop()));
    await vhost.drop();
    throw err;
  }
  const token = await signIn(urls.gateway, owner);

  return {
    urls,
    serviceUrls: Object.fromEntries(
      PORTS.map((name) => [name.toLowerCase(), `http://127.0.0.1:${env[`${name}_PORT`]}`]),
    ),
    owner: token,
    sql: async <T>(service: DatabaseService, text: string, params: unknown[] = []) => {
      let pool = pools.get(service);
      if (!pool) {
        pool = PgDatabase.open({ url: byService.get(service)?.url ?? '', max: 2 });
        pools.set(service, pool);
      }
      return (await pool).query<T>(text, params) as Promise<T[]>;
    },
    kill,
    start,
    output: () => out,
    dispose: async () => {
      await kill('SIGTERM');
      for (const pool of pools.values()) await (await pool).close();
      await Promise.all(databases.map((d) => d.drop()));
      await vhost.drop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** The auth service creates the owner moments after it starts, so the first tries may fail. */
async function signIn(gateway: string, owner: { email: string; password: string }) {
  for (let attempt = 0; attempt < 100; attempt++) {
    const res = await fetch(`${gateway}/api/v1/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(owner),
    });
    if (res.ok) return ((await res.json()) as { accessToken: string }).accessToken;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`the owner ${owner.email} could not sign in`);
}

/** A call to the cloud as the owner; the body parsed. */
export async function cloudCall(
  token: string,
  method: string,
  url: string,
  body?: unknown,
): Promise<{ status: number; body: any }> {
  const res = await fetch(url, {
    method,
    headers: {
      authorization: `Bearer ${token}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined };
}

/**
 * Loyalty members for a guarantee run: `count` accounts by phone (`<phonePrefix>0000`,
 * `…0001`, …), with the higher tiers set out of reach so every member earns at the base rate
 * and the points each payment should earn stay simple to work out.
 */
export async function openMembers(
  cloud: CloudProcess,
  count: number,
  phonePrefix: string,
): Promise<{ customerId: string; phone: string }[]> {
  const owner = (method: string, path: string, body?: unknown) =>
    cloudCall(cloud.owner, method, `${cloud.urls.gateway}${path}`, body);
  for (const [tierId, name, minLifetimePoints] of [
    ['silver', 'Silver', 50_000_000],
    ['gold', 'Gold', 60_000_000],
  ] as const) {
    const tier = await owner('PUT', `/api/v1/loyalty/tiers/${tierId}`, {
      name,
      minLifetimePoints,
      earnRateBp: 20_000,
    });
    if (tier.status !== 200) throw new Error(`tier ${tierId}: ${JSON.stringify(tier.body)}`);
  }
  return Promise.all(
    Array.from({ length: count }, async (_, i) => {
      const phone = `${phonePrefix}${String(i).padStart(4, '0')}`;
      const opened = await owner('POST', '/api/v1/loyalty/accounts', {
        name: `Member ${i}`,
        phone,
      });
      if (opened.status !== 201) throw new Error(`member ${i}: ${JSON.stringify(opened.body)}`);
      return { customerId: opened.body.customerId as string, phone };
    }),
  );
}
