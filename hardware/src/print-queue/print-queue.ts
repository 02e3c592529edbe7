import type { Logger } from '@pos/kit';
import { isDiskFull } from '@pos/kit/sqlite/db';
import type { PrinterTransport } from '../transports/transport.js';
import type { PrintJob, PrintStore } from './print-store.js';

/** What a status check says about the printer (parsed from DLE EOT replies). */
export interface PrinterCondition {
  online: boolean;
  paperOut: boolean;
  coverOpen: boolean;
  error: boolean;
}

export interface PrinterConfig {
  id: string;
  name: string;
  transport: PrinterTransport;
  /** Two-way links: how to ask for the status and read the answer. */
  status?: {
    request: Uint8Array;
    replyBytes: number;
    parse(
      bytes: Uint8Array,
    ): { ok: true; condition: PrinterCondition } | { ok: false; reason: string };
  };
  /** Jobs that wait longer than `failoverAfterMs` move to this printer. */
  backupPrinterId?: string | undefined;
  failoverAfterMs?: number;
}

export type PrinterStateName =
  | 'idle'
  | 'printing'
  | 'offline'
  | 'paper-out'
  | 'cover-open'
  | 'error';

export interface PrinterState {
  printerId: string;
  name: string;
  description: string;
  state: PrinterStateName;
  queued: number;
  /** How long the oldest waiting job has waited. */
  oldestWaitingMs: number | null;
  /** A job has waited longer than `stuckAfterMs`: show it to staff. */
  stuck: boolean;
  lastError: string | null;
  lastPrintedAt: number | null;
}

export interface PrintQueueOptions {
  logger: Logger;
  clock?: () => number;
  sendTimeoutMs?: number;
  statusTimeoutMs?: number;
  /** Retry delays grow from `initialMs` doubling to `maxMs`, with ±20 % jitter. */
  backoff?: { initialMs: number; maxMs: number };
  stuckAfterMs?: number;
}

/** How long a printer's "ready" answer is trusted before the next job asks again. */
const STATUS_FRESH_MS = 2_000;

interface Worker {
  config: PrinterConfig;
  state: PrinterStateName;
  lastError: string | null;
  lastPrintedAt: number | null;
  wake: (() => void) | null;
  running: Promise<void> | null;
  /** Set by every kick; a loop about to stop looks again when it is set. */
  kicked: boolean;
  /** When the printer last reported itself ready (status checks are not repeated per job). */
  readyAt: number;
  /** Rounds in a row that could not be saved because storage is full. */
  storageFull: number;
}

/**
 * One queue per printer, kept in SQLite: jobs survive a restart, print in the order they were
 * added, and a printer that is off, unplugged or out of paper keeps its jobs and is retried with
 * backoff. Each printer has its own loop, so a dead kitchen printer never holds up receipts,
 * and `enqueue` only writes a row, so it never holds up checkout.
 */
export class PrintQueue {
  readonly #workers = new Map<string, Worker>();
  readonly #listeners = new Set<(state: PrinterState) => void>();
  readonly #clock: () => number;
  readonly #log: Logger;
  readonly #o: Required<Omit<PrintQueueOptions, 'logger' | 'clock'>>;
  #running = false;

  constructor(
    readonly store: PrintStore,
    printers: readonly PrinterConfig[],
    options: PrintQueueOptions,
  ) {
    this.#clock = options.clock ?? Date.now;
    this.#log = options.logger;
    this.#o = {
      sendTimeoutMs: options.sendTimeoutMs ?? 10_000,
      statusTimeoutMs: options.statusTimeoutMs ?? 2_000,
      backoff: options.backoff ?? { initialMs: 1_000, maxMs: 30_000 },
      stuckAfterMs: options.stuckAfterMs ?? 30_000,
    };
    for (const config of printers) {
      this.#workers.set(config.id, {
        config,
        state: 'idle',
        lastError: null,
        lastPrintedAt: null,
        wake: null,
        running: null,
        kicked: false,
        readyAt: 0,
        storageFull: 0,
      });
    }
  }

  start(): void {
    this.#running = true;
    for (const id of this.#workers.keys()) this.#kick(id);
  }

  async stop(): Promise<void> {
    this.#running = false;
    for (const w of this.#workers.values()) w.wake?.();
    await Promise.all([...this.#workers.values()].map((w) => w.running));
  }

  /** Queue a job. The same `jobKey` twice is one job (an event delivered twice prints once). */
  enqueue(job: {
    jobKey: string;
    printerId: string;
    kind: string;
    reference?: string | undefined;
    bytes: Uint8Array;
  }): PrintJob {
    if (!this.#workers.has(job.printerId)) throw new Error(`unknown printer ${job.printerId}`);
    const { job: stored } = this.store.enqueue({ ...job, now: this.#clock() });
    // The caller may still be inside the transaction that wrote the job: the printer's loop
    // starts on a later tick, so it never prints a job that could yet be rolled back.
    setImmediate(() => this.#kick(job.printerId));
    return stored;
  }

  /** Print a finished job again, on its printer or another. */
  reprint(jobId: number, printerId?: string): PrintJob | undefined {
    const original = this.store.get(jobId);
    if (!original) return undefined;
    const copies = this.store.ofReference(original.reference ?? `job:${jobId}`).length;
    return this.enqueue({
      jobKey: `${original.jobKey}:reprint:${copies}:${this.#clock()}`,
      printerId: printerId ?? original.printerId,
      kind: original.kind,
      reference: original.reference ?? `job:${jobId}`,
      bytes: original.bytes,
    });
  }

  cancel(jobId: number): boolean {
    return this.store.cancel(jobId);
  }

  states(): PrinterState[] {
    return [...this.#workers.keys()].map((id) => this.state(id) as PrinterState);
  }

  state(printerId: string): PrinterState | undefined {
    const w = this.#workers.get(printerId);
    if (!w) return undefined;
    const waiting = this.store.queued(printerId);
    const oldest = waiting[0];
    const oldestWaitingMs = oldest ? this.#clock() - oldest.createdAt : null;
    return {
      printerId,
      name: w.config.name,
      description: w.config.transport.description,
      state: w.state,
      queued: waiting.length,
      oldestWaitingMs,
      stuck: oldestWaitingMs !== null && oldestWaitingMs > this.#o.stuckAfterMs,
      lastError: w.lastError,
      lastPrintedAt: w.lastPrintedAt,
    };
  }

  /** Told of every change of a printer's state (for the terminal's status bar). */
  onState(listener: (state: PrinterState) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  #kick(printerId: string): void {
    const w = this.#workers.get(printerId);
    if (!w || !this.#running) return;
    w.kicked = true;
    if (w.running) {
      w.wake?.();
      return;
    }
    w.running = this.#loop(w).finally(() => {
      w.running = null;
      // A job may have arrived between the loop's last look and now.
      if (w.kicked) this.#kick(printerId);
    });
  }

  async #loop(w: Worker): Promise<void> {
    while (this.#running) {
      w.kicked = false;
      const job = this.store.head(w.config.id);
      if (!job) {
        this.#set(w, w.state === 'printing' ? 'idle' : w.state);
        return;
      }
      const wait = job.nextAttemptAt - this.#clock();
      if (wait > 0) {
        await this.#sleep(w, wait);
        continue;
      }
      if (this.#failover(w, job)) continue;
      try {
        await this.#attempt(w, job);
        w.storageFull = 0;
      } catch (err) {
        // The job's retry could not be written (storage full): the job stays at the head of
        // the queue and is tried again after a pause, instead of the loop dying with the hub.
        if (!isDiskFull(err)) throw err;
        if (w.storageFull++ === 0)
          this.#log.error({ err, printer: w.config.id }, 'print queue cannot save: storage full');
        await this.#sleep(w, this.#backoff(w.storageFull));
      }
    }
  }

  async #attempt(w: Worker, job: PrintJob): Promise<void> {
    const { transport, status } = w.config;
    // A printer that said it was ready a moment ago and has printed since is not asked again
    // before every job; after any failure it is.
    const fresh = this.#clock() - w.readyAt < STATUS_FRESH_MS;
    if (status && transport.requestStatus && !fresh) {
      const reply = await transport.requestStatus(
        status.request,
        status.replyBytes,
        this.#o.statusTimeoutMs,
      );
      if (!reply.ok) return this.#failed(w, job, 'offline', `no status: ${reply.message}`);
      const parsed = status.parse(reply.bytes);
      if (!parsed.ok) return this.#failed(w, job, 'error', `unreadable status: ${parsed.reason}`);
      const c = parsed.condition;
      if (c.paperOut) return this.#failed(w, job, 'paper-out', 'out of paper');
      if (c.coverOpen) return this.#failed(w, job, 'cover-open', 'cover open');
      if (!c.online || c.error) return this.#failed(w, job, 'error', 'printer reports an error');
      w.readyAt = this.#clock();
    }
    this.#set(w, 'printing');
    const sent = await transport.send(job.bytes, this.#o.sendTimeoutMs);
    if (!sent.ok) {
      return this.#failed(
        w,
        job,
        sent.reason === 'unreachable' ? 'offline' : 'error',
        sent.message,
      );
    }
    const now = this.#clock();
    await this.#recordPrinted(w, job, now);
    w.lastPrintedAt = now;
    w.lastError = null;
    this.#set(w, 'printing');
  }

  /**
   * The printer has the job, so it must never be sent again: when storage is full the mark is
   * retried until it is saved. Only a stop in the meantime leaves it unmarked (it prints again
   * after the restart, which is the one duplicate a raw TCP printer cannot rule out).
   */
  async #recordPrinted(w: Worker, job: PrintJob, now: number): Promise<void> {
    for (let attempt = 0; this.#running; attempt++) {
      try {
        this.store.markPrinted(job.id, now, w.config.id);
        return;
      } catch (err) {
        if (!isDiskFull(err)) throw err;
        if (attempt === 0) {
          this.#log.error(
            { err, printer: w.config.id, job: job.id },
            'printed job not recorded yet: storage full',
          );
        }
        await this.#sleep(w, this.#backoff(attempt));
      }
    }
  }

  #failed(w: Worker, job: PrintJob, state: PrinterStateName, error: string): void {
    w.readyAt = 0;
    const delay = this.#backoff(job.attempts);
    this.store.markFailed(job.id, error, this.#clock() + delay);
    if (w.lastError !== error || w.state !== state) {
      this.#log.warn(
        { printer: w.config.id, job: job.id, error, retryInMs: delay },
        'print job not printed',
      );
    }
    w.lastError = error;
    this.#set(w, state);
  }

  /** Move the printer's waiting jobs to its backup when the oldest has waited too long. */
  #failover(w: Worker, job: PrintJob): boolean {
    const backup = w.config.backupPrinterId;
    const after = w.config.failoverAfterMs ?? 60_000;
    if (!backup || job.attempts === 0 || this.#clock() - job.createdAt < after) return false;
    if (!this.#workers.has(backup)) return false;
    const moved = this.store.moveQueued(w.config.id, backup, this.#clock());
    this.#log.warn(
      { from: w.config.id, to: backup, jobs: moved },
      'print jobs moved to the backup printer',
    );
    this.#kick(backup);
    return true;
  }

  #backoff(attempts: number): number {
    const { initialMs, maxMs } = this.#o.backoff;
    const base = Math.min(maxMs, initialMs * 2 ** Math.min(attempts, 20));
    return Math.round(base * (0.8 + Math.random() * 0.4));
  }

  #sleep(w: Worker, ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        w.wake = null;
        resolve();
      }
      w.wake = done;
    });
  }

  #set(w: Worker, state: PrinterStateName): void {
    if (w.state === state) return;
    w.state = state;
    const snapshot = this.state(w.config.id);
    if (snapshot) for (const listener of this.#listeners) listener(snapshot);
  }
}
