import pg from 'pg';
import { AppError } from '../errors.js';
import { createLogger, type Logger } from '../logger.js';
import {
  parseInt8,
  quoteIdentifier,
  type SqlDatabase,
  type SqlExecutor,
  type SqlRow,
  SqlUsageError,
  scopedExecutor,
  sqlExecutor,
  sqlState,
  TransactionGuard,
} from './database.js';

export interface PgDatabaseOptions {
  /** `postgres://user:password@host:port/database` */
  url: string;
  /** Schema for unqualified names; `public` unless the database is shared. Created if missing. */
  schema?: string;
  /** Shown in `pg_stat_activity`, so an operator can tell the services apart. */
  applicationName?: string;
  /** Pool size. */
  max?: number;
  logger?: Logger;
}

const INT8_OID = 20;

/** Socket errors and driver messages that mean the connection, not the statement, failed. */
const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
]);
const CONNECTION_MESSAGES =
  /timeout exceeded when trying to connect|Connection terminated|not queryable|Connection ended/i;

/** The driver's promise, with a connection fault turned into a 503 (`connectionFault`). */
function faultAware<T>(work: Promise<T>): Promise<T> {
  return work.catch((err: unknown) => {
    throw connectionFault(err);
  });
}

/**
 * A fault of the connection rather than of the statement (no free connection within the wait,
 * the server refusing, restarting or gone) as a 503 with Retry-After, so a caller under load or
 * during a database restart is told to come back rather than given a 500. SQL errors pass.
 */
export function connectionFault(err: unknown): unknown {
  const state = sqlState(err);
  const code = (err as { code?: unknown } | null)?.code;
  const connection =
    state === undefined
      ? (typeof code === 'string' && NETWORK_CODES.has(code)) ||
        (err instanceof Error && CONNECTION_MESSAGES.test(err.message))
      : (state.startsWith('08') && state !== '08P01') ||
        ['57P01', '57P02', '57P03', '53300'].includes(state);
  if (!connection) return err;
  return new AppError('unavailable', 'The database is busy or unreachable; try again shortly', {
    headers: { 'Retry-After': '1' },
    cause: err,
  });
}

// int8 read as PGlite reads it (a number; a bigint past 2^53), so code sees the same types on
// both kinds. pg's own default is a string.

const typeParsers: pg.CustomTypesConfig = {
  getTypeParser: ((oid: number, format?: string) =>
    oid === INT8_OID && format !== 'binary'
      ? parseInt8
      : pg.types.getTypeParser(oid, format as 'text')) as pg.CustomTypesConfig['getTypeParser'],
};

/** A service's own PostgreSQL database, over a connection pool. */
export class PgDatabase implements SqlDatabase {
  readonly kind = 'postgres' as const;
  readonly schema: string;
  readonly #pool: pg.Pool;
  readonly #guard = new TransactionGuard();
  readonly #base: SqlExecutor;
  #closed = false;

  /** Open the pool and create the schema if missing; for `public` nothing connects yet. */
  static async open(options: PgDatabaseOptions): Promise<PgDatabase> {
    const db = new PgDatabase(options);
    if (db.schema !== 'public') {
      // Two instances starting together must not both try to create it.
      await db.transaction(async (tx) => {
        await tx.query("SELECT pg_advisory_xact_lock(hashtext('pos:create-schema'))");
        await tx.exec(`CREATE SCHEMA IF NOT EXISTS ${quoteIdentifier(db.schema)}`);
      });
    }
    return db;
  }

  private constructor(options: PgDatabaseOptions) {
    this.schema = options.schema ?? 'public';
    const logger = options.logger ?? createLogger({ service: options.applicationName ?? 'sql' });
    this.#pool = new pg.Pool({
      connectionString: options.url,
      max: options.max ?? 10,
      connectionTimeoutMillis: 5_000,
      idleTimeoutMillis: 30_000,
      application_name: options.applicationName,
      types: typeParsers,
      // Only the service's schema: a table left in `public` must not answer by accident.
      ...(this.schema === 'public'
        ? {}
        : { options: `-c search_path=${quoteIdentifier(this.schema)}` }),
    });
    // An idle connection dropped by the server (restart, failover) must not crash the process;
    // the pool replaces it on the next checkout.
    this.#pool.on('error', (err) => {
      // Only the message and SQLSTATE: the driver's error carries its client, config and all.
      const line = { code: sqlState(err), reason: err.message };
      if (this.#closed) logger.debug(line, 'PostgreSQL connection ended while closing');
      else logger.warn(line, 'idle PostgreSQL connection failed');
    });
    this.#base = sqlExecutor(
      async (text, params) => {
        this.#check();
        return (await faultAware(this.#pool.query(text, params as unknown[] | undefined))).rows;
      },
      async (sql) => {
        this.#check();
        await faultAware(this.#pool.query(sql));
      },
    );
  }

  query<T = SqlRow>(text: string, params?: readonly unknown[]): Promise<T[]> {
    return this.#base.query<T>(text, params);
  }
  one<T = SqlRow>(text: string, params?: readonly unknown[]): Promise<T> {
    return this.#base.one<T>(text, params);
  }
  maybeOne<T = SqlRow>(text: string, params?: readonly unknown[]): Promise<T | undefined> {
    return this.#base.maybeOne<T>(text, params);
  }
  exec(sql: string): Promise<void> {
    return this.#base.exec(sql);
  }

  async transaction<T>(fn: (tx: SqlExecutor) => Promise<T>): Promise<T> {
    this.#check();
    const client = await faultAware(this.#pool.connect());
    let broken: Error | undefined;
    // The server ending the connection between two statements (a restart, an administrator)
    // is reported on the client itself, and an 'error' nobody listens for ends the process.
    // Kept here instead: the next statement fails (a 503), and the client is not reused.
    const lost = (err: Error) => {
      broken = err;
    };
    client.on('error', lost);
    const scoped = scopedExecutor(
      sqlExecutor(
        async (text, params) =>
          (await faultAware(client.query(text, params as unknown[] | undefined))).rows,
        async (sql) => {
          await faultAware(client.query(sql));
        },
      ),
    );
    try {
      // A connection lost at BEGIN or COMMIT is a 503 like one lost in between (a COMMIT whose
      // answer was lost may have happened: callers retry with their idempotency keys).
      await faultAware(client.query('BEGIN'));
      const result = await this.#guard.run(() => fn(scoped.tx));
      await faultAware(client.query('COMMIT'));
      return result;
    } catch (err) {
      await client.query('ROLLBACK').catch((rollbackErr: Error) => {
        // The connection is in an unknown state: the pool must not hand it out again.
        broken = rollbackErr;
      });
      throw err;
    } finally {
      scoped.end();
      client.off('error', lost);
      client.release(broken);
    }
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#pool.end();
  }

  #check(): void {
    if (this.#closed) throw new SqlUsageError('database is closed');
    this.#guard.assertOutside();
  }
}
