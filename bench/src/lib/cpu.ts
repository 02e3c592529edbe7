/**
 * Where a phase's time went, by process: the CPU seconds (user + system, all threads) that
 * each group of processes used between two snapshots, from Linux's `/proc/<pid>/stat` fields
 * 14 and 15 (proc(5)), counted in clock ticks of 1/100 s (USER_HZ on Linux), and how busy the
 * whole machine was (`/proc/stat`), so that other work on a shared machine shows. Processes
 * found by name (`beam.smp`) are every such process on the machine, not only the benchmark's;
 * a process that exits between two snapshots loses its share.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { setPriority } from 'node:os';

const TICKS_PER_SECOND = 100;

/** CPU seconds `pid` has used so far; null when it cannot be read (exited, not Linux). */
export function cpuSeconds(pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) is in parentheses and may hold spaces: count after it.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND;
  } catch {
    return null;
  }
}

/**
 * Processes whose command name (`/proc/<pid>/comm`) is `name`, and whose command line passes
 * `cmdline` when given (a PostgreSQL backend's reads `postgres: user database host state`).
 */
export function pidsNamed(name: string, cmdline?: (line: string) => boolean): number[] {
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return [];
  }
  const pids: number[] = [];
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readFileSync(`/proc/${entry}/comm`, 'utf8').trim() !== name) continue;
      if (cmdline && !cmdline(readFileSync(`/proc/${entry}/cmdline`, 'utf8'))) continue;
      pids.push(Number(entry));
    } catch {
      // gone since the listing
    }
  }
  return pids;
}

/** CPU seconds the whole machine has been busy (all CPUs, not idle or waiting on I/O). */
export function machineBusySeconds(): number | null {
  try {
    // cpu  user nice system idle iowait irq softirq steal …
    const ticks = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0]?.split(/\s+/).slice(1);
    if (!ticks) return null;
    const [user, nice, system, , , irq, softirq, steal] = ticks.map(Number);
    return (
      ((user ?? 0) + (nice ?? 0) + (system ?? 0) + (irq ?? 0) + (softirq ?? 0) + (steal ?? 0)) /
      TICKS_PER_SECOND
    );
  } catch {
    return null;
  }
}

/** Groups of processes, each found anew at every snapshot (PostgreSQL starts backends). */
export type ProcessGroups = Record<string, () => number[]>;

export interface CpuSnapshot {
  groups: Map<string, Map<number, number>>;
  machine: number | null;
}

export function cpuSnapshot(groups: ProcessGroups): CpuSnapshot {
  const snapshot: CpuSnapshot = { groups: new Map(), machine: machineBusySeconds() };
  for (const [group, find] of Object.entries(groups)) {
    const byPid = new Map<number, number>();
    for (const pid of find()) {
      const s = cpuSeconds(pid);
      if (s !== null) byPid.set(pid, s);
    }
    snapshot.groups.set(group, byPid);
  }
  return snapshot;
}

/** Name of the share of the machine's busy time no group accounts for (the kernel, others). */
export const OTHER_CPU = 'everything else';

/**
 * CPU seconds each group used from `before` to `after` (2 decimals), and `OTHER_CPU`: the rest
 * of the machine's busy time (other processes, interrupts, the kernel's own threads).
 */
export function cpuUsed(before: CpuSnapshot, after: CpuSnapshot): Record<string, number> {
  const used: Record<string, number> = {};
  let accounted = 0;
  for (const [group, byPid] of after.groups) {
    let total = 0;
    for (const [pid, seconds] of byPid)
      total += seconds - (before.groups.get(group)?.get(pid) ?? 0);
    used[group] = Math.round(total * 100) / 100;
    accounted += total;
  }
  if (before.machine !== null && after.machine !== null) {
    const rest = after.machine - before.machine - accounted;
    used[OTHER_CPU] = Math.round(Math.max(0, rest) * 100) / 100;
  }
  return used;
}

/**
 * Run `pids` at a lower CPU priority (`nice`, 0–19) until the returned function puts them back
 * at 0. Linux keeps a priority per thread, so every thread of each is changed; threads and
 * processes they start meanwhile inherit it (PostgreSQL's backends from the postmaster). A
 * process gone meanwhile is passed over.
 */
export function lowerPriority(pids: readonly number[], nice: number): () => void {
  const changed: number[] = [];
  for (const pid of pids) {
    let threads: number[];
    try {
      threads = readdirSync(`/proc/${pid}/task`).map(Number);
    } catch {
      continue; // exited since it was listed
    }
    for (const tid of threads) {
      try {
        setPriority(tid, nice);
        changed.push(tid);
      } catch {
        // exited meanwhile
      }
    }
  }
  return () => {
    for (const pid of changed) {
      try {
        setPriority(pid, 0);
      } catch {
        // exited meanwhile
      }
    }
  };
}
