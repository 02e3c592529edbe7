/**
 * Every request the soak makes, timed and counted by the kind of operation it is (placing an
 * order, a card payment, a bump…): latency over the whole run and over the current sampling
 * window, answers by status, and the 5xx answers, which a soak must never see.
 */
import { performance } from 'node:perf_hooks';
import { HttpClient, type HttpResponse, type RequestOptions } from '../lib/http.js';
import { signIn } from '../lib/pos-api.js';
import { LatencySamples, type LatencySummary, summarize } from '../lib/stats.js';

export class OpStats {
  readonly #total = new Map<string, LatencySamples>();
  #window = new Map<string, LatencySamples>();
  #windowOps = 0;
  /** Answers by status code (transport failures under their error code). */
  readonly statusCounts: Record<string, number> = {};
  /** Answers that were not what the caller expected, by kind. */
  readonly failures: Record<string, number> = {};
  /** A few of those, to show what went wrong. */
  readonly sampleFailures: string[] = [];
  serverErrors = 0;

  record(kind: string, ms: number, status: string): void {
    for (const map of [this.#total, this.#window]) {
      let samples = map.get(kind);
      if (!samples) {
        samples = new LatencySamples();
        map.set(kind, samples);
      }
      samples.add(ms);
    }
    this.#windowOps++;
    this.statusCounts[status] = (this.statusCounts[status] ?? 0) + 1;
    if (/^5\d\d$/.test(status)) this.serverErrors++;
  }

  fail(kind: string, detail: string): void {
    this.failures[kind] = (this.failures[kind] ?? 0) + 1;
    if (this.sampleFailures.length < 10) this.sampleFailures.push(`${kind}: ${detail}`);
  }

  get failed(): number {
    return Object.values(this.failures).reduce((a, b) => a + b, 0);
  }

  /** Latency per kind since the last call, and how many operations that was; starts anew. */
  takeWindow(): { ops: number; byKind: Map<string, LatencySummary> } {
    const byKind = new Map([...this.#window].map(([k, s]) => [k, summarize(s)] as const));
    const ops = this.#windowOps;
    this.#window = new Map();
    this.#windowOps = 0;
    return { ops, byKind };
  }

  totals(): Record<string, LatencySummary> {
    return Object.fromEntries([...this.#total].map(([k, s]) => [k, summarize(s)]));
  }
}

/**
 * A keep-alive client that signs in as one member of staff and times every call under its
 * kind. A session token lasts 2 h; a soak may last longer, so a 401 signs in again once.
 */
export class StaffClient extends HttpClient {
  constructor(
    baseUrl: string,
    maxSockets: number,
    readonly stats: OpStats,
    readonly pin: string,
  ) {
    super(baseUrl, maxSockets);
  }

  async signIn(): Promise<this> {
    await signIn(this, this.pin);
    return this;
  }

  /** One timed call; throws (and counts a failure) unless the status is one of `expect`. */
  async call(kind: string, options: RequestOptions, expect: number[]): Promise<HttpResponse> {
    let res = await this.#timed(kind, options);
    if (res.status === 401) {
      await this.signIn();
      res = await this.#timed(kind, options);
    }
    if (!expect.includes(res.status)) {
      const detail = `${res.status} ${res.body.slice(0, 300)}`;
      this.stats.fail(kind, detail);
      throw new Error(`${kind}: ${detail}`);
    }
    return res;
  }

  async #timed(kind: string, options: RequestOptions): Promise<HttpResponse> {
    const started = performance.now();
    try {
      const res = await this.request(options);
      this.stats.record(kind, performance.now() - started, String(res.status));
      return res;
    } catch (err) {
      const e = err as NodeJS.ErrnoException;
      this.stats.record(kind, performance.now() - started, e.code ?? e.name);
      this.stats.fail(kind, `${e.code ?? e.name}: ${e.message}`);
      throw err;
    }
  }
}
