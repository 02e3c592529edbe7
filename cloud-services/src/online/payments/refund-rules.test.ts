import { randomUUID } from 'node:crypto';
import type { Cents, OrderId, StoreId } from '@pos/contracts';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decideRefund } from './refund-rules.js';
import { SimulatedOnlineProcessor } from './simulated-processor.js';

const c = (n: number) => n as Cents;

describe('decideRefund', () => {
  it('refuses what is not there and grants what is', () => {
    expect(decideRefund(c(0), c(0), c(1))).toMatchObject({ ok: false, reason: 'not_paid' });
    expect(decideRefund(c(500), c(500), undefined)).toMatchObject({ reason: 'already_refunded' });
    expect(decideRefund(c(500), c(200), c(301))).toMatchObject({ reason: 'exceeds_refundable' });
    expect(decideRefund(c(500), c(200), c(300))).toEqual({ ok: true, amountCents: 300 });
    expect(decideRefund(c(500), c(200), undefined)).toEqual({ ok: true, amountCents: 300 });
  });
});

describe('refunds never exceed the captured amount (property)', () => {
  // Each step: an amount in cents, or undefined for "the rest"; keys sometimes repeat, as
  // retries do, with the same amount.
  const step = fc.record({
    amount: fc.option(fc.integer({ min: 1, max: 3_000 }), { nil: undefined }),
    retryOf: fc.option(fc.nat(), { nil: undefined }),
  });

  it('holds for any sequence of refunds and retries on the simulator', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: 2_500 }), fc.array(step), async (total, steps) => {
        const processor = new SimulatedOnlineProcessor();
        const intent = await processor.createIntent({
          amountCents: c(total),
          currency: 'EUR',
          metadata: { orderId: randomUUID() as OrderId, storeId: 'store-1' as StoreId },
          idempotencyKey: 'create',
        });
        await processor.confirmIntent({
          intentId: intent.id,
          paymentMethod: '4242424242424242',
          idempotencyKey: 'pay',
        });
        const sent: { key: string; amount: number | undefined }[] = [];
        let granted = 0;
        for (const { amount, retryOf } of steps) {
          const earlier = retryOf === undefined ? undefined : sent[retryOf % (sent.length || 1)];
          const request = earlier ?? { key: `r${sent.length}`, amount };
          if (earlier === undefined) sent.push(request);
          const outcome = await processor.refund({
            intentId: intent.id,
            ...(request.amount === undefined ? {} : { amountCents: c(request.amount) }),
            idempotencyKey: request.key,
          });
          if (outcome.outcome === 'refunded' && earlier === undefined) {
            granted += outcome.refund.amountCents;
          }
          expect(granted).toBeLessThanOrEqual(total);
        }
        const refunds = processor.refundsFor(intent.id);
        const booked = refunds.reduce((sum, r) => sum + r.amountCents, 0);
        expect(booked).toBe(granted);
        expect((await processor.retrieveIntent(intent.id))?.amountRefundedCents).toBe(booked);
      }),
      { numRuns: 200 },
    );
  });
});
