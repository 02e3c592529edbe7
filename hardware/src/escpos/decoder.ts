import {
  type CodePageName,
  type CommandSet,
  codePageFor,
  decodeTable,
  encodingForTable,
} from './code-pages.js';
import { tokenizeEpson } from './decode-epson.js';
import { tokenizeStar } from './decode-star.js';

export interface DecodedLine {
  text: string;
  /** Columns the line takes on paper: double-width characters count twice. */
  columns: number;
  bold: boolean;
  underline: boolean;
  invert: boolean;
  /** Largest character magnification used on the line. */
  width: number;
  height: number;
  align: 'left' | 'center' | 'right';
}

export interface DecodedCode {
  kind: 'qr' | 'barcode' | 'pdf417';
  data: string;
}

export interface DecodedDocument {
  lines: string[];
  text: string;
  lineInfo: DecodedLine[];
  /** Commands in order: 'init', 'codepage:19', 'bold:on', 'size:2x2', 'qr', 'cut', ... */
  commands: string[];
  codes: DecodedCode[];
}

export interface DecoderOptions {
  /** Which printer language to read; the two disagree on ESC d, ESC E and more. */
  emulation?: CommandSet;
  /** The printer's power-on code page (what ESC @ returns to). Default PC437. */
  codePage?: CodePageName;
}

/** What one command meant for whoever is driving the stream (the virtual printer). */
export interface DecodeStep {
  length: number;
  cut?: boolean;
  statusRequest?: number;
  /** Put something on paper or moved hardware (text, feed, cut, code, drawer). */
  printable?: boolean;
}

/** The callbacks a tokenizer drives; it only calls them once a command is complete. */
export interface DecodeSink {
  command(name: string, printable?: boolean): void;
  char(byte: number): void;
  newline(): void;
  /** End the current line if it has text (print-and-feed commands). */
  flushLine(): void;
  init(): void;
  codePage(table: number): void;
  style(change: Partial<Style>): void;
  cut(partial: boolean): void;
  statusRequest(n: number): void;
  storeCode(kind: DecodedCode['kind'], data: string): void;
  printCode(kind: DecodedCode['kind']): void;
}

export interface Style {
  bold: boolean;
  underline: boolean;
  invert: boolean;
  width: number;
  height: number;
  align: DecodedLine['align'];
}

/** A tokenizer returns the command's length, or undefined when the buffer ends inside it. */
export type Tokenizer = (buf: Uint8Array, i: number, sink: DecodeSink) => number | undefined;

const PLAIN: Style = {
  bold: false,
  underline: false,
  invert: false,
  width: 1,
  height: 1,
  align: 'left',
};

/**
 * Reads ESC/POS (Epson) or Star Line Mode bytes back into text lines and a command list.
 * Streaming: feed it a buffer and an offset, it consumes one command at a time and never
 * throws; an unknown command is skipped and recorded, a truncated one waits for more bytes.
 */
export class EscPosDecoder implements DecodeSink {
  private readonly emulation: CommandSet;
  private readonly defaultEncoding: string;
  private table: readonly string[];
  private current: Style = { ...PLAIN };
  private lineText = '';
  private line: DecodedLine | undefined;
  private lines: DecodedLine[] = [];
  private commands: string[] = [];
  private codes: DecodedCode[] = [];
  private pendingCodes = new Map<DecodedCode['kind'], string>();
  private step: DecodeStep = { length: 0 };
  private readonly tokenize: Tokenizer;

  constructor(options: DecoderOptions = {}) {
    this.emulation = options.emulation ?? 'epson';
    this.defaultEncoding = codePageFor(options.codePage ?? 'PC437', this.emulation).encoding;
    this.table = decodeTable(this.defaultEncoding);
    this.tokenize = this.emulation === 'epson' ? tokenizeEpson : tokenizeStar;
  }

  /**
   * Decode the command at `offset`. Returns undefined when the bytes end inside a command and
   * more may come; with `final` the rest is consumed as a truncated command instead.
   */
  next(buf: Uint8Array, offset: number, final = false): DecodeStep | undefined {
    if (offset >= buf.length) return undefined;
    this.step = { length: 0 };
    let length: number | undefined;
    try {
      length = this.tokenize(buf, offset, this);
    } catch {
      length = 1; // a tokenizer bug must not take the printer down; skip the byte
      this.commands.push('unknown');
    }
    if (length === undefined) {
      if (!final) return undefined;
      this.commands.push('truncated');
      length = buf.length - offset;
    }
    this.step.length = Math.max(1, length);
    return this.step;
  }

  /** The document decoded so far; starts a new one (printer modes carry on, as on paper). */
  takeDocument(): DecodedDocument {
    this.flushLine();
    const lineInfo = this.lines;
    const doc: DecodedDocument = {
      lines: lineInfo.map((l) => l.text),
      text: lineInfo.map((l) => l.text).join('\n'),
      lineInfo,
      commands: this.commands,
      codes: this.codes,
    };
    this.lines = [];
    this.commands = [];
    this.codes = [];
    return doc;
  }

  command(name: string, printable = false): void {
    this.commands.push(name);
    if (printable) this.step.printable = true;
  }

  char(byte: number): void {
    const ch = this.table[byte] ?? '';
    if (ch === '') return;
    const line = this.currentLine();
    this.lineText += ch;
    line.columns += this.current.width;
    line.bold ||= this.current.bold;
    line.underline ||= this.current.underline;
    line.invert ||= this.current.invert;
    line.width = Math.max(line.width, this.current.width);
    line.height = Math.max(line.height, this.current.height);
    this.step.printable = true;
  }

  newline(): void {
    const line = this.currentLine();
    line.text = this.lineText;
    this.lines.push(line);
    this.line = undefined;
    this.lineText = '';
    this.step.printable = true;
  }

  flushLine(): void {
    if (this.lineText !== '') this.newline();
  }

  init(): void {
    this.current = { ...PLAIN };
    this.table = decodeTable(this.defaultEncoding);
    this.commands.push('init');
  }

  codePage(table: number): void {
    const encoding = encodingForTable(this.emulation, table);
    if (encoding) this.table = decodeTable(encoding);
    this.commands.push(encoding ? `codepage:${table}` : `codepage:${table}:unknown`);
  }

  style(change: Partial<Style>): void {
    for (const key of Object.keys(change) as (keyof Style)[]) {
      const value = change[key];
      if (value === undefined || value === this.current[key]) continue;
      if (key === 'width' || key === 'height') continue;
      this.commands.push(`${key}:${value === true ? 'on' : value === false ? 'off' : value}`);
    }
    const sizeChanged =
      (change.width !== undefined && change.width !== this.current.width) ||
      (change.height !== undefined && change.height !== this.current.height);
    this.current = { ...this.current, ...change };
    if (sizeChanged) this.commands.push(`size:${this.current.width}x${this.current.height}`);
  }

  cut(partial: boolean): void {
    this.flushLine();
    this.commands.push(partial ? 'cut:partial' : 'cut');
    this.step.cut = true;
    this.step.printable = true;
  }

  statusRequest(n: number): void {
    this.commands.push(`status:${n}`);
    this.step.statusRequest = n;
  }

  storeCode(kind: DecodedCode['kind'], data: string): void {
    this.pendingCodes.set(kind, data);
  }

  printCode(kind: DecodedCode['kind']): void {
    this.flushLine();
    const data = this.pendingCodes.get(kind) ?? '';
    this.codes.push({ kind, data });
    this.commands.push(kind);
    this.lines.push({ ...this.blankLine(), text: `[${kind.toUpperCase()} ${data}]` });
    this.step.printable = true;
  }

  private currentLine(): DecodedLine {
    this.line ??= this.blankLine();
    return this.line;
  }

  private blankLine(): DecodedLine {
    return {
      text: '',
      columns: 0,
      bold: false,
      underline: false,
      invert: false,
      width: 1,
      height: 1,
      align: this.current.align,
    };
  }
}

/** Decode a whole buffer (one or more jobs) into one document. */
export function decodeEscPos(bytes: Uint8Array, options: DecoderOptions = {}): DecodedDocument {
  const decoder = new EscPosDecoder(options);
  let offset = 0;
  while (offset < bytes.length) {
    const step = decoder.next(bytes, offset, true);
    if (!step) break;
    offset += step.length;
  }
  return decoder.takeDocument();
}
