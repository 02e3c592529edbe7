import Stripe from 'stripe';
import { describe, expect, it } from 'vitest';
import {
  cardOfCharge,
  classifyStripeError,
  declineReason,
  entryModeOf,
  outcomeOfActionFailure,
} from './stripe-outcomes.js';
import { parseStripeForm } from './stripe-stand-in.js';

const charge = (cardPresent: Record<string, unknown>) =>
  ({ payment_method_details: { type: 'card_present', card_present: cardPresent } }) as never;

describe('Stripe outcome mapping', () => {
  it('maps decline and error codes to decline reasons', () => {
    expect(declineReason('card_declined', 'insufficient_funds')).toBe('insufficient-funds');
    expect(declineReason('expired_card', null)).toBe('expired-card');
    expect(declineReason('card_declined', 'do_not_honor')).toBe('declined');
  });

  it('reads a failed reader action from api_error, last_payment_error or failure_code', () => {
    const apiError = {
      type: 'card_error',
      code: 'card_declined',
      decline_code: 'insufficient_funds',
      message: 'No funds',
    };
    expect(
      outcomeOfActionFailure({
        failure_code: 'card_declined',
        failure_message: 'x',
        api_error: apiError,
      }),
    ).toEqual({
      outcome: 'declined',
      reason: 'insufficient-funds',
      message: 'No funds',
    });
    const lastError = { type: 'card_error', code: 'expired_card', message: 'Expired' } as never;
    expect(
      outcomeOfActionFailure(
        { failure_code: 'card_declined', failure_message: null },
        { last_payment_error: lastError },
      ),
    ).toMatchObject({ outcome: 'declined', reason: 'expired-card' });
    expect(
      outcomeOfActionFailure({
        failure_code: 'customer_canceled',
        failure_message: 'Canceled',
        api_error: null,
      }),
    ).toMatchObject({ outcome: 'failed', reason: 'cancelled' });
    expect(
      outcomeOfActionFailure({ failure_code: 'processing_error', failure_message: 'oops' }),
    ).toMatchObject({ outcome: 'failed', reason: 'error' });
    expect(
      outcomeOfActionFailure({ failure_code: 'terminal_reader_timeout', failure_message: 't' }),
    ).toMatchObject({ reason: 'reader-unavailable' });
  });

  it('classifies SDK errors and rethrows anything else', () => {
    const card = new Stripe.errors.StripeCardError({
      type: 'card_error',
      code: 'card_declined',
      decline_code: 'insufficient_funds',
      message: 'm',
    });
    expect(classifyStripeError(card)).toMatchObject({ kind: 'card', reason: 'insufficient-funds' });
    const conn = new Stripe.errors.StripeConnectionError({ message: 'ECONNREFUSED' });
    expect(classifyStripeError(conn)).toMatchObject({ kind: 'unavailable' });
    const busy = new Stripe.errors.StripeInvalidRequestError({
      type: 'invalid_request_error',
      code: 'terminal_reader_busy',
      message: 'busy',
    });
    expect(classifyStripeError(busy)).toMatchObject({ kind: 'reader' });
    const fault = new TypeError('bug');
    expect(() => classifyStripeError(fault)).toThrow(fault);
  });

  it('takes brand, last4 and entry mode from the charge, and refuses an unsafe last4', () => {
    expect(
      cardOfCharge(
        charge({
          brand: 'Visa',
          last4: '4242',
          read_method: 'contact_emv',
          receipt: { authorization_code: '000123' },
        }),
      ),
    ).toEqual({
      card: { brand: 'visa', last4: '4242', entryMode: 'chip' },
      authCode: '000123',
    });
    expect(
      cardOfCharge(charge({ brand: 'visa', last4: '424242424242', read_method: null })),
    ).toBeUndefined();
    expect(cardOfCharge(charge({ brand: 'visa 4242', last4: '4242' }))).toBeUndefined();
    expect(cardOfCharge('ch_123')).toBeUndefined();
    expect(cardOfCharge(null)).toBeUndefined();
    expect(entryModeOf('contactless_emv')).toBe('tap');
    expect(entryModeOf('magnetic_stripe_track2')).toBe('swipe');
  });
});

describe('stand-in form parsing', () => {
  it('decodes bracketed keys as the SDK encodes them, ignoring prototype keys', () => {
    const parsed = parseStripeForm(
      'amount=1250&allowed_payment_method_types[0]=card_present&metadata[pos_payment_id]=p1&expand[0]=latest_charge&__proto__[x]=1&a[constructor][y]=2',
    );
    expect(parsed).toEqual({
      amount: '1250',
      allowed_payment_method_types: { 0: 'card_present' },
      metadata: { pos_payment_id: 'p1' },
      expand: { 0: 'latest_charge' },
    });
    expect(({} as Record<string, unknown>).x).toBeUndefined();
  });
});
