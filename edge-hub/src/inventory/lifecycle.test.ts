import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { OrderDirectory } from '../ports.js';
import { eventually, smallSeed, startTestHub, type TestHub } from './inventory.fixture.js';

// A hub that stops between "reserve" and "store the order" leaves a held reservation behind.
// These tests make that happen for real: reserve, stop the hub, move the hub's clock on, start
// it again on the same files. The order directory is the port the order module provides; here
// a plain object stands in for the order module, which is not part of this test.

let t: TestHub | undefined;

afterEach(async () => {
  await t?.stop(true);
  t = undefined;
});

const burgers = (quantity: number) => [{ menuItemId: 'burger', modifierIds: [], quantity }];

describe('crash recovery of held reservations', () => {
  it('at start, commits holds of orders that exist and releases the others', async () => {
    let now = Date.parse('2026-01-14T10:00:00.000Z');
    const clock = () => now;
    const stored = randomUUID();
    const lost = randomUUID();
    const recent = randomUUID();
    const orders: OrderDirectory = { exists: (id) => id === stored };

    const first = await startTestHub({ clock, orders });
    const port = first.inventory.port();
    await port.reserve({ reservationId: stored, orderId: stored, lines: burgers(2) });
    await port.reserve({ reservationId: lost, orderId: lost, lines: burgers(3) });
    now += 10_000;
    await port.reserve({ reservationId: recent, orderId: recent, lines: burgers(1) });
    await first.stop();

    now += 5_000; // however young, a hold from before the restart is settled at start
    t = await startTestHub({ dir: first.dir, clock, orders });
    const status = (id: string) =>
      t?.sql<{ status: string }>('SELECT status FROM reservations WHERE id = ?', id)[0]?.status;
    expect(status(stored)).toBe('committed');
    expect(status(lost)).toBe('released');
    expect(status(recent)).toBe('released');
    expect(t.sql('SELECT reserved FROM ingredients WHERE id = ?', 'patty')).toEqual([
      { reserved: 2 },
    ]);
    const release = t.sql<{ who: string; reason: string }>(
      'SELECT settled_by AS who, settle_reason AS reason FROM reservations WHERE id = ?',
      lost,
    );
    expect(release).toEqual([
      { who: 'inventory-recovery', reason: 'order was never stored (crash recovery)' },
    ]);
  });

  it('sweeps again on its timer, once the order directory is there', async () => {
    let now = Date.parse('2026-01-14T10:00:00.000Z');
    let directory: OrderDirectory | undefined;
    t = await startTestHub({
      clock: () => now,
      module: {
        // Like the real order module, the directory throws until it has started.
        orders: () => {
          if (!directory) throw new Error('the order module has not started');
          return directory;
        },
        recovery: { everyMs: 50, staleAfterMs: 30_000 },
      },
    });
    const orderId = randomUUID();
    await t.inventory.port().reserve({ reservationId: orderId, orderId, lines: burgers(1) });
    now += 31_000;
    const status = () =>
      t?.sql<{ status: string }>('SELECT status FROM reservations WHERE id = ?', orderId)[0]
        ?.status;
    await new Promise((r) => setTimeout(r, 150));
    expect(status()).toBe('held'); // no directory yet: nobody to ask, nothing decided
    directory = { exists: () => false };
    await eventually(() => status() === 'released');
  });
});

describe('first start', () => {
  it('seeds an empty database once and never again', async () => {
    let calls = 0;
    const seed = () => {
      calls += 1;
      return smallSeed();
    };
    const first = await startTestHub({ module: { seed } });
    await first.inventory.port().reserve({
      reservationId: '0b7f1e4e-8a8e-4c1e-9c59-5f1c2b6f4d11',
      orderId: '0b7f1e4e-8a8e-4c1e-9c59-5f1c2b6f4d11',
      lines: burgers(2),
    });
    await first.stop();
    t = await startTestHub({ dir: first.dir, module: { seed } });
    expect(calls).toBe(1);
    expect(
      t.sql('SELECT on_hand AS onHand, reserved FROM ingredients WHERE id = ?', 'patty'),
    ).toEqual([{ onHand: 10, reserved: 2 }]);
  });

  it('starts with items 86ed and alerts raised when the seed is already short', async () => {
    const seed = smallSeed();
    seed.ingredients = seed.ingredients.map((i) => (i.id === 'patty' ? { ...i, onHand: 0 } : i));
    t = await startTestHub({ module: { seed: () => seed } });
    const outbox = t.sql<{ envelope: string }>(
      `SELECT envelope FROM outbox WHERE event_type IN
       ('menu.itemavailabilitychanged.v1', 'inventory.lowstockalert.v1') ORDER BY seq`,
    );
    expect(outbox.map((r) => JSON.parse(r.envelope).Payload)).toEqual([
      { ingredientId: 'patty', name: 'Beef patty', unit: 'each', level: 0, reorderPoint: 2 },
      { menuItemId: 'burger', available: false, reason: 'out of Beef patty' },
    ]);
    const levels = await t.api('GET', '/api/v1/inventory/levels', {
      token: await t.token(['cook']),
    });
    expect(levels.body.items).toContainEqual(
      expect.objectContaining({ menuItemId: 'burger', available: false, stockAvailable: false }),
    );
  });

  it('refuses a seed whose recipe names an unknown ingredient, saying where', async () => {
    const seed = smallSeed();
    seed.recipes.push({
      kind: 'item',
      menuItemId: 'shake',
      lines: [{ ingredientId: 'milk', quantity: 300 }],
    });
    const dir = mkdtempSync(join(tmpdir(), 'pos-inventory-bad-seed-'));
    await expect(startTestHub({ dir, module: { seed: () => seed } })).rejects.toThrow(
      /recipes\.4\.lines\.0\.ingredientId: unknown ingredient milk/,
    );
    rmSync(dir, { recursive: true, force: true });
  });
});
