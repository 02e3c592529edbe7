/**
 * What the soak samples of the hub process from outside it: resident memory from
 * `/proc/<pid>/status` (`lib/rss.ts`), open file descriptors as the entries of
 * `/proc/<pid>/fd` (sockets, SQLite files and WAL, pipes: a leaked connection shows here), and
 * V8's used heap and Node's active handles from the hub's own Prometheus `/metrics`
 * (prom-client's default metrics, `kit/src/http/metrics.ts`).
 */
import { readdirSync } from 'node:fs';
import { readRssMb } from '../lib/rss.js';

export interface HubFigures {
  rssMb: number | null;
  heapUsedMb: number | null;
  openFds: number | null;
  activeHandles: number | null;
}

/** Entries in `/proc/<pid>/fd`; null when it cannot be read (exited, not Linux). */
export function openFds(pid: number): number | null {
  try {
    return readdirSync(`/proc/${pid}/fd`).length;
  } catch {
    return null;
  }
}

/** One gauge's value from Prometheus text exposition (the first series of that name). */
export function metricValue(text: string, name: string): number | null {
  const match = new RegExp(`^${name}(?:\\{[^}]*\\})?\\s+([0-9.eE+-]+)`, 'm').exec(text);
  return match ? Number(match[1]) : null;
}

export async function hubFigures(pid: number, url: string): Promise<HubFigures> {
  let heapUsedMb: number | null = null;
  let activeHandles: number | null = null;
  try {
    const res = await fetch(`${url}/metrics`, { signal: AbortSignal.timeout(5_000) });
    const text = await res.text();
    const heap = metricValue(text, 'nodejs_heap_size_used_bytes');
    heapUsedMb = heap === null ? null : Math.round((heap / 1024 ** 2) * 10) / 10;
    activeHandles = metricValue(text, 'nodejs_active_handles_total');
  } catch {
    // No figure this time; the sample keeps the others.
  }
  return { rssMb: readRssMb(pid), heapUsedMb, openFds: openFds(pid), activeHandles };
}
