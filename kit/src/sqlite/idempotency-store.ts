import {
  type BeginResult,
  IDEMPOTENCY_LOCK_MS,
  type IdempotencyStore,
  type StoredResponse,
} from '../http/idempotency.js';
import type { Schema, SqliteDatabase } from './db.js';

export const idempotencySchema: Schema = {
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
          claimed_at INTEGER NOT NULL,
          status INTEGER,
          headers TEXT,
          body TEXT,
          PRIMARY KEY (scope, key)
        ) WITHOUT ROWID;
        CREATE INDEX idempotency_key_age ON idempotency_key (claimed_at);
      `,
    },
  ],
};

interface Row {
  fingerprint: string;
  claimed_at: number;
  status: number | null;
  headers: string | null;
  body: string | null;
}

/** Idempotency records in the service's own SQLite file, next to the data they protect. */
export class SqliteIdempotencyStore implements IdempotencyStore {
  constructor(private readonly db: SqliteDatabase) {}

  async begin(scope: string, key: string, fingerprint: string, now: number): Promise<BeginResult> {
    return this.db
      .transaction((): BeginResult => {
        const row = this.db
          .prepare(
            'SELECT fingerprint, claimed_at, status, headers, body FROM idempotency_key WHERE scope = ? AND key = ?',
          )
          .get(scope, key) as Row | undefined;
        if (!row) {
          this.db
            .prepare(
              'INSERT INTO idempotency_key (scope, key, fingerprint, claimed_at) VALUES (?, ?, ?, ?)',
            )
            .run(scope, key, fingerprint, now);
          return { kind: 'new' };
        }
        if (row.fingerprint !== fingerprint) return { kind: 'mismatch' };
        if (row.status !== null) {
          return {
            kind: 'replay',
            response: {
              status: row.status,
              headers: JSON.parse(row.headers ?? '{}') as Record<string, string>,
              body: row.body ?? '',
            },
          };
        }
        if (now - row.claimed_at < IDEMPOTENCY_LOCK_MS) return { kind: 'in-progress' };
        this.db
          .prepare('UPDATE idempotency_key SET claimed_at = ? WHERE scope = ? AND key = ?')
          .run(now, scope, key);
        return { kind: 'new' };
      })
      .immediate();
  }

  async complete(scope: string, key: string, response: StoredResponse): Promise<void> {
    this.db
      .prepare(
        'UPDATE idempotency_key SET status = ?, headers = ?, body = ? WHERE scope = ? AND key = ?',
      )
      .run(response.status, JSON.stringify(response.headers), response.body, scope, key);
  }

  async abandon(scope: string, key: string): Promise<void> {
    this.db
      .prepare('DELETE FROM idempotency_key WHERE scope = ? AND key = ? AND status IS NULL')
      .run(scope, key);
  }

  /**
   * At start: forget claims that never got an answer. The service's process is the file's only
   * user, so such a claim belongs to a request that died with the previous process (a crash, a
   * power cut); its retry must run now, not be told "in progress" until the lock expires. (What
   * that request committed is found again through the IDs in its body.)
   */
  releaseUnfinished(): number {
    return this.db.prepare('DELETE FROM idempotency_key WHERE status IS NULL').run().changes;
  }

  async prune(olderThan: number): Promise<number> {
    return this.db.prepare('DELETE FROM idempotency_key WHERE claimed_at < ?').run(olderThan)
      .changes;
  }
}
