import { type ChildProcess, spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { freePorts } from './ports.js';

const root = resolve(import.meta.dirname, '../..');

export interface HubProcess {
  url: string;
  env: Record<string, string>;
  child: ChildProcess;
  output(): string;
  kill(signal?: NodeJS.Signals): Promise<void>;
}

/** Run the hub as its own process (`edge-hub/src/main.ts`), as `npm start` does. */
export async function startHubProcess(
  dataDir: string,
  env: Record<string, string> = {},
): Promise<HubProcess> {
  const [http, mqtt] = await freePorts(2);
  const fullEnv = {
    POS_DATA_DIR: dataDir,
    HUB_HOST: '127.0.0.1',
    HUB_PORT: String(http),
    MQTT_PORT: String(mqtt),
    LOG_LEVEL: 'warn',
    ...env,
  };
  return runHub(fullEnv);
}

/** Start (or restart) a hub with exactly this environment; resolves when it is healthy. */
export async function runHub(env: Record<string, string>): Promise<HubProcess> {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', resolve(root, 'edge-hub/src/main.ts')],
    {
      cwd: root,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let out = '';
  child.stdout?.on('data', (c: Buffer) => {
    out += c.toString();
  });
  child.stderr?.on('data', (c: Buffer) => {
    out += c.toString();
  });
  const url = `http://127.0.0.1:${env.HUB_PORT}`;
  const until = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`hub exited during start:\n${out}`);
    try {
      if ((await fetch(`${url}/health`)).ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > until) {
      child.kill('SIGKILL');
      throw new Error(`hub did not become healthy:\n${out}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    url,
    env,
    child,
    output: () => out,
    kill: (signal = 'SIGTERM') =>
      new Promise<void>((done) => {
        if (child.exitCode !== null || child.signalCode !== null) return done();
        child.once('exit', () => done());
        child.kill(signal);
      }),
  };
}
