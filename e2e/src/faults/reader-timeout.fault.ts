import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { uuidv7 } from '@pos/contracts';
import { signIn } from '@pos/edge-hub/testing/hub-harness';
import { afterAll, describe, expect, it } from 'vitest';
import { expectStatus, Till } from '../guarantee-till.js';
import {
  type EdgeStore,
  eventsPer,
  hubDb,
  openEdgeStore,
  outboxFaults,
  postOnce,
  takeoutOrder,
  until,
} from './edge-store.js';

// The simulated card reader takes the tap, then the processor's answer never comes (the
// simulator's timeout test card). The terminal stops waiting first and sends the same payment
// again under the same Idempotency-Key. The hub's design (README "Payments"): the reader gives
// up after its own timeout (30 s), the payment is recorded `failed` with reason `timeout`, and
// the guest owes what they owed. The retry waits for that outcome instead of starting a second
// charge or hearing "pending", and the card taken next pays the order exactly once.

const TIMEOUT_CARD = '4000000000007775';
const READER = 'simulated-1';

const dataDir = mkdtempSync(join(tmpdir(), 'pos-fault-reader-'));
let store: EdgeStore | undefined;

afterAll(async () => {
  await store?.close();
  rmSync(dataDir, { recursive: true, force: true });
});

describe('card reader whose answer never arrives', () => {
  it('fails the payment once, charges nothing twice, and the order is paid exactly once', async () => {
    store = await openEdgeStore(dataDir, { stock: false });
    const { hub } = store;
    const cashier = new Till(hub.url, '1234');
    const token = await signIn(hub.url, '1234');
    const orderId = uuidv7();
    const order = expectStatus(
      await cashier.call('POST', '/api/v1/orders', takeoutOrder(orderId)),
      [201],
      'order',
    );
    const processUrl = `${hub.url}/api/v1/payments/process`;

    expectStatus(
      await cashier.post(`/api/v1/card-readers/${READER}/simulate`, { card: TIMEOUT_CARD }),
      [200],
      'present the timeout card',
    );
    const paymentId = uuidv7();
    const key = randomUUID();
    const body = { paymentId, orderId, tender: 'card', receipt: 'none' };
    // The terminal gives up waiting after 3 s; the hub is still waiting for the processor.
    await expect(
      postOnce(processUrl, token, body, key, AbortSignal.timeout(3_000)),
    ).rejects.toThrow();
    const readers = expectStatus(await cashier.get('/api/v1/card-readers'), [200], 'readers');
    expect(readers.readers[0].status.state).toBe('processing');

    // Sent again, same key, twice at once (a double tap on "Try again"); the first claim on the
    // key went with the dropped connection. One of the two takes the key and waits for the
    // payment's outcome, starting nothing new; the other hears that the key is in use.
    const retries = [
      postOnce(processUrl, token, body, key),
      postOnce(processUrl, token, body, key),
    ];
    // Nor may another tender be taken on the order while the card is out.
    const cash = await postOnce(
      processUrl,
      token,
      { paymentId: uuidv7(), orderId, tender: 'cash' },
      randomUUID(),
    );
    expect(cash.status).toBe(409);
    expect(cash.body.detail).toMatch(/being taken/);

    // The reader's own timeout resolves it: failed, reason timeout, nothing owed less.
    const answers = await Promise.all(retries);
    const busy = answers.filter((a) => a.status === 409);
    expect(busy).toHaveLength(1);
    expect(busy[0]?.body.type).toBe('urn:pos:problem:idempotency-in-progress');
    const resolved = answers.find((a) => a.status !== 409) as (typeof answers)[number];
    expect(resolved.status, JSON.stringify(resolved.body)).toBe(200);
    expect(resolved.body).toMatchObject({ id: paymentId, status: 'failed' });
    expect(resolved.body.failure.reason).toBe('timeout');
    expect(resolved.body.authCode).toBeNull();

    // Sent yet again: the stored answer under the key, and the same payment under a new key.
    // Neither reads a card again: the reader, which would now approve with its default card,
    // stays idle.
    const replay = await postOnce(processUrl, token, body, key);
    expect(replay.status).toBe(200);
    expect(replay.body).toMatchObject({ id: paymentId, status: 'failed' });
    const sameId = await postOnce(processUrl, token, body, randomUUID());
    expect(sameId.status).toBe(200);
    expect(sameId.body).toMatchObject({ id: paymentId, status: 'failed' });
    const after = expectStatus(await cashier.get('/api/v1/card-readers'), [200], 'readers');
    expect(after.readers[0].status.state).toBe('idle');

    // The guest taps again (the reader's default card approves): paid once, in full.
    const second = expectStatus(
      await cashier.post('/api/v1/payments/process', {
        paymentId: uuidv7(),
        orderId,
        tender: 'card',
        receipt: 'none',
      }),
      [201],
      'second card payment',
    );
    expect(second.status).toBe('captured');
    const balance = expectStatus(
      await cashier.get(`/api/v1/payments?orderId=${orderId}`),
      [200],
      'balance',
    );
    expect(balance.paidCents).toBe(order.totalCents);
    expect(balance.balanceCents).toBe(0);
    expect(
      balance.payments.map((p: { id: string; status: string }) => [p.id, p.status]).sort(),
    ).toEqual(
      [
        [paymentId, 'failed'],
        [second.id, 'captured'],
      ].sort(),
    );
    await until(
      'the order to be paid',
      async () => (await cashier.get(`/api/v1/orders/${orderId}`)).body?.paymentStatus === 'PAID',
    );

    const db = hubDb(dataDir, 'payments');
    try {
      expect(eventsPer(db, 'payment.failed.v1', 'paymentId').get(paymentId)).toBe(1);
      expect(eventsPer(db, 'payment.completed.v1', 'orderId').get(orderId)).toBe(1);
      expect(eventsPer(db, 'payment.initiated.v1', 'orderId').get(orderId)).toBe(2);
      expect(outboxFaults(db)).toEqual([]);
    } finally {
      db.close();
    }
  }, 120_000);
});
