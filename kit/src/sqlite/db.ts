import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';

export type SqliteDatabase = Database.Database;
export type Synchronous = 'OFF' | 'NORMAL' | 'FULL' | 'EXTRA';

/** One versioned schema change. `up` runs inside a transaction with the version bookkeeping. */
export interface Migration {
  version: number;
  name: string;
  up: string | ((db: SqliteDatabase) => void);
}

export interface OpenSqliteOptions {
  /** File path, or `:memory:` for a throwaway database. */
  path: string;
  /**
   * `FULL` for order and payment data: a commit is on disk before the caller hears of it, so a
   * paid order survives a power cut. `NORMAL` is safe against a crashed process, not a power cut.
   */
  synchronous?: Synchronous;
  /** Schema per component (`orders`, `outbox`, `inbox`…), each with its own version line. */
  schemas?: readonly Schema[];
}

export interface Schema {
  component: string;
  migrations: readonly Migration[];
}

export class MigrationError extends Error {
  override name = 'MigrationError';
}

/** Open (creating if needed) a SQLite file in WAL mode and bring its schema up to date. */
export function openSqlite(options: OpenSqliteOptions): SqliteDatabase {
  if (options.path !== ':memory:') mkdirSync(dirname(options.path), { recursive: true });
  const db = new Database(options.path);
  db.pragma('journal_mode = WAL');
  db.pragma(`synchronous = ${options.synchronous ?? 'NORMAL'}`);
  db.pragma('foreign_keys = ON');
  db.pragma('busy_timeout = 5000');
  // Statement journals and sorts stay in memory: no temp files under /var/tmp on the hot path.
  db.pragma('temp_store = MEMORY');
  cacheStatements(db);
  for (const schema of options.schemas ?? []) migrate(db, schema);
  return db;
}

/** Enough for every statement the hub's modules write, with room for generated IN lists. */
const STATEMENT_CACHE = 1_000;

/**
 * `db.prepare` keeps each statement by its SQL text: preparing one costs more than running most
 * of ours, and the order path runs dozens per order. Safe because no caller changes a
 * statement's mode (`pluck`, `raw`, `expand`) or iterates one while running it again.
 */
function cacheStatements(db: SqliteDatabase): void {
  const prepare = db.prepare.bind(db);
  const cache = new Map<string, Database.Statement>();
  db.prepare = ((source: string) => {
    let statement = cache.get(source);
    if (!statement) {
      if (cache.size >= STATEMENT_CACHE) cache.clear();
      statement = prepare(source);
      cache.set(source, statement);
    }
    return statement;
  }) as typeof db.prepare;
}

export function migrate(db: SqliteDatabase, schema: Schema): number[] {
  const { component, migrations } = schema;
  const versions = migrations.map((m) => m.version);
  versions.forEach((v, i) => {
    if (!Number.isInteger(v) || v < 1 || (i > 0 && v <= (versions[i - 1] as number))) {
      throw new MigrationError(`migration versions must be increasing positive integers: ${v}`);
    }
  });
  db.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
    component TEXT NOT NULL,
    version INTEGER NOT NULL,
    name TEXT NOT NULL,
    applied_at TEXT NOT NULL,
    PRIMARY KEY (component, version)
  )`);
  const applied = new Set(
    (
      db.prepare('SELECT version FROM schema_migrations WHERE component = ?').all(component) as {
        version: number;
      }[]
    ).map((r) => r.version),
  );
  const newest = Math.max(0, ...applied);
  const known = Math.max(0, ...versions);
  if (newest > known) {
    throw new MigrationError(
      `${component} schema is at version ${newest} but this program knows only up to ${known}: ` +
        'run a newer release or restore a matching backup',
    );
  }
  const ran: number[] = [];
  for (const migration of migrations) {
    if (applied.has(migration.version)) continue;
    db.transaction(() => {
      if (typeof migration.up === 'string') db.exec(migration.up);
      else migration.up(db);
      db.prepare(
        'INSERT INTO schema_migrations (component, version, name, applied_at) VALUES (?, ?, ?, ?)',
      ).run(component, migration.version, migration.name, new Date().toISOString());
    })();
    ran.push(migration.version);
  }
  return ran;
}

/** True when the error is SQLite saying the disk (or the file's quota) is full. */
export function isDiskFull(err: unknown): boolean {
  const code = (err as { code?: string })?.code;
  return code === 'SQLITE_FULL' || code === 'SQLITE_IOERR_WRITE' || code === 'SQLITE_IOERR';
}
