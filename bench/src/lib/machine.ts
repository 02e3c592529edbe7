/**
 * The machine a set of benchmark figures was measured on, as one line for the README's
 * performance table: figures mean little without the CPU, memory, OS and Node they came from.
 */
import { release, type } from 'node:os';
import { type Machine, machine } from './report.js';

export interface MachineDescription extends Machine {
  /** e.g. `Linux 6.1.0-18-amd64`. */
  os: string;
  arch: string;
  /** When the description was taken (ISO 8601). */
  date: string;
}

export function describeMachine(now = new Date()): MachineDescription {
  return {
    ...machine(),
    os: `${type()} ${release()}`,
    arch: process.arch,
    date: now.toISOString(),
  };
}

/** `2 × AMD EPYC, 23.5 GiB RAM, Linux 6.1.0 (x64), Node v20.20.2, 2026-12-06` */
export function machineLine(m: MachineDescription): string {
  return (
    `${m.cpus} × ${m.cpuModel}, ${m.memGiB} GiB RAM, ${m.os} (${m.arch}), ` +
    `Node ${m.node}, ${m.date.slice(0, 10)}`
  );
}
