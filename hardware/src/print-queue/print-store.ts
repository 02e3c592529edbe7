import type { Schema, SqliteDatabase } from '@pos/kit';

export const printQueueSchema: Schema = {
  component: 'print-queue',
  migrations: [
    {
      version: 1,
      name: 'print jobs',
      up: `
        CREATE TABLE print_job (
          id INTEGER PRIMARY KEY AUTOINCREMENT,
          -- Who asked, once: the same key enqueued twice is one job (events are redelivered).
          job_key TEXT NOT NULL UNIQUE,
          printer_id TEXT NOT NULL,
          kind TEXT NOT NULL,
          reference TEXT,
          bytes BLOB NOT NULL,
          status TEXT NOT NULL CHECK (status IN ('queued', 'printed', 'cancelled')),
          attempts INTEGER NOT NULL DEFAULT 0,
          last_error TEXT,
          created_at INTEGER NOT NULL,
          next_attempt_at INTEGER NOT NULL,
          printed_at INTEGER,
          printed_on TEXT
        );
        CREATE INDEX print_job_queue ON print_job (printer_id, status, id);
        CREATE INDEX print_job_reference ON print_job (reference);
      `,
    },
  ],
};

export type JobStatus = 'queued' | 'printed' | 'cancelled';

export interface PrintJob {
  id: number;
  jobKey: string;
  printerId: string;
  kind: string;
  reference: string | null;
  bytes: Uint8Array;
  status: JobStatus;
  attempts: number;
  lastError: string | null;
  createdAt: number;
  nextAttemptAt: number;
  printedAt: number | null;
  printedOn: string | null;
}

const COLUMNS = `id, job_key AS jobKey, printer_id AS printerId, kind, reference, bytes, status,
  attempts, last_error AS lastError, created_at AS createdAt, next_attempt_at AS nextAttemptAt,
  printed_at AS printedAt, printed_on AS printedOn`;

/** SQL for the print queue; each printer's jobs are taken strictly in id order. */
export class PrintStore {
  readonly #s;

  constructor(readonly db: SqliteDatabase) {
    this.#s = {
      insert: db.prepare(
        `INSERT INTO print_job (job_key, printer_id, kind, reference, bytes, status, created_at, next_attempt_at)
         VALUES (?, ?, ?, ?, ?, 'queued', ?, ?) ON CONFLICT (job_key) DO NOTHING`,
      ),
      byKey: db.prepare(`SELECT ${COLUMNS} FROM print_job WHERE job_key = ?`),
      byId: db.prepare(`SELECT ${COLUMNS} FROM print_job WHERE id = ?`),
      head: db.prepare(
        `SELECT ${COLUMNS} FROM print_job WHERE printer_id = ? AND status = 'queued' ORDER BY id LIMIT 1`,
      ),
      printed: db.prepare(
        `UPDATE print_job SET status = 'printed', printed_at = ?, printed_on = ?, attempts = attempts + 1,
           last_error = NULL WHERE id = ?`,
      ),
      failed: db.prepare(
        'UPDATE print_job SET attempts = attempts + 1, last_error = ?, next_attempt_at = ? WHERE id = ?',
      ),
      cancel: db.prepare(
        "UPDATE print_job SET status = 'cancelled' WHERE id = ? AND status = 'queued'",
      ),
      queued: db.prepare(
        `SELECT ${COLUMNS} FROM print_job WHERE status = 'queued' AND (? IS NULL OR printer_id = ?) ORDER BY id`,
      ),
      ofReference: db.prepare(`SELECT ${COLUMNS} FROM print_job WHERE reference = ? ORDER BY id`),
      move: db.prepare(
        "UPDATE print_job SET printer_id = ?, next_attempt_at = ? WHERE printer_id = ? AND status = 'queued'",
      ),
    };
  }

  /** Add a job; returns it, or the job already enqueued under the same key. */
  enqueue(job: {
    jobKey: string;
    printerId: string;
    kind: string;
    reference?: string | undefined;
    bytes: Uint8Array;
    now: number;
  }): { job: PrintJob; created: boolean } {
    const { changes } = this.#s.insert.run(
      job.jobKey,
      job.printerId,
      job.kind,
      job.reference ?? null,
      Buffer.from(job.bytes),
      job.now,
      job.now,
    );
    return { job: this.#s.byKey.get(job.jobKey) as PrintJob, created: changes === 1 };
  }

  get(id: number): PrintJob | undefined {
    return this.#s.byId.get(id) as PrintJob | undefined;
  }

  /** The oldest job still waiting for this printer. */
  head(printerId: string): PrintJob | undefined {
    return this.#s.head.get(printerId) as PrintJob | undefined;
  }

  markPrinted(id: number, now: number, on: string): void {
    this.#s.printed.run(now, on, id);
  }

  markFailed(id: number, error: string, retryAt: number): void {
    this.#s.failed.run(error, retryAt, id);
  }

  cancel(id: number): boolean {
    return this.#s.cancel.run(id).changes === 1;
  }

  queued(printerId?: string): PrintJob[] {
    return this.#s.queued.all(printerId ?? null, printerId ?? null) as PrintJob[];
  }

  ofReference(reference: string): PrintJob[] {
    return this.#s.ofReference.all(reference) as PrintJob[];
  }

  /** Move every waiting job of one printer to another (failover), keeping their order. */
  moveQueued(from: string, to: string, now: number): number {
    return this.#s.move.run(to, now, from).changes;
  }
}
