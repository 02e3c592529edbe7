import { afterAll, describe, expect, it } from 'vitest';
import { AppError } from '../errors.js';
import { PgDatabase } from './pg-database.js';
import { lazyTestDatabase } from './testing.js';

// A connection the server ends while a transaction holds it between two statements, as a
// restart of PostgreSQL (or an administrator) does: the transaction fails as "unavailable",
// the process goes on, and the pool hands out working connections afterwards.

const database = lazyTestDatabase('pos_conn_loss');
afterAll(() => database.dispose());

describe('PgDatabase when the server ends a connection inside a transaction', () => {
  it('fails the transaction with a 503, does not crash, and the pool recovers', async () => {
    const { url } = await database.get();
    const db = await PgDatabase.open({ url, max: 2 });
    const admin = await PgDatabase.open({ url, max: 1 });
    try {
      const failure = await db
        .transaction(async (tx) => {
          const { pid } = await tx.one<{ pid: number }>('SELECT pg_backend_pid() AS pid');
          // Ended from outside while this transaction is between statements.
          await admin.query('SELECT pg_terminate_backend($1)', [pid]);
          await new Promise((r) => setTimeout(r, 200));
          await tx.query('SELECT 1');
        })
        .then(
          () => undefined,
          (err: unknown) => err,
        );
      expect(failure).toBeInstanceOf(AppError);
      expect((failure as AppError).status).toBe(503);
      // Both connections of the pool work (the ended one was not handed out again).
      const pids = await Promise.all([
        db.transaction((tx) => tx.one<{ pid: number }>('SELECT pg_backend_pid() AS pid')),
        db.transaction((tx) => tx.one<{ pid: number }>('SELECT pg_backend_pid() AS pid')),
      ]);
      expect(pids).toHaveLength(2);
    } finally {
      await db.close();
      await admin.close();
    }
  });
});
