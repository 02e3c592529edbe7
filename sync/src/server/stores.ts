import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { AppError } from '@pos/kit';
import type { SqlDatabase, SqlExecutor } from '@pos/kit/sql';
import { isUniqueViolation } from '@pos/kit/sql';
import type { Request } from 'express';
import type { EnrolResponse, HubState } from '../protocol.js';

// Store provisioning: a manager creates a store and gets a one-time enrolment code; the hub
// trades it for its own credential, which signs every sync call and can be revoked (a stolen
// or replaced hub) by issuing a new code. Only hashes are stored.

const ENROLMENT_TTL_MS = 24 * 60 * 60 * 1000;
// Crockford base32 without I, L, O, U: read aloud over the phone without mistakes.
const CODE_ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

/** `XXXX-XXXX-XXXX`: 60 random bits. */
function enrolmentCode(): string {
  const bytes = randomBytes(12);
  const chars = [...bytes].map((b) => CODE_ALPHABET[b % 32]).join('');
  return `${chars.slice(0, 4)}-${chars.slice(4, 8)}-${chars.slice(8, 12)}`;
}

/** Codes are typed by people: case, spaces and dashes do not matter. */
const normaliseCode = (code: string) => code.toUpperCase().replace(/[^0-9A-Z]/g, '');

export interface StoreSummary {
  storeId: string;
  name: string;
  enrolled: boolean;
  revokedAt: string | null;
  lastSequence: number;
  lastSeenAt: string | null;
  hub: HubState;
  createdAt: string;
}

export interface StoreRow {
  store_id: string;
  name: string;
  credential_hash: string | null;
  last_sequence: string | number;
}

/** PostgreSQL's text form of a timestamptz (`2026-01-14 10:30:00.123+00`) as ISO 8601 UTC. */
function isoOrNull(text: string | null): string | null {
  if (text === null) return null;
  const iso = text
    .replace(' ', 'T')
    .replace(/(\.\d{3})\d+/, '$1')
    .replace(/([+-]\d\d)$/, '$1:00');
  const at = new Date(iso);
  return Number.isNaN(at.getTime()) ? text : at.toISOString();
}

export class Stores {
  constructor(private readonly db: SqlDatabase) {}

  /** A new store and its first enrolment code (shown once). */
  async create(
    storeId: string,
    name: string,
  ): Promise<{ storeId: string; name: string; enrolmentCode: string; expiresAt: string }> {
    return this.db.transaction(async (tx) => {
      try {
        await tx.query('INSERT INTO stores (store_id, name) VALUES ($1, $2)', [storeId, name]);
      } catch (err) {
        if (isUniqueViolation(err))
          throw new AppError('conflict', `Store ${storeId} already exists`);
        throw err;
      }
      return { storeId, name, ...(await this.#issueCode(tx, storeId)) };
    });
  }

  /**
   * A new enrolment code for a store, revoking the credential its hub holds now: the way to
   * replace a hub, or to lock out a lost one.
   */
  async reenrol(
    storeId: string,
  ): Promise<{ storeId: string; enrolmentCode: string; expiresAt: string }> {
    return this.db.transaction(async (tx) => {
      const revoked = await tx.query(
        `UPDATE stores SET credential_hash = NULL,
           revoked_at = CASE WHEN credential_hash IS NULL THEN revoked_at ELSE now() END
         WHERE store_id = $1 RETURNING store_id`,
        [storeId],
      );
      if (revoked.length === 0) throw new AppError('not-found', `No store ${storeId}`);
      await tx.query('DELETE FROM store_enrolments WHERE store_id = $1 AND used_at IS NULL', [
        storeId,
      ]);
      return { storeId, ...(await this.#issueCode(tx, storeId)) };
    });
  }

  async #issueCode(tx: SqlExecutor, storeId: string) {
    const code = enrolmentCode();
    const expiresAt = new Date(Date.now() + ENROLMENT_TTL_MS).toISOString();
    await tx.query(
      'INSERT INTO store_enrolments (code_hash, store_id, expires_at) VALUES ($1, $2, $3)',
      [sha256(normaliseCode(code)), storeId, expiresAt],
    );
    return { enrolmentCode: code, expiresAt };
  }

  /** Trade a code for the store's credential; a code works once, within a day. */
  async enrol(code: string): Promise<EnrolResponse> {
    return this.db.transaction(async (tx) => {
      const row = await tx.maybeOne<{ store_id: string; name: string }>(
        `UPDATE store_enrolments e SET used_at = now()
         FROM stores s
         WHERE e.code_hash = $1 AND e.used_at IS NULL AND e.expires_at > now() AND s.store_id = e.store_id
         RETURNING s.store_id, s.name`,
        [sha256(normaliseCode(code))],
      );
      if (!row)
        throw new AppError(
          'unauthenticated',
          'That enrolment code is not valid, was used, or has expired',
        );
      const secret = randomBytes(32).toString('base64url');
      await tx.query(
        'UPDATE stores SET credential_hash = $2, credential_issued_at = now() WHERE store_id = $1',
        [row.store_id, sha256(secret)],
      );
      return { storeId: row.store_id, name: row.name, credential: `${row.store_id}.${secret}` };
    });
  }

  /** The store a request's credential belongs to, or a 401. */
  async authenticate(req: Request): Promise<StoreRow> {
    const match = /^Bearer ([a-z0-9][a-z0-9-]{0,62})\.([A-Za-z0-9_-]{20,100})$/.exec(
      req.get('authorization') ?? '',
    );
    if (!match) throw new AppError('unauthenticated', 'A store credential is required');
    const [, storeId, secret] = match as unknown as [string, string, string];
    const row = await this.db.maybeOne<StoreRow>(
      'SELECT store_id, name, credential_hash, last_sequence FROM stores WHERE store_id = $1',
      [storeId],
    );
    const expected = Buffer.from(row?.credential_hash ?? '0'.repeat(64), 'hex');
    const given = Buffer.from(sha256(secret), 'hex');
    if (!row?.credential_hash || !timingSafeEqual(expected, given)) {
      throw new AppError(
        'unauthenticated',
        'The store credential is not valid (revoked or replaced?)',
      );
    }
    return row;
  }

  async list(): Promise<StoreSummary[]> {
    const rows = await this.db.query<{
      store_id: string;
      name: string;
      credential_hash: string | null;
      revoked_at: string | null;
      last_sequence: string;
      last_seen_at: string | null;
      hub_state: unknown;
      created_at: string;
    }>(
      `SELECT store_id, name, credential_hash, revoked_at::text, last_sequence::text, last_seen_at::text,
              hub_state, created_at::text FROM stores ORDER BY store_id`,
    );
    return rows.map((r) => ({
      storeId: r.store_id,
      name: r.name,
      enrolled: r.credential_hash !== null,
      revokedAt: isoOrNull(r.revoked_at),
      lastSequence: Number(r.last_sequence),
      lastSeenAt: isoOrNull(r.last_seen_at),
      hub: (typeof r.hub_state === 'string' ? JSON.parse(r.hub_state) : r.hub_state) as HubState,
      createdAt: isoOrNull(r.created_at) ?? r.created_at,
    }));
  }
}
