import type { DecodeSink } from './decoder.js';

/**
 * Longest command body accepted (raster images, 2D code data). A length field claiming more
 * is treated as garbage: the prefix byte is skipped instead of waiting for megabytes.
 */
export const MAX_COMMAND_BYTES = 1 << 20;

/** Bytes as text, for command arguments such as QR data. */
export function latin1(buf: Uint8Array, start: number, end: number): string {
  return Buffer.from(buf.subarray(start, Math.min(end, buf.length))).toString('latin1');
}

/** Offset of the first `terminator` at or after `from` within `limit` bytes, or -1. */
export function indexOfWithin(
  buf: Uint8Array,
  terminator: number,
  from: number,
  limit: number,
): number {
  const end = Math.min(buf.length, from + limit);
  for (let j = from; j < end; j++) if (buf[j] === terminator) return j;
  return -1;
}

/** Byte at an offset the caller has checked to exist. */
export function at(buf: Uint8Array, i: number): number {
  return buf[i] ?? 0;
}

/**
 * DLE commands, shared by both printer languages: DLE EOT n (real-time status, n = 1..4, and
 * 7/8 with a parameter), DLE ENQ n, DLE DC4 fn ... (fn 1 = real-time drawer pulse).
 * https://download4.epson.biz/sec_pubs/pos/reference_en/escpos/dle_eot.html
 */
export function tokenizeDle(buf: Uint8Array, i: number, sink: DecodeSink): number | undefined {
  if (i + 2 > buf.length) return undefined;
  const b1 = at(buf, i + 1);
  if (b1 !== 0x04 && b1 !== 0x05 && b1 !== 0x14) return 1; // a stray DLE
  if (i + 3 > buf.length) return undefined;
  const n = at(buf, i + 2);
  if (b1 === 0x04) {
    if (n >= 1 && n <= 4) {
      sink.statusRequest(n);
      return 3;
    }
    if (n === 7 || n === 8 || n === 18) {
      if (i + 4 > buf.length) return undefined;
      sink.command(`status:${n}`);
      return 4;
    }
    sink.command('unknown:10 04');
    return 3;
  }
  if (b1 === 0x05) {
    sink.command(`realtime:${n}`);
    return 3;
  }
  const length = n === 1 || n === 2 ? 5 : n === 3 ? 8 : n === 7 ? 4 : n === 8 ? 10 : 3;
  if (i + length > buf.length) return undefined;
  if (n === 1) sink.command(at(buf, i + 3) === 0 ? 'drawer:pin2' : 'drawer:pin5', true);
  else sink.command(`realtime-dc4:${n}`);
  return length;
}

export function hex(byte: number): string {
  return byte.toString(16).padStart(2, '0');
}
