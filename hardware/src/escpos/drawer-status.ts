import type { CommandSet } from './code-pages.js';

export interface DrawerKickOptions {
  commandSet: CommandSet;
  /** Drawer kick-out connector pin: 2 is the first drawer, 5 the second. */
  pin: 2 | 5;
  /** Pulse length; default 50 ms. */
  onMs?: number;
  /** Pause after the pulse; default 500 ms. */
  offMs?: number;
}

/**
 * Open a cash drawer.
 * Epson: ESC p m t1 t2, m = 0 (pin 2) or 1 (pin 5), pulse on t1 × 2 ms, off t2 × 2 ms;
 * 50/500 ms gives 1B 70 00 19 FA.
 * https://download4.epson.biz/sec_pubs/pos/reference_en/escpos/esc_lp.html
 * Star Line Mode: ESC BEL n1 n2 sets the pulse for device 1 (units of 10 ms) and BEL fires it;
 * SUB fires device 2 (pin 5), whose pulse is fixed by the printer.
 */
export function drawerKickBytes(options: DrawerKickOptions): Buffer {
  const onMs = options.onMs ?? 50;
  const offMs = options.offMs ?? 500;
  if (options.commandSet === 'epson') {
    const t1 = clamp(Math.round(onMs / 2), 1, 255);
    const t2 = clamp(Math.round(offMs / 2), t1, 255);
    return Buffer.from([0x1b, 0x70, options.pin === 2 ? 0x00 : 0x01, t1, t2]);
  }
  if (options.pin === 5) return Buffer.from([0x1a]);
  const n1 = clamp(Math.round(onMs / 10), 1, 127);
  const n2 = clamp(Math.round(offMs / 10), 1, 127);
  return Buffer.from([0x1b, 0x07, n1, n2, 0x07]);
}

function clamp(n: number, min: number, max: number): number {
  return Math.min(max, Math.max(min, n));
}

/**
 * Real-time status, Epson DLE EOT n. Each request is answered at once (even mid-job) with one
 * byte whose bits 0 and 7 are 0 and bits 1 and 4 are 1: (byte & 0x93) === 0x12.
 * https://download4.epson.biz/sec_pubs/pos/reference_en/escpos/dle_eot.html
 *  n=1 printer status: bit 3 offline.
 *  n=2 offline cause: bit 2 cover open, bit 3 paper fed by button, bit 5 stopped at paper end,
 *      bit 6 error.
 *  n=3 error cause: bit 2 recoverable (mechanical) error, bit 3 autocutter error, bit 5
 *      unrecoverable error, bit 6 automatically recoverable error.
 *  n=4 roll paper sensor: bits 2+3 near end, bits 5+6 paper end.
 */
export type StatusKind = 1 | 2 | 3 | 4;
export const STATUS_KINDS: readonly StatusKind[] = [1, 2, 3, 4];

export interface PrinterStatus {
  online: boolean;
  coverOpen: boolean;
  paperOut: boolean;
  paperNearEnd: boolean;
  error: boolean;
}

export type StatusParseResult =
  | { ok: true; status: PrinterStatus }
  | { ok: false; reason: 'wrong-length' | 'not-a-status-byte'; detail: string };

const FIXED_MASK = 0x93;
const FIXED_BITS = 0x12;

/** DLE EOT 1, 2, 3, 4 (or the kinds given): the printer answers one byte for each. */
export function statusRequestBytes(kinds: readonly StatusKind[] = STATUS_KINDS): Buffer {
  return Buffer.from(kinds.flatMap((n) => [0x10, 0x04, n]));
}

export function isStatusByte(byte: number): boolean {
  return (byte & FIXED_MASK) === FIXED_BITS;
}

/** Read the answer to statusRequestBytes(kinds); anything else is rejected, never guessed. */
export function parseStatusReply(
  reply: Uint8Array,
  kinds: readonly StatusKind[] = STATUS_KINDS,
): StatusParseResult {
  if (reply.length !== kinds.length) {
    return {
      ok: false,
      reason: 'wrong-length',
      detail: `expected ${kinds.length} status bytes, got ${reply.length}`,
    };
  }
  const byKind = new Map<StatusKind, number>();
  for (const [i, kind] of kinds.entries()) {
    const byte = reply[i] ?? 0;
    if (!isStatusByte(byte)) {
      return {
        ok: false,
        reason: 'not-a-status-byte',
        detail: `byte ${i} (0x${byte.toString(16).padStart(2, '0')}) is not a DLE EOT ${kind} reply`,
      };
    }
    byKind.set(kind, byte);
  }
  const bit = (kind: StatusKind, mask: number) => ((byKind.get(kind) ?? 0) & mask) !== 0;
  return {
    ok: true,
    status: {
      online: !bit(1, 0x08),
      coverOpen: bit(2, 0x04),
      paperOut: bit(2, 0x20) || bit(4, 0x60),
      paperNearEnd: bit(4, 0x0c),
      error: bit(2, 0x40) || bit(3, 0x6c),
    },
  };
}

/** The byte a printer in this state answers to DLE EOT n (used by the virtual printer). */
export function statusByte(kind: StatusKind, status: PrinterStatus): number {
  let byte = FIXED_BITS;
  if (kind === 1 && !status.online) byte |= 0x08;
  if (kind === 2) {
    if (status.coverOpen) byte |= 0x04;
    if (status.paperOut) byte |= 0x20;
    if (status.error) byte |= 0x40;
  }
  if (kind === 3 && status.error) byte |= 0x20;
  if (kind === 4) {
    if (status.paperNearEnd || status.paperOut) byte |= 0x0c;
    if (status.paperOut) byte |= 0x60;
  }
  return byte;
}
