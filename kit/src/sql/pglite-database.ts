import { mkdirSync } from 'node:fs';
import { PGlite, type Transaction } from '@electric-sql/pglite';
import { createLogger, type Logger } from '../logger.js';
import {
  quoteIdentifier,
  type SqlDatabase,
  type SqlExecutor,
  type SqlRow,
  SqlUsageError,
  scopedExecutor,
  sqlExecutor,
  TransactionGuard,
} from './database.js';

export interface SharedPgliteOptions {
  /** Directory that keeps the data between runs; in memory when absent. */
  dataDir?: string;
  logger?: Logger;
}

/**
 * The embedded PostgreSQL (PGlite) that the cloud services share when they have no database
 * URL of their own. One instance costs about 350 MB, so there is one per process and each
 * service gets a schema in it (ARCHITECTURE "Data"). It starts on first use, so a process
 * whose services all have URLs never pays for it.
 *
 * PGlite is a single connection. Its `transaction()` holds a mutex that its `query()` and
 * `exec()` also take, so one service's transaction never interleaves with another's query;
 * every piece of work runs in such a transaction with `SET LOCAL search_path` to its schema.
 */
export class SharedPglite {
  readonly dataDir: string | undefined;
  readonly #logger: Logger;
  readonly #guard = new TransactionGuard();
  #instance: Promise<PGlite> | undefined;
  #closed = false;

  constructor(options: SharedPgliteOptions = {}) {
    this.dataDir = options.dataDir;
    this.#logger = options.logger ?? createLogger({ service: 'pglite' });
  }

  /** A handle whose unqualified names resolve to `schema`, created if missing. */
  async database(schema: string): Promise<PgliteDatabase> {
    const quoted = quoteIdentifier(schema);
    const pg = await this.#pglite();
    await pg.exec(`CREATE SCHEMA IF NOT EXISTS ${quoted}`);
    return new PgliteDatabase(pg, this.#guard, schema, () => this.#closed);
  }

  /** Close the instance; every handle stops working. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    const pg = await this.#instance?.catch(() => undefined);
    if (pg && !pg.closed) await pg.close();
  }

  #pglite(): Promise<PGlite> {
    if (this.#closed) return Promise.reject(new SqlUsageError('embedded database is closed'));
    this.#instance ??= (async () => {
      const started = performance.now();
      if (this.dataDir) mkdirSync(this.dataDir, { recursive: true });
      const pg = await PGlite.create(this.dataDir);
      const ms = Math.round(performance.now() - started);
      this.#logger.info({ dataDir: this.dataDir ?? 'memory', ms }, 'embedded PostgreSQL started');
      return pg;
    })();
    return this.#instance;
  }
}

/** One service's schema in the shared PGlite instance. Get one from `SharedPglite.database`. */
export class PgliteDatabase implements SqlDatabase {
  readonly kind = 'pglite' as const;
  readonly #pg: PGlite;
  readonly #guard: TransactionGuard;
  readonly #setPath: string;
  readonly #hostClosed: () => boolean;
  #closed = false;

  constructor(
    pg: PGlite,
    guard: TransactionGuard,
    readonly schema: string,
    hostClosed: () => boolean,
  ) {
    this.#pg = pg;
    this.#guard = guard;
    this.#hostClosed = hostClosed;
    this.#setPath = `SET LOCAL search_path TO ${quoteIdentifier(schema)}`;
  }

  async query<T = SqlRow>(text: string, params?: readonly unknown[]): Promise<T[]> {
    const result = await this.#inSchema((tx) => tx.query<T>(text, params ? [...params] : []));
    return result.rows;
  }

  one<T = SqlRow>(text: string, params?: readonly unknown[]): Promise<T> {
    return this.#executor.one<T>(text, params);
  }

  maybeOne<T = SqlRow>(text: string, params?: readonly unknown[]): Promise<T | undefined> {
    return this.#executor.maybeOne<T>(text, params);
  }

  async exec(sql: string): Promise<void> {
    await this.#inSchema((tx) => tx.exec(sql));
  }

  transaction<T>(fn: (tx: SqlExecutor) => Promise<T>): Promise<T> {
    return this.#inSchema(async (ptx) => {
      const scoped = scopedExecutor(
        sqlExecutor(
          async (text, params) => (await ptx.query(text, params ? [...params] : [])).rows,
          async (sql) => {
            await ptx.exec(sql);
          },
        ),
      );
      try {
        return await this.#guard.run(() => fn(scoped.tx));
      } finally {
        scoped.end();
      }
    });
  }

  /** Release this handle; the shared instance stays up for the other services. */
  async close(): Promise<void> {
    this.#closed = true;
  }

  readonly #executor: SqlExecutor = sqlExecutor(
    (text, params) => this.query(text, params),
    (sql) => this.exec(sql),
  );

  #inSchema<T>(fn: (tx: Transaction) => Promise<T>): Promise<T> {
    if (this.#closed || this.#hostClosed()) {
      return Promise.reject(new SqlUsageError(`database ${this.schema} is closed`));
    }
    try {
      this.#guard.assertOutside();
    } catch (err) {
      return Promise.reject(err);
    }
    return this.#pg.transaction(async (tx) => {
      await tx.exec(this.#setPath);
      return fn(tx);
    });
  }
}
