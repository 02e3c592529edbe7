/**
 * A circuit breaker per upstream (seed §7.1): after `failures` failures in a row the circuit
 * opens and callers get a 503 at once, without waiting on a dead service; after `openMs` one
 * probe is let through (half-open); its success closes the circuit, its failure opens it again.
 */
export interface BreakerOptions {
  failures: number;
  openMs: number;
  clock?: () => number;
}

export type BreakerState = 'closed' | 'open' | 'half-open';

export class CircuitBreaker {
  #failures = 0;
  #openedAt: number | null = null;
  #probing = false;
  readonly #clock: () => number;

  constructor(private readonly options: BreakerOptions) {
    this.#clock = options.clock ?? Date.now;
  }

  get state(): BreakerState {
    if (this.#openedAt === null) return 'closed';
    return this.#clock() - this.#openedAt >= this.options.openMs ? 'half-open' : 'open';
  }

  /** Whether a request may go through now; in half-open, only one at a time. */
  allow(): boolean {
    const state = this.state;
    if (state === 'closed') return true;
    if (state === 'open' || this.#probing) return false;
    this.#probing = true;
    return true;
  }

  /** Seconds until a probe is allowed, for `Retry-After`. */
  retryAfterSeconds(): number {
    if (this.#openedAt === null) return 0;
    return Math.max(1, Math.ceil((this.options.openMs - (this.#clock() - this.#openedAt)) / 1000));
  }

  success(): void {
    this.#failures = 0;
    this.#openedAt = null;
    this.#probing = false;
  }

  failure(): void {
    this.#probing = false;
    this.#failures += 1;
    if (this.#openedAt !== null || this.#failures >= this.options.failures) {
      this.#openedAt = this.#clock();
    }
  }
}
