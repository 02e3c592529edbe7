import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { createLogger } from '../logger.js';
import { quoteIdentifier, type SqlDatabase, type SqlKind } from './database.js';
import { PgDatabase } from './pg-database.js';
import { SharedPglite } from './pglite-database.js';

// Helpers for tests that run against real PostgreSQL and PGlite. Imported by tests only, as
// `@pos/kit/sql/testing`; not part of the kit's main surface.

/** Server the tests create their throwaway databases on (trust auth on a dev machine). */
export function testAdminUrl(env: NodeJS.ProcessEnv = process.env): string {
  return env.TEST_PG_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
}

export interface TestDatabase {
  name: string;
  url: string;
  drop(): Promise<void>;
}

async function admin<T>(fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({
    connectionString: testAdminUrl(),
    connectionTimeoutMillis: 5_000,
  });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/**
 * A fresh, uniquely named database on the test server. Rejects when PostgreSQL is unreachable,
 * so a test that needs it fails rather than skips.
 */
export async function createTestDatabase(prefix = 'pos_test'): Promise<TestDatabase> {
  const name = `${prefix}_${Date.now().toString(36)}_${randomBytes(4).toString('hex')}`;
  await admin((c) => c.query(`CREATE DATABASE ${quoteIdentifier(name)}`));
  const url = new URL(testAdminUrl());
  url.pathname = `/${name}`;
  return {
    name,
    url: url.toString(),
    drop: () =>
      admin((c) => c.query(`DROP DATABASE IF EXISTS ${quoteIdentifier(name)} WITH (FORCE)`)).then(
        () => {},
      ),
  };
}

/** One kind of database for a `describe.each`: hands out fresh schemas, cleans up at the end. */
export interface SqlTestTarget {
  kind: SqlKind;
  open(schema: string): Promise<SqlDatabase>;
  /** The PostgreSQL URL (postgres kind only), for tests that open a second pool. */
  url?: string;
  close(): Promise<void>;
}

const logger = createLogger({ service: 'sql-test', level: process.env.LOG_LEVEL ?? 'warn' });

export const SQL_KINDS: readonly SqlKind[] = ['postgres', 'pglite'];

export async function openSqlTestTarget(kind: SqlKind): Promise<SqlTestTarget> {
  if (kind === 'pglite') {
    const shared = new SharedPglite({ logger });
    return { kind, open: (schema) => shared.database(schema), close: () => shared.close() };
  }
  const database = await createTestDatabase();
  const opened: SqlDatabase[] = [];
  return {
    kind,
    url: database.url,
    open: async (schema) => {
      const db = await PgDatabase.open({ url: database.url, schema, max: 4, logger });
      opened.push(db);
      return db;
    },
    close: async () => {
      await Promise.all(opened.map((db) => db.close()));
      await database.drop();
    },
  };
}

/** Made on first `get()`, shared by a file's tests, disposed in `afterAll`. */
export interface LazyResource<T> {
  get(): Promise<T>;
  dispose(): Promise<void>;
}

/**
 * Tests await the resource instead of a `beforeAll` making it: when PostgreSQL is down, every
 * test that needs it fails with the connection error, where a failed hook would only skip them.
 */
export function lazyResource<T>(
  make: () => Promise<T>,
  dispose: (value: T) => Promise<void>,
): LazyResource<T> {
  let made: Promise<T> | undefined;
  return {
    get: () => {
      made ??= make();
      return made;
    },
    dispose: async () => {
      const value = await made?.catch(() => undefined);
      made = undefined;
      if (value !== undefined) await dispose(value);
    },
  };
}

export const lazyTestDatabase = (prefix?: string) =>
  lazyResource(
    () => createTestDatabase(prefix),
    (db) => db.drop(),
  );

export const lazySqlTestTarget = (kind: SqlKind) =>
  lazyResource(
    () => openSqlTestTarget(kind),
    (target) => target.close(),
  );
