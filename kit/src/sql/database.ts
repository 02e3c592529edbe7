import { AsyncLocalStorage } from 'node:async_hooks';

export type SqlRow = Record<string, unknown>;
export type SqlKind = 'postgres' | 'pglite';

/** What runs SQL: a database handle, or the transaction handed to `transaction(fn)`. */
export interface SqlExecutor {
  /** One statement with `$1…` parameters; its rows (none for a command without RETURNING). */
  query<T = SqlRow>(text: string, params?: readonly unknown[]): Promise<T[]>;
  /** Exactly one row, or a `SqlResultError`. */
  one<T = SqlRow>(text: string, params?: readonly unknown[]): Promise<T>;
  /** The row when there is one, `undefined` when none, a `SqlResultError` when several. */
  maybeOne<T = SqlRow>(text: string, params?: readonly unknown[]): Promise<T | undefined>;
  /** Several statements without parameters (migrations, DDL). */
  exec(sql: string): Promise<void>;
}

/**
 * A service's PostgreSQL database: its own database in production, a schema in the shared
 * embedded PGlite instance by default. Unqualified names resolve to `schema` only.
 *
 * Inside `transaction(fn)` use the executor given to `fn`: the outer handle refuses work there,
 * because on PGlite it would wait for the transaction that is waiting for it, and on a pool it
 * would run outside the transaction without anyone noticing.
 *
 * `int8` columns (counts, epoch milliseconds, sequences) come back as numbers, or as bigints
 * beyond 2^53, on both kinds; `numeric` as strings; `jsonb` parsed; timestamps as `Date`.
 */
export interface SqlDatabase extends SqlExecutor {
  readonly kind: SqlKind;
  readonly schema: string;
  /** BEGIN, `fn`, COMMIT; ROLLBACK when `fn` throws (the error is rethrown). */
  transaction<T>(fn: (tx: SqlExecutor) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

export type SqlResultErrorCode = 'no-row' | 'many-rows';

/** A query asked for one row and got another count: a fault in the caller's assumptions. */
export class SqlResultError extends Error {
  override name = 'SqlResultError';
  constructor(
    readonly code: SqlResultErrorCode,
    readonly sql: string,
  ) {
    super(
      `${code === 'no-row' ? 'expected a row, got none' : 'expected at most one row, got several'}: ${sql.trim().slice(0, 200)}`,
    );
  }
}

/** Using the database in a way that cannot work (nested use inside a transaction, after close). */
export class SqlUsageError extends Error {
  override name = 'SqlUsageError';
}

type QueryFn = (text: string, params?: readonly unknown[]) => Promise<unknown[]>;

/** Complete an executor from its `query` and `exec`: `one` and `maybeOne` are the same everywhere. */
export function sqlExecutor(query: QueryFn, exec: (sql: string) => Promise<void>): SqlExecutor {
  const executor: SqlExecutor = {
    query: query as SqlExecutor['query'],
    exec,
    async one(text, params) {
      const rows = await query(text, params);
      if (rows.length !== 1) throw new SqlResultError(rows.length ? 'many-rows' : 'no-row', text);
      return rows[0] as never;
    },
    async maybeOne(text, params) {
      const rows = await query(text, params);
      if (rows.length > 1) throw new SqlResultError('many-rows', text);
      return rows[0] as never;
    },
  };
  return executor;
}

/**
 * Marks the async work running inside a transaction, so that a stray use of the outer handle
 * fails at once instead of deadlocking (PGlite) or silently escaping the transaction (pool).
 * The marker is switched off when the transaction ends: work the callback merely scheduled
 * (a timer, a relay kick) runs later, outside it, and is allowed.
 */
export class TransactionGuard {
  readonly #open = new AsyncLocalStorage<{ open: boolean }>();

  assertOutside(): void {
    if (this.#open.getStore()?.open) {
      throw new SqlUsageError(
        'database used directly inside one of its transactions: use the executor passed to transaction(fn)',
      );
    }
  }

  async run<T>(fn: () => Promise<T>): Promise<T> {
    const marker = { open: true };
    try {
      return await this.#open.run(marker, fn);
    } finally {
      marker.open = false;
    }
  }
}

/** An executor that refuses work once its transaction is over. */
export function scopedExecutor(inner: SqlExecutor): { tx: SqlExecutor; end(): void } {
  let ended = false;
  const check = () => {
    if (ended) throw new SqlUsageError('transaction executor used after its transaction ended');
  };
  const tx = sqlExecutor(
    async (text, params) => {
      check();
      return inner.query(text, params);
    },
    async (sql) => {
      check();
      await inner.exec(sql);
    },
  );
  return {
    tx,
    end: () => {
      ended = true;
    },
  };
}

const IDENTIFIER = /^[a-z_][a-z0-9_]{0,62}$/;

/** The schema a service's tables live in: its name, lower case, `-` as `_`. */
export function schemaNameFor(service: string): string {
  const name = service.toLowerCase().replace(/-/g, '_');
  if (!IDENTIFIER.test(name)) throw new SqlUsageError(`not a usable schema name: ${service}`);
  return name;
}

/** Double-quote a checked identifier (schema names only ever come from `schemaNameFor`). */
export function quoteIdentifier(name: string): string {
  if (!IDENTIFIER.test(name)) throw new SqlUsageError(`not a usable identifier: ${name}`);
  return `"${name}"`;
}

/** PGlite's own rule for int8, so both kinds hand back the same JS types. */
export function parseInt8(text: string): number | bigint {
  const n = Number(text);
  return Number.isSafeInteger(n) ? n : BigInt(text);
}

/** PostgreSQL's SQLSTATE of an error from either driver, e.g. `23505` for a unique violation. */
export function sqlState(err: unknown): string | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code) ? code : undefined;
}

export const isUniqueViolation = (err: unknown): boolean => sqlState(err) === '23505';
