import type { Redis } from 'ioredis';

/**
 * Fixed-window request counters (seed §6.3: 100 requests a minute per user, 1,000 per IP).
 * In memory for one gateway; in Redis when several gateways must share the counts.
 */
export interface RateCounter {
  /** Count one request under `key` in the current window; the count and ms left in it. */
  hit(key: string, windowMs: number): Promise<{ count: number; resetMs: number }>;
  close(): Promise<void>;
}

export class MemoryCounter implements RateCounter {
  readonly #windows = new Map<string, { count: number; endsAt: number }>();
  #sweeps = 0;

  constructor(private readonly clock: () => number = Date.now) {}

  async hit(key: string, windowMs: number) {
    const now = this.clock();
    let w = this.#windows.get(key);
    if (!w || w.endsAt <= now) {
      w = { count: 0, endsAt: now + windowMs };
      this.#windows.set(key, w);
    }
    w.count += 1;
    // Now and then forget windows that have ended, so memory stays bounded.
    if (++this.#sweeps % 10_000 === 0) {
      for (const [k, v] of this.#windows) if (v.endsAt <= now) this.#windows.delete(k);
    }
    return { count: w.count, resetMs: w.endsAt - now };
  }

  async close() {}
}

export class RedisCounter implements RateCounter {
  constructor(
    private readonly redis: Redis,
    private readonly prefix = 'pos:gateway:rate:',
  ) {}

  async hit(key: string, windowMs: number) {
    const k = `${this.prefix}${key}`;
    const result = await this.redis.multi().incr(k).pexpire(k, windowMs, 'NX').pttl(k).exec();
    const count = Number(result?.[0]?.[1] ?? 0);
    const ttl = Number(result?.[2]?.[1] ?? windowMs);
    return { count, resetMs: ttl > 0 ? ttl : windowMs };
  }

  async close() {
    await this.redis.quit();
  }
}
