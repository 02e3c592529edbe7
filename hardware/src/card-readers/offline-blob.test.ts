import { type Cents, cents } from '@pos/contracts';
import { describe, expect, it } from 'vitest';
import {
  newReaderKey,
  type OfflinePayment,
  openOfflinePayment,
  sealOfflinePayment,
} from './offline-blob.js';
import { brandOf, lookupTestCard, luhnValid, TEST_CARD_NUMBERS } from './test-cards.js';
import { bytesHoldPan, PanAudit } from './testing/pan-audit.js';

const payment: OfflinePayment = {
  readerId: 'simulated-1',
  paymentId: '0190f0c2-5b7e-7cc1-9a54-2b0f6f4c2f11',
  token: 'sim_tok_abc',
  card: { brand: 'visa', last4: '4242', entryMode: 'chip' },
  amountCents: cents(1500),
  tipCents: 0 as Cents,
  currency: 'EUR',
  storedAt: 1_760_000_000_000,
  settle: 'approve',
};

describe('offline payment blob', () => {
  it('round-trips with the reader key only; every sealing is different', () => {
    const key = newReaderKey();
    const blob = sealOfflinePayment(key, payment);
    expect(openOfflinePayment(key, blob)).toEqual(payment);
    expect(sealOfflinePayment(key, payment)).not.toBe(blob);
    expect(openOfflinePayment(newReaderKey(), blob)).toBeUndefined();
  });

  it('any altered byte (version, IV, tag, body) makes it unreadable', () => {
    const key = newReaderKey();
    const bytes = Buffer.from(sealOfflinePayment(key, payment), 'base64');
    for (const at of [0, 1, 13, 29, bytes.length - 1]) {
      const copy = Buffer.from(bytes);
      copy[at] = (copy[at] ?? 0) ^ 0x80;
      expect(openOfflinePayment(key, copy.toString('base64'))).toBeUndefined();
    }
    expect(openOfflinePayment(key, bytes.subarray(0, 20).toString('base64'))).toBeUndefined();
    expect(openOfflinePayment(key, '%%%')).toBeUndefined();
  });

  it('refuses a well-sealed payload that is not a valid payment', () => {
    const key = newReaderKey();
    const bad = { ...payment, card: { ...payment.card, last4: '42424242' } };
    expect(openOfflinePayment(key, sealOfflinePayment(key, bad))).toBeUndefined();
    expect(() => sealOfflinePayment(Buffer.alloc(16), payment)).toThrow(RangeError);
  });
});

describe('test cards', () => {
  it('every test number is Luhn-valid and resolves to brand and last4 only', () => {
    for (const number of TEST_CARD_NUMBERS) {
      expect(luhnValid(number)).toBe(true);
      const card = lookupTestCard(number);
      expect(card?.last4).toBe(number.slice(-4));
      expect(JSON.stringify(card)).not.toContain(number.slice(0, -4));
    }
    expect(lookupTestCard('4242 4242 4242 4242')).toMatchObject({
      brand: 'visa',
      online: 'approve',
    });
    expect(lookupTestCard('4242424242424241')).toBeUndefined();
    expect(lookupTestCard('4111111111111111')).toBeUndefined();
    expect(brandOf('378282246310005')).toBe('amex');
    expect(lookupTestCard('4000000000006660')).toMatchObject({
      online: 'approve',
      forward: 'declined',
    });
  });

  it('the PAN audit finds a number, spaced or without its last four', () => {
    const audit = new PanAudit();
    audit.record({ ok: 'visa ending 4242', amount: 424242 });
    expect(audit.leaks()).toEqual([]);
    audit.record('card 4242 4242 4242 4242');
    audit.record({ partial: '400000000000' });
    expect(audit.leaks().length).toBeGreaterThanOrEqual(2);
    expect(audit.leaks().join()).not.toContain('424242424242');
    expect(bytesHoldPan(Buffer.from('x4242424242424242'), '4242424242424242')).toBe(true);
  });
});
