import { type AddressInfo, createServer } from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import { AppError } from '../errors.js';
import { SqlResultError, SqlUsageError, sqlState } from './database.js';
import { connectionFault, PgDatabase } from './pg-database.js';
import { lazySqlTestTarget, SQL_KINDS } from './testing.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe.each(SQL_KINDS)('SqlDatabase on %s', (kind) => {
  const target = lazySqlTestTarget(kind);
  let n = 0;
  const fresh = async () => {
    const db = await (await target.get()).open(`db_test_${++n}`);
    await db.exec('CREATE TABLE item (id INTEGER PRIMARY KEY, name TEXT NOT NULL)');
    return db;
  };

  afterAll(() => target.dispose());

  it('runs parameterised queries and reads rows back with the same JS types', async () => {
    const db = await fresh();
    expect(db.kind).toBe(kind);
    await db.query('INSERT INTO item (id, name) VALUES ($1, $2), ($3, $4)', [1, 'tea', 2, 'cake']);
    const row = await db.one<Record<string, unknown>>(
      `SELECT 1700000000000::int8 AS ms, 9007199254740993::int8 AS huge, 12.50::numeric AS price,
              '{"a":[1]}'::jsonb AS doc, now() AS at, count(*) AS items FROM item`,
    );
    expect(row).toMatchObject({ ms: 1_700_000_000_000, price: '12.50', doc: { a: [1] }, items: 2 });
    expect(row.huge).toBe(9007199254740993n);
    expect(row.at).toBeInstanceOf(Date);
  });

  it('one and maybeOne insist on the row count', async () => {
    const db = await fresh();
    await db.query("INSERT INTO item VALUES (1, 'tea'), (2, 'cake')");
    expect(await db.maybeOne('SELECT * FROM item WHERE id = $1', [3])).toBeUndefined();
    await expect(db.one('SELECT * FROM item WHERE id = $1', [3])).rejects.toMatchObject({
      code: 'no-row',
    });
    await expect(db.maybeOne('SELECT * FROM item')).rejects.toBeInstanceOf(SqlResultError);
    expect(await db.one('SELECT name FROM item WHERE id = 2')).toEqual({ name: 'cake' });
  });

  it('commits a transaction and returns its value', async () => {
    const db = await fresh();
    const value = await db.transaction(async (tx) => {
      await tx.query("INSERT INTO item VALUES (1, 'tea')");
      await tx.query("INSERT INTO item VALUES (2, 'cake')");
      return tx.one<{ c: number }>('SELECT count(*) AS c FROM item');
    });
    expect(value).toEqual({ c: 2 });
    expect(await db.query('SELECT id FROM item ORDER BY id')).toEqual([{ id: 1 }, { id: 2 }]);
  });

  it('rolls a transaction back when its function throws, and rethrows', async () => {
    const db = await fresh();
    await db.query("INSERT INTO item VALUES (1, 'tea')");
    const boom = new Error('boom');
    await expect(
      db.transaction(async (tx) => {
        await tx.query("INSERT INTO item VALUES (2, 'cake')");
        await tx.query("UPDATE item SET name = 'coffee' WHERE id = 1");
        throw boom;
      }),
    ).rejects.toBe(boom);
    await expect(
      db.transaction((tx) => tx.query("INSERT INTO item VALUES (1, 'duplicate')")),
    ).rejects.toSatisfy((err) => sqlState(err) === '23505');
    expect(await db.query('SELECT id, name FROM item')).toEqual([{ id: 1, name: 'tea' }]);
  });

  it('refuses the outer handle inside a transaction instead of deadlocking', async () => {
    const db = await fresh();
    let leaked: ((sql: string) => Promise<unknown>) | undefined;
    await expect(
      db.transaction(async (tx) => {
        leaked = (sql) => tx.query(sql);
        await db.query('SELECT 1');
      }),
    ).rejects.toBeInstanceOf(SqlUsageError);
    await expect(leaked?.('SELECT 1')).rejects.toBeInstanceOf(SqlUsageError);
    // Work the transaction only scheduled runs after it, and is allowed.
    let later: Promise<unknown> | undefined;
    await db.transaction(async () => {
      later = sleep(10).then(() => db.query('SELECT 1 AS one'));
    });
    expect(await later).toEqual([{ one: 1 }]);
  });

  it('keeps schemas apart: the same table name in two schemas, no fallback to another', async () => {
    const a = await fresh();
    const b = await fresh();
    await a.query("INSERT INTO item VALUES (1, 'in a')");
    await b.query("INSERT INTO item VALUES (1, 'in b')");
    await a.exec('CREATE TABLE only_a (x INTEGER)');
    expect(await a.query('SELECT name FROM item')).toEqual([{ name: 'in a' }]);
    expect(await b.query('SELECT name FROM item')).toEqual([{ name: 'in b' }]);
    await expect(b.query('SELECT * FROM only_a')).rejects.toSatisfy(
      (err) => sqlState(err) === '42P01',
    );
    expect(await b.one('SELECT current_schema() AS s')).toEqual({ s: b.schema });
  });

  it("never lets one schema's query run with another's search_path mid-transaction", async () => {
    const a = await fresh();
    const b = await fresh();
    const order: string[] = [];
    const inA = a.transaction(async (tx) => {
      await tx.query("INSERT INTO item VALUES (1, 'first')");
      order.push('a started');
      await sleep(50);
      await tx.query("INSERT INTO item VALUES (2, 'second')");
      order.push('a done');
    });
    await sleep(10);
    const inB = b.one<{ s: string; c: number }>(
      'SELECT current_schema() AS s, count(*) AS c FROM item',
    );
    const [, seen] = await Promise.all([
      inA,
      inB.then((r) => {
        order.push('b read');
        return r;
      }),
    ]);
    expect(seen).toEqual({ s: b.schema, c: 0 });
    // One PGlite connection: b waits for a's transaction. A pool runs them side by side.
    if (kind === 'pglite') expect(order).toEqual(['a started', 'a done', 'b read']);
    expect(await a.one('SELECT count(*) AS c FROM item')).toEqual({ c: 2 });
  });

  it('refuses work after close', async () => {
    const db = await fresh();
    await db.close();
    await expect(db.query('SELECT 1')).rejects.toBeInstanceOf(SqlUsageError);
  });
});

describe('PgDatabase when the connection fails', () => {
  it('answers 503 with Retry-After when PostgreSQL cannot be reached or no connection is free', async () => {
    const closed = createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((r) => closed.close(r));
    const gone = await PgDatabase.open({ url: `postgres://pos:pos@127.0.0.1:${port}/none` }).catch(
      (err: unknown) => err,
    );
    // Opening checks nothing yet; the first query finds the server gone.
    const db = gone instanceof PgDatabase ? gone : undefined;
    const refused = db ? await db.query('SELECT 1').catch((err: unknown) => err) : gone;
    expect(refused).toBeInstanceOf(AppError);
    expect((refused as AppError).status).toBe(503);
    expect((refused as AppError).headers).toEqual({ 'Retry-After': '1' });
    await db?.close();

    // A statement's own error is not a connection fault.
    expect(
      connectionFault(Object.assign(new Error('syntax'), { code: '42601' })),
    ).not.toBeInstanceOf(AppError);
    expect(connectionFault(new TypeError('bad parameter'))).not.toBeInstanceOf(AppError);
    expect(
      (connectionFault(new Error('timeout exceeded when trying to connect')) as AppError).status,
    ).toBe(503);
    expect(
      (connectionFault(Object.assign(new Error('shutting down'), { code: '57P01' })) as AppError)
        .status,
    ).toBe(503);
  });
});
