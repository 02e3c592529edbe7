import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { uuidv7 } from '@pos/contracts';
import { afterAll, describe, expect, it } from 'vitest';
import { expectStatus, Till } from '../guarantee-till.js';
import { StallingLink } from './edge-stall.js';
import {
  type EdgeStore,
  openEdgeStore,
  TAKEOUT_STATIONS,
  takeoutOrder,
  ticketsOf,
  until,
} from './edge-store.js';

// The kitchen printer stalls: its link accepts connections and then neither reads nor answers,
// in the middle of the work. The hub must see it within its timeouts (no status answer in 2 s)
// and keep the tickets queued and retrying, while orders are still taken and paid and the
// receipt printer still prints. When the printer works again, every ticket prints exactly once:
// those the hub had handed over before the stall, and those it queued during it.

const dataDir = mkdtempSync(join(tmpdir(), 'pos-fault-printer-'));
let store: EdgeStore | undefined;
let link: StallingLink | undefined;

afterAll(async () => {
  await store?.close();
  await link?.close();
  rmSync(dataDir, { recursive: true, force: true });
});

interface Placed {
  id: string;
  number: number;
  totalCents: number;
}

describe('kitchen printer that stalls mid-job', () => {
  it('marks it failing, holds up nothing else, and prints each ticket once when it is back', async () => {
    store = await openEdgeStore(dataDir, {
      stock: false,
      kitchenPort: async (kitchen) => {
        link = await StallingLink.start({ host: '127.0.0.1', port: kitchen.port });
        return link.port;
      },
    });
    const s = store;
    const stalled = link as StallingLink;
    const cashier = new Till(s.hub.url, '1234');
    const place = async (): Promise<Placed> =>
      expectStatus(
        await cashier.call('POST', '/api/v1/orders', takeoutOrder(uuidv7())),
        [201],
        'order',
      );
    const kitchenState = async () =>
      (
        expectStatus(await cashier.get('/api/v1/printers'), [200], 'printers').printers as {
          id: string;
          state: string;
          queued: number;
          lastError: string | null;
        }[]
      ).find((p) => p.id === 'kitchen');

    const a = await place();
    await until(
      'order A on the kitchen printer',
      () => ticketsOf(s.kitchen, a.number).length === 2,
    );

    // Stalled right after a ticket went through: the next order may be handed over before the
    // hub asks again whether the printer is ready (it trusts a fresh answer for 2 s).
    stalled.stall();
    const b = await place();
    // Stalled for longer: the hub asks for the printer's status, hears nothing, and keeps the
    // tickets queued with the error, retrying.
    await new Promise((r) => setTimeout(r, 2_500));
    const c = await place();
    await until(
      'the kitchen printer seen failing',
      async () => {
        const k = await kitchenState();
        return k?.state === 'offline' && /no status/.test(k.lastError ?? '') && k.queued >= 2;
      },
      15_000,
    );
    const waiting = expectStatus(
      await cashier.get('/api/v1/print-jobs?printerId=kitchen'),
      [200],
      'jobs',
    ).jobs as { reference: string; attempts: number; lastError: string | null }[];
    const forC = waiting.filter((j) => j.reference === c.id);
    expect(forC).toHaveLength(TAKEOUT_STATIONS.length);
    expect(forC.some((j) => j.attempts >= 1 && /no status/.test(j.lastError ?? ''))).toBe(true);

    // Meanwhile the counter works: an order is taken and paid in cash at once, and its
    // receipt prints on the other printer.
    const started = Date.now();
    const d = await place();
    const paid = expectStatus(
      await cashier.post('/api/v1/payments/process', {
        paymentId: uuidv7(),
        orderId: d.id,
        tender: 'cash',
        tenderedCents: d.totalCents,
      }),
      [201],
      'cash payment',
    );
    expect(paid.status).toBe('completed');
    expect(Date.now() - started).toBeLessThan(5_000);
    await until('the receipt of D', () =>
      s.receipt.jobs().some((j) => j.text.includes(`Order #${d.number}`)),
    );
    expect(ticketsOf(s.kitchen, c.number)).toEqual([]);
    expect(ticketsOf(s.kitchen, d.number)).toEqual([]);

    // The printer works again: everything prints, once.
    stalled.resume();
    const all = [a, b, c, d];
    await until(
      'every kitchen ticket',
      () => s.kitchen.jobs().length >= all.length * TAKEOUT_STATIONS.length,
      45_000,
    );
    await until('the kitchen queue empty', async () => (await kitchenState())?.queued === 0);
    await new Promise((r) => setTimeout(r, 2_000)); // a late duplicate would show by now
    for (const o of all) {
      const tickets = ticketsOf(s.kitchen, o.number);
      expect(tickets, `tickets of #${o.number}`).toHaveLength(TAKEOUT_STATIONS.length);
      for (const station of TAKEOUT_STATIONS) {
        expect(
          tickets.filter((t) => t.includes(station)),
          `${station} #${o.number}`,
        ).toHaveLength(1);
      }
    }
    expect(s.kitchen.jobs()).toHaveLength(all.length * TAKEOUT_STATIONS.length);
    expect(s.kitchen.jobs({ includeUnprinted: true })).toHaveLength(
      all.length * TAKEOUT_STATIONS.length,
    );
    const after = await kitchenState();
    expect(after?.lastError).toBeNull();
  }, 120_000);
});
