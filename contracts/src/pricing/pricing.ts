import { applyBasisPoints, type Cents, cents } from '../money.js';

// Order pricing: a pure function of the lines, their discounts, the order discount and the
// service charge. Everything is integer cents; percentages are whole basis points
// (1 bp = 0.01 %) and every percentage is rounded half away from zero by `applyBasisPoints`.
//
// The rules, in the order they are applied:
//  1. gross = unit price × quantity.
//  2. Line discount: percent → applyBasisPoints(gross, bp); amount → min(amount, gross). A line
//     never goes below zero.
//  3. Order discount, on the base Σ(gross − line discount): percent → applyBasisPoints(base, bp);
//     amount → min(amount, base). It is allocated to the lines in proportion to their
//     (gross − line discount) by the largest-remainder method, so the shares add up exactly to
//     the order discount and no line's share exceeds what is left of that line.
//  4. net = gross − line discount − order-discount share.
//  5. Tax: exclusive → applyBasisPoints(net, rate), added on top; inclusive → the tax already in
//     net, net − round(net × 10 000 / (10 000 + rate)), computed exactly with BigInt.
//  6. Line total = net + (exclusive ? tax : 0).
//  7. Service charge = applyBasisPoints(Σ pre-tax net, bp), where the pre-tax net of an
//     inclusive line is net − tax. The service charge itself is not taxed.
//  8. subtotal = Σ gross; discount = Σ(line discount + share); tax = Σ tax;
//     total = Σ line totals + service charge
//           = subtotal − discount + Σ exclusive tax + service charge.
//
// Inputs are validated by the caller (the contract schemas); anything outside the ranges here
// is a programming fault and throws a RangeError.

export type Discount =
  | { kind: 'percent' /** 1..10 000 */; basisPoints: number; reason: string }
  | { kind: 'amount' /** > 0 */; amountCents: number; reason: string };

export interface PricingLineInput {
  key: string;
  unitPriceCents: number;
  quantity: number;
  /** 0..10 000 */
  taxRateBasisPoints: number;
  /** The unit price already contains the tax (VAT style) rather than having it added. */
  taxInclusive: boolean;
  discount?: Discount | undefined;
}

export interface PricingInput {
  lines: readonly PricingLineInput[];
  orderDiscount?: Discount | undefined;
  /** 0..10 000; charged on the pre-tax net of the order. */
  serviceChargeBasisPoints?: number | undefined;
}

export interface PricedLine {
  key: string;
  grossCents: Cents;
  lineDiscountCents: Cents;
  /** This line's share of the order discount. */
  orderDiscountCents: Cents;
  netCents: Cents;
  taxCents: Cents;
  totalCents: Cents;
}

export interface PricedOrder {
  lines: PricedLine[];
  subtotalCents: Cents;
  discountCents: Cents;
  taxCents: Cents;
  serviceChargeCents: Cents;
  totalCents: Cents;
}

const BP_SCALE = 10_000;

/**
 * Largest subtotal priced. `applyBasisPoints` multiplies and divides in doubles: below this,
 * amount × bp stays under 2^53 and the quotient's rounding error (< 2^-16) cannot cross a
 * 1/10 000 step, so every result is exact. It is $100 million, far above any real order.
 */
const MAX_PRICED_CENTS = 10_000_000_000;

export function priceOrder(input: PricingInput): PricedOrder {
  const serviceBp = input.serviceChargeBasisPoints ?? 0;
  assertBasisPoints('service charge', serviceBp, 0);
  if (input.orderDiscount !== undefined) assertDiscount('order discount', input.orderDiscount);

  const discounted = input.lines.map((line) => {
    assertLine(line);
    const gross = cents(line.unitPriceCents * line.quantity);
    assertPriceable(gross);
    const lineDiscount = discountOn(gross, line.discount);
    return { line, gross, lineDiscount, afterLine: cents(gross - lineDiscount) };
  });

  const subtotal = sum(discounted.map((d) => d.gross));
  assertPriceable(subtotal);
  const orderDiscount = discountOn(sum(discounted.map((d) => d.afterLine)), input.orderDiscount);
  const shares = allocateProportionally(
    orderDiscount,
    discounted.map((d) => d.afterLine),
  );

  const lines: PricedLine[] = [];
  let preTaxNet = 0;
  discounted.forEach(({ line, gross, lineDiscount, afterLine }, i) => {
    const share = shares[i] ?? cents(0);
    const net = cents(afterLine - share);
    const tax = line.taxInclusive
      ? taxContainedIn(net, line.taxRateBasisPoints)
      : applyBasisPoints(net, line.taxRateBasisPoints);
    preTaxNet += line.taxInclusive ? net - tax : net;
    lines.push({
      key: line.key,
      grossCents: gross,
      lineDiscountCents: lineDiscount,
      orderDiscountCents: share,
      netCents: net,
      taxCents: tax,
      totalCents: line.taxInclusive ? net : cents(net + tax),
    });
  });

  const serviceCharge = applyBasisPoints(cents(preTaxNet), serviceBp);
  return {
    lines,
    subtotalCents: subtotal,
    discountCents: sum(lines.map((l) => cents(l.lineDiscountCents + l.orderDiscountCents))),
    taxCents: sum(lines.map((l) => l.taxCents)),
    serviceChargeCents: serviceCharge,
    totalCents: cents(sum(lines.map((l) => l.totalCents)) + serviceCharge),
  };
}

/**
 * Split an amount into `parts` shares that differ by at most one cent, the first shares taking
 * the extra cents: 10.00 in 3 → 3.34, 3.33, 3.33. Used for "split in equal parts" payments.
 */
export function splitEvenly(total: Cents, parts: number): Cents[] {
  if (!Number.isSafeInteger(parts) || parts < 1) {
    throw new RangeError(`cannot split into ${parts} parts`);
  }
  return allocateProportionally(total, new Array<number>(parts).fill(1));
}

/**
 * Allocate `total` in proportion to `weights` by the largest-remainder (Hamilton) method: each
 * share is first rounded down, then the cents left over go one each to the shares with the
 * largest remainders, ties to the earlier weight. The shares always add up to `total`, and a
 * share never exceeds its exact proportion rounded up (so a zero weight gets nothing).
 * Computed in BigInt because total × weight can exceed 2^53.
 */
export function allocateProportionally(total: Cents, weights: readonly number[]): Cents[] {
  if (!Number.isSafeInteger(total)) throw new RangeError(`not a whole number of cents: ${total}`);
  for (const w of weights) {
    if (!Number.isSafeInteger(w) || w < 0) throw new RangeError(`invalid weight: ${w}`);
  }
  const weightSum = weights.reduce((acc, w) => acc + BigInt(w), 0n);
  if (weightSum === 0n) {
    if (total !== 0) throw new RangeError(`cannot allocate ${total} over zero weights`);
    return weights.map(() => cents(0));
  }

  // Allocate the magnitude; a negative total (a refund) mirrors a positive one.
  const magnitude = BigInt(Math.abs(total));
  const exact = weights.map((w, index) => {
    const product = magnitude * BigInt(w);
    return { index, floor: product / weightSum, remainder: product % weightSum };
  });
  const leftover = Number(magnitude - exact.reduce((acc, e) => acc + e.floor, 0n));
  const byRemainder = [...exact].sort((a, b) =>
    a.remainder === b.remainder ? a.index - b.index : a.remainder > b.remainder ? -1 : 1,
  );
  const shares = exact.map((e) => Number(e.floor));
  for (const e of byRemainder.slice(0, leftover)) shares[e.index] = (shares[e.index] ?? 0) + 1;
  // `0 - s` rather than `-s` so that a zero share stays +0, not −0.
  return shares.map((s) => cents(total < 0 ? 0 - s : s));
}

function discountOn(base: Cents, discount: Discount | undefined): Cents {
  if (discount === undefined) return cents(0);
  if (discount.kind === 'percent') return applyBasisPoints(base, discount.basisPoints);
  return cents(Math.min(discount.amountCents, base));
}

/**
 * The tax contained in a tax-inclusive amount: net − round(net × 10 000 / (10 000 + rate)).
 * net ≥ 0, so half away from zero is half up: round(n / d) = floor((2n + d) / 2d).
 */
function taxContainedIn(net: Cents, rateBp: number): Cents {
  const numerator = BigInt(net) * BigInt(BP_SCALE);
  const denominator = BigInt(BP_SCALE + rateBp);
  const preTax = (2n * numerator + denominator) / (2n * denominator);
  return cents(net - Number(preTax));
}

function sum(amounts: readonly Cents[]): Cents {
  let total = 0;
  for (const a of amounts) total += a;
  return cents(total);
}

function assertLine(line: PricingLineInput): void {
  const { key, unitPriceCents, quantity } = line;
  if (!Number.isSafeInteger(unitPriceCents) || unitPriceCents < 0) {
    throw new RangeError(`line ${key}: unit price must be whole, non-negative cents`);
  }
  if (!Number.isSafeInteger(quantity) || quantity < 1) {
    throw new RangeError(`line ${key}: quantity must be a whole number of at least 1`);
  }
  assertBasisPoints(`line ${key} tax rate`, line.taxRateBasisPoints, 0);
  if (line.discount !== undefined) assertDiscount(`line ${key} discount`, line.discount);
}

function assertDiscount(what: string, discount: Discount): void {
  if (discount.kind === 'percent') {
    assertBasisPoints(what, discount.basisPoints, 1);
  } else if (!Number.isSafeInteger(discount.amountCents) || discount.amountCents < 1) {
    throw new RangeError(`${what} must be a whole number of cents greater than zero`);
  }
}

function assertBasisPoints(what: string, bp: number, min: number): void {
  if (!Number.isInteger(bp) || bp < min || bp > BP_SCALE) {
    throw new RangeError(`${what} must be whole basis points in ${min}..${BP_SCALE}: ${bp}`);
  }
}

function assertPriceable(amount: Cents): void {
  if (amount > MAX_PRICED_CENTS) {
    throw new RangeError(`${amount} cents is more than an order can hold (${MAX_PRICED_CENTS})`);
  }
}
