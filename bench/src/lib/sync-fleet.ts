/**
 * The fleet phase of the sync benchmark (`bench/src/sync.ts`): many hubs, a provisioned store
 * and a keep-alive connection each, pushing their batches one after another, all at once, as
 * the hubs of a chain do when the cloud comes back. Batches are built and gzipped before the
 * clock starts, since the load generator shares the machine's cores with the server.
 */
import { Agent, request as httpRequest } from 'node:http';
import { performance } from 'node:perf_hooks';
import { gzipSync } from 'node:zlib';
import type { PushResponse } from '@pos/sync/protocol';
import { cpuSnapshot, cpuUsed } from './cpu.js';
import { progress } from './report.js';
import { LatencySamples, type LatencySummary, round2, summarize } from './stats.js';
import { storeEvents } from './sync-events.js';
import { type Credentials, type PhaseContext, within } from './sync-hubs.js';

/** Tries of one batch before the run counts it (and the hub's later ones) as failed. */
const MAX_ATTEMPTS = 10;

const rate = (n: number) => Math.round(n * 10) / 10;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export interface FleetHub extends Credentials {
  /** Gzipped push bodies, in order. */
  bodies: Buffer[];
  agent: Agent;
}

export interface FleetResult {
  events: number;
  applied: number;
  seconds: number;
  eventsPerSec: number;
  /** Every push request, failed ones included. */
  latency: LatencySummary;
  attempts: number;
  statusCounts: Record<string, number>;
  sampleErrors: string[];
  failedBatches: number;
  fanOutLagS: number;
  cpu: Record<string, number>;
}

/** Each hub's batches, built before the clock starts (the load generator shares the CPUs). */
export function fleetHubs(
  stores: Credentials[],
  perHub: number,
  batchSize: number,
  startAt: number,
) {
  const ids: string[] = [];
  const hubs = stores.map((store, h): FleetHub => {
    const events = storeEvents(store.storeId, perHub * batchSize, 1_000 + h, startAt);
    const bodies: Buffer[] = [];
    for (let b = 0; b < perHub; b++) {
      const batch = events
        .slice(b * batchSize, (b + 1) * batchSize)
        .map((e, i) => ({ ...e, Sequence: b * batchSize + i + 1 }));
      const pendingEvents = events.length - b * batchSize;
      bodies.push(gzipSync(JSON.stringify({ events: batch, state: { pendingEvents } })));
    }
    for (const e of events) ids.push(e.EventId);
    return { ...store, bodies, agent: new Agent({ keepAlive: true, maxSockets: 1 }) };
  });
  return { hubs, ids };
}

function push(base: URL, hub: FleetHub, body: Buffer): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      {
        host: base.hostname,
        port: base.port,
        method: 'POST',
        path: '/api/v1/sync/push',
        agent: hub.agent,
        timeout: 60_000,
        headers: {
          authorization: `Bearer ${hub.credential}`,
          'content-type': 'application/json',
          'content-encoding': 'gzip',
          'content-length': String(body.length),
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString() }),
        );
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(Object.assign(new Error('timeout'), { code: 'TIMEOUT' })));
    req.on('error', reject);
    req.end(body);
  });
}

/** Every hub pushes its batches one after another, all hubs at once. */
export async function fleet(
  ctx: PhaseContext,
  hubs: FleetHub[],
  events: number,
): Promise<FleetResult> {
  const base = new URL(ctx.serverUrl);
  const latencies = new LatencySamples();
  const statusCounts: Record<string, number> = {};
  const sampleErrors: string[] = [];
  let applied = 0;
  let attempts = 0;
  let failedBatches = 0;
  let lastAnswer = 0;
  const note = (key: string, detail?: string) => {
    statusCounts[key] = (statusCounts[key] ?? 0) + 1;
    if (detail !== undefined && sampleErrors.length < 5) sampleErrors.push(`${key}: ${detail}`);
  };
  const runHub = async (hub: FleetHub) => {
    for (const body of hub.bodies) {
      for (let attempt = 1; ; attempt++) {
        attempts++;
        const sent = performance.now();
        try {
          const res = await push(base, hub, body);
          lastAnswer = performance.now();
          latencies.add(lastAnswer - sent);
          if (res.status === 200) {
            note('200');
            applied += (JSON.parse(res.body) as PushResponse).applied;
            break;
          }
          note(String(res.status), res.body.slice(0, 300));
        } catch (err) {
          lastAnswer = performance.now();
          latencies.add(lastAnswer - sent);
          const e = err as NodeJS.ErrnoException;
          note(e.code ?? e.name, e.message);
        }
        if (attempt >= MAX_ATTEMPTS) {
          // Later batches would be refused as a gap: this hub is done.
          failedBatches += hub.bodies.length - hub.bodies.indexOf(body);
          return;
        }
        await sleep(500 + Math.random() * 500);
      }
    }
  };

  const before = cpuSnapshot(ctx.groups);
  const t0 = performance.now();
  const ticker = setInterval(
    () =>
      progress(
        'fleet',
        `${applied} events applied, ${rate((applied * 1_000) / (performance.now() - t0))}/s, ` +
          `${ctx.fanOut.count('fleet')} delivered`,
      ),
    5_000,
  );
  let cpu: Record<string, number>;
  let deliveredAt: number;
  try {
    try {
      await within(Promise.all(hubs.map(runHub)), ctx.timeoutMs, () => 'the fleet');
    } finally {
      clearInterval(ticker);
    }
    cpu = cpuUsed(before, cpuSnapshot(ctx.groups));
    deliveredAt = await within(
      ctx.fanOut.all('fleet', events),
      ctx.timeoutMs,
      () => `the fleet's fan-out (${ctx.fanOut.count('fleet')} of ${events} delivered)`,
    );
  } finally {
    for (const hub of hubs) hub.agent.destroy();
  }
  const seconds = (lastAnswer - t0) / 1_000;
  return {
    events,
    applied,
    seconds: round2(seconds),
    eventsPerSec: rate(applied / seconds),
    latency: summarize(latencies),
    attempts,
    statusCounts,
    sampleErrors,
    failedBatches,
    fanOutLagS: round2(Math.max(0, deliveredAt - lastAnswer) / 1_000),
    cpu,
  };
}
