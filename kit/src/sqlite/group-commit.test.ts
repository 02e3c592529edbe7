import { describe, expect, it } from 'vitest';
import { openSqlite } from './db.js';
import { GroupCommit } from './group-commit.js';

function db() {
  return openSqlite({
    path: ':memory:',
    schemas: [
      {
        component: 't',
        migrations: [{ version: 1, name: 't', up: 'CREATE TABLE t (id INTEGER PRIMARY KEY)' }],
      },
    ],
  });
}

describe('GroupCommit', () => {
  it('writes units that arrive together in one transaction, failing only the unit that threw', async () => {
    const d = db();
    let commits = 0;
    const group = new GroupCommit(d, () => {
      commits += 1;
    });
    const insert = d.prepare('INSERT INTO t (id) VALUES (?)');
    const results = await Promise.allSettled([
      group.run(() => insert.run(1).changes),
      group.run(() => {
        insert.run(2);
        throw new Error('unit two fails');
      }),
      group.run(() => insert.run(3).changes),
    ]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect((results[1] as PromiseRejectedResult).reason.message).toBe('unit two fails');
    expect(d.prepare('SELECT id FROM t ORDER BY id').pluck().all()).toEqual([1, 3]);
    expect(commits).toBe(1);
  });

  it('answers only after the group is committed', async () => {
    const d = db();
    const group = new GroupCommit(d);
    const value = await group.run(() => {
      d.prepare('INSERT INTO t (id) VALUES (7)').run();
      return 'done';
    });
    expect(value).toBe('done');
    expect(d.inTransaction).toBe(false);
    expect(d.prepare('SELECT count(*) FROM t').pluck().get()).toBe(1);
  });

  it('rejects every unit when the commit itself fails', async () => {
    const d = db();
    const group = new GroupCommit(d);
    d.exec('CREATE TABLE parent (id INTEGER PRIMARY KEY)');
    d.exec('CREATE TABLE child (p INTEGER REFERENCES parent (id) DEFERRABLE INITIALLY DEFERRED)');
    const results = await Promise.allSettled([
      group.run(() => d.prepare('INSERT INTO t (id) VALUES (1)').run()),
      // A deferred foreign key is checked at COMMIT: the whole group fails there.
      group.run(() => d.prepare('INSERT INTO child (p) VALUES (42)').run()),
    ]);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected']);
    expect(d.prepare('SELECT count(*) FROM t').pluck().get()).toBe(0);
  });
});
