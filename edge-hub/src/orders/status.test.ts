import { describe, expect, it } from 'vitest';
import {
  canCancel,
  canModify,
  canTransition,
  isFinal,
  nextStatuses,
  ORDER_STATUSES,
  type OrderStatus,
  transition,
} from './status.js';

// The expected machine, written out by hand from the specification rather than derived from
// the implementation. Rows are `from`, columns are `to`, in the order of COLUMNS.
const COLUMNS: readonly OrderStatus[] = [
  'PENDING',
  'CONFIRMED',
  'PREPARING',
  'READY',
  'PICKED_UP',
  'COMPLETED',
  'CANCELLED',
  'PAYMENT_FAILED',
  'INVENTORY_UNAVAILABLE',
];
const EXPECTED: Readonly<Record<OrderStatus, string>> = {
  /*                       PEN CON PRE RDY PUP CMP CAN PFL INV */
  PENDING: /*           */ ' .   x   x   .   .   .   x   x   x ',
  CONFIRMED: /*         */ ' .   .   x   x   .   .   x   .   . ',
  PREPARING: /*         */ ' .   .   .   x   .   .   x   .   . ',
  READY: /*             */ ' .   .   x   .   x   x   .   .   . ',
  PICKED_UP: /*         */ ' .   .   .   .   .   .   .   .   . ',
  COMPLETED: /*         */ ' .   .   .   .   .   .   .   .   . ',
  CANCELLED: /*         */ ' .   .   .   .   .   .   .   .   . ',
  PAYMENT_FAILED: /*    */ ' x   x   .   .   .   .   x   .   . ',
  INVENTORY_UNAVAILABLE: ' .   .   .   .   .   .   x   .   . ',
};

const matrix = Object.entries(EXPECTED).flatMap(([from, row]) => {
  const cells = row.trim().split(/\s+/);
  if (cells.length !== COLUMNS.length) throw new Error(`row ${from} has ${cells.length} cells`);
  return cells.map((cell, i) => [from as OrderStatus, COLUMNS[i] as OrderStatus, cell === 'x']);
}) as [OrderStatus, OrderStatus, boolean][];

describe('order status machine', () => {
  it('lists the nine statuses, all covered by the expected table', () => {
    expect([...ORDER_STATUSES].sort()).toEqual([...COLUMNS].sort());
    expect(Object.keys(EXPECTED).sort()).toEqual([...COLUMNS].sort());
    expect(matrix).toHaveLength(81);
  });

  it.each(matrix)('%s → %s legal: %s', (from, to, legal) => {
    expect(canTransition(from, to)).toBe(legal);
    const result = transition(from, to);
    expect(result.ok).toBe(legal);
    if (!result.ok) expect(result.reason).toMatch(/^[A-Z].+\.$/);
  });

  it('explains a refusal in words a cashier can read', () => {
    expect(transition('CANCELLED', 'READY')).toEqual({
      ok: false,
      reason: 'A cancelled order cannot be marked ready.',
    });
    expect(transition('READY', 'CANCELLED')).toEqual({
      ok: false,
      reason: 'An order that is ready cannot be cancelled.',
    });
    expect(transition('COMPLETED', 'COMPLETED')).toEqual({
      ok: false,
      reason: 'The order is already completed.',
    });
    expect(transition('PREPARING', 'PREPARING')).toEqual({
      ok: false,
      reason: 'The order is already being prepared.',
    });
  });

  it('never leaks a status code into a reason', () => {
    for (const [from, to] of matrix) {
      const result = transition(from, to);
      if (!result.ok) expect(result.reason).not.toMatch(/[A-Z]{2,}|_/);
    }
  });

  it.each(COLUMNS)('nextStatuses(%s) matches the table', (from) => {
    const expected = matrix.filter(([f, , legal]) => f === from && legal).map(([, to]) => to);
    expect([...nextStatuses(from)].sort()).toEqual(expected.sort());
  });

  it.each<[OrderStatus, boolean, boolean, boolean]>([
    // status                  final  modify cancel
    ['PENDING', false, true, true],
    ['CONFIRMED', false, true, true],
    ['PREPARING', false, true, true],
    ['READY', false, true, false],
    ['PICKED_UP', true, false, false],
    ['COMPLETED', true, false, false],
    ['CANCELLED', true, false, false],
    ['PAYMENT_FAILED', false, false, true],
    ['INVENTORY_UNAVAILABLE', false, false, true],
  ])('%s: final %s, modifiable %s, cancellable %s', (status, final, modify, cancel) => {
    expect(isFinal(status)).toBe(final);
    expect(canModify(status)).toBe(modify);
    expect(canCancel(status)).toBe(cancel);
  });
});
