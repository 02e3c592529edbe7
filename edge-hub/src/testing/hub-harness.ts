import { closeSync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { createLogger } from '@pos/kit';
import { hubConfigFromEnv } from '../config.js';
import { type Hub, type HubModule, startHub } from '../hub.js';
import { type HubModulesOptions, hubModules } from '../modules.js';
import { findCardNumbers } from './card-scan.js';

export interface TestHub {
  hub: Hub;
  /** The modules of the running hub (a restart makes new ones). */
  modules: HubModule[];
  dir: string;
  /** Sign in with a PIN and get a client that sends the token. */
  as(pin: string): Promise<ApiClient>;
  restart(): Promise<void>;
  stop(): Promise<void>;
}

export interface ApiResponse<T = unknown> {
  status: number;
  headers: Headers;
  body: T;
}

export interface ApiClient {
  token: string;
  get<T = any>(path: string): Promise<ApiResponse<T>>;
  post<T = any>(
    path: string,
    body?: unknown,
    headers?: Record<string, string>,
  ): Promise<ApiResponse<T>>;
  put<T = any>(path: string, body?: unknown): Promise<ApiResponse<T>>;
  delete<T = any>(path: string): Promise<ApiResponse<T>>;
}

/** The demo PINs (see `staff/demo-staff.ts`). */
export const PINS = {
  owner: '9000',
  manager: '2468',
  cashier: '1234',
  cashier2: '4321',
  cook: '5555',
};

/**
 * A real hub on free ports with a fresh data directory, for tests that go through HTTP and the
 * bus like a terminal would.
 */
export async function startTestHub(
  options: HubModulesOptions & {
    modules?: () => HubModule[];
    env?: Record<string, string>;
    /** Log level of the hub's log file (`{dir}/hub.log`). Default TEST_LOG_LEVEL or info. */
    logLevel?: string;
  } = {},
): Promise<TestHub> {
  const dir = mkdtempSync(join(tmpdir(), 'pos-hub-'));
  const config = hubConfigFromEnv({
    HUB_HOST: '127.0.0.1',
    HUB_PORT: '0',
    MQTT_PORT: '0',
    POS_DATA_DIR: dir,
    STORE_TIMEZONE: 'America/Chicago',
    ...options.env,
  });
  // The hub logs to a file in its data directory, written synchronously, so that `stop` can
  // check every file the hub wrote (databases and log) for card numbers before removing them.
  const logFd = openSync(join(dir, 'hub.log'), 'a');
  const logger = createLogger({
    service: 'test-hub',
    level: options.logLevel ?? process.env.TEST_LOG_LEVEL ?? 'info',
    destination: new Writable({
      write(chunk, _encoding, done) {
        try {
          writeSync(logFd, chunk);
        } catch {
          // A line logged after the hub stopped (its file is closed) is dropped.
        }
        done();
      },
    }),
  });
  const make = options.modules ?? (() => hubModules(options));
  const first = make();
  const test: TestHub = {
    hub: await startHub(config, first, { logger }),
    modules: first,
    dir,
    async as(pin) {
      return client(test.hub.url, await signIn(test.hub.url, pin));
    },
    async restart() {
      await test.hub.stop();
      test.modules = make();
      test.hub = await startHub(config, test.modules, { logger });
    },
    async stop() {
      await test.hub.stop();
      closeSync(logFd);
      const leaks = findCardNumbers(dir);
      rmSync(dir, { recursive: true, force: true });
      if (leaks.length > 0) {
        const where = leaks.map((l) => `…${l.last4} in ${l.file.slice(dir.length + 1)}`);
        throw new Error(`card numbers were written to disk: ${where.join(', ')}`);
      }
    },
  };
  return test;
}

export async function signIn(url: string, pin: string): Promise<string> {
  const res = await fetch(`${url}/api/v1/staff/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ pin }),
  });
  if (!res.ok) throw new Error(`sign-in with ${pin} failed: ${res.status}`);
  return ((await res.json()) as { token: string }).token;
}

export function client(baseUrl: string | (() => string), token: string): ApiClient {
  const base = typeof baseUrl === 'string' ? () => baseUrl : baseUrl;
  const call = async (method: string, path: string, body?: unknown, headers = {}) => {
    const res = await fetch(`${base()}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${token}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        ...headers,
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await res.text();
    return { status: res.status, headers: res.headers, body: text ? JSON.parse(text) : undefined };
  };
  return {
    token,
    get: (path) => call('GET', path),
    post: (path, body, headers) => call('POST', path, body, headers),
    put: (path, body) => call('PUT', path, body),
    delete: (path) => call('DELETE', path),
  };
}

/** Poll until `check` holds (events cross the bus asynchronously). */
export async function eventually(
  check: () => boolean | Promise<boolean>,
  ms = 10_000,
): Promise<void> {
  const until = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > until) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** The module of the running hub with this name, with the type the caller expects. */
export function moduleOf<M extends HubModule>(t: TestHub, name: string): M {
  const found = t.modules.find((m) => m.name === name);
  if (!found) throw new Error(`no module ${name}`);
  return found as M;
}
