import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { applyBasisPoints, type Cents, cents } from '../money.js';
import {
  allocateProportionally,
  type Discount,
  type PricingInput,
  type PricingLineInput,
  priceOrder,
  splitEvenly,
} from './pricing.js';

function line(over: Partial<PricingLineInput> & { unitPriceCents: number }): PricingLineInput {
  return { key: 'a', quantity: 1, taxRateBasisPoints: 0, taxInclusive: false, ...over };
}

const percent = (basisPoints: number): Discount => ({ kind: 'percent', basisPoints, reason: 'r' });
const amount = (amountCents: number): Discount => ({ kind: 'amount', amountCents, reason: 'r' });

describe('priceOrder, worked by hand', () => {
  it('3 × $4.99 at 8.75 % exclusive', () => {
    // gross 3 × 499 = 1497; tax 1497 × 0.0875 = 130.9875 → 131; total 1628.
    const order = priceOrder({
      lines: [line({ unitPriceCents: 499, quantity: 3, taxRateBasisPoints: 875 })],
    });
    expect(order.lines[0]).toEqual({
      key: 'a',
      grossCents: 1497,
      lineDiscountCents: 0,
      orderDiscountCents: 0,
      netCents: 1497,
      taxCents: 131,
      totalCents: 1628,
    });
    expect(order).toMatchObject({ subtotalCents: 1497, taxCents: 131, totalCents: 1628 });
  });

  it('refuses 8.875 %, which is not a whole number of basis points', () => {
    // New York City's 8.875 % is 887.5 bp: rates are whole basis points throughout.
    expect(() =>
      priceOrder({
        lines: [line({ unitPriceCents: 499, quantity: 3, taxRateBasisPoints: 887.5 })],
      }),
    ).toThrow(RangeError);
  });

  it('allocates a 15 % order discount over three lines by largest remainder', () => {
    // base = 1000 + 700 + 299 = 1999; 15 % = 299.85 → 300.
    // shares 300 × w / 1999: 150.075 (rem 150), 105.052 (rem 105), 44.872 (rem 1744):
    // floors 150 + 105 + 44 = 299, the one cent left goes to the largest remainder, line c.
    // nets 850, 595, 254; 10 % tax 85, 59.5 → 60, 25.4 → 25 = 170; total 1699 + 170 = 1869.
    const order = priceOrder({
      lines: [
        line({ key: 'a', unitPriceCents: 1000, taxRateBasisPoints: 1000 }),
        line({ key: 'b', unitPriceCents: 350, quantity: 2, taxRateBasisPoints: 1000 }),
        line({ key: 'c', unitPriceCents: 299, taxRateBasisPoints: 1000 }),
      ],
      orderDiscount: percent(1500),
    });
    expect(order.lines.map((l) => l.orderDiscountCents)).toEqual([150, 105, 45]);
    expect(order.lines.map((l) => l.netCents)).toEqual([850, 595, 254]);
    expect(order.lines.map((l) => l.taxCents)).toEqual([85, 60, 25]);
    expect(order).toMatchObject({
      subtotalCents: 1999,
      discountCents: 300,
      taxCents: 170,
      serviceChargeCents: 0,
      totalCents: 1869,
    });
  });

  it('finds the €2.00 of 20 % VAT inside a €12.00 inclusive price', () => {
    // 1200 / 1.2 = 1000 exactly, so the tax is 200 and the total stays 1200.
    const order = priceOrder({
      lines: [line({ unitPriceCents: 1200, taxRateBasisPoints: 2000, taxInclusive: true })],
    });
    expect(order.lines[0]).toMatchObject({ netCents: 1200, taxCents: 200, totalCents: 1200 });
    expect(order).toMatchObject({ taxCents: 200, totalCents: 1200 });
  });

  it.each([
    [999, 166], // 999 / 1.2 = 832.5 exactly → 833 (half away from zero), tax 166
    [1000, 167], // 833.33 → 833, tax 167
    [3, 0], // 2.5 → 3, tax 0
    [1, 0], // 0.83 → 1, tax 0
    [6, 1], // 5 exactly, tax 1
  ])('finds the 20 %% VAT inside %d cents: %d', (price, tax) => {
    // tax = price − round(price / 1.2)
    const order = priceOrder({
      lines: [line({ unitPriceCents: price, taxRateBasisPoints: 2000, taxInclusive: true })],
    });
    expect(order).toMatchObject({ taxCents: tax, totalCents: price });
  });

  it('caps an amount discount larger than the line at the line', () => {
    // $5.00 line, $8.00 off: discount 500, net 0, tax 0 even at 10 %.
    const order = priceOrder({
      lines: [line({ unitPriceCents: 500, taxRateBasisPoints: 1000, discount: amount(800) })],
    });
    expect(order.lines[0]).toMatchObject({ lineDiscountCents: 500, netCents: 0, taxCents: 0 });
    expect(order).toMatchObject({ subtotalCents: 500, discountCents: 500, totalCents: 0 });
  });

  it('charges 18 % service on the pre-tax net, untaxed', () => {
    // a: 2 × 1250 = 2500 + 8 % exclusive tax 200 → 2700.
    // b: 1200 with 20 % VAT inside: tax 200, pre-tax 1000.
    // service 18 % of (2500 + 1000) = 630; total 2700 + 1200 + 630 = 4530
    //   = subtotal 3700 − 0 + exclusive tax 200 + 630.
    const order = priceOrder({
      lines: [
        line({ key: 'a', unitPriceCents: 1250, quantity: 2, taxRateBasisPoints: 800 }),
        line({ key: 'b', unitPriceCents: 1200, taxRateBasisPoints: 2000, taxInclusive: true }),
      ],
      serviceChargeBasisPoints: 1800,
    });
    expect(order).toEqual({
      lines: [
        expect.objectContaining({ key: 'a', taxCents: 200, totalCents: 2700 }),
        expect.objectContaining({ key: 'b', taxCents: 200, totalCents: 1200 }),
      ],
      subtotalCents: 3700,
      discountCents: 0,
      taxCents: 400,
      serviceChargeCents: 630,
      totalCents: 4530,
    });
  });

  it('applies a line discount before the order discount', () => {
    // a: 2000 − 10 % = 1800; b: 1000 − 300 = 700; base 2500, order discount 500 →
    // shares 500 × 1800 / 2500 = 360 and 500 × 700 / 2500 = 140 (exact).
    const order = priceOrder({
      lines: [
        line({ key: 'a', unitPriceCents: 2000, discount: percent(1000) }),
        line({ key: 'b', unitPriceCents: 1000, discount: amount(300) }),
      ],
      orderDiscount: amount(500),
    });
    expect(order.lines.map((l) => [l.lineDiscountCents, l.orderDiscountCents, l.netCents])).toEqual(
      [
        [200, 360, 1440],
        [300, 140, 560],
      ],
    );
    expect(order).toMatchObject({ subtotalCents: 3000, discountCents: 1000, totalCents: 2000 });
  });
});

describe('priceOrder, edge cases', () => {
  it('prices an empty order at zero', () => {
    expect(
      priceOrder({ lines: [], orderDiscount: amount(100), serviceChargeBasisPoints: 1000 }),
    ).toEqual({
      lines: [],
      subtotalCents: 0,
      discountCents: 0,
      taxCents: 0,
      serviceChargeCents: 0,
      totalCents: 0,
    });
  });

  it('gives a zero-price line no share of the order discount', () => {
    const order = priceOrder({
      lines: [
        line({ key: 'water', unitPriceCents: 0, quantity: 3, taxRateBasisPoints: 1000 }),
        line({ key: 'soup', unitPriceCents: 700 }),
      ],
      orderDiscount: amount(100),
    });
    expect(order.lines[0]).toMatchObject({ grossCents: 0, orderDiscountCents: 0, totalCents: 0 });
    expect(order.lines[1]).toMatchObject({ orderDiscountCents: 100, netCents: 600 });
  });

  it('brings everything to zero with a 100 % line or order discount', () => {
    const byLine = priceOrder({
      lines: [line({ unitPriceCents: 1234, taxRateBasisPoints: 900, discount: percent(10_000) })],
      serviceChargeBasisPoints: 1500,
    });
    expect(byLine).toMatchObject({ discountCents: 1234, taxCents: 0, totalCents: 0 });
    const byOrder = priceOrder({
      lines: [
        line({ key: 'a', unitPriceCents: 999, taxRateBasisPoints: 2000, taxInclusive: true }),
        line({ key: 'b', unitPriceCents: 1, quantity: 7, taxRateBasisPoints: 800 }),
      ],
      orderDiscount: percent(10_000),
      serviceChargeBasisPoints: 1500,
    });
    expect(byOrder).toMatchObject({ subtotalCents: 1006, discountCents: 1006, totalCents: 0 });
  });

  it('rounds single cents half away from zero', () => {
    // 1 cent at 50 % tax: 0.5 → 1; at 49.99 %: 0.4999 → 0.
    expect(
      priceOrder({ lines: [line({ unitPriceCents: 1, taxRateBasisPoints: 5000 })] }),
    ).toMatchObject({ taxCents: 1, totalCents: 2 });
    expect(
      priceOrder({ lines: [line({ unitPriceCents: 1, taxRateBasisPoints: 4999 })] }),
    ).toMatchObject({ taxCents: 0, totalCents: 1 });
  });

  it('gives a one-cent order discount over equal lines to the first line', () => {
    const order = priceOrder({
      lines: ['a', 'b', 'c'].map((key) => line({ key, unitPriceCents: 100 })),
      orderDiscount: amount(1),
    });
    expect(order.lines.map((l) => l.orderDiscountCents)).toEqual([1, 0, 0]);
    expect(order.totalCents).toBe(299);
  });

  it.each<[string, PricingInput]>([
    ['fractional cents', { lines: [line({ unitPriceCents: 4.99 })] }],
    ['negative price', { lines: [line({ unitPriceCents: -1 })] }],
    ['zero quantity', { lines: [line({ unitPriceCents: 100, quantity: 0 })] }],
    ['fractional quantity', { lines: [line({ unitPriceCents: 100, quantity: 1.5 })] }],
    ['tax over 100 %', { lines: [line({ unitPriceCents: 100, taxRateBasisPoints: 10_001 })] }],
    ['negative tax', { lines: [line({ unitPriceCents: 100, taxRateBasisPoints: -1 })] }],
    ['0 % discount', { lines: [line({ unitPriceCents: 100, discount: percent(0) })] }],
    ['101 % discount', { lines: [], orderDiscount: percent(10_001) }],
    ['zero amount discount', { lines: [], orderDiscount: amount(0) }],
    ['fractional amount discount', { lines: [], orderDiscount: amount(0.5) }],
    ['negative service charge', { lines: [], serviceChargeBasisPoints: -100 }],
    ['service over 100 %', { lines: [], serviceChargeBasisPoints: 10_001 }],
    ['an absurd subtotal', { lines: [line({ unitPriceCents: 1_000_000_000, quantity: 11 })] }],
  ])('throws a RangeError for %s', (_, input) => {
    expect(() => priceOrder(input)).toThrow(RangeError);
  });
});

describe('splitEvenly and allocateProportionally, worked by hand', () => {
  it.each([
    [1000, 3, [334, 333, 333]],
    [1, 3, [1, 0, 0]],
    [2, 3, [1, 1, 0]],
    [0, 2, [0, 0]],
    [999, 1, [999]],
    [-1000, 3, [-334, -333, -333]],
  ])('splits %d into %d parts', (total, parts, expected) => {
    expect(splitEvenly(cents(total), parts)).toEqual(expected);
  });

  it.each([0, -1, 1.5])('refuses %d parts', (parts) => {
    expect(() => splitEvenly(cents(100), parts)).toThrow(RangeError);
  });

  it.each([
    [100, [1, 1, 1], [34, 33, 33]],
    [10, [1, 2, 3], [2, 3, 5]], // 1.67, 3.33, 5 → floors 1, 3, 5; the cent goes to 0.67
    [7, [0, 5, 0], [0, 7, 0]],
    [0, [0, 0], [0, 0]],
    [3, [], null],
    [3, [0, 0], null],
    [3, [1, -1], null],
  ])('allocates %d by %j', (total, weights, expected) => {
    const run = () => allocateProportionally(cents(total), weights);
    if (expected === null) expect(run).toThrow(RangeError);
    else expect(run()).toEqual(expected);
  });
});

const discountArb: fc.Arbitrary<Discount> = fc.oneof(
  fc.record({
    kind: fc.constant('percent' as const),
    basisPoints: fc.integer({ min: 1, max: 10_000 }),
    reason: fc.constant('promo'),
  }),
  fc.record({
    kind: fc.constant('amount' as const),
    amountCents: fc.integer({ min: 1, max: 200_000 }),
    reason: fc.constant('comp'),
  }),
);

const orderArb: fc.Arbitrary<PricingInput> = fc.record({
  lines: fc
    .array(
      fc.record({
        unitPriceCents: fc.integer({ min: 0, max: 100_000 }),
        quantity: fc.integer({ min: 1, max: 999 }),
        taxRateBasisPoints: fc.integer({ min: 0, max: 3000 }),
        taxInclusive: fc.boolean(),
        discount: fc.option(discountArb, { nil: undefined }),
      }),
      { minLength: 1, maxLength: 20 },
    )
    .map((ls) => ls.map((l, i) => ({ key: `line-${i}`, ...l }))),
  orderDiscount: fc.option(discountArb, { nil: undefined }),
  serviceChargeBasisPoints: fc.option(fc.integer({ min: 0, max: 2500 }), { nil: undefined }),
});

const total = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0);

describe('priceOrder, properties', () => {
  it('never produces a negative amount', () => {
    fc.assert(
      fc.property(orderArb, (input) => {
        const o = priceOrder(input);
        const amounts = [
          o.subtotalCents,
          o.discountCents,
          o.taxCents,
          o.serviceChargeCents,
          o.totalCents,
          ...o.lines.flatMap((l) => [
            l.grossCents,
            l.lineDiscountCents,
            l.orderDiscountCents,
            l.netCents,
            l.taxCents,
            l.totalCents,
          ]),
        ];
        expect(amounts.every((a) => Number.isSafeInteger(a) && a >= 0)).toBe(true);
      }),
    );
  });

  it('balances: Σ line totals + service = total = subtotal − discount + exclusive tax + service', () => {
    fc.assert(
      fc.property(orderArb, (input) => {
        const o = priceOrder(input);
        const exclusiveTax = total(
          o.lines.filter((_, i) => !input.lines[i]?.taxInclusive).map((l) => l.taxCents),
        );
        expect(total(o.lines.map((l) => l.totalCents)) + o.serviceChargeCents).toBe(o.totalCents);
        expect(o.subtotalCents - o.discountCents + exclusiveTax + o.serviceChargeCents).toBe(
          o.totalCents,
        );
        expect(o.subtotalCents).toBe(total(o.lines.map((l) => l.grossCents)));
        expect(o.taxCents).toBe(total(o.lines.map((l) => l.taxCents)));
        expect(o.discountCents).toBeLessThanOrEqual(o.subtotalCents);
      }),
    );
  });

  it('allocates exactly the order discount, no share larger than its line', () => {
    fc.assert(
      fc.property(orderArb, (input) => {
        const o = priceOrder(input);
        const base = total(o.lines.map((l) => l.grossCents - l.lineDiscountCents));
        const d = input.orderDiscount;
        const expected =
          d === undefined
            ? 0
            : d.kind === 'percent'
              ? applyBasisPoints(cents(base), d.basisPoints)
              : Math.min(d.amountCents, base);
        expect(total(o.lines.map((l) => l.orderDiscountCents))).toBe(expected);
        for (const l of o.lines) {
          expect(l.orderDiscountCents).toBeLessThanOrEqual(l.grossCents - l.lineDiscountCents);
          expect(l.netCents).toBe(l.grossCents - l.lineDiscountCents - l.orderDiscountCents);
        }
      }),
    );
  });

  it('finds inclusive tax so that pre-tax × (1 + rate) is net to within half a step', () => {
    fc.assert(
      fc.property(orderArb, (input) => {
        priceOrder(input).lines.forEach((l, i) => {
          const src = input.lines[i];
          if (!src?.taxInclusive) return;
          const d = 10_000 + src.taxRateBasisPoints;
          const error = (l.netCents - l.taxCents) * d - l.netCents * 10_000;
          expect(2 * Math.abs(error)).toBeLessThanOrEqual(d);
          expect(l.totalCents).toBe(l.netCents);
        });
      }),
    );
  });
});

describe('splitEvenly and allocateProportionally, properties', () => {
  const amountArb = fc.integer({ min: -1_000_000_000, max: 1_000_000_000 }).map(cents);

  it('splits into shares that add up and differ by at most a cent, larger first', () => {
    fc.assert(
      fc.property(amountArb, fc.integer({ min: 1, max: 50 }), (t: Cents, parts) => {
        const shares = splitEvenly(t, parts);
        expect(shares).toHaveLength(parts);
        expect(total(shares)).toBe(t);
        expect(Math.max(...shares) - Math.min(...shares)).toBeLessThanOrEqual(1);
        const magnitudes = shares.map(Math.abs);
        expect([...magnitudes].sort((a, b) => b - a)).toEqual(magnitudes);
      }),
    );
  });

  it('allocates shares that add up, each within a cent of its exact proportion', () => {
    const weightsArb = fc
      .array(fc.integer({ min: 0, max: 100_000_000 }), { minLength: 1, maxLength: 20 })
      .filter((ws) => ws.some((w) => w > 0));
    fc.assert(
      fc.property(amountArb, weightsArb, (t: Cents, weights) => {
        const shares = allocateProportionally(t, weights);
        const weightSum = total(weights);
        expect(total(shares)).toBe(t);
        shares.forEach((s, i) => {
          const exact = (t * (weights[i] ?? 0)) / weightSum;
          expect(Math.abs(s - exact)).toBeLessThan(1 + 1e-6);
          if (weights[i] === 0) expect(s).toBe(0);
        });
      }),
    );
  });
});
