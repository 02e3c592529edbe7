import { randomUUID } from 'node:crypto';
import { type Cents, cents } from '@pos/contracts';
import { createLogger } from '@pos/kit/logger';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { CollectRequest, CollectResult, ReaderState } from './card-reader.js';
import { newReaderKey, openOfflinePayment } from './offline-blob.js';
import { SimulatedReader, type SimulatedReaderOptions } from './simulated-reader.js';
import { TEST_CARD_NUMBERS } from './test-cards.js';
import { bytesHoldPan, PanAudit } from './testing/pan-audit.js';

const audit = new PanAudit();
const logger = createLogger({
  service: 'card-reader-test',
  level: 'debug',
  destination: audit.stream(),
});
const readers: SimulatedReader[] = [];

async function reader(options: SimulatedReaderOptions = {}): Promise<SimulatedReader> {
  const r = new SimulatedReader({ latencyMs: 5, timeoutMs: 2_000, logger, ...options });
  readers.push(r);
  await r.connect();
  return r;
}

function request(overrides: Partial<CollectRequest> = {}): CollectRequest {
  return { paymentId: randomUUID(), amountCents: cents(1250), currency: 'USD', ...overrides };
}

async function collect(r: SimulatedReader, req: CollectRequest): Promise<CollectResult> {
  return audit.record(await r.collect(req));
}

function states(r: SimulatedReader): ReaderState[] {
  const seen: ReaderState[] = [];
  r.onStatus((s) => {
    audit.record(s);
    seen.push(s.state);
  });
  return seen;
}

afterEach(async () => {
  vi.useRealTimers();
  await Promise.all(readers.splice(0).map((r) => r.close()));
});

describe('simulated reader: online outcomes', () => {
  it('approves 4242 with brand, last4 and entry mode, authorised but not captured', async () => {
    const r = await reader({ defaultCard: '4242424242424242' });
    const result = await collect(r, request());
    expect(result).toMatchObject({
      outcome: 'approved',
      card: { brand: 'visa', last4: '4242', entryMode: 'tap' },
      amountCents: 1250,
      tipCents: 0,
      captured: false,
    });
    if (result.outcome !== 'approved') throw new Error('expected approval');
    expect(result.processorRef).toMatch(/^sim_auth_/);
    expect(result.authCode).toMatch(/^[0-9]{6}$/);
  });

  it.each([
    ['4000000000000002', 'declined'],
    ['4000000000009995', 'insufficient-funds'],
    ['4000000000000069', 'expired-card'],
  ] as const)('declines %s as %s', async (card, reason) => {
    const r = await reader();
    r.presentCard(card, 'chip');
    const result = await collect(r, request());
    expect(result).toMatchObject({ outcome: 'declined', reason });
    expect(result.outcome === 'declined' && result.message.length > 0).toBe(true);
  });

  it('fails with timeout when the processor never answers', async () => {
    const r = await reader({ timeoutMs: 80 });
    r.presentCard('4000000000007775');
    const started = Date.now();
    expect(await collect(r, request())).toMatchObject({ outcome: 'failed', reason: 'timeout' });
    expect(Date.now() - started).toBeGreaterThanOrEqual(70);
    expect(r.status().state).toBe('idle');
  });

  it('waits 30 s for a card by default, then times out', async () => {
    vi.useFakeTimers();
    const r = await reader({ timeoutMs: undefined });
    let result: CollectResult | undefined;
    void r.collect(request()).then((x) => {
      result = audit.record(x);
    });
    await vi.advanceTimersByTimeAsync(29_999);
    expect(result).toBeUndefined();
    await vi.advanceTimersByTimeAsync(1);
    expect(result).toMatchObject({ outcome: 'failed', reason: 'timeout' });
  });

  it('fails with card-removed when the card is pulled mid-way', async () => {
    const r = await reader();
    r.presentCard('4000000000008880', 'chip');
    expect(await collect(r, request())).toMatchObject({
      outcome: 'failed',
      reason: 'card-removed',
    });
  });

  it('takes a card presented while waiting, and reports status in order', async () => {
    const r = await reader();
    const seen = states(r);
    const pending = collect(r, request());
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(r.status().state).toBe('waiting-for-card');
    r.presentCard('5555555555554444', 'swipe');
    expect(await pending).toMatchObject({
      outcome: 'approved',
      card: { brand: 'mastercard', last4: '4444', entryMode: 'swipe' },
    });
    expect(seen).toEqual(['waiting-for-card', 'processing', 'idle']);
    expect(r.status().lastSeenAt).toBeTypeOf('number');
  });

  it('cancel() while waiting resolves the collect as cancelled; so does an aborted signal', async () => {
    const r = await reader();
    const req = request();
    const pending = collect(r, req);
    await r.cancel(req.paymentId);
    expect(await pending).toMatchObject({ outcome: 'failed', reason: 'cancelled' });

    const controller = new AbortController();
    const second = collect(r, request({ signal: controller.signal }));
    controller.abort();
    expect(await second).toMatchObject({ outcome: 'failed', reason: 'cancelled' });
    expect(await collect(r, request({ signal: controller.signal }))).toMatchObject({
      reason: 'cancelled',
    });
  });

  it('refuses a second collect while busy, and any collect before connect', async () => {
    const r = await reader();
    const first = collect(r, request());
    expect(await collect(r, request())).toMatchObject({ reason: 'reader-unavailable' });
    r.presentCard('4242424242424242');
    expect((await first).outcome).toBe('approved');
    const cold = new SimulatedReader({ logger });
    expect(await collect(cold, request())).toMatchObject({ reason: 'reader-unavailable' });
    expect(cold.status().state).toBe('disconnected');
  });

  it('keeps working when a status listener throws', async () => {
    const r = await reader({ defaultCard: '4242424242424242' });
    r.onStatus(() => {
      throw new Error('status bar broke');
    });
    expect((await collect(r, request())).outcome).toBe('approved');
  });

  it('throws for programming faults, without the card number in the message', async () => {
    const r = await reader();
    expect(() => r.presentCard('4111111111111112')).toThrow(/ending 1112/);
    try {
      r.presentCard('4111111111111112');
    } catch (err) {
      expect(String(err)).not.toContain('411111111111');
    }
    expect(() => r.collect(request({ amountCents: 0 as Cents }))).toThrow(RangeError);
    expect(() => r.collect(request({ tipCents: -1 as Cents }))).toThrow(RangeError);
    expect(() => r.collect(request({ currency: 'usd' }))).toThrow(RangeError);
  });

  it('close() ends a pending collect and disconnects', async () => {
    const r = await reader();
    const pending = collect(r, request());
    await r.close();
    expect(await pending).toMatchObject({ reason: 'reader-unavailable' });
    expect(r.status().state).toBe('disconnected');
  });
});

describe('simulated reader: tips, capture, void, refund', () => {
  it('captures a tip added after authorisation, up to the tip-adjust allowance', async () => {
    const r = await reader({ defaultCard: '4242424242424242', tipAdjustBasisPoints: 2_000 });
    const req = request({ amountCents: cents(1000) });
    const result = await collect(r, req);
    if (result.outcome !== 'approved') throw new Error('expected approval');
    const ref = { paymentId: req.paymentId, processorRef: result.processorRef };
    expect(await r.capture({ ...ref, amountCents: cents(1201) })).toMatchObject({
      reason: 'amount-too-large',
    });
    expect(await r.capture({ ...ref, amountCents: cents(1200) })).toMatchObject({
      outcome: 'captured',
      capturedCents: 1200,
    });
  });

  it('authorises amount plus tip and captures up to it', async () => {
    const r = await reader({ defaultCard: '4242424242424242', tipAdjustBasisPoints: 0 });
    const req = request({ amountCents: cents(2000), tipCents: cents(300) });
    const result = await collect(r, req);
    if (result.outcome !== 'approved') throw new Error('expected approval');
    expect(result).toMatchObject({ amountCents: 2000, tipCents: 300 });
    const ref = { paymentId: req.paymentId, processorRef: result.processorRef };
    expect(await r.capture({ ...ref, amountCents: cents(2301) })).toMatchObject({
      reason: 'amount-too-large',
    });
    expect(await r.capture(ref)).toEqual({
      outcome: 'captured',
      processorRef: result.processorRef,
      capturedCents: 2300,
    });
    expect(await r.capture(ref)).toMatchObject({ outcome: 'captured', capturedCents: 2300 });
    expect(await r.void(ref)).toMatchObject({ reason: 'already-captured' });
    expect(
      await r.capture({ paymentId: randomUUID(), processorRef: result.processorRef }),
    ).toMatchObject({ reason: 'not-found' });
  });

  it('voids before capture, after which capture is refused; cancel() voids too', async () => {
    const r = await reader({ defaultCard: '4242424242424242' });
    const req = request();
    const result = await collect(r, req);
    if (result.outcome !== 'approved') throw new Error('expected approval');
    const ref = { paymentId: req.paymentId, processorRef: result.processorRef };
    expect(await r.void(ref)).toEqual({ outcome: 'voided', processorRef: result.processorRef });
    expect(await r.void(ref)).toMatchObject({ outcome: 'voided' });
    expect(await r.capture(ref)).toMatchObject({ reason: 'not-capturable' });

    const other = request();
    const second = await collect(r, other);
    if (second.outcome !== 'approved') throw new Error('expected approval');
    await r.cancel(other.paymentId);
    expect(
      await r.capture({ paymentId: other.paymentId, processorRef: second.processorRef }),
    ).toMatchObject({ reason: 'not-capturable' });
  });

  it('refunds a captured payment once per refund ID, never more than was captured', async () => {
    const r = await reader({ defaultCard: '4242424242424242', captureMethod: 'automatic' });
    const req = request({ amountCents: cents(1000) });
    const result = await collect(r, req);
    if (result.outcome !== 'approved') throw new Error('expected approval');
    expect(result.captured).toBe(true);
    const refund = { paymentId: req.paymentId, processorRef: result.processorRef };
    const refundId = randomUUID();
    const first = await r.refund({ ...refund, refundId, amountCents: cents(600) });
    expect(first).toMatchObject({ outcome: 'refunded', amountCents: 600 });
    expect(await r.refund({ ...refund, refundId, amountCents: cents(600) })).toEqual(first);
    expect(
      await r.refund({ ...refund, refundId: randomUUID(), amountCents: cents(401) }),
    ).toMatchObject({ reason: 'amount-too-large' });
  });
});

describe('simulated reader: store-and-forward', () => {
  async function storeOffline(r: SimulatedReader, card: string, req = request()) {
    r.setProcessorReachable(false);
    r.presentCard(card);
    const result = await collect(r, { ...req, offlineAllowed: true });
    if (result.outcome !== 'stored-offline') throw new Error(`expected stored-offline`);
    return result;
  }

  it('stores an encrypted blob holding no card number while the processor is down', async () => {
    const key = newReaderKey();
    const r = await reader({ key });
    const seen = states(r);
    const req = request({ amountCents: cents(1800), tipCents: cents(200) });
    const stored = await storeOffline(r, '4242424242424242', req);
    expect(stored).toMatchObject({
      card: { brand: 'visa', last4: '4242' },
      amountCents: 1800,
      tipCents: 200,
    });
    expect(seen).toEqual(['offline', 'waiting-for-card', 'processing', 'offline']);
    const bytes = Buffer.from(stored.blob, 'base64');
    for (const pan of TEST_CARD_NUMBERS) {
      expect(stored.blob).not.toContain(pan.slice(0, -4));
      expect(bytesHoldPan(bytes, pan)).toBe(false);
    }
    // Only the reader key opens it, and even inside there is a token, not the number.
    const inside = openOfflinePayment(key, stored.blob);
    expect(inside).toMatchObject({ paymentId: req.paymentId, amountCents: 1800, tipCents: 200 });
    expect(inside?.token).toMatch(/^sim_tok_/);
    expect(JSON.stringify(inside)).not.toContain('424242424242');
    expect(openOfflinePayment(newReaderKey(), stored.blob)).toBeUndefined();
  });

  it('forwards a stored payment once back online, once only', async () => {
    const r = await reader();
    const req = request({ tipCents: cents(150) });
    const stored = await storeOffline(r, '4242424242424242', req);
    expect(await r.forward(stored.blob)).toMatchObject({ reason: 'processor-unavailable' });
    r.setProcessorReachable(true);
    expect(r.status().state).toBe('idle');
    const forwarded = audit.record(await r.forward(stored.blob));
    expect(forwarded).toMatchObject({
      outcome: 'approved',
      paymentId: req.paymentId,
      amountCents: 1250,
      tipCents: 150,
      card: { last4: '4242' },
    });
    expect(await r.forward(stored.blob)).toEqual(forwarded);
    if (forwarded.outcome !== 'approved') throw new Error('expected approval');
    expect(
      await r.capture({ paymentId: req.paymentId, processorRef: forwarded.processorRef }),
    ).toMatchObject({ outcome: 'captured', capturedCents: 1400 });
  });

  it.each([
    ['4000000000006660', 'declined'],
    ['4000000000009995', 'insufficient-funds'],
  ] as const)('forward of %s comes back %s', async (card, reason) => {
    const r = await reader();
    const stored = await storeOffline(r, card);
    r.setProcessorReachable(true);
    expect(audit.record(await r.forward(stored.blob))).toMatchObject({
      outcome: 'declined',
      reason,
    });
  });

  it('rejects a tampered blob, a blob from another reader, and garbage', async () => {
    const r = await reader();
    const stored = await storeOffline(r, '4242424242424242');
    r.setProcessorReachable(true);
    const bytes = Buffer.from(stored.blob, 'base64');
    bytes[bytes.length - 3] = (bytes[bytes.length - 3] ?? 0) ^ 0x01;
    const tampered = bytes.toString('base64');
    expect(await r.forward(tampered)).toMatchObject({ outcome: 'failed', reason: 'invalid-blob' });
    const stranger = await reader({ id: r.id });
    expect(await stranger.forward(stored.blob)).toMatchObject({ reason: 'invalid-blob' });
    expect(await r.forward('not a blob!')).toMatchObject({ reason: 'invalid-blob' });
    expect(await r.forward('')).toMatchObject({ reason: 'invalid-blob' });
    expect((await r.forward(stored.blob)).outcome).toBe('approved');
  });

  it('fails processor-unavailable when offline is not allowed or not supported', async () => {
    const r = await reader({ defaultCard: '4242424242424242' });
    r.setProcessorReachable(false);
    expect(await collect(r, request())).toMatchObject({ reason: 'processor-unavailable' });
    const plain = await reader({ defaultCard: '4242424242424242', storeAndForward: false });
    plain.setProcessorReachable(false);
    expect(await collect(plain, request({ offlineAllowed: true }))).toMatchObject({
      reason: 'processor-unavailable',
    });
  });
});

describe('simulated reader: card data', () => {
  it('no test card number appears in any result, status or log line of these tests', () => {
    expect(audit.size).toBeGreaterThan(40);
    expect(audit.leaks()).toEqual([]);
  });
});
