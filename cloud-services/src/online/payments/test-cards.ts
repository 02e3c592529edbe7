import type { CardSummary, DeclineReason } from './processor.js';

// Test cards for card-not-present payments, after Stripe's
// (https://docs.stripe.com/testing#cards, #declined-payments, #regulatory-cards). The simulator
// takes a card number; the Stripe stand-in takes the matching test PaymentMethod ID
// (`pm_card_visa`, …), as Stripe.js would hand the server. A number only selects a behaviour
// and is dropped at once: what leaves this module is brand and last4.

export type CardBehaviour = 'approve' | 'three_d_secure' | DeclineReason;

interface Entry {
  behaviour: CardBehaviour;
  paymentMethod: string;
}

export const TEST_CARDS: Readonly<Record<string, Entry>> = {
  '4242424242424242': { behaviour: 'approve', paymentMethod: 'pm_card_visa' },
  '5555555555554444': { behaviour: 'approve', paymentMethod: 'pm_card_mastercard' },
  '4000000000000002': { behaviour: 'card_declined', paymentMethod: 'pm_card_chargeDeclined' },
  '4000000000009995': {
    behaviour: 'insufficient_funds',
    paymentMethod: 'pm_card_chargeDeclinedInsufficientFunds',
  },
  '4000000000000069': {
    behaviour: 'expired_card',
    paymentMethod: 'pm_card_chargeDeclinedExpiredCard',
  },
  '4000000000000119': {
    behaviour: 'processing_error',
    paymentMethod: 'pm_card_chargeDeclinedProcessingError',
  },
  '4000002760003184': {
    behaviour: 'three_d_secure',
    paymentMethod: 'pm_card_authenticationRequired',
  },
};

export const TEST_CARD_NUMBERS = Object.keys(TEST_CARDS);

export interface ReadCard {
  card: CardSummary;
  behaviour: CardBehaviour;
}

export function luhnValid(digits: string): boolean {
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let d = digits.charCodeAt(digits.length - 1 - i) - 48;
    if (i % 2 === 1) d = d * 2 > 9 ? d * 2 - 9 : d * 2;
    sum += d;
  }
  return sum % 10 === 0;
}

/** The network from the leading digits (IIN ranges), lowercase like Stripe's `brand`. */
export function brandOf(digits: string): string {
  if (/^4/.test(digits)) return 'visa';
  if (/^(5[1-5]|2[2-7])/.test(digits)) return 'mastercard';
  if (/^3[47]/.test(digits)) return 'amex';
  return 'unknown';
}

/**
 * Read a typed card number (spaces and dashes allowed). A number that is malformed or fails the
 * Luhn check is `incorrect_number`; a valid number that is not a test card is declined, as
 * Stripe declines real cards in test mode.
 */
export function readCardNumber(input: string): ReadCard | { behaviour: 'incorrect_number' } {
  const digits = input.replace(/[\s-]/g, '');
  if (!/^[0-9]{12,19}$/.test(digits) || !luhnValid(digits)) {
    return { behaviour: 'incorrect_number' };
  }
  const card = { brand: brandOf(digits), last4: digits.slice(-4) };
  return { card, behaviour: TEST_CARDS[digits]?.behaviour ?? 'card_declined' };
}

/** The stand-in's view of a test PaymentMethod ID, or undefined for one it does not know. */
export function readTestPaymentMethod(id: string): ReadCard | undefined {
  for (const [digits, entry] of Object.entries(TEST_CARDS)) {
    if (entry.paymentMethod === id) {
      return {
        card: { brand: brandOf(digits), last4: digits.slice(-4) },
        behaviour: entry.behaviour,
      };
    }
  }
  return undefined;
}

export const DECLINE_MESSAGES: Record<DeclineReason, string> = {
  card_declined: 'Your card was declined.',
  insufficient_funds: 'Your card has insufficient funds.',
  expired_card: 'Your card has expired.',
  incorrect_number: 'Your card number is incorrect.',
  processing_error: 'An error occurred while processing your card. Try again in a little bit.',
  authentication_failed:
    'We are unable to authenticate your payment method. Please choose a different payment method and try again.',
};
