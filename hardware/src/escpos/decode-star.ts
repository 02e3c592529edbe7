import { at, hex, indexOfWithin, latin1, MAX_COMMAND_BYTES, tokenizeDle } from './decode-common.js';
import type { DecodeSink } from './decoder.js';

/**
 * Star Line Mode: one command at `i`. From the Star Line Mode command specifications; the
 * commands layouts use are covered fully, others are skipped by their length.
 */
export function tokenizeStar(buf: Uint8Array, i: number, sink: DecodeSink): number | undefined {
  const b0 = at(buf, i);
  if (b0 >= 0x20 && b0 !== 0x7f) {
    sink.char(b0);
    return 1;
  }
  switch (b0) {
    case 0x0a: // LF
    case 0x0b: // VT: feed to the next vertical tab position
    case 0x0c: // FF
      sink.newline();
      return 1;
    case 0x09:
      sink.char(0x20);
      return 1;
    case 0x07: // BEL, FS: drive peripheral device 1 (drawer pin 2)
    case 0x1c:
      sink.command('drawer:pin2', true);
      return 1;
    case 0x1a: // SUB, EM: drive peripheral device 2 (drawer pin 5)
    case 0x19:
      sink.command('drawer:pin5', true);
      return 1;
    case 0x0e: // SO: double width on; DC4 off
      sink.style({ width: 2 });
      return 1;
    case 0x14:
      sink.style({ width: 1 });
      return 1;
    case 0x05: // ENQ, EOT: Star real-time status requests
    case 0x04:
      sink.command(`status:star-${b0 === 0x05 ? 'enq' : 'eot'}`);
      return 1;
    case 0x10:
      return tokenizeDle(buf, i, sink);
    case 0x1b:
      return esc(buf, i, sink);
    default:
      return 1;
  }
}

const ESC_FIXED: Record<number, number> = {
  48: 2, // ESC 0 line spacing 1/8"
  50: 2, // ESC 2 line spacing 1/6"
  77: 2, // ESC M 12-dot pitch
  80: 2, // ESC P 15-dot pitch
  58: 2, // ESC : 16-dot pitch
  95: 3, // ESC _ upperline
  49: 3, // ESC 1 n line spacing
  65: 3, // ESC A n line spacing
  122: 3, // ESC z n line spacing
  82: 3, // ESC R international characters
  108: 3, // ESC l left margin
  81: 3, // ESC Q right margin
  73: 3, // ESC I n feed n/4 mm
  106: 3, // ESC j reverse feed
  116: 3, // ESC t character table (Star graphics/katakana)
  7: 4, // ESC BEL n1 n2 drawer pulse width
};

function esc(buf: Uint8Array, i: number, sink: DecodeSink): number | undefined {
  if (i + 2 > buf.length) return undefined;
  const cmd = at(buf, i + 1);
  switch (cmd) {
    case 0x40:
      sink.init();
      return 2;
    case 0x45: // ESC E emphasis on, ESC F off
    case 0x46:
      sink.style({ bold: cmd === 0x45 });
      return 2;
    case 0x34: // ESC 4 highlight (white on black) on, ESC 5 off
    case 0x35:
      sink.style({ invert: cmd === 0x34 });
      return 2;
    case 0x1d:
      return escGs(buf, i, sink);
    case 0x1e: // ESC RS x n: font, ASB and other settings
      return i + 4 > buf.length ? undefined : 4;
    case 0x06: // ESC ACK SOH: status request
      if (i + 3 > buf.length) return undefined;
      sink.command('status:star-ack');
      return 3;
    case 0x62:
      return barcode(buf, i, sink);
    case 0x6b: {
      // ESC k n1 n2 d1...dk, k = (n1 + n2 × 256) × 3: 24-dot image
      if (i + 4 > buf.length) return undefined;
      const length = 4 + (at(buf, i + 2) + at(buf, i + 3) * 256) * 3;
      if (i + length > buf.length) return undefined;
      sink.command('image', true);
      return length;
    }
    case 0x42: // ESC B / ESC D n1...nk NUL: tab positions
    case 0x44: {
      const end = indexOfWithin(buf, 0x00, i + 2, 33);
      if (end >= 0) return end - i + 1;
      return buf.length - i - 2 >= 33 ? 2 : undefined;
    }
  }
  const needsArg = [0x2d, 0x69, 0x57, 0x68, 0x64, 0x61, 0x4a].includes(cmd);
  const fixed = ESC_FIXED[cmd];
  if (fixed === undefined && !needsArg) {
    sink.command(`unknown:1b ${hex(cmd)}`);
    return 2;
  }
  const length = fixed ?? (cmd === 0x69 ? 4 : 3);
  if (i + length > buf.length) return undefined;
  const n = at(buf, i + 2);
  switch (cmd) {
    case 0x2d: // ESC - n underline
      sink.style({ underline: (n & 1) === 1 });
      break;
    case 0x69: // ESC i n1 n2: height n1 + 1, width n2 + 1
      sink.style({ height: Math.min(n, 5) + 1, width: Math.min(at(buf, i + 3), 5) + 1 });
      break;
    case 0x57: // ESC W n / ESC h n: width / height expansion
      sink.style({ width: Math.min(n & 0x0f, 5) + 1 });
      break;
    case 0x68:
      sink.style({ height: Math.min(n & 0x0f, 5) + 1 });
      break;
    case 0x64: // ESC d n: 0 full cut, 1 partial, 2 feed and full cut, 3 feed and partial
      sink.cut((n & 1) === 1);
      break;
    case 0x61: // ESC a n: feed n lines
      sink.flushLine();
      sink.command(`feed:${n}`, true);
      break;
    case 0x4a: // ESC J n: feed n/4 mm
      sink.flushLine();
      sink.command(`feed-dots:${n}`, true);
      break;
  }
  return length;
}

function escGs(buf: Uint8Array, i: number, sink: DecodeSink): number | undefined {
  if (i + 3 > buf.length) return undefined;
  const cmd = at(buf, i + 2);
  if (cmd === 0x74 || cmd === 0x61) {
    // ESC GS t n code page; ESC GS a n alignment
    if (i + 4 > buf.length) return undefined;
    const n = at(buf, i + 3);
    if (cmd === 0x74) sink.codePage(n);
    else sink.style({ align: (['left', 'center', 'right'] as const)[n & 3] ?? 'left' });
    return 4;
  }
  if (cmd === 0x79) return twoDimensional(buf, i, sink, 'qr');
  if (cmd === 0x78) return twoDimensional(buf, i, sink, 'pdf417');
  if (cmd === 0x41 || cmd === 0x52) return i + 5 > buf.length ? undefined : 5; // position
  sink.command(`unknown:1b 1d ${hex(cmd)}`);
  return 3;
}

/**
 * ESC GS y (QR) / ESC GS x (PDF417): S settings, D data, P print.
 * QR: ESC GS y S n1 n2; ESC GS y D 1 m nL nH d...; ESC GS y P.
 * PDF417: ESC GS x S 0 n p1 p2 / S 1..3 n; ESC GS x D nL nH d...; ESC GS x P.
 */
function twoDimensional(
  buf: Uint8Array,
  i: number,
  sink: DecodeSink,
  kind: 'qr' | 'pdf417',
): number | undefined {
  if (i + 4 > buf.length) return undefined;
  const fn = at(buf, i + 3);
  if (fn === 0x50) {
    sink.printCode(kind);
    return 4;
  }
  if (fn === 0x49) return 4; // I: symbol information request
  if (fn === 0x53) {
    if (i + 6 > buf.length) return undefined;
    return kind === 'pdf417' && at(buf, i + 4) === 0x30 ? 8 : 6;
  }
  if (fn === 0x44) {
    const header = kind === 'qr' ? 8 : 6;
    if (i + header > buf.length) return undefined;
    const size = at(buf, i + header - 2) + at(buf, i + header - 1) * 256;
    if (header + size > MAX_COMMAND_BYTES) return 4;
    if (i + header + size > buf.length) return undefined;
    sink.storeCode(kind, latin1(buf, i + header, i + header + size));
    return header + size;
  }
  sink.command(`unknown:1b 1d ${hex(at(buf, i + 2))} ${hex(fn)}`);
  return 4;
}

/** ESC b n1 n2 n3 n4 d1...dk RS: barcode of type n1 with data up to the record separator. */
function barcode(buf: Uint8Array, i: number, sink: DecodeSink): number | undefined {
  if (i + 6 > buf.length) return undefined;
  const end = indexOfWithin(buf, 0x1e, i + 6, 256);
  if (end < 0) return buf.length - i - 6 >= 256 ? 2 : undefined;
  sink.storeCode('barcode', latin1(buf, i + 6, end));
  sink.printCode('barcode');
  return end - i + 1;
}
