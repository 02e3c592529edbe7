import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  type CardReader,
  newReaderKey,
  OFFLINE_BLOB_KEY_BYTES,
  SimulatedReader,
  StripeTerminalReader,
} from '@pos/hardware';
import type { HubContext } from '../hub.js';

/**
 * The card readers of this hub from the environment:
 *
 * - `CARD_READER=simulated` (default): a simulated reader that approves with a Visa test card
 *   unless another test card is presented (`POST /api/v1/card-readers/{id}/simulate`). Its
 *   store-and-forward key is kept in the data directory, so payments taken offline can still
 *   be forwarded after a restart. `SIM_READER_LATENCY_MS` (default 800) is its answer time.
 * - `CARD_READER=stripe`: Stripe Terminal, server-driven (online only), with
 *   `STRIPE_API_KEY` and `STRIPE_READER_ID` (`tmr_…`).
 * - `CARD_READER=none`: cash only.
 */
export function readersFromEnv(
  ctx: HubContext,
  env: NodeJS.ProcessEnv = process.env,
): CardReader[] {
  const kind = env.CARD_READER ?? 'simulated';
  const logger = ctx.logger;
  if (kind === 'none') return [];
  if (kind === 'stripe') {
    const apiKey = env.STRIPE_API_KEY;
    const readerId = env.STRIPE_READER_ID;
    if (!apiKey || !readerId) {
      throw new Error('CARD_READER=stripe needs STRIPE_API_KEY and STRIPE_READER_ID');
    }
    return [new StripeTerminalReader({ apiKey, readerId, id: 'stripe-1', logger })];
  }
  if (kind !== 'simulated')
    throw new Error(`CARD_READER must be simulated, stripe or none: ${kind}`);
  const latency = Number(env.SIM_READER_LATENCY_MS ?? 800);
  return [
    new SimulatedReader({
      id: 'simulated-1',
      latencyMs: Number.isFinite(latency) && latency >= 0 ? latency : 800,
      defaultCard: '4242424242424242',
      key: readerKey(ctx.config.dataDir, 'simulated-1'),
      clock: ctx.clock,
      logger,
    }),
  ];
}

/** The reader's store-and-forward key, created on first use and kept beside the databases. */
export function readerKey(dataDir: string, readerId: string): Buffer {
  const path = join(dataDir, `card-reader-${readerId}.key`);
  if (existsSync(path)) {
    const key = Buffer.from(readFileSync(path, 'utf8').trim(), 'base64');
    if (key.length === OFFLINE_BLOB_KEY_BYTES) return key;
    throw new Error(`${path} is not a ${OFFLINE_BLOB_KEY_BYTES}-byte key; restore it from backup`);
  }
  const key = newReaderKey();
  writeFileSync(path, `${key.toString('base64')}\n`, { mode: 0o600 });
  chmodSync(path, 0o600);
  return key;
}
