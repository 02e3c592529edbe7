/**
 * Resident memory of another process (the hub child, not the benchmark), from Linux's
 * `/proc/<pid>/status` `VmRSS` line (proc(5)). Values are in MiB, reported as "MB".
 */
import { readFileSync } from 'node:fs';

/** Current RSS of `pid` in MiB (1 decimal); null when it cannot be read (exited, not Linux). */
export function readRssMb(pid: number): number | null {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const match = /^VmRSS:\s+(\d+)\s+kB/m.exec(status);
    return match ? Math.round((Number(match[1]) / 1024) * 10) / 10 : null;
  } catch {
    return null;
  }
}

/** Samples a process's RSS at a fixed interval until stopped. */
export class RssSampler {
  readonly samples: { atMs: number; mb: number }[] = [];
  #timer: NodeJS.Timeout | undefined;
  #t0 = 0;

  constructor(
    readonly pid: number,
    readonly intervalMs = 1_000,
  ) {}

  start(): this {
    this.#t0 = Date.now();
    this.sample();
    this.#timer = setInterval(() => this.sample(), this.intervalMs);
    return this;
  }

  /** Take one sample now (also called by the timer); returns it, or null if unreadable. */
  sample(): number | null {
    const mb = readRssMb(this.pid);
    if (mb !== null) this.samples.push({ atMs: Date.now() - this.#t0, mb });
    return mb;
  }

  stop(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
  }

  /** Largest sample so far (0 when none). */
  get peakMb(): number {
    return this.samples.reduce((max, s) => Math.max(max, s.mb), 0);
  }

  /** Largest sample taken at or after `fromMs` (relative to start). */
  peakSince(fromMs: number): number {
    return this.samples.reduce((max, s) => (s.atMs >= fromMs ? Math.max(max, s.mb) : max), 0);
  }
}
