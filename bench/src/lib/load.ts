/**
 * Two ways to load a server over a shared keep-alive pool. Closed loop: `connections` workers,
 * each sending its next request as soon as the previous answer arrived, which finds the most
 * the server can do at that concurrency. Fixed rate: requests are due at a steady rate and
 * latency counts from when each was due, which answers "at this load, how fast is it?".
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

/** Counts answers and latencies for one run. */
class Recorder {
  readonly latencies = new LatencySamples();
  readonly statusCounts: Record<string, number> = {};
  readonly sampleErrors: string[] = [];
  completed = 0;
  ok = 0;
  readonly t0 = performance.now();

  constructor(private readonly expect: number) {}

  async send(client: HttpClient, req: RequestOptions, since: number): Promise<void> {
    try {
      const res = await client.request(req);
      this.latencies.add(performance.now() - since);
      if (res.status === this.expect) {
        this.ok++;
        this.#count(String(res.status));
      } else {
        this.#count(String(res.status), res.body.slice(0, 300));
      }
    } catch (err) {
      this.latencies.add(performance.now() - since);
      const e = err as NodeJS.ErrnoException;
      this.#count(e.code ?? e.name, e.message);
    }
    this.completed++;
  }

  progress(): LoadProgress {
    return {
      completed: this.completed,
      errors: this.completed - this.ok,
      elapsedMs: performance.now() - this.t0,
    };
  }

  result(): LoadResult {
    const elapsedMs = performance.now() - this.t0;
    return {
      completed: this.completed,
      ok: this.ok,
      errors: this.completed - this.ok,
      elapsedMs,
      statusCounts: this.statusCounts,
      latencies: this.latencies,
      okPerSec: elapsedMs > 0 ? (this.ok / elapsedMs) * 1000 : 0,
      sampleErrors: this.sampleErrors,
    };
  }

  #count(key: string, detail?: string): void {
    this.statusCounts[key] = (this.statusCounts[key] ?? 0) + 1;
    if (detail !== undefined && this.sampleErrors.length < 5) {
      this.sampleErrors.push(`${key}: ${detail}`);
    }
  }
}

async function withProgress<T>(
  options: LoadOptions,
  recorder: Recorder,
  work: () => Promise<T>,
): Promise<T> {
  const timer = options.onProgress
    ? setInterval(() => options.onProgress?.(recorder.progress()), options.progressEveryMs ?? 5_000)
    : undefined;
  try {
    return await work();
  } finally {
    clearInterval(timer);
  }
}

/** Run the load until the duration or request budget is used up and every answer is in. */
export async function runClosedLoop(options: LoadOptions): Promise<LoadResult> {
  if (options.durationMs === undefined && options.maxRequests === undefined) {
    throw new Error('runClosedLoop needs durationMs or maxRequests');
  }
  const recorder = new Recorder(options.expectStatus ?? 200);
  const deadline = recorder.t0 + (options.durationMs ?? Number.POSITIVE_INFINITY);
  const budget = options.maxRequests ?? Number.POSITIVE_INFINITY;
  let started = 0;
  const worker = async () => {
    while (started < budget && performance.now() < deadline) {
      started++;
      await recorder.send(options.client, options.next(), performance.now());
    }
  };
  await withProgress(options, recorder, () =>
    Promise.all(Array.from({ length: options.connections }, worker)),
  );
  return recorder.result();
}

/**
 * Open-loop load at a fixed rate: request i is due at t0 + i / rate and is sent by the first of
 * `connections` workers that is free. Latency is measured from when the request was due, not
 * when it was sent, so a server that falls behind shows it in full (no coordinated omission).
 */
export async function runFixedRate(
  options: LoadOptions & { ratePerSec: number; durationMs: number },
): Promise<LoadResult> {
  const recorder = new Recorder(options.expectStatus ?? 200);
  const interval = 1000 / options.ratePerSec;
  const total = Math.floor((options.durationMs / 1000) * options.ratePerSec);
  let next = 0;
  const worker = async () => {
    for (;;) {
      const slot = next++;
      if (slot >= total) return;
      const due = recorder.t0 + slot * interval;
      const wait = due - performance.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      await recorder.send(options.client, options.next(), due);
    }
  };
  await withProgress(options, recorder, () =>
    Promise.all(Array.from({ length: options.connections }, worker)),
  );
  return recorder.result();
}
