import { getRandomValues } from 'node:crypto';

let lastMs = -1;
let sequence = 0;

// Random bytes are drawn from the OS in bulk: one call per 256 IDs instead of one per ID.
const POOL_IDS = 256;
const pool = new Uint8Array(16 * POOL_IDS);
let poolOffset = pool.length;

function randomBytes16(): Uint8Array {
  if (poolOffset >= pool.length) {
    getRandomValues(pool);
    poolOffset = 0;
  }
  const bytes = pool.slice(poolOffset, poolOffset + 16);
  poolOffset += 16;
  return bytes;
}

/**
 * A UUID version 7 (RFC 9562 §5.7): 48 bits of Unix milliseconds, then random bits, with a
 * 12-bit counter that keeps IDs made in the same millisecond in order. Time-ordered keys append
 * to the end of an index instead of landing on a random page, which keeps SQLite's writes per
 * order small. Terminals use them for order IDs; the hub for the IDs it makes.
 */
export function uuidv7(now: number = Date.now()): string {
  const bytes = randomBytes16();
  if (now <= lastMs) {
    sequence = (sequence + 1) & 0xfff;
    if (sequence === 0) lastMs += 1; // 4,096 IDs in one millisecond: borrow the next one
    now = lastMs;
  } else {
    lastMs = now;
    sequence = bytes[6]! & 0x07; // a small random start keeps room for the counter
  }
  const ms = BigInt(now);
  for (let i = 0; i < 6; i++) bytes[i] = Number((ms >> BigInt(8 * (5 - i))) & 0xffn);
  bytes[6] = 0x70 | ((sequence >> 8) & 0x0f);
  bytes[7] = sequence & 0xff;
  bytes[8] = 0x80 | (bytes[8]! & 0x3f);
  const hex = Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
