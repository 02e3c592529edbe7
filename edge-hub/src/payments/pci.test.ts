import { randomUUID } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { uuidv7 } from '@pos/contracts';
import { SimulatedReader, TEST_CARD_NUMBERS } from '@pos/hardware';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findCardNumbers, scannedBytes } from '../testing/card-scan.js';
import {
  type ApiClient,
  eventually,
  PINS,
  startTestHub,
  type TestHub,
} from '../testing/hub-harness.js';
import { readerKey } from './readers.js';

// PCI hygiene (ARCHITECTURE "Security"): nothing that looks like a card number is ever written
// to a database, a log or an event. Every test hub's `stop` scans its data directory (SQLite
// files, WAL files, the log); this test drives every card path with every test card at the
// most verbose log level, then scans everything the hub wrote.

let t: TestHub;
let cashier: ApiClient;
let manager: ApiClient;

beforeAll(async () => {
  t = await startTestHub({
    logLevel: 'trace',
    payments: {
      readers: (ctx) => [
        new SimulatedReader({
          id: 'sim-1',
          latencyMs: 10,
          timeoutMs: 300,
          key: readerKey(ctx.config.dataDir, 'sim-1'),
          logger: ctx.logger,
        }),
      ],
      forwardEveryMs: 100,
    },
  });
  cashier = await t.as(PINS.cashier);
  manager = await t.as(PINS.manager);
  await cashier.post('/api/v1/shifts', { openingFloatCents: 5_000 }, { 'idempotency-key': 'k' });
});

afterAll(async () => {
  await t?.stop();
});

const post = (client: ApiClient, path: string, body: unknown) =>
  client.post(path, body, { 'idempotency-key': randomUUID() });

async function order() {
  const res = await cashier.post('/api/v1/orders', {
    id: uuidv7(),
    type: 'takeout',
    items: [{ menuItemId: 'drink-ginger-beer', modifierIds: [], quantity: 1 }],
  });
  expect(res.status).toBe(201);
  return res.body as { id: string };
}

describe('no card number reaches the disk', () => {
  it('the scanner finds a card number when there is one', () => {
    const dir = mkdtempSync(join(tmpdir(), 'pos-scan-'));
    try {
      writeFileSync(join(dir, 'clean.log'), 'visa ending 4242\n');
      writeFileSync(join(dir, 'leak.log'), 'card=4242 4242 4242 4242\n');
      expect(findCardNumbers(dir)).toEqual([{ file: join(dir, 'leak.log'), last4: '4242' }]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('every card path with every test card, online and offline, leaves none behind', async () => {
    for (const number of TEST_CARD_NUMBERS) {
      for (const online of [true, false]) {
        await post(cashier, '/api/v1/card-readers/sim-1/simulate', { processorReachable: online });
        const o = await order();
        // Typed with spaces, as a person would: the scanner looks for every form.
        const spaced = number.replace(/(.{4})/g, '$1 ').trim();
        const shown = await post(cashier, '/api/v1/card-readers/sim-1/simulate', { card: spaced });
        expect(shown.status).toBe(200);
        const res = await post(cashier, '/api/v1/payments/process', {
          orderId: o.id,
          tender: 'card',
          tipCents: 50,
        });
        expect([201, 409]).toContain(res.status);
        if (res.body.status === 'captured') {
          const refund = await post(manager, `/api/v1/payments/${res.body.id}/refund`, {
            reason: 'test refund',
            amountCents: 10,
          });
          expect(refund.status).toBe(201);
        }
      }
    }
    // A number that is not a test card is refused without being echoed or logged.
    const bad = await post(cashier, '/api/v1/card-readers/sim-1/simulate', {
      card: '4242424242424241',
    });
    expect(bad.status).toBe(400);
    expect(JSON.stringify(bad.body)).not.toContain('424242424242');

    await post(cashier, '/api/v1/card-readers/sim-1/simulate', { processorReachable: true });
    await eventually(async () => {
      const state = (await manager.get('/api/v1/payments/offline')).body;
      return state.payments.every((p: { status: string }) => p.status !== 'pending');
    });

    expect(readdirSync(t.dir)).toContain('hub.log');
    expect(readdirSync(join(t.dir, 'hub'))).toEqual(
      expect.arrayContaining(['payments.db', 'payments.db-wal', 'orders.db', 'printing.db']),
    );
    expect(scannedBytes(t.dir)).toBeGreaterThan(100_000);
    const log = readFileSync(join(t.dir, 'hub.log'), 'utf8');
    expect(log).toContain('card payment collected');
    expect(log).toContain('"last4":"4242"');
    expect(findCardNumbers(t.dir)).toEqual([]);
  });
});
