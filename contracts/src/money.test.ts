import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  addCents,
  applyBasisPoints,
  Cents,
  Currency,
  cents,
  formatMoney,
  MAX_CENTS,
  Money,
  money,
  NonNegativeCents,
  PositiveCents,
} from './money.js';

describe('cents', () => {
  it.each([0, 1, -5, 1005, MAX_CENTS])('accepts the whole number %d', (n) => {
    expect(cents(n)).toBe(n);
  });

  it.each([0.5, 12.34, -0.01, Number.NaN, Number.POSITIVE_INFINITY, 2 ** 53])('rejects %d', (n) => {
    expect(() => cents(n)).toThrow(RangeError);
  });
});

describe('applyBasisPoints', () => {
  // Worked by hand: amount × bp / 10 000, then half away from zero.
  it.each([
    [1005, 1000, 101], // 100.5 → 101
    [-1005, 1000, -101], // −100.5 → −101
    [1004, 1000, 100], // 100.4
    [-1004, 1000, -100], // −100.4
    [1006, 1000, 101], // 100.6
    [-1006, 1000, -101], // −100.6
    [3150, 825, 260], // 8.25 % tax on 31.50: 259.875
    [1, 5000, 1], // 0.5
    [-1, 5000, -1], // −0.5
    [1, 4999, 0], // 0.4999
    [-1, 1000, 0], // −0.1
    [15, 3333, 5], // 4.9995
    [999, 10_000, 999], // 100 %
    [12_345, 0, 0],
    [200, -1500, -30], // a negative rate: −30 exactly
    [250, -2500, -63], // −62.5 → −63
    [MAX_CENTS, 10_000, MAX_CENTS],
  ])('%d × %d bp = %d', (amount, bp, expected) => {
    expect(applyBasisPoints(cents(amount), bp)).toBe(expected);
  });

  it('rejects a fractional rate', () => {
    expect(() => applyBasisPoints(cents(100), 12.5)).toThrow(RangeError);
  });

  const amount = fc.integer({ min: -MAX_CENTS, max: MAX_CENTS });
  const rate = fc.integer({ min: -100_000, max: 100_000 });

  it('leaves an amount unchanged at 100 %', () => {
    fc.assert(fc.property(amount, (a) => applyBasisPoints(cents(a), 10_000) === a));
  });

  it('is within half a cent of the exact product and rounds ties away from zero', () => {
    fc.assert(
      fc.property(amount, rate, (a, bp) => {
        const result = BigInt(applyBasisPoints(cents(a), bp));
        const exact = BigInt(a) * BigInt(bp); // in 1/10 000 of a cent, exact in BigInt
        const error = result * 10_000n - exact;
        const abs = error < 0n ? -error : error;
        if (abs > 5_000n) return false;
        // On a tie the result moves away from zero, i.e. the error has the product's sign.
        return abs < 5_000n || error > 0n === exact > 0n;
      }),
    );
  });

  it('is odd: negating the amount negates the result', () => {
    fc.assert(
      fc.property(amount, rate, (a, bp) => {
        return applyBasisPoints(cents(-a), bp) === -applyBasisPoints(cents(a), bp);
      }),
    );
  });
});

describe('money schemas', () => {
  it('accept whole cents and reject fractions, signs and range by kind', () => {
    expect(Cents.safeParse(-100).success).toBe(true);
    expect(Cents.safeParse(1.5).success).toBe(false);
    expect(Cents.safeParse(MAX_CENTS + 1).success).toBe(false);
    expect(NonNegativeCents.safeParse(0).success).toBe(true);
    expect(NonNegativeCents.safeParse(-1).success).toBe(false);
    expect(PositiveCents.safeParse(0).success).toBe(false);
    expect(PositiveCents.safeParse(1).success).toBe(true);
  });

  it('accept ISO currency codes only', () => {
    expect(Currency.safeParse('EUR').success).toBe(true);
    expect(Currency.safeParse('eur').success).toBe(false);
    expect(Currency.safeParse('EURO').success).toBe(false);
    expect(Money.safeParse({ amountCents: 10.5, currency: 'EUR' }).success).toBe(false);
  });

  it('build, add and format amounts', () => {
    expect(money(1234, 'USD')).toEqual({ amountCents: 1234, currency: 'USD' });
    expect(() => money(12.34, 'USD')).toThrow(RangeError);
    expect(addCents(cents(1), cents(2), cents(-4))).toBe(-1);
    expect(addCents()).toBe(0);
    expect(formatMoney(cents(1234), 'USD')).toBe('$12.34');
  });
});
