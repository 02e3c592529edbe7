import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { createServer } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, PINS, startTestHub, type TestHub } from '../testing/hub-harness.js';
import { type PosHubIo, posHub } from './cli.js';

// The operator's `pos-hub` command against a running hub that has not been enrolled yet: what
// it says about the link and the backlog, and how it refuses what cannot be done. Sending with
// a progress bar against a real cloud is in e2e/src/sync.test.ts.

let hub: TestHub;
beforeAll(async () => {
  hub = await startTestHub();
});
afterAll(async () => {
  await hub?.stop();
});

/** `pin: null` gives the command no PIN at all. */
async function run(args: string[], pin: string | null = PINS.cashier) {
  let out = '';
  let err = '';
  const io: PosHubIo = {
    out: (t) => {
      out += `${t}\n`;
    },
    err: (t) => {
      err += `${t}\n`;
    },
    isTTY: false,
    askPin: () => Promise.reject(new Error('no PIN: pass --pin or set POS_HUB_PIN')),
    sleep: (ms) => new Promise((r) => setTimeout(r, ms)),
    now: () => Date.now(),
  };
  const env = { POS_HUB_URL: hub.hub.url, ...(pin ? { POS_HUB_PIN: pin } : {}) };
  const code = await posHub(args, env, io);
  return { code, out, err };
}

describe('pos-hub', () => {
  it('shows the link and what waits to go up', async () => {
    const status = await run(['status']);
    expect(status.code).toBe(0);
    expect(status.out).toMatch(/Cloud link\s+not enrolled \(run: pos-hub enrol <code>\)/);
    expect(status.out).toMatch(/Last success\s+never/);

    const cashier = await hub.as(PINS.cashier);
    const placed = await cashier.post('/api/v1/orders', {
      id: randomUUID(),
      type: 'takeout',
      items: [{ menuItemId: 'side-fries', quantity: 2 }],
    });
    expect(placed.status).toBe(201);
    await eventually(async () => (await cashier.get('/api/v1/sync/status')).body.pendingEvents > 0);

    const backlog = await run(['backlog', '--limit', '5']);
    expect(backlog.code).toBe(0);
    expect(backlog.out).toMatch(/^\d+ events? waiting, the oldest queued \d+ s ago:/);
    expect(backlog.out).toMatch(/order\.created\.v1\s+1\n/);
    expect(backlog.out).toContain('  #1  ');

    const json = await run(['backlog', '--json']);
    const parsed = JSON.parse(json.out);
    // The first events queued, in order; the low-stock alerts of the demo stock come first.
    expect(parsed.events.map((e: { sequence: number }) => e.sequence).slice(0, 2)).toEqual([1, 2]);
    expect(parsed.events.map((e: { eventType: string }) => e.eventType)).toContain(
      'order.created.v1',
    );
    expect(parsed.byType.reduce((n: number, t: { count: number }) => n + t.count, 0)).toBe(
      parsed.pendingEvents,
    );
  });

  it('refuses what it cannot do, with the reason and a non-zero exit', async () => {
    const now = await run(['now']);
    expect(now.code).toBe(1);
    expect(now.err).toContain('not enrolled with the cloud yet');

    const noCloud = await run(['enrol', 'ABCD-EFGH-JKLM'], PINS.manager);
    expect(noCloud.code).toBe(1);
    expect(noCloud.err).toContain('cloudUrl: required (or set CLOUD_SYNC_URL on the hub)');
    const byCashier = await run(['enrol', 'ABCD-EFGH-JKLM', '--cloud', 'http://127.0.0.1:9']);
    expect(byCashier.code).toBe(1);

    const wrongPin = await run(['status'], '0000');
    expect(wrongPin.code).toBe(1);
    expect(wrongPin.err).toContain('That PIN is not recognised');
    const noPin = await run(['status'], null);
    expect(noPin.err).toContain('no PIN');

    expect((await run([])).code).toBe(2);
    expect((await run(['launch'])).err).toContain('unknown command "launch"');
    expect((await run(['backlog', '--limit', 'lots'])).err).toContain('--limit must be');
    expect((await run(['status', '--bogus'])).code).toBe(2);
    expect((await run(['enrol'])).err).toContain('enrol needs the code');

    const closed = createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((r) => closed.close(r));
    const gone = await posHub(
      ['status'],
      { POS_HUB_URL: `http://127.0.0.1:${port}`, POS_HUB_PIN: '1' },
      {
        out: () => {},
        err: (t) => expect(t).toMatch(/did not answer \(ECONNREFUSED\)/),
        isTTY: false,
        askPin: async () => '',
        sleep: async () => {},
        now: () => 0,
      },
    );
    expect(gone).toBe(1);
  });
});
