import type { Logger } from 'pino';

export type Closer = () => Promise<void> | void;

/**
 * Graceful shutdown: on SIGINT/SIGTERM the closers run in reverse order of registration
 * (stop taking requests first, close databases last), each given a bounded time. A second
 * signal exits at once.
 */
export class Lifecycle {
  #closers: { name: string; close: Closer }[] = [];
  #stopping: Promise<void> | null = null;

  constructor(private readonly logger: Logger) {}

  add(name: string, close: Closer): void {
    this.#closers.push({ name, close });
  }

  stop(reason = 'stop'): Promise<void> {
    if (this.#stopping) return this.#stopping;
    this.#stopping = (async () => {
      this.logger.info({ reason }, 'shutting down');
      for (const { name, close } of [...this.#closers].reverse()) {
        try {
          await withTimeout(Promise.resolve(close()), 10_000, name);
        } catch (err) {
          this.logger.error({ err, part: name }, 'part did not close cleanly');
        }
      }
      this.logger.info('stopped');
    })();
    return this.#stopping;
  }

  /** Stop on SIGINT/SIGTERM, then exit the process. */
  handleSignals(): void {
    const onSignal = (signal: NodeJS.Signals) => {
      if (this.#stopping) process.exit(130);
      void this.stop(signal).then(() => process.exit(0));
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  }
}

function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`${what} took longer than ${ms} ms`)), ms);
    t.unref();
    p.then(
      (v) => {
        clearTimeout(t);
        resolve(v);
      },
      (e) => {
        clearTimeout(t);
        reject(e);
      },
    );
  });
}
