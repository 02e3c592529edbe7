import type { SqliteDatabase } from './db.js';

interface Pending {
  fn: () => unknown;
  resolve: (value: unknown) => void;
  reject: (reason: unknown) => void;
}

/**
 * Group commit: units of work that arrive together (requests parsed in the same turn of the
 * event loop) are written in one transaction, each in its own savepoint, so a file with
 * `synchronous=FULL` pays one disk sync for the group instead of one per unit. Each caller
 * hears back only after the group has committed, so an answer still means "on disk"; a unit
 * that throws is rolled back alone and only its caller gets the error.
 */
export class GroupCommit {
  #queue: Pending[] = [];
  #scheduled = false;

  /**
   * @param onCommitted after each commit (wake the relay)
   * @param durable awaited after each commit before anyone is answered: the store's disk sync
   *   when it runs at `synchronous=NORMAL` and syncs itself (see `WalSync`)
   */
  constructor(
    private readonly db: SqliteDatabase,
    private readonly onCommitted: () => void = () => {},
    private readonly durable: (() => Promise<void>) | null = null,
    private readonly maxBatch = 256,
  ) {}

  run<T>(fn: () => T): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.#queue.push({ fn, resolve: resolve as (value: unknown) => void, reject });
      if (this.#queue.length >= this.maxBatch) this.#flush();
      else if (!this.#scheduled) {
        this.#scheduled = true;
        setImmediate(() => this.#flush());
      }
    });
  }

  #flush(): void {
    this.#scheduled = false;
    const batch = this.#queue;
    this.#queue = [];
    if (batch.length === 0) return;
    const outcomes: ({ ok: true; value: unknown } | { ok: false; error: unknown })[] = [];
    try {
      this.db.transaction(() => {
        for (const unit of batch) {
          try {
            outcomes.push({ ok: true, value: this.db.transaction(unit.fn)() });
          } catch (error) {
            outcomes.push({ ok: false, error });
          }
        }
      })();
    } catch (error) {
      // The commit itself failed (disk full, I/O error): nothing of the group was stored.
      for (const unit of batch) unit.reject(error);
      return;
    }
    this.onCommitted();
    const answer = () =>
      batch.forEach((unit, i) => {
        const outcome = outcomes[i];
        if (outcome?.ok) unit.resolve(outcome.value);
        else unit.reject(outcome?.error);
      });
    if (!this.durable) {
      answer();
      return;
    }
    this.durable().then(answer, (error: unknown) => {
      for (const unit of batch) unit.reject(error);
    });
  }
}
