import { afterAll, describe, expect, it } from 'vitest';
import { migrateAll, migrateSql, SqlMigrationError, type SqlSchema } from './migrate.js';
import { lazySqlTestTarget, SQL_KINDS } from './testing.js';

const menu: SqlSchema = {
  component: 'menu',
  migrations: [
    {
      version: 1,
      name: 'items',
      up: 'CREATE TABLE item (id TEXT PRIMARY KEY, name TEXT NOT NULL)',
    },
    {
      version: 2,
      name: 'prices',
      up: async (tx) => {
        await tx.exec('ALTER TABLE item ADD COLUMN price_cents BIGINT NOT NULL DEFAULT 0');
        await tx.query("INSERT INTO item (id, name, price_cents) VALUES ('tea', 'Tea', 250)");
      },
    },
  ],
};

describe.each(SQL_KINDS)('migrateSql on %s', (kind) => {
  const target = lazySqlTestTarget(kind);
  let n = 0;
  const fresh = async () => (await target.get()).open(`migrate_test_${++n}`);

  afterAll(() => target.dispose());

  it('applies each migration once and records it', async () => {
    const db = await fresh();
    expect(await migrateSql(db, menu)).toEqual([1, 2]);
    expect(await db.one('SELECT name, price_cents FROM item')).toEqual({
      name: 'Tea',
      price_cents: 250,
    });
    const rows = await db.query<{ version: number; name: string; applied_at: Date }>(
      'SELECT version, name, applied_at FROM schema_migrations WHERE component = $1 ORDER BY version',
      ['menu'],
    );
    expect(rows.map((r) => [r.version, r.name])).toEqual([
      [1, 'items'],
      [2, 'prices'],
    ]);
    expect(rows[0]?.applied_at).toBeInstanceOf(Date);
  });

  it('does nothing the second time, and adds only what is new', async () => {
    const db = await fresh();
    await migrateSql(db, { ...menu, migrations: menu.migrations.slice(0, 1) });
    expect(await migrateSql(db, menu)).toEqual([2]);
    expect(await migrateSql(db, menu)).toEqual([]);
    expect(await db.one('SELECT count(*) AS c FROM schema_migrations')).toEqual({ c: 2 });
    expect(await db.one('SELECT count(*) AS c FROM item')).toEqual({ c: 1 });
  });

  it('keeps components on separate version lines in one schema', async () => {
    const db = await fresh();
    const other: SqlSchema = {
      component: 'other',
      migrations: [{ version: 1, name: 'x', up: 'CREATE TABLE x (id INTEGER)' }],
    };
    expect(await migrateAll(db, [menu, other])).toEqual({ menu: [1, 2], other: [1] });
    expect(await migrateAll(db, [menu, other])).toEqual({ menu: [], other: [] });
  });

  it('refuses a database newer than the code', async () => {
    const db = await fresh();
    await migrateSql(db, menu);
    await db.query(
      "INSERT INTO schema_migrations (component, version, name) VALUES ('menu', 3, 'future')",
    );
    await expect(migrateSql(db, menu)).rejects.toThrow(/at version 3 .* only up to 2/);
    await expect(migrateSql(db, menu)).rejects.toBeInstanceOf(SqlMigrationError);
  });

  it('rolls a failed migration back completely and records nothing for it', async () => {
    const db = await fresh();
    const broken: SqlSchema = {
      component: 'menu',
      migrations: [
        menu.migrations[0]!,
        { version: 2, name: 'half', up: 'CREATE TABLE half (id INTEGER); SELECT * FROM nowhere;' },
      ],
    };
    await expect(migrateSql(db, broken)).rejects.toThrow(/nowhere/);
    expect(await db.query('SELECT version FROM schema_migrations')).toEqual([{ version: 1 }]);
    expect(await db.maybeOne("SELECT to_regclass('half') AS t")).toEqual({ t: null });
    expect(await migrateSql(db, menu)).toEqual([2]);
  });

  it('rejects versions that do not increase', async () => {
    const db = await fresh();
    const bad: SqlSchema = {
      component: 'bad',
      migrations: [
        { version: 2, name: 'b', up: 'SELECT 1' },
        { version: 2, name: 'c', up: 'SELECT 1' },
      ],
    };
    await expect(migrateSql(db, bad)).rejects.toBeInstanceOf(SqlMigrationError);
  });

  it('lets two instances starting together apply each migration exactly once', async () => {
    const schema = `migrate_test_${++n}`;
    const sql = await target.get();
    const [first, second] = await Promise.all([sql.open(schema), sql.open(schema)]);
    const results = await Promise.all([migrateSql(first!, menu), migrateSql(second!, menu)]);
    expect(results.flat().sort()).toEqual([1, 2]);
    expect(await first!.one('SELECT count(*) AS c FROM schema_migrations')).toEqual({ c: 2 });
    expect(await first!.one('SELECT count(*) AS c FROM item')).toEqual({ c: 1 });
  });
});
