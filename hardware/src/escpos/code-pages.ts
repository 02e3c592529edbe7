import iconv from 'iconv-lite';

/**
 * Character code tables a receipt can be printed in. Thermal printers are single-byte devices:
 * text is sent in the table selected with ESC t n (Epson, "Select character code table") or
 * ESC GS t n (Star Line Mode, "Select code page"); the numbers differ between the two.
 * https://download4.epson.biz/sec_pubs/pos/reference_en/escpos/esc_lt.html
 */
export type CodePageName =
  | 'PC437'
  | 'PC850'
  | 'PC852'
  | 'PC858'
  | 'PC860'
  | 'PC863'
  | 'PC865'
  | 'PC866'
  | 'WPC1250'
  | 'WPC1251'
  | 'WPC1252';

export const CODE_PAGE_NAMES: readonly CodePageName[] = [
  'PC437',
  'PC850',
  'PC852',
  'PC858',
  'PC860',
  'PC863',
  'PC865',
  'PC866',
  'WPC1250',
  'WPC1251',
  'WPC1252',
];

export type CommandSet = 'epson' | 'star';

interface CodePageEntry {
  iconv: string;
  epson: number;
  star: number;
  /**
   * Star Line Mode has no CP850; CP858 is CP850 with € in place of the dotless ı (0xD5), so a
   * Star printer asked for PC850 is switched to 858 and text is encoded for 858.
   */
  starIconv?: string;
}

const CODE_PAGES: Record<CodePageName, CodePageEntry> = {
  PC437: { iconv: 'cp437', epson: 0, star: 1 },
  PC850: { iconv: 'cp850', epson: 2, star: 4, starIconv: 'cp858' },
  PC852: { iconv: 'cp852', epson: 18, star: 5 },
  PC858: { iconv: 'cp858', epson: 19, star: 4 },
  PC860: { iconv: 'cp860', epson: 3, star: 6 },
  PC863: { iconv: 'cp863', epson: 4, star: 8 },
  PC865: { iconv: 'cp865', epson: 5, star: 9 },
  PC866: { iconv: 'cp866', epson: 17, star: 10 },
  WPC1250: { iconv: 'cp1250', epson: 45, star: 33 },
  WPC1251: { iconv: 'cp1251', epson: 46, star: 34 },
  WPC1252: { iconv: 'cp1252', epson: 16, star: 32 },
};

/** Table numbers the decoder understands beyond the ones layouts print in. */
const EXTRA_TABLES: Record<CommandSet, Record<number, string>> = {
  epson: { 40: 'iso-8859-15', 47: 'cp1253', 48: 'cp1254' },
  star: { 0: 'cp437', 3: 'cp437', 7: 'cp861', 11: 'cp855', 12: 'cp857', 15: 'cp737' },
};

export function isCodePageName(value: string): value is CodePageName {
  return (CODE_PAGE_NAMES as readonly string[]).includes(value);
}

/** The table number to select and the encoding to write text in, for one command set. */
export function codePageFor(
  name: CodePageName,
  commandSet: CommandSet,
): { table: number; encoding: string } {
  const entry = CODE_PAGES[name];
  return commandSet === 'epson'
    ? { table: entry.epson, encoding: entry.iconv }
    : { table: entry.star, encoding: entry.starIconv ?? entry.iconv };
}

/** The encoding a printer uses for a table number it received; undefined when unknown. */
export function encodingForTable(commandSet: CommandSet, table: number): string | undefined {
  for (const entry of Object.values(CODE_PAGES)) {
    if (commandSet === 'epson' && entry.epson === table) return entry.iconv;
    if (commandSet === 'star' && entry.star === table) return entry.starIconv ?? entry.iconv;
  }
  return EXTRA_TABLES[commandSet][table];
}

const decodeTables = new Map<string, string[]>();

/** Byte → character for an encoding; control bytes and holes decode to ''. */
export function decodeTable(encoding: string): readonly string[] {
  let table = decodeTables.get(encoding);
  if (!table) {
    const all = iconv.decode(Buffer.from(Array.from({ length: 256 }, (_, i) => i)), encoding);
    table = Array.from(all, (ch, byte) =>
      byte < 0x20 || /[\p{Cc}\p{Cf}\uFFFD]/u.test(ch) ? '' : ch,
    );
    decodeTables.set(encoding, table);
  }
  return table;
}

const encodeTables = new Map<string, Map<string, number>>();

function encodeTable(encoding: string): Map<string, number> {
  let table = encodeTables.get(encoding);
  if (!table) {
    table = new Map();
    decodeTable(encoding).forEach((ch, byte) => {
      if (ch !== '' && table && !table.has(ch)) table.set(ch, byte);
    });
    encodeTables.set(encoding, table);
  }
  return table;
}

/**
 * ASCII stand-ins for characters that have no accent to strip. Used only when the code page
 * lacks the character itself (CP858 and WPC1252 have €; PC437 and PC850 do not).
 */
const ASCII_FALLBACK: Record<string, string> = {
  '€': 'EUR',
  '£': 'GBP',
  '¥': 'JPY',
  '¢': 'c',
  '‘': "'",
  '’': "'",
  '‚': ',',
  '“': '"',
  '”': '"',
  '„': '"',
  '«': '"',
  '»': '"',
  '–': '-',
  '—': '-',
  '−': '-',
  '…': '...',
  '•': '*',
  '·': '.',
  '×': 'x',
  '÷': '/',
  '½': '1/2',
  '¼': '1/4',
  '¾': '3/4',
  '°': 'o',
  '™': 'TM',
  '©': '(C)',
  '®': '(R)',
  ß: 'ss',
  æ: 'ae',
  Æ: 'AE',
  œ: 'oe',
  Œ: 'OE',
  ø: 'o',
  Ø: 'O',
  ł: 'l',
  Ł: 'L',
  đ: 'd',
  Đ: 'D',
  ð: 'd',
  Ð: 'D',
  þ: 'th',
  Þ: 'Th',
  ı: 'i',
};

const SPACES = /[\t\u00A0\u2000-\u200A\u202F\u205F\u3000]/g;

/**
 * Rewrite text so that every character exists in the encoding: kept when the table has it,
 * else an ASCII stand-in (accent stripped, € → EUR), else '?'. Control characters are dropped
 * so that data can never smuggle printer commands. One character of the result is one column.
 */
export function toPrintable(text: string, encoding: string): string {
  const table = encodeTable(encoding);
  let out = '';
  for (const ch of text.normalize('NFC').replace(SPACES, ' ')) {
    out += printableChar(ch, table);
  }
  return out;
}

function printableChar(ch: string, table: Map<string, number>): string {
  const code = ch.codePointAt(0) ?? 0;
  if (code >= 0x20 && code < 0x7f) return ch;
  if (code < 0x20 || (code >= 0x7f && code < 0xa0) || /[\p{Cf}\p{M}]/u.test(ch)) return '';
  if (table.has(ch)) return ch;
  const fallback = ASCII_FALLBACK[ch];
  if (fallback !== undefined) return fallback;
  const stripped = ch.normalize('NFD').replace(/\p{M}/gu, '');
  if (stripped !== ch && stripped.length > 0) {
    return Array.from(stripped, (c) => printableChar(c, table)).join('');
  }
  return '?';
}

/** Bytes for text already passed through toPrintable (anything else becomes '?'). */
export function encodePrintable(text: string, encoding: string): Buffer {
  const table = encodeTable(encoding);
  const bytes: number[] = [];
  for (const ch of text) {
    const code = ch.codePointAt(0) ?? 0x3f;
    bytes.push(code >= 0x20 && code < 0x7f ? code : (table.get(ch) ?? 0x3f));
  }
  return Buffer.from(bytes);
}
