/**
 * A steady load whose samples keep their time: units of work due at a fixed rate, each started
 * by the first of `workers` that is free, the latency of its timed part counted from when it
 * was due (as `runFixedRate` in `load.ts` does, so a server that falls behind shows it in
 * full), and kept with that due time. It runs until stopped, and a phase of it (while the hub
 * was offline, while it caught up…) is then read out by time.
 */
import { performance } from 'node:perf_hooks';
import { LatencySamples } from './stats.js';

export interface TimedLoadOptions {
  ratePerSec: number;
  workers: number;
  /**
   * One unit of work: resolves with `performance.now()` at the answer of its timed part (it may
   * go on briefly after that, e.g. handing an order on), rejects when it failed.
   */
  run: () => Promise<number>;
}

export interface TimedSample {
  /** `performance.now()` when the request was due. */
  due: number;
  /** From due to answer. */
  ms: number;
  ok: boolean;
}

export interface TimedWindow {
  latencies: LatencySamples;
  requests: number;
  errors: number;
  /** A few error answers, to show what went wrong. */
  sampleErrors: string[];
}

export class TimedLoad {
  readonly samples: TimedSample[] = [];
  readonly #o: TimedLoadOptions;
  readonly #errors: { due: number; detail: string }[] = [];
  #workers: Promise<void>[] = [];
  #stopped = false;
  #t0 = 0;

  constructor(options: TimedLoadOptions) {
    this.#o = options;
  }

  start(): this {
    this.#t0 = performance.now();
    const interval = 1000 / this.#o.ratePerSec;
    let slot = 0;
    const worker = async () => {
      for (;;) {
        const due = this.#t0 + slot++ * interval;
        const wait = due - performance.now();
        if (wait > 0) await new Promise((r) => setTimeout(r, wait));
        if (this.#stopped) return;
        await this.#send(due);
      }
    };
    this.#workers = Array.from({ length: this.#o.workers }, worker);
    return this;
  }

  /** Start no more requests; resolves once every answer is in. */
  async stop(): Promise<void> {
    this.#stopped = true;
    await Promise.all(this.#workers);
  }

  /** The requests due from `from` up to `to` (`performance.now()` times). */
  window(from: number, to: number): TimedWindow {
    const latencies = new LatencySamples();
    let requests = 0;
    let errors = 0;
    for (const s of this.samples) {
      if (s.due < from || s.due >= to) continue;
      requests++;
      latencies.add(s.ms);
      if (!s.ok) errors++;
    }
    const sampleErrors = this.#errors
      .filter((e) => e.due >= from && e.due < to)
      .slice(0, 5)
      .map((e) => e.detail);
    return { latencies, requests, errors, sampleErrors };
  }

  async #send(due: number): Promise<void> {
    try {
      const answeredAt = await this.#o.run();
      this.samples.push({ due, ms: answeredAt - due, ok: true });
    } catch (err) {
      const e = err as NodeJS.ErrnoException;
      this.samples.push({ due, ms: performance.now() - due, ok: false });
      if (this.#errors.length < 50)
        this.#errors.push({ due, detail: `${e.code ?? e.name}: ${e.message}` });
    }
  }
}
