/**
 * Whether a sampled figure (a process's RSS, heap, open files…) grows without bound over a
 * soak, as opposed to rising while the process warms up and then moving up and down around a
 * level.
 *
 * The first half of the run is warm-up and is left out: JIT, SQLite's page cache, socket pools
 * and V8's heap sizing all grow for a while in a healthy process. Over the second half two
 * estimates must both show growth beyond the figure's tolerance before it counts:
 *   - the Theil–Sen slope (the median of the slopes between every pair of samples) times the
 *     length of the window: a median, so a few samples taken just before or after a garbage
 *     collection (up to 29 % of them) cannot move it, unlike a least-squares fit;
 *   - the median of the last quarter of the run minus the median of the second quarter: a
 *     level shift that a single sawtooth of the collector cannot fake either.
 * A leak grows steadily and trips both. GC noise trips neither; a one-off step (a cache that
 * fills once and stops) moves the quarters' medians but not the median slope, since most pairs
 * of samples lie on the same side of it.
 */

export interface Point {
  /** Seconds since the run started. */
  t: number;
  value: number;
}

export interface Tolerance {
  /** Growth allowed whatever the level (in the figure's unit). */
  absolute: number;
  /** Growth allowed as a share of the second quarter's median (0.1 = 10 %). */
  relative: number;
}

export interface GrowthVerdict {
  /** Samples in the window judged (the second half). */
  samples: number;
  /** Theil–Sen slope over the second half, per minute. */
  slopePerMin: number;
  /** The slope times the window's length: growth over the second half. */
  trendGrowth: number;
  /** Median of the last quarter minus median of the second quarter. */
  quarterGrowth: number;
  /** The growth allowed: the larger of the absolute and relative tolerances. */
  allowed: number;
  growing: boolean;
  /** Too few samples to judge (fewer than 4 in the second half): never `growing`. */
  tooShort: boolean;
}

/** Points the slope is fitted on at most: pairs grow with the square (a day at 5 s is 8,640). */
const MAX_SLOPE_POINTS = 400;

/** At most `n` of `points`, evenly spaced, the first and last among them. */
export function evenly<T>(points: readonly T[], n: number): T[] {
  if (points.length <= n) return [...points];
  return Array.from(
    { length: n },
    (_, i) => points[Math.round((i * (points.length - 1)) / (n - 1))]!,
  );
}

export function median(values: readonly number[]): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** Theil–Sen estimator: the median of the pairwise slopes (value per second); 0 if undefined. */
export function theilSenSlope(points: readonly Point[]): number {
  const slopes: number[] = [];
  for (let i = 0; i < points.length; i++) {
    for (let j = i + 1; j < points.length; j++) {
      const dt = points[j]!.t - points[i]!.t;
      if (dt > 0) slopes.push((points[j]!.value - points[i]!.value) / dt);
    }
  }
  return median(slopes);
}

/** The samples whose time falls in [from, to) of the run (fractions of its length). */
function slice(points: readonly Point[], from: number, to: number): Point[] {
  if (points.length === 0) return [];
  const t0 = points[0]!.t;
  const span = points[points.length - 1]!.t - t0;
  return points.filter((p) => {
    const x = span > 0 ? (p.t - t0) / span : 0;
    return x >= from && (to >= 1 ? x <= 1 : x < to);
  });
}

export function detectGrowth(points: readonly Point[], tolerance: Tolerance): GrowthVerdict {
  const window = slice(points, 0.5, 1);
  const second = slice(points, 0.25, 0.5);
  const last = slice(points, 0.75, 1);
  const slope = theilSenSlope(evenly(window, MAX_SLOPE_POINTS));
  const length = window.length > 1 ? window[window.length - 1]!.t - window[0]!.t : 0;
  const trendGrowth = slope * length;
  const base = median(second.map((p) => p.value));
  const quarterGrowth = median(last.map((p) => p.value)) - base;
  const allowed = Math.max(tolerance.absolute, tolerance.relative * Math.abs(base));
  const tooShort = window.length < 4 || second.length < 2;
  return {
    samples: window.length,
    slopePerMin: round(slope * 60),
    trendGrowth: round(trendGrowth),
    quarterGrowth: round(quarterGrowth),
    allowed: round(allowed),
    growing: !tooShort && trendGrowth > allowed && quarterGrowth > allowed,
    tooShort,
  };
}

function round(n: number): number {
  return Math.round(n * 100) / 100;
}
