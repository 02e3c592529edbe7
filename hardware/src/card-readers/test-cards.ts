import type { DeclineReason } from './card-reader.js';

// Test cards for the simulated reader and the Stripe stand-in, modelled on Stripe's test card
// numbers (https://docs.stripe.com/terminal/references/testing#test-cards). The number only
// selects a behaviour here and is dropped at once: what leaves this module is a `TestCard`,
// which has brand and last4 but no number, so nothing downstream can leak it.

/** What the card does when presented with the processor reachable. */
export type OnlineBehaviour =
  | 'approve'
  | DeclineReason
  /** The processor never answers; the collect fails when its timeout runs out. */
  | 'timeout'
  /** The guest pulls the card out halfway through. */
  | 'card-removed';

/** What the processor says when a stored-offline payment with this card is forwarded. */
export type ForwardBehaviour = 'approve' | DeclineReason;

export interface TestCard {
  readonly brand: string;
  readonly last4: string;
  readonly online: OnlineBehaviour;
  readonly forward: ForwardBehaviour;
}

interface Entry {
  readonly online: OnlineBehaviour;
  readonly forward?: ForwardBehaviour;
  readonly note: string;
}

/** Test card numbers and what they do. The last three are this simulator's own. */
export const TEST_CARDS = {
  '4242424242424242': { online: 'approve', note: 'Visa, approved' },
  '5555555555554444': { online: 'approve', note: 'Mastercard, approved' },
  '378282246310005': { online: 'approve', note: 'American Express, approved' },
  '4000000000000002': { online: 'declined', note: 'declined (card_declined)' },
  '4000000000009995': { online: 'insufficient-funds', note: 'declined (insufficient_funds)' },
  '4000000000000069': { online: 'expired-card', note: 'declined (expired_card)' },
  '4000000000007775': { online: 'timeout', note: 'simulator: the processor never answers' },
  '4000000000008880': { online: 'card-removed', note: 'simulator: card removed mid-way' },
  '4000000000006660': {
    online: 'approve',
    forward: 'declined',
    note: 'simulator: approved online, declined when a stored-offline payment is forwarded',
  },
} as const satisfies Record<string, Entry>;

export type TestCardNumber = keyof typeof TEST_CARDS;

/** Every test number, for tests that check no output ever contains one. */
export const TEST_CARD_NUMBERS = Object.keys(TEST_CARDS) as TestCardNumber[];

export function luhnValid(digits: string): boolean {
  let sum = 0;
  let double = false;
  for (let i = digits.length - 1; i >= 0; i--) {
    let d = digits.charCodeAt(i) - 48;
    if (double) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
    double = !double;
  }
  return sum % 10 === 0;
}

/** The card network from the leading digits (IIN ranges), lowercase like Stripe's `brand`. */
export function brandOf(digits: string): string {
  if (/^4/.test(digits)) return 'visa';
  if (/^(5[1-5]|2[2-7])/.test(digits)) return 'mastercard';
  if (/^3[47]/.test(digits)) return 'amex';
  if (/^(6011|65)/.test(digits)) return 'discover';
  return 'unknown';
}

/**
 * The test card for a number, or undefined when it is not one. Spaces and dashes are ignored.
 * Never put the number in an error message: callers report "ending 1234" at most.
 */
export function lookupTestCard(number: string): TestCard | undefined {
  const digits = number.replace(/[\s-]/g, '');
  if (!/^[0-9]{13,19}$/.test(digits) || !luhnValid(digits)) return undefined;
  const entry: Entry | undefined = (TEST_CARDS as Record<string, Entry>)[digits];
  if (entry === undefined) return undefined;
  const forward: ForwardBehaviour =
    entry.forward ??
    (entry.online === 'timeout' || entry.online === 'card-removed' ? 'approve' : entry.online);
  return { brand: brandOf(digits), last4: digits.slice(-4), online: entry.online, forward };
}
