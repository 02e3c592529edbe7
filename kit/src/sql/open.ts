import type { Logger } from '../logger.js';
import { type SqlDatabase, SqlUsageError, schemaNameFor } from './database.js';
import { migrateAll, type SqlSchema } from './migrate.js';
import { PgDatabase } from './pg-database.js';
import type { SharedPglite } from './pglite-database.js';

export interface OpenServiceDatabaseOptions {
  /** Service name: `auth`, `menu`, `loyalty`… */
  service: string;
  env: Readonly<Record<string, string | undefined>>;
  /** Where a service without a database URL keeps its schema. */
  embedded?: SharedPglite;
  /** Components to migrate, in order, before the handle is returned. */
  schemas?: readonly SqlSchema[];
  logger?: Logger;
}

/** `AUTH_DATABASE_URL` for `auth`, `KITCHEN_DISPLAY_DATABASE_URL` for `kitchen-display`. */
export function databaseUrlVariable(service: string): string {
  return `${service.toUpperCase().replace(/-/g, '_')}_DATABASE_URL`;
}

/**
 * A service's database (ARCHITECTURE "Data"): PostgreSQL at `${SERVICE}_DATABASE_URL` when set
 * (production, one database per service), otherwise the service's schema in the shared
 * embedded PGlite. Migrations run before it is handed back; a failed migration closes it.
 */
export async function openServiceDatabase(
  options: OpenServiceDatabaseOptions,
): Promise<SqlDatabase> {
  const variable = databaseUrlVariable(options.service);
  const url = options.env[variable]?.trim();
  let db: SqlDatabase;
  if (url) {
    db = await PgDatabase.open({
      url,
      applicationName: options.service,
      ...(options.logger ? { logger: options.logger } : {}),
    });
  } else if (options.embedded) {
    db = await options.embedded.database(schemaNameFor(options.service));
  } else {
    throw new SqlUsageError(`${variable} is not set and there is no embedded database`);
  }
  try {
    const ran = await migrateAll(db, options.schemas ?? []);
    options.logger?.info({ kind: db.kind, schema: db.schema, migrated: ran }, 'database ready');
  } catch (err) {
    await db.close();
    throw err;
  }
  return db;
}
