import { describe, expect, it } from 'vitest';
import { detectGrowth, evenly, median, type Point, theilSenSlope } from './growth.js';

/** mulberry32, so that the noise is the same on every run. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/** A sample every 5 s for `minutes`, from `f(t)`. */
function series(minutes: number, f: (t: number, i: number) => number): Point[] {
  return Array.from({ length: (minutes * 60) / 5 + 1 }, (_, i) => ({
    t: i * 5,
    value: f(i * 5, i),
  }));
}

const RSS = { absolute: 16, relative: 0.1 };

describe('median and Theil–Sen slope', () => {
  it('takes the middle value, or the mean of the two middle ones', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median([])).toBe(0);
  });

  it('finds a line’s slope through outliers a least-squares fit would follow', () => {
    const points = series(5, (t) => 100 + 0.5 * t);
    // Four of 61 samples caught mid-collection, 80 MB too high.
    for (const i of [10, 25, 40, 55]) points[i]!.value += 80;
    expect(theilSenSlope(points)).toBeCloseTo(0.5, 6);
  });
});

describe('detectGrowth', () => {
  it('fits a long run on evenly spaced samples, keeping both ends', () => {
    const day = series(12 * 60, (t) => 100 + t / 120);
    expect(evenly(day, 400)).toHaveLength(400);
    expect(evenly(day, 400)[0]).toBe(day[0]);
    expect(evenly(day, 400)[399]).toBe(day[day.length - 1]);
    expect(evenly([1, 2], 400)).toEqual([1, 2]);
    // Half a MB a minute for 12 hours.
    const v = detectGrowth(day, RSS);
    expect(v.slopePerMin).toBeCloseTo(0.5, 6);
    expect(v.growing).toBe(true);
  });

  it('calls a steady leak growing', () => {
    // 120 MB plus 10 MB a minute: 25 MB over the second half of 5 minutes.
    const v = detectGrowth(
      series(5, (t) => 120 + (10 * t) / 60),
      RSS,
    );
    expect(v.growing).toBe(true);
    expect(v.slopePerMin).toBeCloseTo(10, 6);
    expect(v.trendGrowth).toBeGreaterThan(v.allowed);
    expect(v.quarterGrowth).toBeGreaterThan(v.allowed);
  });

  it('calls a level with collector sawtooth and spikes bounded', () => {
    const rand = random(7);
    // Warm-up to 150 MB over the first minute, then ±12 MB sawtooth and rare 60 MB spikes.
    const v = detectGrowth(
      series(5, (t, i) => {
        const base = t < 60 ? 100 + (50 * t) / 60 : 150;
        const saw = ((i % 6) / 5) * 24 - 12;
        const spike = rand() < 0.08 ? 60 : 0;
        return base + saw + spike;
      }),
      RSS,
    );
    expect(v.growing).toBe(false);
    expect(v.tooShort).toBe(false);
  });

  it('does not call a cache that fills early in the second half and stops a leak', () => {
    // One step of 20 MB at 60 % of the run, flat after: the quarters' medians move, but most
    // pairs of samples lie on the same side of the step, so the median slope stays 0.
    const v = detectGrowth(
      series(5, (t) => (t < 180 ? 150 : 170)),
      RSS,
    );
    expect(v.growing).toBe(false);
  });

  it('judges nothing from too few samples', () => {
    const v = detectGrowth(
      [
        { t: 0, value: 1 },
        { t: 5, value: 50 },
        { t: 10, value: 100 },
      ],
      RSS,
    );
    expect(v.tooShort).toBe(true);
    expect(v.growing).toBe(false);
  });

  it('allows growth of the larger of the absolute and relative tolerances', () => {
    const slow = detectGrowth(
      series(4, (t) => 400 + (10 * t) / 60),
      RSS,
    );
    // 10 MB a minute over 2 minutes is 20 MB: under 10 % of 400 MB.
    expect(slow.allowed).toBeGreaterThan(40);
    expect(slow.growing).toBe(false);
    const handles = detectGrowth(
      series(4, (t) => 20 + Math.floor(t / 10)),
      { absolute: 8, relative: 0.1 },
    );
    // A handle more every 10 s: 12 more over the second half.
    expect(handles.growing).toBe(true);
  });
});
