/**
 * Closed-loop load: `connections` workers, each sending its next request as soon as the previous
 * answer has arrived, over a shared keep-alive pool. Throughput is therefore what the server can
 * sustain at that concurrency, and latency includes no client-side queueing (unlike an open-loop
 * generator, which would also show coordinated omission — not the question asked here).
 */
import { performance } from 'node:perf_hooks';
import type { HttpClient, RequestOptions } from './http.js';
import { LatencySamples } from './stats.js';

export interface LoadOptions {
  client: HttpClient;
  /** Concurrent requests in flight (one per worker). */
  connections: number;
  /** Stop starting requests after this long… */
  durationMs?: number;
  /** …or after this many have been started, whichever comes first. */
  maxRequests?: number;
  /** Builds each request (called once per request, e.g. for a fresh order ID). */
  next: () => RequestOptions;
  /** The status that counts as success (default 200); anything else is an error. */
  expectStatus?: number;
  /** Called about every `progressEveryMs` (default 5 s) while the run lasts. */
  onProgress?: (p: LoadProgress) => void;
  progressEveryMs?: number;
}

export interface LoadProgress {
  completed: number;
  errors: number;
  elapsedMs: number;
}

export interface LoadResult extends LoadProgress {
  /** Requests answered with the expected status. */
  ok: number;
  /** Responses per status code; transport failures under their error code (`ECONNRESET`…). */
  statusCounts: Record<string, number>;
  /** Latency of every completed request (successes and errors alike), in ms. */
  latencies: LatencySamples;
  /** Successful requests per second over the whole run. */
  okPerSec: number;
  /** A few error answers, to show what went wrong. */
  sampleErrors: string[];
}

/** Run the load until the duration or request budget is used up and every answer is in. */
export async function runClosedLoop(options: LoadOptions): Promise<LoadResult> {
  if (options.durationMs === undefined && options.maxRequests === undefined) {
    throw new Error('runClosedLoop needs durationMs or maxRequests');
  }
  const expect = options.expectStatus ?? 200;
  const latencies = new LatencySamples();
  const statusCounts: Record<string, number> = {};
  const sampleErrors: string[] = [];
  let started = 0;
  let completed = 0;
  let ok = 0;
  const t0 = performance.now();
  const deadline = t0 + (options.durationMs ?? Number.POSITIVE_INFINITY);
  const budget = options.maxRequests ?? Number.POSITIVE_INFINITY;

  const count = (key: string, detail?: string) => {
    statusCounts[key] = (statusCounts[key] ?? 0) + 1;
    if (detail !== undefined && sampleErrors.length < 5) sampleErrors.push(`${key}: ${detail}`);
  };

  const worker = async () => {
    while (started < budget && performance.now() < deadline) {
      started++;
      const req = options.next();
      const begin = performance.now();
      try {
        const res = await options.client.request(req);
        latencies.add(performance.now() - begin);
        if (res.status === expect) {
          ok++;
          count(String(res.status));
        } else {
          count(String(res.status), res.body.slice(0, 300));
        }
      } catch (err) {
        latencies.add(performance.now() - begin);
        const e = err as NodeJS.ErrnoException;
        count(e.code ?? e.name, e.message);
      }
      completed++;
    }
  };

  const progress = (): LoadProgress => ({
    completed,
    errors: completed - ok,
    elapsedMs: performance.now() - t0,
  });
  const timer = options.onProgress
    ? setInterval(() => options.onProgress?.(progress()), options.progressEveryMs ?? 5_000)
    : undefined;
  try {
    await Promise.all(Array.from({ length: options.connections }, worker));
  } finally {
    clearInterval(timer);
  }
  const elapsedMs = performance.now() - t0;
  return {
    completed,
    ok,
    errors: completed - ok,
    elapsedMs,
    statusCounts,
    latencies,
    okPerSec: elapsedMs > 0 ? (ok / elapsedMs) * 1000 : 0,
    sampleErrors,
  };
}
