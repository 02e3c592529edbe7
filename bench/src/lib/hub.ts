/**
 * A real edge hub as a child process, built as for production (`edge-hub/dist/main.mjs`, see
 * `scripts/build-hub.ts`), on free ports
 * and a fresh data directory, as a benchmark needs it: started, health-checked, and always
 * stopped (SIGTERM, then SIGKILL after 10 s) with its data directory removed.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { onCleanup } from './cleanup.js';

/** The repository root (this file is bench/src/lib/hub.ts). */
export const REPO_ROOT = resolve(import.meta.dirname, '../../..');

export interface HubOptions {
  /** Extra environment for the hub (e.g. `STORE_TIMEZONE`). */
  env?: Record<string, string>;
  /**
   * Extra `node` flags for the hub only, e.g. `['--cpu-prof', '--cpu-prof-dir=/tmp/prof']`
   * (Node 20 refuses `--cpu-prof` in `NODE_OPTIONS`, so they go on the command line).
   */
  nodeArgs?: string[];
  /** How long to wait for `/health` (default 60 s). */
  startTimeoutMs?: number;
}

export interface RunningHub {
  url: string;
  pid: number;
  dataDir: string;
  child: ChildProcess;
  /** The last few kB of the hub's stdout and stderr, for error messages. */
  output(): string;
  /** SIGTERM, SIGKILL after 10 s, then remove the data directory. Safe to call twice. */
  stop(): Promise<void>;
}

/** A TCP port that was free a moment ago. */
export function freePort(): Promise<number> {
  return new Promise((done, fail) => {
    const server = createServer();
    server.once('error', fail);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => done(port));
    });
  });
}

/** Start a hub and resolve once `/health` answers 200; it is stopped on Ctrl-C too. */
export async function startHub(options: HubOptions = {}): Promise<RunningHub> {
  const dataDir = mkdtempSync(join(tmpdir(), 'pos-bench-'));
  const httpPort = await freePort();
  let mqttPort = await freePort();
  while (mqttPort === httpPort) mqttPort = await freePort();

  const env: NodeJS.ProcessEnv = {
    ...process.env,
    POS_DATA_DIR: dataDir,
    HUB_HOST: '127.0.0.1',
    HUB_PORT: String(httpPort),
    MQTT_PORT: String(mqttPort),
    LOG_LEVEL: 'warn',
    ...options.env,
  };
  // The benchmark's own NODE_OPTIONS (tsx's loader among them) are not the hub's business.
  delete env.NODE_OPTIONS;

  await buildHub();
  const args = [...(options.nodeArgs ?? []), '--enable-source-maps', 'edge-hub/dist/main.mjs'];
  const child = spawn(process.execPath, args, {
    cwd: REPO_ROOT,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-8_192);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const exited = new Promise<void>((done) => {
    child.once('exit', () => done());
    child.once('error', (err) => {
      keep(Buffer.from(`spawn failed: ${err.message}`));
      done();
    });
  });

  let stopping: Promise<void> | undefined;
  const stop = () => {
    stopping ??= (async () => {
      if (child.exitCode === null && child.signalCode === null) {
        const kill = setTimeout(() => child.kill('SIGKILL'), 10_000);
        child.kill('SIGTERM');
        await exited;
        clearTimeout(kill);
      }
      rmSync(dataDir, { recursive: true, force: true });
    })();
    return stopping;
  };
  onCleanup(stop);

  const url = `http://127.0.0.1:${httpPort}`;
  const hub: RunningHub = {
    url,
    pid: child.pid ?? 0,
    dataDir,
    child,
    output: () => output,
    stop,
  };
  try {
    await waitForHealth(hub, options.startTimeoutMs ?? 60_000);
  } catch (err) {
    await stop();
    throw err;
  }
  return hub;
}

async function waitForHealth(hub: RunningHub, timeoutMs: number): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    if (hub.child.exitCode !== null || hub.child.signalCode !== null) {
      throw new Error(`the hub exited during start-up:\n${hub.output()}`);
    }
    try {
      const res = await fetch(`${hub.url}/health`);
      if (res.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`the hub did not answer /health within ${timeoutMs / 1000} s:\n${hub.output()}`);
}

/** Build the production bundle of the hub (a second or two). */
async function buildHub(): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/build-hub.ts'], {
      stdio: 'inherit',
    });
    child.once('error', reject);
    child.once('exit', (code) =>
      code === 0 ? resolve() : reject(new Error(`building the hub failed (exit ${code})`)),
    );
  });
}
