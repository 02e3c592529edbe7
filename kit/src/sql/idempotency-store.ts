import {
  type BeginResult,
  IDEMPOTENCY_LOCK_MS,
  type IdempotencyStore,
  type StoredResponse,
} from '../http/idempotency.js';
import type { SqlDatabase, SqlExecutor } from './database.js';
import type { SqlSchema } from './migrate.js';

export const pgIdempotencySchema: SqlSchema = {
  component: 'idempotency',
  migrations: [
    {
      version: 1,
      name: 'idempotency keys',
      up: `
        CREATE TABLE idempotency_key (
          scope TEXT NOT NULL,
          key TEXT NOT NULL,
          fingerprint TEXT NOT NULL,
          claimed_at BIGINT NOT NULL,
          status INTEGER,
          headers JSONB,
          body TEXT,
          PRIMARY KEY (scope, key)
        );
        CREATE INDEX idempotency_key_age ON idempotency_key (claimed_at);
      `,
    },
  ],
};

interface Row {
  fingerprint: string;
  claimed_at: number;
  status: number | null;
  headers: Record<string, string> | null;
  body: string | null;
}

/**
 * Idempotency records in the cloud service's own database, next to the data they protect.
 * Same answers as `SqliteIdempotencyStore`; concurrent claims of one key on several pool
 * connections are settled by the primary key and a row lock.
 */
export class PgIdempotencyStore implements IdempotencyStore {
  constructor(private readonly db: SqlDatabase) {}

  begin(scope: string, key: string, fingerprint: string, now: number): Promise<BeginResult> {
    return this.db.transaction(async (tx) => {
      // A claim abandoned between our insert and our read leaves no row: try again (twice is
      // plenty, each retry needs another request to finish in that gap).
      for (let attempt = 0; attempt < 3; attempt++) {
        const claimed = await tx.query(
          `INSERT INTO idempotency_key (scope, key, fingerprint, claimed_at)
           VALUES ($1, $2, $3, $4) ON CONFLICT (scope, key) DO NOTHING RETURNING 1 AS claimed`,
          [scope, key, fingerprint, now],
        );
        if (claimed.length === 1) return { kind: 'new' };
        const row = await tx.maybeOne<Row>(
          `SELECT fingerprint, claimed_at, status, headers, body FROM idempotency_key
           WHERE scope = $1 AND key = $2 FOR UPDATE`,
          [scope, key],
        );
        if (row) return decide(tx, row, scope, key, fingerprint, now);
      }
      return { kind: 'in-progress' };
    });
  }

  async complete(
    scope: string,
    key: string,
    response: StoredResponse,
    _now?: number,
  ): Promise<void> {
    await this.db.query(
      'UPDATE idempotency_key SET status = $1, headers = $2, body = $3 WHERE scope = $4 AND key = $5',
      [response.status, JSON.stringify(response.headers), response.body, scope, key],
    );
  }

  async abandon(scope: string, key: string): Promise<void> {
    await this.db.query(
      'DELETE FROM idempotency_key WHERE scope = $1 AND key = $2 AND status IS NULL',
      [scope, key],
    );
  }

  async prune(olderThan: number): Promise<number> {
    const gone = await this.db.query(
      'DELETE FROM idempotency_key WHERE claimed_at < $1 RETURNING 1 AS gone',
      [olderThan],
    );
    return gone.length;
  }
}

async function decide(
  tx: SqlExecutor,
  row: Row,
  scope: string,
  key: string,
  fingerprint: string,
  now: number,
): Promise<BeginResult> {
  if (row.fingerprint !== fingerprint) return { kind: 'mismatch' };
  if (row.status !== null) {
    return {
      kind: 'replay',
      response: { status: row.status, headers: row.headers ?? {}, body: row.body ?? '' },
    };
  }
  if (now - row.claimed_at < IDEMPOTENCY_LOCK_MS) return { kind: 'in-progress' };
  // The first request died without finishing (crash, timeout): this one takes the claim over.
  await tx.query('UPDATE idempotency_key SET claimed_at = $1 WHERE scope = $2 AND key = $3', [
    now,
    scope,
    key,
  ]);
  return { kind: 'new' };
}
