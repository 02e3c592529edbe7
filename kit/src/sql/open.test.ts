import { afterAll, describe, expect, it } from 'vitest';
import { createLogger } from '../logger.js';
import { SqlUsageError } from './database.js';
import type { SqlSchema } from './migrate.js';
import { databaseUrlVariable, openServiceDatabase } from './open.js';
import { SharedPglite } from './pglite-database.js';
import { lazyTestDatabase } from './testing.js';

const schema: SqlSchema = {
  component: 'kds',
  migrations: [{ version: 1, name: 'ticket', up: 'CREATE TABLE ticket (id INTEGER)' }],
};

describe('openServiceDatabase', () => {
  const embedded = new SharedPglite({ logger: createLogger({ service: 'test', level: 'warn' }) });
  const database = lazyTestDatabase();

  afterAll(async () => {
    await embedded.close();
    await database.dispose();
  });

  it('names the URL variable after the service', () => {
    expect(databaseUrlVariable('auth')).toBe('AUTH_DATABASE_URL');
    expect(databaseUrlVariable('kitchen-display')).toBe('KITCHEN_DISPLAY_DATABASE_URL');
  });

  it('uses PostgreSQL at the service URL and migrates it', async () => {
    const pgDb = await database.get();
    const env = { KITCHEN_DISPLAY_DATABASE_URL: pgDb.url };
    const db = await openServiceDatabase({
      service: 'kitchen-display',
      env,
      embedded,
      schemas: [schema],
    });
    try {
      expect(db.kind).toBe('postgres');
      expect(db.schema).toBe('public');
      expect(await db.query('SELECT * FROM ticket')).toEqual([]);
      expect(await db.one('SELECT current_database() AS d')).toEqual({ d: pgDb.name });
    } finally {
      await db.close();
    }
  });

  it("otherwise uses the service's schema in the shared PGlite", async () => {
    const db = await openServiceDatabase({
      service: 'kitchen-display',
      env: {},
      embedded,
      schemas: [schema],
    });
    expect(db.kind).toBe('pglite');
    expect(db.schema).toBe('kitchen_display');
    expect(await db.query('SELECT * FROM ticket')).toEqual([]);
    const other = await openServiceDatabase({ service: 'menu', env: {}, embedded });
    await expect(other.query('SELECT * FROM ticket')).rejects.toThrow(/ticket/);
  });

  it('fails clearly with neither a URL nor an embedded database', async () => {
    await expect(openServiceDatabase({ service: 'menu', env: {} })).rejects.toThrow(SqlUsageError);
    await expect(openServiceDatabase({ service: 'menu', env: {} })).rejects.toThrow(
      /MENU_DATABASE_URL/,
    );
  });

  it('fails when PostgreSQL at the URL cannot be reached', async () => {
    const env = { MENU_DATABASE_URL: 'postgres://postgres@127.0.0.1:1/nowhere' };
    await expect(
      openServiceDatabase({ service: 'menu', env, schemas: [schema] }),
    ).rejects.toThrow();
  });
});
