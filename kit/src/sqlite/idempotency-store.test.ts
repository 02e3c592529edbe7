import { describe, expect, it } from 'vitest';
import { openSqlite } from './db.js';
import { idempotencySchema, SqliteIdempotencyStore } from './idempotency-store.js';

const T0 = 1_700_000_000_000;
const response = { status: 201, headers: {}, body: '{"id":1}' };

describe('SqliteIdempotencyStore', () => {
  it('at start forgets the claims of requests that died with the last process, not the answers', async () => {
    const db = openSqlite({ path: ':memory:', schemas: [idempotencySchema] });
    const store = new SqliteIdempotencyStore(db);
    await store.begin('s', 'died', 'fp', T0);
    await store.begin('s', 'answered', 'fp', T0);
    await store.complete('s', 'answered', response);
    expect(await store.begin('s', 'died', 'fp', T0 + 1)).toEqual({ kind: 'in-progress' });

    expect(store.releaseUnfinished()).toBe(1);
    // The retry runs at once instead of waiting out the lock; the answered one still replays.
    expect(await store.begin('s', 'died', 'fp', T0 + 2)).toEqual({ kind: 'new' });
    expect(await store.begin('s', 'answered', 'fp', T0 + 3)).toEqual({ kind: 'replay', response });
    db.close();
  });
});
