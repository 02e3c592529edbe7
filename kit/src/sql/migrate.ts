import type { SqlDatabase, SqlExecutor } from './database.js';

/** One versioned schema change, run in a transaction together with its bookkeeping row. */
export interface SqlMigration {
  version: number;
  name: string;
  up: string | ((tx: SqlExecutor) => Promise<void>);
}

/** A component's version line (`auth`, `idempotency`…), like the SQLite `Schema`. */
export interface SqlSchema {
  component: string;
  migrations: readonly SqlMigration[];
}

export class SqlMigrationError extends Error {
  override name = 'SqlMigrationError';
}

// A transaction-scoped advisory lock: two instances of a service starting together take turns,
// and the second finds the first one's work recorded. Shared by every component of a database
// because `CREATE TABLE IF NOT EXISTS schema_migrations` itself races otherwise.
const LOCK = "SELECT pg_advisory_xact_lock(hashtext('pos:schema_migrations'))";

const CREATE_TABLE = `CREATE TABLE IF NOT EXISTS schema_migrations (
  component TEXT NOT NULL,
  version INTEGER NOT NULL,
  name TEXT NOT NULL,
  applied_at TIMESTAMPTZ NOT NULL DEFAULT now(),
  PRIMARY KEY (component, version)
)`;

/** Bring `schema` up to date in `db`; returns the versions this call applied. */
export async function migrateSql(db: SqlDatabase, schema: SqlSchema): Promise<number[]> {
  const known = checkVersions(schema);
  const applied = await db.transaction(async (tx) => {
    await tx.query(LOCK);
    await tx.exec(CREATE_TABLE);
    return appliedVersions(tx, schema.component, known);
  });
  const ran: number[] = [];
  for (const migration of schema.migrations) {
    if (applied.has(migration.version)) continue;
    const didRun = await db.transaction(async (tx) => {
      await tx.query(LOCK);
      // Another instance may have applied it while this one waited for the lock.
      if ((await appliedVersions(tx, schema.component, known)).has(migration.version)) return false;
      if (typeof migration.up === 'string') await tx.exec(migration.up);
      else await migration.up(tx);
      await tx.query(
        'INSERT INTO schema_migrations (component, version, name) VALUES ($1, $2, $3)',
        [schema.component, migration.version, migration.name],
      );
      return true;
    });
    if (didRun) ran.push(migration.version);
  }
  return ran;
}

/** Apply several components in order (e.g. the service's own, then `idempotency`). */
export async function migrateAll(
  db: SqlDatabase,
  schemas: readonly SqlSchema[],
): Promise<Record<string, number[]>> {
  const ran: Record<string, number[]> = {};
  for (const schema of schemas) ran[schema.component] = await migrateSql(db, schema);
  return ran;
}

function checkVersions(schema: SqlSchema): number {
  let previous = 0;
  for (const { version } of schema.migrations) {
    if (!Number.isInteger(version) || version <= previous) {
      throw new SqlMigrationError(
        `${schema.component}: migration versions must be increasing positive integers: ${version}`,
      );
    }
    previous = version;
  }
  return previous;
}

async function appliedVersions(
  tx: SqlExecutor,
  component: string,
  known: number,
): Promise<Set<number>> {
  const rows = await tx.query<{ version: number }>(
    'SELECT version FROM schema_migrations WHERE component = $1',
    [component],
  );
  const applied = new Set(rows.map((r) => r.version));
  const newest = Math.max(0, ...applied);
  if (newest > known) {
    // An older release must not write to data shaped by a newer one.
    throw new SqlMigrationError(
      `${component} schema is at version ${newest} but this program knows only up to ${known}: ` +
        'run a newer release or restore a matching backup',
    );
  }
  return applied;
}
