import { randomUUID } from 'node:crypto';
import { cents } from '@pos/contracts';
import { createLogger } from '@pos/kit/logger';
import Stripe from 'stripe';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { CollectRequest, CollectResult, ReaderState } from './card-reader.js';
import { type StandInReaderConfig, StripeStandIn } from './stripe-stand-in.js';
import {
  StripeTerminalReader,
  type StripeTerminalReaderOptions,
} from './stripe-terminal-reader.js';
import { PanAudit } from './testing/pan-audit.js';

// The adapter end to end through the real `stripe` SDK, against the local stand-in server.

const audit = new PanAudit();
const logger = createLogger({
  service: 'stripe-test',
  level: 'debug',
  destination: audit.stream(),
});
let standIn: StripeStandIn;
const readers: StripeTerminalReader[] = [];

beforeAll(async () => {
  standIn = await StripeStandIn.start();
});
afterEach(async () => {
  standIn.setDown(false);
  await Promise.all(readers.splice(0).map((r) => r.close()));
});
afterAll(async () => {
  await standIn?.close();
});

async function adapter(
  config: StandInReaderConfig = {},
  options: Partial<StripeTerminalReaderOptions> = {},
) {
  const readerId = `tmr_${randomUUID().slice(0, 8)}`;
  standIn.addReader(readerId, config);
  const reader = new StripeTerminalReader({
    apiKey: standIn.apiKey,
    readerId,
    ...standIn.sdkConfig(),
    pollIntervalMs: 10,
    processingTimeoutMs: 3_000,
    maxNetworkRetries: 1,
    heartbeatMs: 0,
    logger,
    ...options,
  });
  readers.push(reader);
  await reader.connect();
  return { reader, readerId };
}

/** A second SDK client, standing in for Stripe's dashboard/test helpers. */
const sdk = () => new Stripe(standIn.apiKey, { ...standIn.sdkConfig(), maxNetworkRetries: 0 });

function request(overrides: Partial<CollectRequest> = {}): CollectRequest {
  return { paymentId: randomUUID(), amountCents: cents(1250), currency: 'USD', ...overrides };
}

async function collect(reader: StripeTerminalReader, req: CollectRequest) {
  return audit.record(await reader.collect(req));
}

function reaches(reader: StripeTerminalReader, state: ReaderState): Promise<void> {
  return new Promise((resolve) => {
    const off = reader.onStatus((s) => {
      if (s.state !== state) return;
      off();
      resolve();
    });
  });
}

async function presentAndCollect(card: string, req = request()) {
  const { reader, readerId } = await adapter();
  const seen: ReaderState[] = [];
  reader.onStatus((s) => seen.push(audit.record(s).state));
  const waiting = reaches(reader, 'waiting-for-card');
  const pending = collect(reader, req);
  await waiting;
  await sdk().testHelpers.terminal.readers.presentPaymentMethod(readerId, {
    card_present: { number: card },
  });
  return { result: await pending, reader, readerId, seen, req };
}

const intentsOf = (paymentId: string) =>
  [...standIn.api.intents.values()].filter(
    (pi) => (pi.metadata as Record<string, string>).pos_payment_id === paymentId,
  );

describe('Stripe Terminal adapter: collect', () => {
  it('connects and reports the reader online, offline, unknown or Stripe unreachable', async () => {
    expect((await adapter()).reader.status().state).toBe('idle');
    expect((await adapter({ online: false })).reader.status().state).toBe('offline');
    const unknown = new StripeTerminalReader({
      apiKey: standIn.apiKey,
      readerId: 'tmr_missing',
      ...standIn.sdkConfig(),
      heartbeatMs: 0,
    });
    readers.push(unknown);
    await unknown.connect();
    expect(unknown.status().state).toBe('error');
    standIn.setDown(true);
    const cut = await adapter({}, { maxNetworkRetries: 0 });
    expect(cut.reader.status()).toMatchObject({ state: 'offline', message: 'Stripe unreachable' });
  });

  it('follows the reader going offline and back while idle (heartbeat)', async () => {
    const { reader, readerId } = await adapter({}, { heartbeatMs: 15 });
    const offline = reaches(reader, 'offline');
    standIn.configureReader(readerId, { online: false });
    await offline;
    const online = reaches(reader, 'idle');
    standIn.configureReader(readerId, { online: true });
    await online;
    expect(reader.status().lastSeenAt).toBeTypeOf('number');
  });

  it('approves a card presented on the reader: manual capture, amount includes the tip', async () => {
    const req = request({ amountCents: cents(2000), tipCents: cents(350) });
    const { result, seen } = await presentAndCollect('4242424242424242', req);
    expect(result).toMatchObject({
      outcome: 'approved',
      card: { brand: 'visa', last4: '4242', entryMode: 'tap' },
      authCode: '123456',
      amountCents: 2000,
      tipCents: 350,
      captured: false,
    });
    expect(seen).toEqual(['processing', 'waiting-for-card', 'idle']);
    const [intent, ...more] = intentsOf(req.paymentId);
    expect(more).toEqual([]);
    expect(intent).toMatchObject({
      amount: 2350,
      currency: 'usd',
      capture_method: 'manual',
      status: 'requires_capture',
      allowed_payment_method_types: ['card_present'],
    });
  });

  it.each([
    ['4000000000000002', 'declined'],
    ['4000000000009995', 'insufficient-funds'],
    ['4000000000000069', 'expired-card'],
  ] as const)('maps a decline of %s to %s', async (card, reason) => {
    const { result } = await presentAndCollect(card);
    expect(result).toMatchObject({ outcome: 'declined', reason });
  });

  it('maps declines reported by the reader on its own (no test helper)', async () => {
    const { reader } = await adapter({ behaviour: 'insufficient-funds' });
    expect(await collect(reader, request())).toMatchObject({ reason: 'insufficient-funds' });
    const other = await adapter({ behaviour: 'decline' });
    expect(await collect(other.reader, request())).toMatchObject({ reason: 'declined' });
  });

  it('retries a declined payment on the same PaymentIntent', async () => {
    const { reader, readerId } = await adapter({ behaviour: 'decline' });
    const req = request();
    expect((await collect(reader, req)).outcome).toBe('declined');
    standIn.configureReader(readerId, { behaviour: 'approve' });
    expect((await collect(reader, req)).outcome).toBe('approved');
    expect(intentsOf(req.paymentId)).toHaveLength(1);
  });

  it('times out, stopping the reader action', async () => {
    const { reader, readerId } = await adapter(
      { behaviour: 'timeout' },
      { processingTimeoutMs: 150 },
    );
    const req = request();
    expect(await collect(reader, req)).toMatchObject({ outcome: 'failed', reason: 'timeout' });
    expect(standIn.api.readerObject(readerId).action).toMatchObject({ status: 'failed' });
    expect(reader.status().state).toBe('idle');
  });

  it('cancel() stops the reader and cancels the PaymentIntent; so does an aborted signal', async () => {
    const { reader } = await adapter();
    const req = request();
    const waiting = reaches(reader, 'waiting-for-card');
    const pending = collect(reader, req);
    await waiting;
    await reader.cancel(req.paymentId);
    expect(await pending).toMatchObject({ outcome: 'failed', reason: 'cancelled' });
    expect(intentsOf(req.paymentId)[0]).toMatchObject({ status: 'canceled' });

    const controller = new AbortController();
    const again = reaches(reader, 'waiting-for-card');
    const second = collect(reader, request({ signal: controller.signal }));
    await again;
    controller.abort();
    expect(await second).toMatchObject({ reason: 'cancelled' });
  });

  it('reports a customer cancelling on the reader as cancelled', async () => {
    const { reader } = await adapter({ behaviour: 'customer-cancel' });
    expect(await collect(reader, request())).toMatchObject({ reason: 'cancelled' });
  });

  it('refuses while busy, and reports reader offline and Stripe down', async () => {
    const { reader, readerId } = await adapter();
    const waiting = reaches(reader, 'waiting-for-card');
    const first = collect(reader, request());
    expect(await collect(reader, request())).toMatchObject({ reason: 'reader-unavailable' });
    await waiting;
    await sdk().testHelpers.terminal.readers.presentPaymentMethod(readerId);
    expect((await first).outcome).toBe('approved');

    standIn.configureReader(readerId, { online: false });
    expect(await collect(reader, request())).toMatchObject({ reason: 'reader-unavailable' });

    const cut = await adapter({ behaviour: 'approve' }, { maxNetworkRetries: 0 });
    standIn.setDown(true);
    expect(await collect(cut.reader, request())).toMatchObject({
      outcome: 'failed',
      reason: 'processor-unavailable',
    });
    expect(cut.reader.status().state).toBe('offline');
  });
});

describe('Stripe Terminal adapter: idempotency', () => {
  it('a retried create is deduplicated by the idempotency key: one PaymentIntent', async () => {
    const { reader } = await adapter({ behaviour: 'approve' });
    const req = request();
    standIn.failNext({ times: 1, when: 'after', path: /^\/v1\/payment_intents$/ });
    expect((await collect(reader, req)).outcome).toBe('approved');
    expect(intentsOf(req.paymentId)).toHaveLength(1);
    const creates = standIn.requests.filter(
      (r) => r.path === '/v1/payment_intents' && r.idempotencyKey?.includes(req.paymentId),
    );
    expect(creates.map((r) => [r.status, r.replayed])).toEqual([
      [500, false],
      [200, true],
    ]);
    expect(new Set(creates.map((r) => r.idempotencyKey)).size).toBe(1);
  });

  it('collecting an already-approved payment again returns it without charging twice', async () => {
    const { reader, readerId } = await adapter({ behaviour: 'approve' });
    const req = request();
    const first = await collect(reader, req);
    // A fresh adapter (a restarted hub) with no memory of the payment.
    const restarted = new StripeTerminalReader({
      apiKey: standIn.apiKey,
      readerId,
      ...standIn.sdkConfig(),
      pollIntervalMs: 10,
      heartbeatMs: 0,
    });
    readers.push(restarted);
    await restarted.connect();
    const processed = () =>
      standIn.requests.filter((r) => r.path.endsWith('/process_payment_intent')).length;
    const before = processed();
    const second = await collect(restarted, req);
    expect(second).toMatchObject({ outcome: 'approved' });
    expect(second.outcome === 'approved' && first.outcome === 'approved').toBe(true);
    if (second.outcome === 'approved' && first.outcome === 'approved') {
      expect(second.processorRef).toBe(first.processorRef);
    }
    expect(processed()).toBe(before);
  });

  it('every POST the adapter sends carries a key derived from our payment ID', () => {
    const posts = standIn.requests.filter(
      (r) => r.method === 'POST' && !r.path.startsWith('/v1/test_helpers/'),
    );
    expect(posts.length).toBeGreaterThan(10);
    for (const post of posts) expect(post.idempotencyKey).toMatch(/^pos:[0-9a-f-]{36}:[a-z]+:/);
  });
});

describe('Stripe Terminal adapter: capture, void, refund', () => {
  async function approved(config: StandInReaderConfig = { behaviour: 'approve' }, options = {}) {
    const { reader } = await adapter(config, options);
    const req = request({ amountCents: cents(3000), tipCents: cents(500) });
    const result: CollectResult = await collect(reader, req);
    if (result.outcome !== 'approved') throw new Error('expected approval');
    return { reader, ref: { paymentId: req.paymentId, processorRef: result.processorRef }, result };
  }

  it('captures the authorisation (again: same answer), partially if asked', async () => {
    const { reader, ref } = await approved();
    expect(await reader.capture(ref)).toEqual({
      outcome: 'captured',
      processorRef: ref.processorRef,
      capturedCents: 3500,
    });
    expect(await reader.capture(ref)).toMatchObject({ outcome: 'captured', capturedCents: 3500 });
    expect(await reader.void(ref)).toMatchObject({ reason: 'already-captured' });

    const partial = await approved();
    expect(
      await partial.reader.capture({ ...partial.ref, amountCents: cents(3100) }),
    ).toMatchObject({ capturedCents: 3100 });
    const over = await approved();
    expect(await over.reader.capture({ ...over.ref, amountCents: cents(3501) })).toMatchObject({
      reason: 'amount-too-large',
    });
  });

  it('voids before capture; capture is then refused', async () => {
    const { reader, ref } = await approved();
    expect(await reader.void(ref)).toEqual({ outcome: 'voided', processorRef: ref.processorRef });
    expect(await reader.void(ref)).toMatchObject({ outcome: 'voided' });
    expect(await reader.capture(ref)).toMatchObject({ reason: 'not-capturable' });
    expect(await reader.void({ ...ref, processorRef: 'pi_missing' })).toMatchObject({
      reason: 'not-found',
    });
  });

  it('refunds an automatically captured payment once per refund ID', async () => {
    const { reader, ref, result } = await approved(
      { behaviour: 'approve' },
      {
        captureMethod: 'automatic',
      },
    );
    expect(result.outcome === 'approved' && result.captured).toBe(true);
    const refundId = randomUUID();
    const first = await reader.refund({ ...ref, refundId, amountCents: cents(1000) });
    expect(first).toMatchObject({ outcome: 'refunded', amountCents: 1000 });
    expect(await reader.refund({ ...ref, refundId, amountCents: cents(1000) })).toEqual(first);
    expect(
      await reader.refund({ ...ref, refundId: randomUUID(), amountCents: cents(2501) }),
    ).toMatchObject({ reason: 'amount-too-large' });
  });
});

describe('Stripe Terminal adapter: card data', () => {
  it('no test card number in any result, status, log line or stand-in response', () => {
    for (const r of standIn.requests) audit.record(r.response);
    expect(audit.size).toBeGreaterThan(50);
    expect(audit.leaks()).toEqual([]);
  });
});
