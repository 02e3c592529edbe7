import { describe, expect, it } from 'vitest';
import {
  ageing,
  allDayCounts,
  DEFAULT_THRESHOLDS,
  firesOnArrival,
  kitchenStep,
  percentile,
  routeToStations,
  thresholdsFor,
} from './kds-model.js';

describe('routing', () => {
  it('gives each station only its own items, in order', () => {
    const lines = [
      { id: 'a', stationId: 'grill', course: 1 },
      { id: 'b', stationId: 'fryer', course: 1 },
      { id: 'c', stationId: 'grill', course: 2 },
    ];
    const routed = routeToStations(lines);
    expect([...routed.keys()]).toEqual(['grill', 'fryer']);
    expect(routed.get('grill')?.map((l) => l.id)).toEqual(['a', 'c']);
    expect(routed.get('fryer')?.map((l) => l.id)).toEqual(['b']);
  });
});

describe('ageing', () => {
  it('is fresh, then yellow at 5 min, red at 8 min by default', () => {
    expect(DEFAULT_THRESHOLDS).toEqual({ warnAfterMs: 300_000, lateAfterMs: 480_000 });
    expect(ageing(0, DEFAULT_THRESHOLDS)).toBe('fresh');
    expect(ageing(299_999, DEFAULT_THRESHOLDS)).toBe('fresh');
    expect(ageing(300_000, DEFAULT_THRESHOLDS)).toBe('warning');
    expect(ageing(479_999, DEFAULT_THRESHOLDS)).toBe('warning');
    expect(ageing(480_000, DEFAULT_THRESHOLDS)).toBe('late');
  });

  it('takes a station its own thresholds, keeping the defaults for what it does not set', () => {
    const t = thresholdsFor('bar', { bar: { lateAfterMs: 180_000 } });
    expect(t).toEqual({ warnAfterMs: 300_000, lateAfterMs: 180_000 });
    expect(thresholdsFor('grill', { bar: { lateAfterMs: 1 } })).toEqual(DEFAULT_THRESHOLDS);
  });
});

describe('all-day counts', () => {
  it('counts what is still to make: fired, not done, not voided, by item and size', () => {
    const counts = allDayCounts([
      { name: 'Burger', quantity: 2, voidedQuantity: 0, done: false, fired: true },
      { name: 'Burger', quantity: 3, voidedQuantity: 1, done: false, fired: true },
      { name: 'Burger', quantity: 4, voidedQuantity: 0, done: true, fired: true },
      { name: 'Burger', quantity: 5, voidedQuantity: 0, done: false, fired: false },
      { name: 'Wings', variant: '12pc', quantity: 1, voidedQuantity: 0, done: false, fired: true },
      { name: 'Wings', variant: '6pc', quantity: 4, voidedQuantity: 4, done: false, fired: true },
    ]);
    expect(counts).toEqual([
      { name: 'Burger', quantity: 4 },
      { name: 'Wings (12pc)', quantity: 1 },
    ]);
  });
});

describe('coursing', () => {
  it('fires the first course on arrival and holds later ones until fired', () => {
    expect(firesOnArrival(1, 1, new Set())).toBe(true);
    expect(firesOnArrival(2, 1, new Set())).toBe(false);
    expect(firesOnArrival(2, 1, new Set([2]))).toBe(true);
    expect(firesOnArrival(3, 1, new Set([2]))).toBe(false);
    // An order whose first course is 2 (starters skipped) starts with course 2.
    expect(firesOnArrival(2, 2, new Set())).toBe(true);
  });
});

describe('kitchen status', () => {
  it('moves one step at a time, never back', () => {
    expect(kitchenStep('NEW', 'PREPARING')).toEqual({ ok: true });
    expect(kitchenStep('PREPARING', 'READY')).toEqual({ ok: true });
    expect(kitchenStep('NEW', 'READY')).toMatchObject({ ok: false });
    expect(kitchenStep('READY', 'PREPARING')).toMatchObject({ ok: false });
    expect(kitchenStep('PREPARING', 'PREPARING')).toMatchObject({ ok: false });
  });
});

describe('percentile', () => {
  it('is the nearest rank', () => {
    expect(percentile([], 90)).toBeUndefined();
    expect(percentile([5], 90)).toBe(5);
    expect(percentile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 90)).toBe(9);
    expect(percentile([10, 1, 9, 2], 50)).toBe(2);
  });
});
