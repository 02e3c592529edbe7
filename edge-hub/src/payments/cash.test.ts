import { describe, expect, it } from 'vitest';
import { type CashLedger, countDenominations, drawerBreakdown, expectedCash } from './cash.js';
import type { PaymentState, Tender } from './payment-store.js';

const pay = (
  tender: Tender,
  status: PaymentState,
  amountCents: number,
  tipCents = 0,
  roundingCents = 0,
) => ({ tender, status, amountCents, tipCents, roundingCents });

const ledger = (over: Partial<CashLedger>): CashLedger => ({
  openingFloatCents: 20_000,
  payments: [],
  refunds: [],
  movements: [],
  ...over,
});

describe('expectedCash', () => {
  it('is the float alone in an untouched drawer', () => {
    expect(expectedCash(ledger({}))).toBe(20_000);
  });

  it('adds cash amounts, tips and rounding of settled payments only', () => {
    const payments = [
      pay('cash', 'completed', 2_345, 500, 0),
      pay('cash', 'completed', 1_002, 0, -2),
      pay('cash', 'captured', 998, 100, 2),
      pay('cash', 'pending', 9_999),
      pay('cash', 'failed', 7_777),
      pay('card', 'captured', 50_000, 1_000),
      pay('card', 'authorised', 3_000),
    ];
    const b = drawerBreakdown(ledger({ payments }));
    expect(b.cashSalesCents).toBe(2_345 + 1_002 + 998);
    expect(b.cashTipsCents).toBe(600);
    expect(b.cashRoundingCents).toBe(0);
    expect(b.expectedCents).toBe(20_000 + 4_345 + 600);
  });

  it('takes cash refunds out, leaves card refunds alone', () => {
    const payments = [pay('cash', 'completed', 4_000, 200, 0), pay('card', 'captured', 6_000)];
    const refunds = [
      { tender: 'cash' as const, kind: 'refund' as const, amountCents: 1_500 },
      { tender: 'card' as const, kind: 'refund' as const, amountCents: 6_000 },
    ];
    const b = drawerBreakdown(ledger({ payments, refunds }));
    expect(b.cashRefundsCents).toBe(1_500);
    expect(b.expectedCents).toBe(20_000 + 4_200 - 1_500);
  });

  it('counts a voided cash payment in and its void out, so it nets to nothing', () => {
    const taken = ledger({ payments: [pay('cash', 'completed', 3_000, 300, 0)] });
    const voided = ledger({
      payments: [pay('cash', 'voided', 3_000, 300, 0)],
      refunds: [{ tender: 'cash', kind: 'void', amountCents: 3_300 }],
    });
    expect(expectedCash(taken)).toBe(23_300);
    const b = drawerBreakdown(voided);
    expect(b.cashSalesCents).toBe(3_000);
    expect(b.cashVoidsCents).toBe(3_300);
    expect(b.cashRefundsCents).toBe(0);
    expect(b.expectedCents).toBe(20_000);
  });

  it('ignores voided card payments and card voids', () => {
    const b = drawerBreakdown(
      ledger({
        payments: [pay('card', 'voided', 8_000, 800)],
        refunds: [{ tender: 'card', kind: 'void', amountCents: 8_800 }],
      }),
    );
    expect(b.expectedCents).toBe(20_000);
    expect(b.cashVoidsCents).toBe(0);
  });

  it('adds paid-ins and takes paid-outs', () => {
    const b = drawerBreakdown(
      ledger({
        payments: [pay('cash', 'completed', 1_000)],
        movements: [
          { kind: 'paid-in', amountCents: 5_000 },
          { kind: 'paid-out', amountCents: 1_250 },
          { kind: 'paid-out', amountCents: 750 },
        ],
      }),
    );
    expect(b.paidInCents).toBe(5_000);
    expect(b.paidOutCents).toBe(2_000);
    expect(b.expectedCents).toBe(20_000 + 1_000 + 5_000 - 2_000);
  });

  it('can go below the float when more went out than came in', () => {
    const b = drawerBreakdown(
      ledger({
        openingFloatCents: 0,
        payments: [pay('cash', 'completed', 500, 0, 0)],
        refunds: [{ tender: 'cash', kind: 'refund', amountCents: 800 }],
      }),
    );
    expect(b.expectedCents).toBe(-300);
  });
});

describe('countDenominations', () => {
  it('totals notes and coins, largest first', () => {
    const result = countDenominations([
      { denominationCents: 25, count: 4 },
      { denominationCents: 10_000, count: 1 },
      { denominationCents: 2_000, count: 3 },
      { denominationCents: 1, count: 7 },
      { denominationCents: 5_000, count: 0 },
    ]);
    expect(result).toEqual({
      ok: true,
      totalCents: 100 + 10_000 + 6_000 + 7,
      counted: [
        { denominationCents: 10_000, count: 1 },
        { denominationCents: 5_000, count: 0 },
        { denominationCents: 2_000, count: 3 },
        { denominationCents: 25, count: 4 },
        { denominationCents: 1, count: 7 },
      ],
    });
  });

  it('counts an empty drawer as zero', () => {
    expect(countDenominations([])).toEqual({ ok: true, totalCents: 0, counted: [] });
  });

  it('refuses unknown denominations, repeats and bad counts, naming each field', () => {
    const result = countDenominations([
      { denominationCents: 300, count: 1 },
      { denominationCents: 100, count: 2 },
      { denominationCents: 100, count: 1 },
      { denominationCents: 50, count: -1 },
      { denominationCents: 10, count: 1.5 },
      { denominationCents: 5, count: 100_001 },
    ]);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.errors.map((e) => e.field)).toEqual([
      'counted.0.denominationCents',
      'counted.2.denominationCents',
      'counted.3.count',
      'counted.4.count',
      'counted.5.count',
    ]);
    expect(result.errors[1]?.message).toMatch(/twice/);
  });

  it('uses the given field prefix', () => {
    const result = countDenominations([{ denominationCents: 3, count: 1 }], 'drawer');
    expect(result).toMatchObject({ ok: false, errors: [{ field: 'drawer.0.denominationCents' }] });
  });
});
