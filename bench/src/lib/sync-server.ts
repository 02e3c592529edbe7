/**
 * The cloud sync service in a child process of its own, as it is deployed: the benchmark's
 * hubs and bus consumer then do not share its event loop. Started, waited for until it
 * listens, and always stopped (SIGTERM, then SIGKILL after 10 s).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { onCleanup } from './cleanup.js';
import { REPO_ROOT } from './hub.js';

export interface RunningSyncServer {
  url: string;
  pid: number;
  child: ChildProcess;
  /** The last few kB of its stdout and stderr, for error messages. */
  output(): string;
  /** Distinct messages of the errors it logged (the first few), and how often each came. */
  errors(): [string, number][];
  /** SIGTERM, SIGKILL after 10 s. Safe to call twice. */
  stop(): Promise<void>;
}

export interface SyncServerProcessOptions {
  /** `SYNC_DATABASE_URL`, `AMQP_URL`, … */
  env: Record<string, string>;
  /** Extra `node` flags for the server only, e.g. `--cpu-prof --cpu-prof-dir=/tmp/prof`. */
  nodeArgs?: string[];
  startTimeoutMs?: number;
}

export async function startSyncServerProcess(
  options: SyncServerProcessOptions,
): Promise<RunningSyncServer> {
  const env: NodeJS.ProcessEnv = { ...process.env, LOG_LEVEL: 'warn', ...options.env };
  // The benchmark's own NODE_OPTIONS are not the server's business.
  delete env.NODE_OPTIONS;
  const child = spawn(
    process.execPath,
    [...(options.nodeArgs ?? []), '--import', 'tsx', 'bench/src/lib/sync-server-main.ts'],
    { cwd: REPO_ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-8_192);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  let url: string | undefined;
  onLines(child.stdout, (line) => {
    if (line.startsWith('{"listening"'))
      url = (JSON.parse(line) as { listening: string }).listening;
  });
  // Its log lines (pino JSON on stderr): faults are counted by message, so a 500 can be told.
  const errors = new Map<string, number>();
  onLines(child.stderr, (line) => {
    let entry: { level?: number; msg?: string; err?: { message?: string } };
    try {
      entry = JSON.parse(line);
    } catch {
      return;
    }
    // A 5xx's access line (no `err`) says nothing more.
    if ((entry.level ?? 0) < 50 || !entry.err) return;
    const message = `${entry.msg ?? ''}: ${entry.err.message ?? ''}`;
    if (errors.has(message) || errors.size < 5) errors.set(message, (errors.get(message) ?? 0) + 1);
  });
  const exited = new Promise<void>((done) => {
    child.once('exit', () => done());
    child.once('error', (err) => {
      output += `spawn failed: ${err.message}`;
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
    })();
    return stopping;
  };
  onCleanup(stop);

  const until = Date.now() + (options.startTimeoutMs ?? 60_000);
  while (url === undefined) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`the sync server exited during start-up:\n${output}`);
    }
    if (Date.now() > until) {
      await stop();
      throw new Error(`the sync server did not start:\n${output}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    url,
    pid: child.pid ?? 0,
    child,
    output: () => output,
    errors: () => [...errors],
    stop,
  };
}

/** Call `fn` with each whole line the stream gives. */
function onLines(stream: NodeJS.ReadableStream | null, fn: (line: string) => void): void {
  let pending = '';
  stream?.on('data', (chunk: Buffer) => {
    pending += chunk.toString();
    for (let nl = pending.indexOf('\n'); nl >= 0; nl = pending.indexOf('\n')) {
      fn(pending.slice(0, nl));
      pending = pending.slice(nl + 1);
    }
  });
}
