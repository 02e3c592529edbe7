/**
 * `npm run bench:gateway`: what the API gateway costs, measured in one run against the same
 * service called directly.
 *
 * The cloud runs as deployed: the services in one process (on the embedded PGlite), the gateway
 * in another (`CLOUD_RUN`). The same public request, `GET /api/v1/auth/.well-known/jwks.json`
 * (the auth service's key set, as every gateway and hub fetches it), is sent closed-loop over 32
 * keep-alive connections for 10 s straight to the auth service, then for 10 s through the
 * gateway (which also counts the caller's rate limit and checks the route's access rule).
 * Throughput is the 32-connection run; the overhead is the p50 difference with one request at a
 * time each way (the gateway's own cost, without queueing on two shared cores). Then sign-ins per second through the gateway, each an
 * argon2id verify (m = 19 MiB, t = 2, p = 1).
 *
 * Targets: p50 overhead ≤ 2 ms; ≥ 3,000 req/s through the gateway on 2 cores.
 * Environment: BENCH_DURATION_S (10), BENCH_CONNECTIONS (32).
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { onCleanup, runBenchmark } from './lib/cleanup.js';
import { HttpClient } from './lib/http.js';
import { freePort, REPO_ROOT } from './lib/hub.js';
import { runClosedLoop } from './lib/load.js';
import { machine, printResult, printTable, target } from './lib/report.js';
import { summarize } from './lib/stats.js';

const TARGET_OVERHEAD_MS = 2;
const TARGET_RPS = 3_000;

async function startCloud(): Promise<{ gateway: string; auth: string; stop: () => Promise<void> }> {
  const dataDir = mkdtempSync(join(tmpdir(), 'pos-bench-cloud-'));
  const names = ['GATEWAY', 'AUTH', 'MENU', 'LOYALTY', 'NOTIFICATION', 'SYNC'];
  const ports: Record<string, number> = {};
  for (const n of names) {
    let p = await freePort();
    while (Object.values(ports).includes(p)) p = await freePort();
    ports[n] = p;
  }
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    POS_DATA_DIR: dataDir,
    LOG_LEVEL: 'warn',
    CLOUD_HOST: '127.0.0.1',
    // The limits are still counted on every request; they are raised so the load is not refused.
    GATEWAY_RATE_LIMIT_PER_IP: '100000000',
    GATEWAY_RATE_LIMIT_PER_USER: '100000000',
  };
  for (const n of names) env[`${n}_PORT`] = String(ports[n]);
  delete env.NODE_OPTIONS;
  // The gateway in its own process, as it is deployed: it does not share the services' thread.
  let output = '';
  const children = (['services', 'gateway'] as const).map((run) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'cloud-services/src/main.ts'], {
      cwd: REPO_ROOT,
      env: { ...env, CLOUD_RUN: run },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const keep = (c: Buffer) => {
      output = (output + c.toString()).slice(-8_000);
    };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    return child;
  });
  const stop = async () => {
    for (const child of children) {
      if (child.exitCode === null) {
        child.kill('SIGTERM');
        await new Promise((r) => child.once('exit', r));
      }
    }
    rmSync(dataDir, { recursive: true, force: true });
  };
  onCleanup(stop);
  const gateway = `http://127.0.0.1:${ports.GATEWAY}`;
  const until = Date.now() + 120_000;
  for (;;) {
    try {
      if ((await fetch(`${gateway}/ready`)).ok) break;
    } catch {
      // not up yet
    }
    if (Date.now() > until) throw new Error(`the cloud did not start:\n${output.slice(-2000)}`);
    await new Promise((r) => setTimeout(r, 200));
  }
  return { gateway, auth: `http://127.0.0.1:${ports.AUTH}`, stop };
}

async function main(): Promise<number> {
  const seconds = Number(process.env.BENCH_DURATION_S ?? 10);
  const connections = Number(process.env.BENCH_CONNECTIONS ?? 32);
  const m = machine();
  console.log(`bench:gateway — ${m.cpus} × ${m.cpuModel}, Node ${m.node}`);
  const cloud = await startCloud();
  const path = '/api/v1/auth/.well-known/jwks.json';
  const run = (base: string, ms: number, conns = connections) =>
    runClosedLoop({
      client: new HttpClient(base, conns),
      connections: conns,
      durationMs: ms,
      next: () => ({ path }),
    });

  // Warm both paths, then measure them back to back.
  await run(cloud.auth, 2_000);
  await run(cloud.gateway, 2_000);
  const direct = await run(cloud.auth, seconds * 1_000);
  const proxied = await run(cloud.gateway, seconds * 1_000);
  const d = summarize(direct.latencies);
  const g = summarize(proxied.latencies);
  // The gateway's own cost per request, without queueing: one request at a time each way.
  const direct1 = summarize((await run(cloud.auth, 5_000, 1)).latencies);
  const proxied1 = summarize((await run(cloud.gateway, 5_000, 1)).latencies);
  const overhead = Number((proxied1.p50 - direct1.p50).toFixed(2));

  // Sign-ins through the gateway: argon2id verifies bound them.
  const client = new HttpClient(cloud.gateway, 8);
  const email = `bench${Date.now()}@example.com`;
  const register = await client.request({
    method: 'POST',
    path: '/api/v1/auth/register',
    json: { email, password: 'benchmark password', displayName: 'Bench' },
  });
  if (register.status !== 201)
    throw new Error(`register answered ${register.status}: ${register.body}`);
  const logins = await runClosedLoop({
    client,
    connections: 8,
    durationMs: 5_000,
    next: () => ({
      method: 'POST',
      path: '/api/v1/auth/login',
      json: { email, password: 'benchmark password' },
    }),
  });
  const l = summarize(logins.latencies);
  await cloud.stop();

  printTable(`GET ${path}, ${connections} connections, ${seconds} s each`, [
    ['path', 'req/s', 'p50', 'p99', 'errors'],
    ['direct to the auth service', Math.round(direct.okPerSec), d.p50, d.p99, direct.errors],
    ['through the gateway', Math.round(proxied.okPerSec), g.p50, g.p99, proxied.errors],
  ]);
  printTable('one request at a time (ms)', [
    ['path', 'p50', 'p99'],
    ['direct', direct1.p50, direct1.p99],
    ['through the gateway', proxied1.p50, proxied1.p99],
  ]);
  console.log(`gateway overhead at p50: ${overhead} ms`);
  printTable('sign-ins through the gateway (argon2id m=19 MiB t=2 p=1), 8 connections, 5 s', [
    ['logins/s', 'p50', 'p99', 'errors'],
    [Math.round(logins.okPerSec), l.p50, l.p99, logins.errors],
  ]);
  const targets = {
    overheadP50Ms: target(overhead, TARGET_OVERHEAD_MS, 'max'),
    gatewayRps: target(proxied.okPerSec, TARGET_RPS, 'min'),
  };
  printResult({
    benchmark: 'gateway',
    machine: m,
    config: { path, connections, seconds },
    direct: { rps: Math.round(direct.okPerSec), p50: d.p50, p99: d.p99, errors: direct.errors },
    gateway: { rps: Math.round(proxied.okPerSec), p50: g.p50, p99: g.p99, errors: proxied.errors },
    oneAtATime: { directP50: direct1.p50, gatewayP50: proxied1.p50 },
    overheadP50Ms: overhead,
    logins: {
      perSec: Math.round(logins.okPerSec),
      p50: l.p50,
      p99: l.p99,
      argon2id: { memoryKiB: 19_456, passes: 2, lanes: 1 },
    },
    targets,
  });
  return Object.values(targets).every((t) => t.met) ? 0 : 1;
}

await runBenchmark(main);
