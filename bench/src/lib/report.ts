/**
 * Output conventions shared by the benchmarks: human-readable tables while the run goes on, and
 * exactly one JSON object as the last line of stdout, for scripts to pick up with `tail -n 1`.
 */
import { cpus, totalmem } from 'node:os';

export interface Machine {
  cpus: number;
  cpuModel: string;
  memGiB: number;
  node: string;
}

export function machine(): Machine {
  const list = cpus();
  return {
    cpus: list.length,
    cpuModel: list[0]?.model.trim() ?? 'unknown',
    memGiB: Math.round((totalmem() / 1024 ** 3) * 10) / 10,
    node: process.version,
  };
}

export interface Target {
  target: number;
  /** What was measured, so a reader of the JSON needs no other field to judge it. */
  value: number;
  met: boolean;
}

/** A target that `value` must reach at least (`'min'`) or stay within (`'max'`). */
export function target(value: number, limit: number, kind: 'min' | 'max'): Target {
  return { target: limit, value, met: kind === 'min' ? value >= limit : value <= limit };
}

/** Print rows as an aligned two-or-more-column table under a title. */
export function printTable(title: string, rows: (string | number)[][]): void {
  const widths: number[] = [];
  for (const row of rows) {
    row.forEach((cell, i) => {
      widths[i] = Math.max(widths[i] ?? 0, String(cell).length);
    });
  }
  console.log(`\n${title}`);
  for (const row of rows) {
    const cells = row.map((cell, i) =>
      typeof cell === 'number'
        ? String(cell).padStart(widths[i]!)
        : String(cell).padEnd(widths[i]!),
    );
    console.log(`  ${cells.join('   ')}`.trimEnd());
  }
}

/** Print one progress line, prefixed with the phase. */
export function progress(phase: string, message: string): void {
  console.log(`  [${phase}] ${message}`);
}

/** The final line: one JSON object, nothing after it. */
export function printResult(result: object): void {
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

/** A benchmark setting from the environment: a positive whole number, or `fallback` when unset. */
export function positiveInt(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1) throw new Error(`${name} must be a positive integer`);
  return n;
}
