import { type Cents, cents } from '@pos/contracts';
import type { FieldError } from '@pos/kit';
import {
  type CashMovementRow,
  type PaymentRow,
  type PaymentState,
  type RefundRow,
  SETTLED_STATES,
} from './payment-store.js';

// What should be in the cash drawer, and what the cashier counted in it. Pure functions: the
// shift service and the reports feed them rows read in one transaction.

/** Notes and coins a US drawer holds, in cents, largest first. */
export const DENOMINATIONS_CENTS: readonly number[] = [
  10_000, 5_000, 2_000, 1_000, 500, 200, 100, 50, 25, 10, 5, 1,
];

/** Most pieces of one denomination a count may hold (keeps every total exact). */
export const MAX_PIECES = 100_000;

export interface CountedDenomination {
  denominationCents: number;
  count: number;
}

export interface CashLedger {
  openingFloatCents: number;
  payments: readonly Pick<
    PaymentRow,
    'tender' | 'status' | 'amountCents' | 'tipCents' | 'roundingCents'
  >[];
  refunds: readonly Pick<RefundRow, 'tender' | 'kind' | 'amountCents'>[];
  movements: readonly Pick<CashMovementRow, 'kind' | 'amountCents'>[];
}

export interface DrawerBreakdown {
  openingFloatCents: Cents;
  /** Amounts applied to orders by cash payments that went into the drawer. */
  cashSalesCents: Cents;
  cashTipsCents: Cents;
  /** Cash rounding collected (negative when the guest paid less than the exact amount). */
  cashRoundingCents: Cents;
  /** Cash handed back as refunds. */
  cashRefundsCents: Cents;
  /** Cash handed back when a cash payment was voided. */
  cashVoidsCents: Cents;
  paidInCents: Cents;
  paidOutCents: Cents;
  expectedCents: Cents;
}

/**
 * A cash payment put money in the drawer if it was ever settled: it is in a settled state now,
 * or it was voided afterwards. A void does not take the payment back out by itself; the void's
 * refund row does, like any refund. So every cash payment that was taken counts in full (amount
 * + tip + rounding) and every cash refund or void row counts out, and the drawer balances
 * whether the money went back as a refund or as a void.
 */
const CASH_IN_STATES: ReadonlySet<PaymentState> = new Set([...SETTLED_STATES, 'voided']);

/** The drawer's cash in and out since the float, and what should be in it now. */
export function drawerBreakdown(ledger: CashLedger): DrawerBreakdown {
  let sales = 0;
  let tips = 0;
  let rounding = 0;
  for (const p of ledger.payments) {
    if (p.tender !== 'cash' || !CASH_IN_STATES.has(p.status)) continue;
    sales += p.amountCents;
    tips += p.tipCents;
    rounding += p.roundingCents;
  }
  let refunds = 0;
  let voids = 0;
  for (const r of ledger.refunds) {
    if (r.tender !== 'cash') continue;
    if (r.kind === 'void') voids += r.amountCents;
    else refunds += r.amountCents;
  }
  let paidIn = 0;
  let paidOut = 0;
  for (const m of ledger.movements) {
    if (m.kind === 'paid-in') paidIn += m.amountCents;
    else paidOut += m.amountCents;
  }
  const float = ledger.openingFloatCents;
  return {
    openingFloatCents: cents(float),
    cashSalesCents: cents(sales),
    cashTipsCents: cents(tips),
    cashRoundingCents: cents(rounding),
    cashRefundsCents: cents(refunds),
    cashVoidsCents: cents(voids),
    paidInCents: cents(paidIn),
    paidOutCents: cents(paidOut),
    expectedCents: cents(float + sales + tips + rounding - refunds - voids + paidIn - paidOut),
  };
}

/** What should be in the drawer: float + cash taken − cash handed back + paid-ins − paid-outs. */
export function expectedCash(ledger: CashLedger): Cents {
  return drawerBreakdown(ledger).expectedCents;
}

export type CountResult =
  | { ok: true; totalCents: Cents; counted: CountedDenomination[] }
  | { ok: false; errors: FieldError[] };

/**
 * Total a drawer count given as pieces per denomination. Each denomination may appear once,
 * with a whole number of pieces; an empty drawer is an empty list. The count comes back
 * largest denomination first. Errors name the field (`counted.2.count`), ready for a 400.
 */
export function countDenominations(
  counted: readonly CountedDenomination[],
  field = 'counted',
): CountResult {
  const errors: FieldError[] = [];
  const seen = new Set<number>();
  let total = 0;
  counted.forEach((entry, i) => {
    const { denominationCents, count } = entry;
    if (!DENOMINATIONS_CENTS.includes(denominationCents)) {
      errors.push({
        field: `${field}.${i}.denominationCents`,
        message: `not a known denomination: use one of ${DENOMINATIONS_CENTS.join(', ')} cents`,
      });
    } else if (seen.has(denominationCents)) {
      errors.push({
        field: `${field}.${i}.denominationCents`,
        message: `${denominationCents} is counted twice; give each denomination once`,
      });
    }
    seen.add(denominationCents);
    if (!Number.isInteger(count) || count < 0 || count > MAX_PIECES) {
      errors.push({
        field: `${field}.${i}.count`,
        message: `count must be a whole number from 0 to ${MAX_PIECES}`,
      });
      return;
    }
    total += denominationCents * count;
  });
  if (errors.length > 0) return { ok: false, errors };
  const sorted = [...counted]
    .map(({ denominationCents, count }) => ({ denominationCents, count }))
    .sort((a, b) => b.denominationCents - a.denominationCents);
  return { ok: true, totalCents: cents(total), counted: sorted };
}
