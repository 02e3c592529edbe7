import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { startTestHub, type TestHub } from './inventory.fixture.js';

// Whatever the floor and the back office do, in whatever order, the books balance: no level
// goes negative, `reserved` is exactly what live reservations hold, and the ledger replays to
// the levels. Each run gets a fresh hub so a failure shrinks to a sequence that can be replayed.

const INGREDIENTS = ['bun', 'patty', 'cheese', 'potato'] as const;

const line = fc.record({
  menuItemId: fc.constantFrom('burger', 'fries', 'water'),
  variantId: fc.constantFrom(undefined, 'double'),
  modifierIds: fc.subarray(['extra-cheese']),
  quantity: fc.integer({ min: 1, max: 5 }),
});

const command = fc.oneof(
  fc.record({
    op: fc.constant('reserve' as const),
    slot: fc.nat(5),
    lines: fc.array(line, { minLength: 1, maxLength: 3 }),
  }),
  fc.record({ op: fc.constant('release' as const), slot: fc.nat(5) }),
  fc.record({
    op: fc.constant('stock-in' as const),
    ingredientId: fc.constantFrom(...INGREDIENTS),
    quantity: fc.integer({ min: 1, max: 400 }),
  }),
  fc.record({
    op: fc.constant('stock-out' as const),
    ingredientId: fc.constantFrom(...INGREDIENTS),
    quantity: fc.integer({ min: 1, max: 400 }),
  }),
);

function checkBooks(t: TestHub): void {
  const rows = t.sql<{
    id: string;
    onHand: number;
    reserved: number;
    held: number;
    ledgerOnHand: number;
  }>(
    `SELECT i.id, i.on_hand AS onHand, i.reserved,
       (SELECT coalesce(sum(l.quantity), 0) FROM reservation_lines l
          JOIN reservations r ON r.id = l.reservation_id
          WHERE l.ingredient_id = i.id AND r.status IN ('held', 'committed')) AS held,
       (SELECT coalesce(sum(on_hand_delta), 0) FROM stock_transactions WHERE ingredient_id = i.id)
         AS ledgerOnHand
     FROM ingredients i`,
  );
  for (const r of rows) {
    expect(r.onHand, r.id).toBeGreaterThanOrEqual(0);
    expect(r.reserved, r.id).toBeGreaterThanOrEqual(0);
    expect(r.onHand, r.id).toBeGreaterThanOrEqual(r.reserved);
    expect(r.reserved, r.id).toBe(r.held);
    expect(r.ledgerOnHand, r.id).toBe(r.onHand);
  }
}

describe('inventory books (property)', () => {
  it('balance after any sequence of reserve, release, stock-in and stock-out', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(command, { maxLength: 25 }), async (commands) => {
        const t = await startTestHub();
        try {
          const manager = await t.token(['manager']);
          const slots = Array.from({ length: 6 }, () => randomUUID());
          const port = t.inventory.port();
          for (const c of commands) {
            if (c.op === 'reserve') {
              const id = slots[c.slot] as string;
              await port.reserve({ reservationId: id, orderId: id, lines: c.lines });
            } else if (c.op === 'release') {
              port.release(slots[c.slot] as string);
            } else {
              const before = t.sql<{ onHand: number; reserved: number }>(
                'SELECT on_hand AS onHand, reserved FROM ingredients WHERE id = ?',
                c.ingredientId,
              )[0];
              const res = await t.api('POST', `/api/v1/inventory/${c.op}`, {
                token: manager,
                body: {
                  ingredientId: c.ingredientId,
                  quantity: c.quantity,
                  ...(c.op === 'stock-out' ? { reason: 'property' } : { note: 'property' }),
                },
              });
              const refused =
                c.op === 'stock-out' && before && before.onHand - c.quantity < before.reserved;
              expect(res.status).toBe(refused ? 409 : 200);
            }
            checkBooks(t);
          }
        } finally {
          await t.stop(true);
        }
      }),
      { numRuns: 40 },
    );
  });
});
