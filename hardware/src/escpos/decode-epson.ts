import { at, hex, indexOfWithin, latin1, MAX_COMMAND_BYTES, tokenizeDle } from './decode-common.js';
import type { DecodeSink } from './decoder.js';

/**
 * Epson ESC/POS: one command at `i`. Lengths and meanings from the ESC/POS command reference,
 * https://download4.epson.biz/sec_pubs/pos/reference_en/escpos/commands.html
 */
export function tokenizeEpson(buf: Uint8Array, i: number, sink: DecodeSink): number | undefined {
  const b0 = at(buf, i);
  if (b0 >= 0x20 && b0 !== 0x7f) {
    sink.char(b0);
    return 1;
  }
  switch (b0) {
    case 0x0a: // LF
    case 0x0c: // FF: prints in page mode, ends the line in standard mode
      sink.newline();
      return 1;
    case 0x09: // HT, without tab positions: a space is the best text rendering
      sink.char(0x20);
      return 1;
    case 0x10:
      return tokenizeDle(buf, i, sink);
    case 0x1b:
      return esc(buf, i, sink);
    case 0x1d:
      return gs(buf, i, sink);
    case 0x1c:
      return fs(buf, i, sink);
    default:
      return 1; // CR and other control bytes print nothing
  }
}

/** Commands of a fixed total length that change nothing the decoder shows. */
const ESC_FIXED: Record<number, number> = {
  50: 2, // ESC 2 default line spacing
  60: 2, // ESC < return home
  76: 2, // ESC L page mode
  83: 2, // ESC S standard mode
  32: 3, // ESC SP character spacing
  37: 3, // ESC % user-defined characters on/off
  51: 3, // ESC 3 line spacing
  61: 3, // ESC = peripheral device
  63: 3, // ESC ? cancel user-defined character
  77: 3, // ESC M font
  82: 3, // ESC R international character set
  84: 3, // ESC T page mode direction
  85: 3, // ESC U unidirectional printing
  86: 3, // ESC V 90° rotation
  101: 3, // ESC e reverse feed (lines)
  75: 3, // ESC K reverse feed (dots)
  114: 3, // ESC r colour
  36: 4, // ESC $ absolute position
  92: 4, // ESC \ relative position
  99: 4, // ESC c 3/4/5 n sensors and panel buttons
  66: 4, // ESC B n t buzzer (TM models)
  87: 10, // ESC W page mode area
};

function esc(buf: Uint8Array, i: number, sink: DecodeSink): number | undefined {
  if (i + 2 > buf.length) return undefined;
  const cmd = at(buf, i + 1);
  if (cmd === 0x40) {
    sink.init();
    return 2;
  }
  if (cmd === 0x69 || cmd === 0x6d) {
    sink.cut(true); // ESC i / ESC m: partial cut (obsolete forms)
    return 2;
  }
  if (cmd === 0x44) {
    const end = indexOfWithin(buf, 0x00, i + 2, 33); // ESC D n1..nk NUL tab positions
    if (end >= 0) return end - i + 1;
    return buf.length - i - 2 >= 33 ? 2 : undefined;
  }
  if (cmd === 0x2a) return bitImage(buf, i, sink);
  if (cmd === 0x26) return userCharacters(buf, i, sink);
  if (cmd === 0x70) {
    if (i + 5 > buf.length) return undefined;
    sink.command((at(buf, i + 2) & 1) === 0 ? 'drawer:pin2' : 'drawer:pin5', true);
    return 5;
  }
  const fixed = ESC_FIXED[cmd];
  const needsArg = [0x74, 0x45, 0x47, 0x2d, 0x21, 0x61, 0x64, 0x4a, 0x7b].includes(cmd);
  if (fixed === undefined && !needsArg) {
    sink.command(`unknown:1b ${hex(cmd)}`);
    return 2;
  }
  const length = fixed ?? 3;
  if (i + length > buf.length) return undefined;
  const n = at(buf, i + 2);
  switch (cmd) {
    case 0x74: // ESC t n code table
      sink.codePage(n);
      break;
    case 0x45: // ESC E n emphasis
    case 0x47: // ESC G n double-strike, prints like bold
      sink.style({ bold: (n & 1) === 1 });
      break;
    case 0x2d: // ESC - n underline (0/48 off, 1/49, 2/50 on)
      sink.style({ underline: (n & 3) !== 0 });
      break;
    case 0x21: // ESC ! n print mode: emphasis, double height/width, underline together
      sink.style({
        bold: (n & 0x08) !== 0,
        height: n & 0x10 ? 2 : 1,
        width: n & 0x20 ? 2 : 1,
        underline: (n & 0x80) !== 0,
      });
      break;
    case 0x61: // ESC a n justification
      sink.style({ align: (['left', 'center', 'right'] as const)[n & 3] ?? 'left' });
      break;
    case 0x64: // ESC d n print and feed n lines
      sink.flushLine();
      sink.command(`feed:${n}`, true);
      break;
    case 0x4a: // ESC J n print and feed n dots
      sink.flushLine();
      sink.command(`feed-dots:${n}`, true);
      break;
    case 0x7b: // ESC { n upside down
      sink.command(`upside-down:${n & 1 ? 'on' : 'off'}`);
      break;
  }
  return length;
}

/** ESC * m nL nH d1...dk: k = columns × (1 or 3 bytes, by density m). */
function bitImage(buf: Uint8Array, i: number, sink: DecodeSink): number | undefined {
  if (i + 5 > buf.length) return undefined;
  const columns = at(buf, i + 3) + at(buf, i + 4) * 256;
  const length = 5 + columns * (at(buf, i + 2) <= 1 ? 1 : 3);
  if (i + length > buf.length) return undefined;
  sink.command('image', true);
  return length;
}

/** ESC & y c1 c2 [x d1...d(y × x)] for each character c1..c2. */
function userCharacters(buf: Uint8Array, i: number, sink: DecodeSink): number | undefined {
  if (i + 5 > buf.length) return undefined;
  const y = at(buf, i + 2);
  const count = at(buf, i + 4) - at(buf, i + 3) + 1;
  if (count < 1 || y < 1 || y > 3) {
    sink.command('unknown:1b 26');
    return 2;
  }
  let j = i + 5;
  for (let c = 0; c < count; c++) {
    if (j >= buf.length) return undefined;
    j += 1 + y * at(buf, j);
  }
  if (j > buf.length) return undefined;
  sink.command('user-characters');
  return j - i;
}

const GS_FIXED: Record<number, number> = {
  58: 2, // GS : macro definition start/end
  72: 3, // GS H HRI position
  102: 3, // GS f HRI font
  104: 3, // GS h barcode height
  119: 3, // GS w barcode module width
  97: 3, // GS a automatic status back
  114: 3, // GS r transmit status
  73: 3, // GS I transmit printer ID
  98: 3, // GS b smoothing
  69: 3, // GS E head control
  84: 3, // GS T set print position to the beginning of line
  106: 3, // GS j automatic status back for ink
  47: 3, // GS / print downloaded bit image
  76: 4, // GS L left margin
  87: 4, // GS W print area width
  80: 4, // GS P motion units
  36: 4, // GS $ absolute vertical position (page mode)
  92: 4, // GS \ relative vertical position (page mode)
  94: 5, // GS ^ execute macro
};

function gs(buf: Uint8Array, i: number, sink: DecodeSink): number | undefined {
  if (i + 2 > buf.length) return undefined;
  const cmd = at(buf, i + 1);
  switch (cmd) {
    case 0x56: // GS V m [n] cut
      return cut(buf, i, sink);
    case 0x28: // GS ( fn pL pH ...
      return extended(buf, i, sink);
    case 0x6b: // GS k barcode
      return barcode(buf, i, sink);
    case 0x76: // GS v 0 m xL xH yL yH raster image
      return raster(buf, i, sink);
    case 0x38: // GS 8 L p1 p2 p3 p4: graphics with a 32-bit length
      return graphics32(buf, i, sink);
    case 0x2a: {
      // GS * x y d1...d(x × y × 8): define downloaded bit image
      if (i + 4 > buf.length) return undefined;
      const length = 4 + at(buf, i + 2) * at(buf, i + 3) * 8;
      return i + length > buf.length ? undefined : length;
    }
  }
  if (cmd === 0x21 || cmd === 0x42) {
    if (i + 3 > buf.length) return undefined;
    const n = at(buf, i + 2);
    if (cmd === 0x21) sink.style({ width: ((n >> 4) & 7) + 1, height: (n & 7) + 1 });
    else sink.style({ invert: (n & 1) === 1 });
    return 3;
  }
  const fixed = GS_FIXED[cmd];
  if (fixed === undefined) {
    sink.command(`unknown:1d ${hex(cmd)}`);
    return 2;
  }
  if (i + fixed > buf.length) return undefined;
  if (cmd === 0x72 || cmd === 0x49) sink.command(`status:gs-${String.fromCharCode(cmd)}`);
  return fixed;
}

function cut(buf: Uint8Array, i: number, sink: DecodeSink): number | undefined {
  if (i + 3 > buf.length) return undefined;
  const m = at(buf, i + 2);
  const withFeed = [65, 66, 97, 98, 103, 104].includes(m);
  if (!withFeed && ![0, 1, 48, 49].includes(m)) {
    sink.command('unknown:1d 56');
    return 3;
  }
  const length = withFeed ? 4 : 3;
  if (i + length > buf.length) return undefined;
  sink.cut([1, 49, 66, 98, 104].includes(m));
  return length;
}

/** GS ( fn pL pH: functions with a 16-bit parameter length; GS ( k holds 2D codes. */
function extended(buf: Uint8Array, i: number, sink: DecodeSink): number | undefined {
  if (i + 5 > buf.length) return undefined;
  const fn = at(buf, i + 2);
  const length = 5 + at(buf, i + 3) + at(buf, i + 4) * 256;
  if (i + length > buf.length) return undefined;
  if (fn !== 0x6b || length < 8) {
    sink.command(`gs-(:${String.fromCharCode(fn)}`);
    return length;
  }
  const kind = ({ 48: 'pdf417', 49: 'qr' } as const)[at(buf, i + 5)];
  const fnCode = at(buf, i + 6);
  if (kind && fnCode === 0x50) sink.storeCode(kind, latin1(buf, i + 8, i + length));
  else if (kind && fnCode === 0x51) sink.printCode(kind);
  return length;
}

function barcode(buf: Uint8Array, i: number, sink: DecodeSink): number | undefined {
  if (i + 3 > buf.length) return undefined;
  const m = at(buf, i + 2);
  if (m <= 6) {
    // GS k m d1...dk NUL
    const end = indexOfWithin(buf, 0x00, i + 3, 256);
    if (end < 0) return buf.length - i - 3 >= 256 ? 3 : undefined;
    sink.storeCode('barcode', latin1(buf, i + 3, end));
    sink.printCode('barcode');
    return end - i + 1;
  }
  if (m < 65 || m > 79) {
    sink.command('unknown:1d 6b');
    return 3;
  }
  // GS k m n d1...dn; CODE128 data starts with a code set selector such as "{B".
  if (i + 4 > buf.length) return undefined;
  const length = 4 + at(buf, i + 3);
  if (i + length > buf.length) return undefined;
  const data = latin1(buf, i + 4, i + length);
  sink.storeCode('barcode', m === 73 ? data.replace(/^\{[ABC]/, '') : data);
  sink.printCode('barcode');
  return length;
}

function raster(buf: Uint8Array, i: number, sink: DecodeSink): number | undefined {
  if (i + 3 > buf.length) return undefined;
  if (at(buf, i + 2) !== 0x30) {
    sink.command('unknown:1d 76');
    return 3;
  }
  if (i + 8 > buf.length) return undefined;
  const bytesPerRow = at(buf, i + 4) + at(buf, i + 5) * 256;
  const rows = at(buf, i + 6) + at(buf, i + 7) * 256;
  const length = 8 + bytesPerRow * rows;
  if (length > MAX_COMMAND_BYTES) {
    sink.command('unknown:1d 76');
    return 3;
  }
  if (i + length > buf.length) return undefined;
  sink.command('image', true);
  return length;
}

function graphics32(buf: Uint8Array, i: number, sink: DecodeSink): number | undefined {
  if (i + 3 > buf.length) return undefined;
  if (at(buf, i + 2) !== 0x4c) {
    sink.command('unknown:1d 38');
    return 3;
  }
  if (i + 7 > buf.length) return undefined;
  const size =
    at(buf, i + 3) + at(buf, i + 4) * 0x100 + at(buf, i + 5) * 0x10000 + at(buf, i + 6) * 0x1000000;
  if (size > MAX_COMMAND_BYTES) {
    sink.command('unknown:1d 38');
    return 3;
  }
  if (i + 7 + size > buf.length) return undefined;
  sink.command('graphics');
  return 7 + size;
}

const FS_FIXED: Record<number, number> = {
  38: 2, // FS & Kanji mode on
  46: 2, // FS . Kanji mode off
  33: 3, // FS ! Kanji print mode
  45: 3, // FS - Kanji underline
  67: 3, // FS C Kanji code system
  87: 3, // FS W Kanji quadruple size
  83: 4, // FS S Kanji spacing
  112: 4, // FS p n m print NV bit image
};

function fs(buf: Uint8Array, i: number, sink: DecodeSink): number | undefined {
  if (i + 2 > buf.length) return undefined;
  const cmd = at(buf, i + 1);
  const length = FS_FIXED[cmd] ?? 2;
  if (i + length > buf.length) return undefined;
  if (cmd === 0x70) sink.command('image', true);
  else if (FS_FIXED[cmd] === undefined) sink.command(`unknown:1c ${hex(cmd)}`);
  return length;
}
