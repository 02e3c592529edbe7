import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { type Cents, Currency } from '@pos/contracts';
import { type CardDetails, type EntryMode, isSafeCardDetails } from './card-reader.js';
import type { ForwardBehaviour } from './test-cards.js';

// The store-and-forward blob of the simulated reader. A real reader encrypts the card data
// under a key only the processor holds; the hub keeps the blob without being able to read it.
// Here the "processor side" is the simulator itself, so the key is the reader's. The payload
// carries a reader token, never the card number.
//
// Layout (base64 of): version byte 0x01 | 12-byte IV | 16-byte GCM tag | ciphertext.
// AES-256-GCM authenticates the whole payload, so a flipped bit makes `open` return undefined
// (NIST SP 800-38D); the version byte is bound in as additional authenticated data.

export const OFFLINE_BLOB_KEY_BYTES = 32;
const VERSION = 0x01;
const IV_BYTES = 12;
const TAG_BYTES = 16;
const AAD = Buffer.from('pos.simulated-reader.offline-payment.v1');

export interface OfflinePayment {
  readonly readerId: string;
  readonly paymentId: string;
  /** Reader token standing for the card; meaningless outside the reader/processor. */
  readonly token: string;
  readonly card: CardDetails;
  readonly amountCents: Cents;
  readonly tipCents: Cents;
  readonly currency: Currency;
  /** Epoch ms when the reader stored the payment. */
  readonly storedAt: number;
  /** What the simulated processor will answer on forward (picked by the test card). */
  readonly settle: ForwardBehaviour;
}

export function newReaderKey(): Buffer {
  return randomBytes(OFFLINE_BLOB_KEY_BYTES);
}

function checkKey(key: Uint8Array): void {
  if (key.length !== OFFLINE_BLOB_KEY_BYTES) {
    throw new RangeError(`reader key must be ${OFFLINE_BLOB_KEY_BYTES} bytes`);
  }
}

export function sealOfflinePayment(key: Uint8Array, payment: OfflinePayment): string {
  checkKey(key);
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(Buffer.concat([Buffer.of(VERSION), AAD]));
  const body = Buffer.concat([cipher.update(JSON.stringify(payment), 'utf8'), cipher.final()]);
  return Buffer.concat([Buffer.of(VERSION), iv, cipher.getAuthTag(), body]).toString('base64');
}

/** The payment in a blob, or undefined when it is not ours, tampered with or malformed. */
export function openOfflinePayment(key: Uint8Array, blob: string): OfflinePayment | undefined {
  checkKey(key);
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(blob)) return undefined;
  const bytes = Buffer.from(blob, 'base64');
  if (bytes.length <= 1 + IV_BYTES + TAG_BYTES || bytes[0] !== VERSION) return undefined;
  const iv = bytes.subarray(1, 1 + IV_BYTES);
  const tag = bytes.subarray(1 + IV_BYTES, 1 + IV_BYTES + TAG_BYTES);
  const body = bytes.subarray(1 + IV_BYTES + TAG_BYTES);
  let plain: string;
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_BYTES });
    decipher.setAAD(Buffer.concat([Buffer.of(VERSION), AAD]));
    decipher.setAuthTag(tag);
    plain = Buffer.concat([decipher.update(body), decipher.final()]).toString('utf8');
  } catch {
    return undefined;
  }
  try {
    return asOfflinePayment(JSON.parse(plain));
  } catch {
    return undefined;
  }
}

const ENTRY_MODES: readonly EntryMode[] = ['tap', 'chip', 'swipe', 'manual'];
const SETTLE: readonly ForwardBehaviour[] = [
  'approve',
  'declined',
  'insufficient-funds',
  'expired-card',
];

// Authenticated by GCM, but still checked field by field: a device's output is untrusted input.
function asOfflinePayment(value: unknown): OfflinePayment | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const v = value as Record<string, unknown>;
  const card = v.card as Record<string, unknown> | undefined;
  const isCount = (n: unknown) => Number.isSafeInteger(n) && (n as number) >= 0;
  const ok =
    typeof v.readerId === 'string' &&
    typeof v.paymentId === 'string' &&
    typeof v.token === 'string' &&
    typeof card === 'object' &&
    card !== null &&
    typeof card.brand === 'string' &&
    typeof card.last4 === 'string' &&
    ENTRY_MODES.includes(card.entryMode as EntryMode) &&
    isSafeCardDetails(card as unknown as CardDetails) &&
    isCount(v.amountCents) &&
    isCount(v.tipCents) &&
    Currency.safeParse(v.currency).success &&
    isCount(v.storedAt) &&
    SETTLE.includes(v.settle as ForwardBehaviour);
  return ok ? (v as unknown as OfflinePayment) : undefined;
}
