import { z } from 'zod';
import type { Brand } from './brand.js';

/**
 * Money is an integer count of minor units (cents) with an ISO 4217 currency. Floats never hold
 * money anywhere in the system: 0.1 + 0.2 is not 0.3, and a till must balance to the cent.
 */
export type Cents = Brand<number, 'Cents'>;

/** Largest amount accepted anywhere: 10 million in major units. Keeps every sum exact. */
export const MAX_CENTS = 1_000_000_000;

export const Cents = z
  .number()
  .int({ message: 'amount must be a whole number of cents' })
  .min(-MAX_CENTS)
  .max(MAX_CENTS)
  .transform((n) => n as Cents);

/** Non-negative amount (prices, totals, tenders). */
export const NonNegativeCents = z
  .number()
  .int({ message: 'amount must be a whole number of cents' })
  .min(0, { message: 'amount must not be negative' })
  .max(MAX_CENTS)
  .transform((n) => n as Cents);

/** Strictly positive amount (a payment, a refund). */
export const PositiveCents = z
  .number()
  .int({ message: 'amount must be a whole number of cents' })
  .min(1, { message: 'amount must be greater than zero' })
  .max(MAX_CENTS)
  .transform((n) => n as Cents);

export const Currency = z
  .string()
  .regex(/^[A-Z]{3}$/, { message: 'currency must be an ISO 4217 code such as USD' });
export type Currency = z.infer<typeof Currency>;

export const Money = z.object({ amountCents: Cents, currency: Currency });
export type Money = z.infer<typeof Money>;

export function cents(n: number): Cents {
  if (!Number.isSafeInteger(n)) throw new RangeError(`not a whole number of cents: ${n}`);
  return n as Cents;
}

export function money(amountCents: number, currency: Currency): Money {
  return { amountCents: cents(amountCents), currency };
}

export function addCents(...amounts: readonly Cents[]): Cents {
  let total = 0;
  for (const a of amounts) total += a;
  return cents(total);
}

/**
 * Multiply an amount by a rational rate given in basis points (1 bp = 0.01 %) and round half
 * away from zero, the usual rule for sales tax and percentage discounts.
 */
export function applyBasisPoints(amount: Cents, basisPoints: number): Cents {
  if (!Number.isInteger(basisPoints)) throw new RangeError('basis points must be whole');
  const product = amount * basisPoints;
  const quotient = Math.trunc(product / 10_000);
  const remainder = product - quotient * 10_000;
  const roundAway = Math.abs(remainder) * 2 >= 10_000 ? Math.sign(product) : 0;
  return cents(quotient + roundAway);
}

/** Format for people (receipts, screens): 1234 USD → "$12.34". */
export function formatMoney(amount: Cents, currency: Currency, locale = 'en-US'): string {
  return new Intl.NumberFormat(locale, { style: 'currency', currency }).format(amount / 100);
}
