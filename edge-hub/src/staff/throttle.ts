/**
 * Failed PIN attempts per source (a terminal's address): after `limit` failures within
 * `windowMs` the source is locked out for `lockMs`. Kept in memory: a restart clears it, which
 * costs an attacker a hub restart per few guesses.
 */
export class AttemptThrottle {
  readonly #failures = new Map<string, { count: number; first: number; lockedUntil: number }>();

  constructor(
    private readonly clock: () => number,
    readonly limit = 5,
    readonly windowMs = 5 * 60_000,
    readonly lockMs = 5 * 60_000,
  ) {}

  /** Milliseconds until the source may try again, or 0. */
  retryAfter(source: string): number {
    const entry = this.#failures.get(source);
    if (!entry) return 0;
    return Math.max(0, entry.lockedUntil - this.clock());
  }

  fail(source: string): void {
    const now = this.clock();
    const entry = this.#failures.get(source);
    if (!entry || now - entry.first > this.windowMs) {
      this.#failures.set(source, { count: 1, first: now, lockedUntil: 0 });
    } else {
      entry.count += 1;
      if (entry.count >= this.limit) entry.lockedUntil = now + this.lockMs;
    }
    if (this.#failures.size > 10_000) this.#sweep(now);
  }

  succeed(source: string): void {
    this.#failures.delete(source);
  }

  #sweep(now: number): void {
    for (const [source, e] of this.#failures) {
      if (e.lockedUntil < now && now - e.first > this.windowMs) this.#failures.delete(source);
    }
  }
}
