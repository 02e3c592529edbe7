import type { Logger } from '@pos/kit/logger';
import type { ReaderState, ReaderStatus, StatusListener } from './card-reader.js';

/**
 * The current status of one reader and the listeners that want to hear about changes. A
 * listener that throws is logged and skipped: a broken status bar never breaks a payment.
 */
export class ReaderStatusBoard {
  private current: ReaderStatus = { state: 'disconnected', lastSeenAt: null };
  private readonly listeners = new Set<StatusListener>();

  constructor(
    private readonly clock: () => number,
    private readonly logger?: Logger,
  ) {}

  get(): ReaderStatus {
    return this.current;
  }

  subscribe(listener: StatusListener): () => void {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  }

  /** Set the state; `seen` records a sign of life now (or at the given epoch ms). */
  set(state: ReaderState, message?: string, seen: boolean | number = true): void {
    const lastSeenAt =
      typeof seen === 'number' ? seen : seen ? this.clock() : this.current.lastSeenAt;
    const next: ReaderStatus =
      message === undefined ? { state, lastSeenAt } : { state, message, lastSeenAt };
    if (next.state === this.current.state && next.message === this.current.message) {
      this.current = next;
      return;
    }
    this.current = next;
    for (const listener of [...this.listeners]) {
      try {
        listener(next);
      } catch (err) {
        this.logger?.warn({ err }, 'card reader status listener failed');
      }
    }
  }

  clear(): void {
    this.listeners.clear();
  }
}
