/**
 * `npm start`: the whole system on one machine with embedded defaults — the edge hub (SQLite,
 * embedded MQTT) and the cloud (gateway and services on one embedded PostgreSQL) — as two
 * processes, like a restaurant and its cloud. Logs go to files under the data directory; this
 * window shows where to point a browser, and Ctrl-C stops everything cleanly.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { createWriteStream, mkdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { demoStaff } from '@pos/edge-hub/staff/demo-staff';
import { buildKds } from './build-kds.js';
import { buildTerminal } from './build-terminal.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const dataDir = resolve(process.env.POS_DATA_DIR ?? join(root, '.data'));
const logDir = join(dataDir, 'logs');
mkdirSync(logDir, { recursive: true });

const env: NodeJS.ProcessEnv = { ...process.env, POS_DATA_DIR: dataDir };
const hubPort = Number(env.HUB_PORT ?? 8080);
const gatewayPort = Number(env.GATEWAY_PORT ?? 5000);
const receiptPort = Number(env.RECEIPT_PRINTER_PORT ?? 9100);
const kitchenPort = Number(env.KITCHEN_PRINTER_PORT ?? 9101);
const receiptPage = Number(env.RECEIPT_PRINTER_PAGE_PORT ?? 9180);
const kitchenPage = Number(env.KITCHEN_PRINTER_PAGE_PORT ?? 9181);
// The demo's first cloud owner, for the manager portal (set your own in production).
env.AUTH_OWNER_EMAIL ??= 'owner@harbour.example';
env.AUTH_OWNER_PASSWORD ??= 'harbour-owner-demo';
// The demo restaurant: the hub is this store, and links itself to the cloud's sync service.
env.STORE_ID ??= 'harbour-street';
env.CLOUD_SYNC_URL ??= `http://127.0.0.1:${env.SYNC_PORT ?? 5009}`;
const DEMO_MANAGER_PIN = '2468';
env.RECEIPT_PRINTER_PORT = String(receiptPort);
env.KITCHEN_PRINTER_PORT = String(kitchenPort);

/** A virtual ESC/POS printer (hardware/src/virtual-printer) standing in for a real one. */
function printerPart(name: string, port: number, page: number): Part {
  return {
    name: `${name}-printer`,
    args: [
      '--import',
      'tsx',
      join(root, 'hardware/src/virtual-printer/main.ts'),
      '--name',
      name,
      '--port',
      String(port),
      '--http-port',
      String(page),
    ],
    health: `http://127.0.0.1:${page}/jobs.json`,
  };
}

interface Part {
  name: string;
  /** Node arguments after the executable. */
  args: string[];
  health: string;
  child?: ChildProcess;
}

const parts: Part[] = [
  printerPart('receipt', receiptPort, receiptPage),
  printerPart('kitchen', kitchenPort, kitchenPage),
  {
    name: 'cloud',
    args: ['--import', 'tsx', join(root, 'cloud-services/src/main.ts')],
    health: `http://127.0.0.1:${gatewayPort}/health`,
  },
  {
    // The hub runs as it does in a restaurant: the production bundle built just before.
    name: 'hub',
    args: ['--enable-source-maps', join(root, 'edge-hub/dist/main.mjs')],
    health: `http://127.0.0.1:${hubPort}/health`,
  },
];

let stopping = false;

function startPart(part: Part): void {
  const log = createWriteStream(join(logDir, `${part.name}.log`), { flags: 'a' });
  const child = spawn(process.execPath, part.args, {
    cwd: root,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout?.pipe(log);
  child.stderr?.pipe(log);
  child.stderr?.on('data', (chunk: Buffer) => process.stderr.write(`[${part.name}] ${chunk}`));
  child.once('exit', (code, signal) => {
    if (!stopping) {
      console.error(
        `\n${part.name} stopped unexpectedly (${signal ?? `exit ${code}`}); see ${log.path}`,
      );
      void stopAll(1);
    }
  });
  part.child = child;
}

async function waitHealthy(part: Part, timeoutMs = 120_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    if (stopping) return;
    try {
      const res = await fetch(part.health);
      if (res.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`${part.name} did not become healthy within ${timeoutMs / 1000} s`);
}

async function stopAll(code: number): Promise<never> {
  stopping = true;
  await Promise.all(
    parts.map(
      (part) =>
        new Promise<void>((done) => {
          const child = part.child;
          if (!child || child.exitCode !== null || child.signalCode !== null) return done();
          const kill = setTimeout(() => child.kill('SIGKILL'), 15_000);
          child.once('exit', () => {
            clearTimeout(kill);
            done();
          });
          child.kill('SIGTERM');
        }),
    ),
  );
  process.exit(code);
}

process.on('SIGINT', () => void stopAll(0));
process.on('SIGTERM', () => void stopAll(0));

console.log(`Starting the POS (data in ${dataDir}, logs in ${logDir}) …`);
await import('./build-hub.js');
await buildKds();
await buildTerminal();
for (const part of parts) startPart(part);
try {
  await Promise.all(parts.map((p) => waitHealthy(p)));
} catch (err) {
  console.error((err as Error).message);
  await stopAll(1);
}

const hub = `http://localhost:${hubPort}`;
const cloud = `http://localhost:${gatewayPort}`;

async function call(
  method: string,
  url: string,
  token?: string,
  body?: unknown,
): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(url, {
    method,
    headers: {
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : {} };
}

/**
 * The first time (or after the hub's data was cleared), provision the demo store in the cloud
 * and enrol the hub with its one-time code, as a manager would from the portal and the hub.
 */
async function linkHubToCloud(): Promise<string> {
  const manager = await call('POST', `${hub}/api/v1/staff/login`, undefined, {
    pin: DEMO_MANAGER_PIN,
  });
  if (manager.status !== 200) return 'not linked: the demo manager PIN was not accepted';
  const hubToken = String(manager.body.token);
  const status = await call('GET', `${hub}/api/v1/sync/status`, hubToken);
  if (status.body.state !== 'not-enrolled') return `${status.body.state} as ${status.body.storeId}`;
  let owner = '';
  for (let i = 0; i < 40 && !owner; i++) {
    const login = await call('POST', `${cloud}/api/v1/auth/login`, undefined, {
      email: env.AUTH_OWNER_EMAIL,
      password: env.AUTH_OWNER_PASSWORD,
    });
    if (login.status === 200) owner = String(login.body.accessToken);
    else await new Promise((r) => setTimeout(r, 250));
  }
  if (!owner) return 'not linked: the cloud owner could not sign in';
  const storeId = String(env.STORE_ID);
  let code = await call('POST', `${cloud}/api/v1/sync/stores`, owner, {
    storeId,
    name: storeId === 'harbour-street' ? 'Harbour Street' : storeId,
  });
  if (code.status === 409) {
    code = await call('POST', `${cloud}/api/v1/sync/stores/${storeId}/enrolment`, owner);
  } else if (code.status === 201) {
    // The demo staff, kept in the cloud from now on: their roster reaches the hub by sync.
    for (const member of demoStaff()) {
      await call('POST', `${cloud}/api/v1/auth/users`, owner, {
        email: `${member.name.split(' ')[0]?.toLowerCase()}@harbour.example`,
        displayName: member.name,
        roles: member.roles,
        storeIds: [storeId],
        pin: member.pin,
      });
    }
  }
  if (code.status !== 201) return `not linked: ${String(code.body.detail ?? code.status)}`;
  const enrolled = await call('POST', `${hub}/api/v1/sync/enrol`, hubToken, {
    code: code.body.enrolmentCode,
  });
  return enrolled.status === 201
    ? `enrolled as ${storeId}`
    : `not linked: ${String(enrolled.body.detail ?? enrolled.status)}`;
}

const link = await linkHubToCloud().catch((err: Error) => `not linked: ${err.message}`);
console.log(`
Restaurant POS is running.

  Edge hub (on premises)   ${hub}          health ${hub}/health
  Cashier terminal         ${hub}/terminal/
  Kitchen display          ${hub}/kds/     (sign in with the cook PIN, pick a station)
  Hub MQTT                 mqtt://localhost:${env.MQTT_PORT ?? 1884}   ws ${hub.replace('http', 'ws')}/mqtt
  Cloud API gateway        ${cloud}/api/v1    health ${cloud}/health   docs ${cloud}/api/v1/docs
  Manager portal           ${cloud}/portal/   (${env.AUTH_OWNER_EMAIL} / ${env.AUTH_OWNER_PASSWORD})
  Online ordering (guests) ${cloud}/order/    (test card 4242 4242 4242 4242)
  Cloud sync               ${env.CLOUD_SYNC_URL}   hub ${link}; npm run pos-hub -- status
  Receipt printer (virtual) tcp://localhost:${receiptPort}   printed jobs http://localhost:${receiptPage}/
  Kitchen printer (virtual) tcp://localhost:${kitchenPort}   printed jobs http://localhost:${kitchenPage}/

  Staff PINs: owner 9000, manager 2468, cashiers 1234 and 4321, cook 5555

Press Ctrl-C to stop.`);
