import { randomUUID } from 'node:crypto';
import { Writable } from 'node:stream';
import { inspect } from 'node:util';
import type { Cents, OrderId, StoreId } from '@pos/contracts';
import { createLogger } from '@pos/kit/logger';
import { describe, expect, it } from 'vitest';
import {
  type ConfirmOutcome,
  OnlinePaymentError,
  outcomeOfIntent,
  type PaymentIntentId,
  type PaymentIntentView,
} from './processor.js';
import { SimulatedOnlineProcessor } from './simulated-processor.js';
import { TEST_CARD_NUMBERS } from './test-cards.js';

const storeId = 'store-1' as StoreId;
const c = (n: number) => n as Cents;

function setup() {
  const lines: string[] = [];
  const destination = new Writable({
    write: (chunk, _enc, done) => {
      lines.push(String(chunk));
      done();
    },
  });
  const logger = createLogger({ service: 'online-test', level: 'debug', destination });
  const processor = new SimulatedOnlineProcessor({ logger });
  return { processor, lines };
}

async function newIntent(
  processor: SimulatedOnlineProcessor,
  amount = 1000,
  key: string = randomUUID(),
) {
  return processor.createIntent({
    amountCents: c(amount),
    currency: 'USD',
    metadata: { orderId: randomUUID() as OrderId, storeId },
    idempotencyKey: key,
  });
}

async function pay(processor: SimulatedOnlineProcessor, card: string, amount = 1000) {
  const intent = await newIntent(processor, amount);
  const outcome = await processor.confirmIntent({
    intentId: intent.id,
    paymentMethod: card,
    idempotencyKey: randomUUID(),
  });
  return { intent, outcome };
}

const intentOf = (o: ConfirmOutcome): PaymentIntentView => {
  if (!('intent' in o)) throw new Error(`no intent in ${o.outcome}`);
  return o.intent;
};

describe('simulated processor: test cards', () => {
  it.each([
    ['4242424242424242', 'visa', '4242'],
    ['5555 5555 5555 4444', 'mastercard', '4444'],
  ])('%s approves and captures the whole amount', async (card, brand, last4) => {
    const { processor } = setup();
    const { intent, outcome } = await pay(processor, card, 1250);
    expect(outcome.outcome).toBe('succeeded');
    expect(intentOf(outcome)).toMatchObject({
      id: intent.id,
      status: 'succeeded',
      amountReceivedCents: 1250,
      card: { brand, last4 },
    });
    expect(processor.chargesFor(intent.id)).toEqual([
      { intentId: intent.id, amountCents: 1250, card: { brand, last4 } },
    ]);
  });

  it.each([
    ['4000000000000002', 'card_declined'],
    ['4000000000009995', 'insufficient_funds'],
    ['4000000000000069', 'expired_card'],
    ['4000000000000119', 'processing_error'],
    // Luhn-valid but not a test card: declined, as Stripe declines real cards in test mode.
    ['4111111111111111', 'card_declined'],
    // Fails the Luhn check.
    ['4242424242424241', 'incorrect_number'],
    ['not a card', 'incorrect_number'],
  ])('%s is declined with %s and nothing is charged', async (card, reason) => {
    const { processor } = setup();
    const { intent, outcome } = await pay(processor, card);
    expect(outcome).toMatchObject({ outcome: 'declined', reason });
    expect(intentOf(outcome)).toMatchObject({
      status: 'requires_payment_method',
      amountReceivedCents: 0,
      lastDecline: { reason },
    });
    expect(processor.chargesFor(intent.id)).toEqual([]);
  });

  it('a declined intent can be paid with another card, and the decline is cleared', async () => {
    const { processor } = setup();
    const { intent } = await pay(processor, '4000000000009995');
    const retry = await processor.confirmIntent({
      intentId: intent.id,
      paymentMethod: '4242424242424242',
      idempotencyKey: randomUUID(),
    });
    expect(retry.outcome).toBe('succeeded');
    expect(intentOf(retry).lastDecline).toBeUndefined();
    expect(processor.chargesFor(intent.id)).toHaveLength(1);
  });

  it('unknown intents are not confirmable', async () => {
    const { processor } = setup();
    const outcome = await processor.confirmIntent({
      intentId: 'pi_nope' as PaymentIntentId,
      paymentMethod: '4242424242424242',
      idempotencyKey: 'k',
    });
    expect(outcome).toMatchObject({ outcome: 'not_confirmable', reason: 'not_found' });
    expect(await processor.retrieveIntent('pi_nope' as PaymentIntentId)).toBeUndefined();
  });

  it('never keeps or logs a card number, only brand and last4', async () => {
    const { processor, lines } = setup();
    const outcomes: unknown[] = [];
    for (const card of TEST_CARD_NUMBERS) outcomes.push((await pay(processor, card)).outcome);
    expect(lines.length).toBeGreaterThan(TEST_CARD_NUMBERS.length);
    const everything = [inspect(processor, { depth: null }), JSON.stringify(outcomes), ...lines];
    for (const card of TEST_CARD_NUMBERS) {
      for (const text of everything) expect(text).not.toContain(card.slice(0, -4));
    }
  });
});

describe('simulated processor: 3-D Secure', () => {
  const challenged = async (processor: SimulatedOnlineProcessor) => {
    const intent = await newIntent(processor);
    const outcome = await processor.confirmIntent({
      intentId: intent.id,
      paymentMethod: '4000002760003184',
      idempotencyKey: randomUUID(),
      returnUrl: 'https://order.example/return',
    });
    return { intent, outcome };
  };

  it('stops in requires_action with what the browser needs, without charging', async () => {
    const { processor } = setup();
    const { intent, outcome } = await challenged(processor);
    expect(outcome.outcome).toBe('requires_action');
    if (outcome.outcome !== 'requires_action') return;
    expect(outcome.nextAction.clientSecret).toMatch(new RegExp(`^${intent.id}_secret_`));
    expect(outcome.nextAction.redirectUrl).toMatch(/^https:\/\//);
    expect(processor.chargesFor(intent.id)).toEqual([]);
    // Confirming again while the challenge is pending changes nothing.
    const again = await processor.confirmIntent({
      intentId: intent.id,
      paymentMethod: '4242424242424242',
      idempotencyKey: randomUUID(),
    });
    expect(again).toEqual(outcome);
  });

  it('an approved challenge charges once', async () => {
    const { processor } = setup();
    const { intent } = await challenged(processor);
    const done = outcomeOfIntent((await processor.completeChallenge(intent.id, 'approve'))!);
    expect(done.outcome).toBe('succeeded');
    expect(intentOf(done)).toMatchObject({ card: { last4: '3184' }, nextAction: undefined });
    // A second click on the issuer's page is not a second charge.
    expect((await processor.completeChallenge(intent.id, 'approve'))?.status).toBe('succeeded');
    expect(processor.chargesFor(intent.id)).toHaveLength(1);
    expect((await processor.retrieveIntent(intent.id))?.status).toBe('succeeded');
  });

  it('a failed challenge declines with authentication_failed and charges nothing', async () => {
    const { processor } = setup();
    const { intent } = await challenged(processor);
    const done = outcomeOfIntent((await processor.completeChallenge(intent.id, 'fail'))!);
    expect(done).toMatchObject({ outcome: 'declined', reason: 'authentication_failed' });
    expect(intentOf(done).status).toBe('requires_payment_method');
    expect(processor.chargesFor(intent.id)).toEqual([]);
    // Approving after the failure is too late.
    const late = await processor.completeChallenge(intent.id, 'approve');
    expect(late).toMatchObject({ status: 'requires_payment_method', amountReceivedCents: 0 });
    expect(processor.chargesFor(intent.id)).toEqual([]);
  });

  it('there is nothing to complete on an intent without a challenge', async () => {
    const { processor } = setup();
    const intent = await newIntent(processor);
    expect(await processor.completeChallenge(intent.id, 'approve')).toEqual(intent);
    expect(processor.chargesFor(intent.id)).toEqual([]);
    expect(await processor.completeChallenge('pi_x' as PaymentIntentId, 'approve')).toBeUndefined();
  });
});

describe('simulated processor: idempotency', () => {
  it('the same create key gives one intent; other parameters are a fault', async () => {
    const { processor } = setup();
    const key: string = randomUUID();
    const orderId = randomUUID() as OrderId;
    const request = {
      amountCents: c(500),
      currency: 'USD',
      metadata: { orderId, storeId },
      idempotencyKey: key,
    };
    const [a, b] = await Promise.all([
      processor.createIntent(request),
      processor.createIntent(request),
    ]);
    expect(b.id).toBe(a.id);
    await expect(processor.createIntent({ ...request, amountCents: c(501) })).rejects.toMatchObject(
      { name: 'OnlinePaymentError', code: 'idempotency_conflict' },
    );
  });

  it('a double-clicked pay button charges once', async () => {
    const { processor } = setup();
    const intent = await newIntent(processor);
    const request = {
      intentId: intent.id,
      paymentMethod: '4242424242424242',
      idempotencyKey: 'k1',
    };
    const [first, second] = await Promise.all([
      processor.confirmIntent(request),
      processor.confirmIntent(request),
    ]);
    expect(second).toEqual(first);
    // Another key, even another card: the intent has succeeded, so it answers succeeded.
    const third = await processor.confirmIntent({
      ...request,
      paymentMethod: '4000000000000002',
      idempotencyKey: 'k2',
    });
    expect(third.outcome).toBe('succeeded');
    expect(processor.chargesFor(intent.id)).toHaveLength(1);
  });

  it('a replayed decline stays the first answer', async () => {
    const { processor } = setup();
    const intent = await newIntent(processor);
    const request = { intentId: intent.id, paymentMethod: '4000000000000002', idempotencyKey: 'd' };
    const first = await processor.confirmIntent(request);
    await processor.confirmIntent({
      ...request,
      paymentMethod: '4242424242424242',
      idempotencyKey: 'ok',
    });
    expect(await processor.confirmIntent(request)).toEqual(first);
    expect(processor.chargesFor(intent.id)).toHaveLength(1);
  });

  it('malformed requests are faults, not outcomes', async () => {
    const { processor } = setup();
    await expect(newIntent(processor, 0)).rejects.toBeInstanceOf(OnlinePaymentError);
    await expect(newIntent(processor, 10.5)).rejects.toMatchObject({ code: 'invalid_request' });
    await expect(newIntent(processor, 100, '')).rejects.toMatchObject({ code: 'invalid_request' });
  });
});

describe('simulated processor: refunds', () => {
  const refund = (
    p: SimulatedOnlineProcessor,
    id: PaymentIntentId,
    amount?: number,
    key?: string,
  ) =>
    p.refund({
      intentId: id,
      ...(amount === undefined ? {} : { amountCents: c(amount) }),
      idempotencyKey: key ?? randomUUID(),
    });

  it('partial refunds add up to the captured amount, then nothing is left', async () => {
    const { processor } = setup();
    const { intent } = await pay(processor, '4242424242424242', 1000);
    expect(await refund(processor, intent.id, 300)).toMatchObject({
      outcome: 'refunded',
      refund: { intentId: intent.id, amountCents: 300 },
    });
    expect(await refund(processor, intent.id, 701)).toMatchObject({
      outcome: 'refused',
      reason: 'exceeds_refundable',
    });
    // No amount: the rest.
    expect(await refund(processor, intent.id)).toMatchObject({ refund: { amountCents: 700 } });
    expect(await refund(processor, intent.id, 1)).toMatchObject({ reason: 'already_refunded' });
    expect((await processor.retrieveIntent(intent.id))?.amountRefundedCents).toBe(1000);
  });

  it('a full refund at once', async () => {
    const { processor } = setup();
    const { intent } = await pay(processor, '4242424242424242', 1000);
    expect(await refund(processor, intent.id, 1001)).toMatchObject({
      reason: 'exceeds_refundable',
    });
    expect(await refund(processor, intent.id, 1000)).toMatchObject({ outcome: 'refunded' });
    expect(processor.refundsFor(intent.id)).toHaveLength(1);
  });

  it('an unpaid, declined or unknown intent has nothing to refund', async () => {
    const { processor } = setup();
    const unpaid = await newIntent(processor);
    const { intent: declined } = await pay(processor, '4000000000000002');
    expect(await refund(processor, unpaid.id, 100)).toMatchObject({ reason: 'not_paid' });
    expect(await refund(processor, declined.id)).toMatchObject({ reason: 'not_paid' });
    expect(await refund(processor, 'pi_x' as PaymentIntentId)).toMatchObject({
      reason: 'not_found',
    });
  });

  it('the same refund key refunds once', async () => {
    const { processor } = setup();
    const { intent } = await pay(processor, '4242424242424242', 1000);
    const [a, b] = await Promise.all([
      refund(processor, intent.id, 400, 'r1'),
      refund(processor, intent.id, 400, 'r1'),
    ]);
    expect(b).toEqual(a);
    expect(processor.refundsFor(intent.id)).toHaveLength(1);
    await expect(refund(processor, intent.id, 500, 'r1')).rejects.toMatchObject({
      code: 'idempotency_conflict',
    });
    await expect(refund(processor, intent.id, 0)).rejects.toMatchObject({
      code: 'invalid_request',
    });
  });
});
