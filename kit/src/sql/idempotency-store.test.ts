import { afterAll, describe, expect, it } from 'vitest';
import { IDEMPOTENCY_LOCK_MS, idempotency } from '../http/idempotency.js';
import { createHttpService } from '../http/service.js';
import { createLogger } from '../logger.js';
import { PgIdempotencyStore, pgIdempotencySchema } from './idempotency-store.js';
import { migrateSql } from './migrate.js';
import { lazySqlTestTarget, SQL_KINDS } from './testing.js';

const T0 = 1_700_000_000_000;
const response = { status: 201, headers: { 'content-type': 'application/json' }, body: '{"id":1}' };

describe.each(SQL_KINDS)('PgIdempotencyStore on %s', (kind) => {
  const target = lazySqlTestTarget(kind);
  let n = 0;
  const fresh = async () => {
    const db = await (await target.get()).open(`idem_test_${++n}`);
    await migrateSql(db, pgIdempotencySchema);
    return new PgIdempotencyStore(db);
  };

  afterAll(() => target.dispose());

  it('claims a new key, reports it in progress, then replays the stored response', async () => {
    const store = await fresh();
    expect(await store.begin('s', 'k', 'fp', T0)).toEqual({ kind: 'new' });
    expect(await store.begin('s', 'k', 'fp', T0 + 10)).toEqual({ kind: 'in-progress' });
    await store.complete('s', 'k', response, T0 + 20);
    expect(await store.begin('s', 'k', 'fp', T0 + 30)).toEqual({ kind: 'replay', response });
  });

  it('reports a mismatch when the key comes back with another request', async () => {
    const store = await fresh();
    await store.begin('s', 'k', 'fp', T0);
    expect(await store.begin('s', 'k', 'other', T0 + 1)).toEqual({ kind: 'mismatch' });
    await store.complete('s', 'k', response, T0 + 2);
    expect(await store.begin('s', 'k', 'other', T0 + 3)).toEqual({ kind: 'mismatch' });
  });

  it('keeps scopes apart', async () => {
    const store = await fresh();
    expect(await store.begin('alice POST /x', 'k', 'fp', T0)).toEqual({ kind: 'new' });
    expect(await store.begin('bob POST /x', 'k', 'other', T0)).toEqual({ kind: 'new' });
  });

  it('lets a later request take over a claim whose request died', async () => {
    const store = await fresh();
    await store.begin('s', 'k', 'fp', T0);
    expect(await store.begin('s', 'k', 'fp', T0 + IDEMPOTENCY_LOCK_MS - 1)).toEqual({
      kind: 'in-progress',
    });
    const retake = T0 + IDEMPOTENCY_LOCK_MS;
    expect(await store.begin('s', 'k', 'fp', retake)).toEqual({ kind: 'new' });
    // The new claim holds the lock from its own start.
    expect(await store.begin('s', 'k', 'fp', retake + 1)).toEqual({ kind: 'in-progress' });
  });

  it('abandons an unfinished claim but never a stored response', async () => {
    const store = await fresh();
    await store.begin('s', 'a', 'fp', T0);
    await store.abandon('s', 'a');
    expect(await store.begin('s', 'a', 'fp', T0 + 1)).toEqual({ kind: 'new' });
    await store.begin('s', 'b', 'fp', T0);
    await store.complete('s', 'b', response, T0);
    await store.abandon('s', 'b');
    expect(await store.begin('s', 'b', 'fp', T0 + 1)).toEqual({ kind: 'replay', response });
  });

  it('prunes records older than the cut-off and counts them', async () => {
    const store = await fresh();
    await store.begin('s', 'old1', 'fp', T0);
    await store.begin('s', 'old2', 'fp', T0 + 1);
    await store.begin('s', 'young', 'fp', T0 + 100);
    expect(await store.prune(T0 + 50)).toBe(2);
    expect(await store.prune(T0 + 50)).toBe(0);
    expect(await store.begin('s', 'old1', 'fp', T0 + 200)).toEqual({ kind: 'new' });
    expect(await store.begin('s', 'young', 'fp', T0 + 101)).toEqual({ kind: 'in-progress' });
  });

  it('gives a key to exactly one of several simultaneous claims', async () => {
    const store = await fresh();
    const results = await Promise.all(
      Array.from({ length: 6 }, () => store.begin('s', 'race', 'fp', T0)),
    );
    expect(results.filter((r) => r.kind === 'new')).toHaveLength(1);
    expect(results.filter((r) => r.kind === 'in-progress')).toHaveLength(5);
  });

  it('backs the idempotency middleware: a retried POST is replayed, not re-run', async () => {
    const store = await fresh();
    let runs = 0;
    const service = createHttpService({
      name: 'idem-test',
      logger: createLogger({ service: 'idem-test', level: 'silent' }),
      before: [],
      routes: (app) => {
        app.post('/things', idempotency({ store }), (_req, res) => {
          runs++;
          res.status(201).json({ run: runs });
        });
      },
    });
    const server = await service.listen(0);
    try {
      const post = (body: unknown) =>
        fetch(`${server.url}/things`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'idempotency-key': 'abc' },
          body: JSON.stringify(body),
        });
      const first = await post({ a: 1 });
      expect(first.status).toBe(201);
      expect(await first.json()).toEqual({ run: 1 });
      // The response is stored after the exchange closes; until then a retry hears 409.
      let again = await post({ a: 1 });
      await expect
        .poll(async () => {
          if (again.headers.get('idempotent-replayed') !== 'true') again = await post({ a: 1 });
          return again.status;
        })
        .toBe(201);
      expect(again.headers.get('idempotent-replayed')).toBe('true');
      expect(await again.json()).toEqual({ run: 1 });
      expect((await post({ a: 2 })).status).toBe(409);
      expect(runs).toBe(1);
    } finally {
      await server.close();
    }
  });
});
