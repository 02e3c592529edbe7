import { existsSync } from 'node:fs';
import { type FileHandle, open } from 'node:fs/promises';

/**
 * Durability without blocking the event loop. A database opened with `synchronous=NORMAL` in
 * WAL mode writes each commit to the `-wal` file but does not sync it; `sync()` then syncs
 * that file on libuv's thread pool and resolves once everything committed before the call is
 * on disk — what `synchronous=FULL` gives, but the JavaScript thread keeps serving requests
 * while the disk works, and concurrent callers share one sync.
 */
export class WalSync {
  #file: FileHandle | null = null;
  #running: Promise<void> | null = null;
  #queued: Promise<void> | null = null;
  syncs = 0;

  /**
   * @param capture read, as a sync starts, how far it will reach (e.g. the outbox's last seq)
   * @param synced told that mark once the sync is done
   */
  constructor(
    private readonly walPath: string,
    private readonly capture: () => number = () => 0,
    private readonly synced: (mark: number) => void = () => {},
  ) {}

  /** Resolves when every commit made before this call is on disk. */
  sync(): Promise<void> {
    if (!this.#running) {
      this.#running = this.#syncNow().finally(() => {
        this.#running = null;
      });
      return this.#running;
    }
    // The sync in flight may have started before the caller's commit: wait for the next one.
    this.#queued ??= this.#running.then(() => {
      this.#queued = null;
      return this.sync();
    });
    return this.#queued;
  }

  async close(): Promise<void> {
    await this.#running;
    await this.#queued;
    await this.#file?.close();
    this.#file = null;
  }

  async #syncNow(): Promise<void> {
    const mark = this.capture();
    if (!this.#file) {
      if (!existsSync(this.walPath)) {
        this.synced(mark);
        return;
      }
      this.#file = await open(this.walPath, 'r');
    }
    await this.#file.datasync();
    this.syncs += 1;
    this.synced(mark);
  }
}
