/**
 * Latency maths for benchmarks: a growable sample buffer, nearest-rank percentiles and a coarse
 * histogram. Every sample is kept (8 bytes each; a million requests is 8 MB), so percentiles are
 * exact rather than estimated from buckets.
 */

/** Latency samples in milliseconds, appended as requests complete. */
export class LatencySamples {
  #values = new Float64Array(16_384);
  #length = 0;

  get count(): number {
    return this.#length;
  }

  add(ms: number): void {
    if (this.#length === this.#values.length) {
      const grown = new Float64Array(this.#values.length * 2);
      grown.set(this.#values);
      this.#values = grown;
    }
    this.#values[this.#length++] = ms;
  }

  /** A sorted copy of the samples (the buffer itself keeps arrival order). */
  sorted(): Float64Array {
    return this.#values.slice(0, this.#length).sort();
  }
}

export interface LatencySummary {
  count: number;
  mean: number;
  min: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
}

/** Nearest-rank percentile (p in 0..100) of an ascending array; 0 when empty. */
export function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return 0;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1]!;
}

/** Count, mean, min, p50/p95/p99 and max, each rounded to 2 decimals. */
export function summarize(samples: LatencySamples): LatencySummary {
  const sorted = samples.sorted();
  let total = 0;
  for (const v of sorted) total += v;
  return {
    count: sorted.length,
    mean: round2(sorted.length ? total / sorted.length : 0),
    min: round2(sorted[0] ?? 0),
    p50: round2(percentile(sorted, 50)),
    p95: round2(percentile(sorted, 95)),
    p99: round2(percentile(sorted, 99)),
    max: round2(sorted[sorted.length - 1] ?? 0),
  };
}

/** Upper bounds (ms) of the buckets `histogram` uses unless told otherwise. */
export const DEFAULT_BUCKETS_MS = [1, 2, 5, 10, 20, 30, 50, 100, 250, 500, 1000] as const;

export interface Bucket {
  /** Label such as `≤ 5 ms` or `> 1000 ms`. */
  label: string;
  count: number;
  /** Share of all samples, in percent. */
  percent: number;
}

/** How many samples fall at or below each bound (and above the last one). */
export function histogram(
  samples: LatencySamples,
  boundsMs: readonly number[] = DEFAULT_BUCKETS_MS,
): Bucket[] {
  const counts = new Array<number>(boundsMs.length + 1).fill(0);
  const sorted = samples.sorted();
  let bucket = 0;
  for (const v of sorted) {
    while (bucket < boundsMs.length && v > boundsMs[bucket]!) bucket++;
    counts[bucket]!++;
  }
  const total = Math.max(1, sorted.length);
  return counts.map((count, i) => ({
    label: i < boundsMs.length ? `≤ ${boundsMs[i]} ms` : `> ${boundsMs[boundsMs.length - 1]} ms`,
    count,
    percent: Math.round((count / total) * 1000) / 10,
  }));
}

export function round2(n: number): number {
  return Math.round(n * 100) / 100;
}
