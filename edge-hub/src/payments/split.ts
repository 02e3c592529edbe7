import { allocateProportionally, type Cents, cents, splitEvenly } from '@pos/contracts';
import type { FieldError } from '@pos/kit';
import type { PayableLine, PayableOrder } from '../ports.js';
import type { CategoryAmount, Split } from './payment-store.js';

// How much of an order one payment covers when the check is split, and how a payment's amount
// is shared out over menu categories (loyalty earns per category; reports sell by category).
// Every share is computed by the largest-remainder method, so shares add up to the cent.

/** What each line owes: its total plus its share of the service charge (by pre-tax net). */
export function lineDues(order: PayableOrder): Map<string, Cents> {
  const service = allocateProportionally(
    cents(order.serviceChargeCents),
    order.lines.map((l) => Math.max(0, l.netCents)),
  );
  return new Map(
    order.lines.map((line, i) => [line.orderItemId, cents(line.totalCents + (service[i] ?? 0))]),
  );
}

export type ShareResult =
  | { ok: true; amountCents: Cents; lines: readonly PayableLine[] }
  | { ok: false; errors: FieldError[] };

/** The amount one split covers: a seat's items, chosen items, or one of N equal parts. */
export function splitShare(order: PayableOrder, split: Split): ShareResult {
  const dues = lineDues(order);
  const owed = (lines: readonly PayableLine[]) =>
    cents(lines.reduce((sum, l) => sum + (dues.get(l.orderItemId) ?? 0), 0));
  switch (split.by) {
    case 'seat': {
      const lines = order.lines.filter((l) => l.seat === split.seat);
      if (lines.length === 0) {
        return fail('split.seat', `no items on seat ${split.seat}`);
      }
      return { ok: true, amountCents: owed(lines), lines };
    }
    case 'items': {
      const wanted = new Set(split.orderItemIds);
      if (wanted.size !== split.orderItemIds.length) {
        return fail('split.orderItemIds', 'each item may be listed once');
      }
      const lines = order.lines.filter((l) => wanted.has(l.orderItemId));
      const missing = split.orderItemIds.filter((id) => !lines.some((l) => l.orderItemId === id));
      if (missing.length > 0) {
        return fail('split.orderItemIds', `not on this order (or voided): ${missing.join(', ')}`);
      }
      return { ok: true, amountCents: owed(lines), lines };
    }
    case 'equal': {
      if (split.part > split.parts) {
        return fail('split.part', `part ${split.part} of ${split.parts} does not exist`);
      }
      const shares = splitEvenly(cents(order.totalCents), split.parts);
      return { ok: true, amountCents: shares[split.part - 1] ?? cents(0), lines: order.lines };
    }
  }
}

/** Two splits that pay for the same thing: the same seat, a shared item, the same part. */
export function splitsOverlap(a: Split, b: Split): boolean {
  if (a.by === 'seat' && b.by === 'seat') return a.seat === b.seat;
  if (a.by === 'items' && b.by === 'items') {
    return a.orderItemIds.some((id) => b.orderItemIds.includes(id));
  }
  if (a.by === 'equal' && b.by === 'equal') return a.parts === b.parts && a.part === b.part;
  return false;
}

/** Share `amountCents` out over the categories of `lines`, in proportion to what each owes. */
export function categoryAmounts(
  order: PayableOrder,
  lines: readonly PayableLine[],
  amountCents: number,
): CategoryAmount[] {
  const dues = lineDues(order);
  const byCategory = new Map<string, number>();
  for (const line of lines) {
    const due = dues.get(line.orderItemId) ?? 0;
    byCategory.set(line.categoryId, (byCategory.get(line.categoryId) ?? 0) + due);
  }
  const ids = [...byCategory.keys()];
  if (ids.length === 0) return [];
  const weights = ids.map((id) => Math.max(0, byCategory.get(id) ?? 0));
  if (weights.every((w) => w === 0)) return [];
  const shares = allocateProportionally(cents(amountCents), weights);
  return ids
    .map((categoryId, i) => ({ categoryId, amountCents: shares[i] ?? 0 }))
    .filter((c) => c.amountCents > 0);
}

/** Round a cash amount to the nearest `step` cents (5 for nickel rounding), halves up. */
export function roundCash(amountCents: number, step: number): number {
  if (step <= 1) return amountCents;
  return Math.floor((amountCents + step / 2) / step) * step;
}

function fail(field: string, message: string): ShareResult {
  return { ok: false, errors: [{ field, message }] };
}
