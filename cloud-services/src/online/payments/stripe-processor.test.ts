import { randomUUID } from 'node:crypto';
import type { Cents, OrderId, StoreId } from '@pos/contracts';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createOnlinePaymentProcessor } from './index.js';
import { OnlinePaymentError, outcomeOfIntent, type PaymentIntentId } from './processor.js';
import { SimulatedOnlineProcessor } from './simulated-processor.js';
import { StripeIntentsStandIn } from './stripe-intents-stand-in.js';
import { StripeOnlineProcessor } from './stripe-processor.js';

// The Stripe processor end to end through the real `stripe` SDK, over HTTP, against the local
// PaymentIntents stand-in.

const c = (n: number) => n as Cents;
let standIn: StripeIntentsStandIn;
let processor: StripeOnlineProcessor;

beforeAll(async () => {
  standIn = await StripeIntentsStandIn.start();
  processor = new StripeOnlineProcessor({
    apiKey: standIn.apiKey,
    ...standIn.sdkConfig(),
    maxNetworkRetries: 0,
  });
});
afterEach(() => standIn.setDown(false));
afterAll(async () => {
  await standIn?.close();
});

const metadata = () => ({ orderId: randomUUID() as OrderId, storeId: 'store-7' as StoreId });

async function newIntent(amount = 2000, key: string = randomUUID()) {
  return processor.createIntent({
    amountCents: c(amount),
    currency: 'USD',
    metadata: metadata(),
    idempotencyKey: key,
  });
}

async function pay(paymentMethod: string, amount = 2000, returnUrl?: string) {
  const intent = await newIntent(amount);
  const outcome = await processor.confirmIntent({
    intentId: intent.id,
    paymentMethod,
    idempotencyKey: randomUUID(),
    ...(returnUrl === undefined ? {} : { returnUrl }),
  });
  return { intent, outcome };
}

/** Charges the stand-in booked as paid for one intent. */
const paidCharges = (intentId: string) =>
  [...standIn.api.charges.values()].filter((ch) => ch.payment_intent === intentId && ch.paid);

describe('Stripe processor: confirm', () => {
  it('creates an intent in minor units with our metadata', async () => {
    const intent = await newIntent(1999);
    expect(intent).toMatchObject({
      status: 'requires_payment_method',
      amountCents: 1999,
      currency: 'USD',
      amountReceivedCents: 0,
    });
    const raw = standIn.api.intents.get(intent.id);
    expect(raw).toMatchObject({ amount: 1999, currency: 'usd' });
    expect(raw?.metadata).toEqual({
      order_id: intent.metadata.orderId,
      store_id: intent.metadata.storeId,
    });
  });

  it('succeeds with brand and last4 from the charge', async () => {
    const { intent, outcome } = await pay('pm_card_visa', 2500);
    expect(outcome).toMatchObject({
      outcome: 'succeeded',
      intent: { id: intent.id, amountReceivedCents: 2500, card: { brand: 'visa', last4: '4242' } },
    });
    expect(paidCharges(intent.id)).toHaveLength(1);
  });

  it.each([
    ['pm_card_chargeDeclined', 'card_declined'],
    ['pm_card_chargeDeclinedInsufficientFunds', 'insufficient_funds'],
    ['pm_card_chargeDeclinedExpiredCard', 'expired_card'],
  ])('%s is declined with %s', async (pm, reason) => {
    const { intent, outcome } = await pay(pm);
    expect(outcome).toMatchObject({
      outcome: 'declined',
      reason,
      intent: { status: 'requires_payment_method', lastDecline: { reason } },
    });
    expect(paidCharges(intent.id)).toHaveLength(0);
  });

  it('an unknown intent is not confirmable, and retrieves as undefined', async () => {
    const id = 'pi_missing' as PaymentIntentId;
    const outcome = await processor.confirmIntent({
      intentId: id,
      paymentMethod: 'pm_card_visa',
      idempotencyKey: randomUUID(),
    });
    expect(outcome).toMatchObject({ outcome: 'not_confirmable', reason: 'not_found' });
    expect(await processor.retrieveIntent(id)).toBeUndefined();
  });
});

describe('Stripe processor: 3-D Secure', () => {
  const returnUrl = 'https://order.example/return';

  it('requires_action gives the browser the challenge; approving it charges once', async () => {
    const { intent, outcome } = await pay('pm_card_authenticationRequired', 2000, returnUrl);
    if (outcome.outcome !== 'requires_action') throw new Error(outcome.outcome);
    expect(outcome.nextAction.clientSecret).toMatch(new RegExp(`^${intent.id}_secret_`));
    expect(outcome.nextAction.redirectUrl).toBe(`${standIn.baseUrl}/3ds/${intent.id}`);
    expect(paidCharges(intent.id)).toHaveLength(0);

    // The guest's browser on the issuer's page, then back to us.
    const page = await fetch(`${outcome.nextAction.redirectUrl}?result=approve`, {
      method: 'POST',
    });
    expect(page.status).toBe(200);
    const after = await processor.retrieveIntent(intent.id);
    expect(after).toMatchObject({ status: 'succeeded', card: { last4: '3184' } });
    expect(outcomeOfIntent(after!).outcome).toBe('succeeded');
    expect(paidCharges(intent.id)).toHaveLength(1);
  });

  it('a failed challenge reads back as declined (authentication_failed)', async () => {
    const { intent, outcome } = await pay('pm_card_authenticationRequired');
    if (outcome.outcome !== 'requires_action') throw new Error(outcome.outcome);
    // Without a return URL Stripe hands the challenge to Stripe.js.
    expect(outcome.nextAction.redirectUrl).toBeUndefined();
    await fetch(`${standIn.baseUrl}/3ds/${intent.id}?result=fail`, { method: 'POST' });
    const after = await processor.retrieveIntent(intent.id);
    expect(outcomeOfIntent(after!)).toMatchObject({
      outcome: 'declined',
      reason: 'authentication_failed',
    });
    expect(paidCharges(intent.id)).toHaveLength(0);
  });
});

describe('Stripe processor: idempotency', () => {
  it('a retried create is replayed by Stripe: one intent', async () => {
    const key: string = randomUUID();
    const request = {
      amountCents: c(700),
      currency: 'USD',
      metadata: metadata(),
      idempotencyKey: key,
    };
    const a = await processor.createIntent(request);
    const b = await processor.createIntent(request);
    expect(b.id).toBe(a.id);
    const sent = standIn.requests.filter((r) => r.idempotencyKey === `create:${key}`);
    expect(sent.map((r) => r.replayed)).toEqual([false, true]);
    await expect(processor.createIntent({ ...request, amountCents: c(701) })).rejects.toMatchObject(
      {
        code: 'idempotency_conflict',
      },
    );
  });

  it('a double-clicked pay button charges once', async () => {
    const intent = await newIntent();
    const request = {
      intentId: intent.id,
      paymentMethod: 'pm_card_visa',
      idempotencyKey: randomUUID(),
    };
    const [a, b] = await Promise.all([
      processor.confirmIntent(request),
      processor.confirmIntent(request),
    ]);
    expect(a.outcome).toBe('succeeded');
    expect(b.outcome).toBe('succeeded');
    // Another key: Stripe refuses to confirm a succeeded intent; we read that as succeeded.
    const c2 = await processor.confirmIntent({ ...request, idempotencyKey: randomUUID() });
    expect(c2).toMatchObject({ outcome: 'succeeded', intent: { card: { last4: '4242' } } });
    expect(paidCharges(intent.id)).toHaveLength(1);
  });
});

describe('Stripe processor: refunds', () => {
  const refund = (intentId: PaymentIntentId, amount?: number, key: string = randomUUID()) =>
    processor.refund({
      intentId,
      ...(amount === undefined ? {} : { amountCents: c(amount) }),
      idempotencyKey: key,
    });

  it('partial, then the rest, then nothing; over-refunds refused', async () => {
    const { intent } = await pay('pm_card_visa', 1000);
    expect(await refund(intent.id, 250)).toMatchObject({
      outcome: 'refunded',
      refund: { intentId: intent.id, amountCents: 250 },
    });
    expect(await refund(intent.id, 751)).toMatchObject({
      outcome: 'refused',
      reason: 'exceeds_refundable',
    });
    expect((await processor.retrieveIntent(intent.id))?.amountRefundedCents).toBe(250);
    expect(await refund(intent.id)).toMatchObject({ refund: { amountCents: 750 } });
    expect(await refund(intent.id, 1)).toMatchObject({ reason: 'already_refunded' });
    expect((await processor.retrieveIntent(intent.id))?.amountRefundedCents).toBe(1000);
  });

  it('the same refund key refunds once', async () => {
    const { intent } = await pay('pm_card_visa', 1000);
    const a = await refund(intent.id, 400, 'store-refund-1');
    const b = await refund(intent.id, 400, 'store-refund-1');
    expect(b).toEqual(a);
    expect((await processor.retrieveIntent(intent.id))?.amountRefundedCents).toBe(400);
  });

  it('an unpaid, declined or unknown intent has nothing to refund', async () => {
    const unpaid = await newIntent();
    const { intent: declined } = await pay('pm_card_chargeDeclined');
    expect(await refund(unpaid.id, 100)).toMatchObject({ reason: 'not_paid' });
    expect(await refund(declined.id)).toMatchObject({ reason: 'not_paid' });
    expect(await refund('pi_missing' as PaymentIntentId)).toMatchObject({ reason: 'not_found' });
  });
});

describe('Stripe processor: faults', () => {
  it('Stripe unreachable is the fault `unreachable`', async () => {
    standIn.setDown(true);
    const err = await newIntent().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OnlinePaymentError);
    expect(err).toMatchObject({ code: 'unreachable' });
  });

  it('a key Stripe rejects, or a malformed one, is `configuration`', async () => {
    const wrong = new StripeOnlineProcessor({
      apiKey: 'sk_test_wrong',
      ...standIn.sdkConfig(),
      maxNetworkRetries: 0,
    });
    await expect(wrong.retrieveIntent('pi_x' as PaymentIntentId)).rejects.toMatchObject({
      code: 'configuration',
    });
    expect(() => new StripeOnlineProcessor({ apiKey: 'pk_test_publishable' })).toThrow(
      OnlinePaymentError,
    );
  });
});

describe('createOnlinePaymentProcessor', () => {
  it('picks Stripe when STRIPE_SECRET_KEY is set, else the simulator', () => {
    expect(createOnlinePaymentProcessor({})).toBeInstanceOf(SimulatedOnlineProcessor);
    expect(createOnlinePaymentProcessor({ STRIPE_SECRET_KEY: ' ' }).kind).toBe('simulated');
    const stripe = createOnlinePaymentProcessor({ STRIPE_SECRET_KEY: 'sk_test_abc123' });
    expect(stripe).toBeInstanceOf(StripeOnlineProcessor);
    expect(() => createOnlinePaymentProcessor({ STRIPE_SECRET_KEY: 'nonsense' })).toThrow(
      expect.objectContaining({ code: 'configuration' }),
    );
  });
});
