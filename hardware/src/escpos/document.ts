import { PrinterTypes, ThermalPrinter } from 'node-thermal-printer';
import {
  type CodePageName,
  type CommandSet,
  codePageFor,
  encodePrintable,
  toPrintable,
} from './code-pages.js';
import { drawerKickBytes } from './drawer-status.js';
import { leftRight, wrapIndented } from './text.js';

export type PaperColumns = 32 | 42 | 48;
export const PAPER_COLUMNS: readonly PaperColumns[] = [32, 42, 48];

/** How a document is printed: which printer language, how wide the paper, which table. */
export interface LayoutOptions {
  commandSet: CommandSet;
  /** Characters per line in the normal font: 32 (58 mm), 42 or 48 (80 mm). */
  width: PaperColumns;
  codePage: CodePageName;
  /** Money and dates; default en-US. */
  locale?: string;
  /** IANA zone the times are printed in; default the process's. */
  timeZone?: string;
}

export type TextSize = 'normal' | 'tall' | 'wide' | 'large';
export type Align = 'left' | 'center' | 'right';

/** Dots across the paper at 12 dots per character (font A, 203 dpi). */
const DOTS_PER_COLUMN = 12;

/**
 * A printer document under construction. node-thermal-printer builds the commands; text goes
 * through our own code page encoder (the library switches code page behind our back when a
 * character is missing, and logs with console). The printer is created without an interface,
 * so it cannot open a connection: we only ever read its buffer.
 */
export class EscPosDocument {
  readonly columns: number;
  readonly commandSet: CommandSet;
  private readonly printer: ThermalPrinter;
  private readonly encoding: string;
  private textSize: TextSize = 'normal';

  constructor(options: Pick<LayoutOptions, 'commandSet' | 'width' | 'codePage'>) {
    this.columns = options.width;
    this.commandSet = options.commandSet;
    this.printer = new ThermalPrinter({
      type: options.commandSet === 'epson' ? PrinterTypes.EPSON : PrinterTypes.STAR,
      interface: '',
      width: options.width,
    });
    const page = codePageFor(options.codePage, options.commandSet);
    this.encoding = page.encoding;
    // ESC @ resets the code table to the power-on default, so the table is selected after it.
    this.raw([0x1b, 0x40]);
    this.raw(
      options.commandSet === 'epson' ? [0x1b, 0x74, page.table] : [0x1b, 0x1d, 0x74, page.table],
    );
  }

  /** Columns available in the current text size (double width halves them). */
  get width(): number {
    return this.textSize === 'wide' || this.textSize === 'large'
      ? Math.floor(this.columns / 2)
      : this.columns;
  }

  /** Text as it will print in this document's code page (one character per column). */
  printable(text: string): string {
    return toPrintable(text, this.encoding);
  }

  raw(bytes: readonly number[] | Buffer): this {
    this.printer.add(Buffer.from(bytes));
    return this;
  }

  /** One line of already-fitted text; longer text is cut, so use the wrapping helpers. */
  line(text = ''): this {
    const printable = this.printable(text).slice(0, this.width);
    if (printable !== '') this.raw(encodePrintable(printable, this.encoding));
    this.printer.newLine();
    return this;
  }

  /** Text wrapped to the current width, with an optional hanging indent. */
  paragraph(text: string, indent = 0, hang = indent): this {
    for (const line of wrapIndented(this.printable(text), this.width, indent, hang)) {
      this.line(line);
    }
    return this;
  }

  /** A label on the left (wrapped) and a value flush right, e.g. an item and its amount. */
  row(left: string, right: string, indent = 0, hang = indent): this {
    const lines = leftRight(this.printable(left), this.printable(right), this.width, indent, hang);
    for (const line of lines) this.line(line);
    return this;
  }

  rule(character = '-'): this {
    return this.line(character.repeat(this.width));
  }

  bold(on: boolean): this {
    this.printer.bold(on);
    return this;
  }

  underline(on: boolean): this {
    this.printer.underline(on);
    return this;
  }

  /** White on black (GS B on Epson, ESC 4 on Star). */
  invert(on: boolean): this {
    this.printer.invert(on);
    return this;
  }

  /** Takes effect from the start of the next line (Epson processes ESC a only there). */
  align(align: Align): this {
    if (align === 'center') this.printer.alignCenter();
    else if (align === 'right') this.printer.alignRight();
    else this.printer.alignLeft();
    return this;
  }

  /**
   * Character size. Epson: GS ! n (width - 1 in the high nibble, height - 1 in the low one),
   * written here because the library's ESC ! also clears emphasis and underline, and its
   * setTextSize swaps the nibbles. Star: ESC i n1 n2 from the library.
   * https://download4.epson.biz/sec_pubs/pos/reference_en/escpos/gs_exclamation.html
   */
  size(size: TextSize): this {
    this.textSize = size;
    if (this.commandSet === 'epson') {
      const wide = size === 'wide' || size === 'large' ? 1 : 0;
      const tall = size === 'tall' || size === 'large' ? 1 : 0;
      return this.raw([0x1d, 0x21, (wide << 4) | tall]);
    }
    if (size === 'tall') this.printer.setTextDoubleHeight();
    else if (size === 'wide') this.printer.setTextDoubleWidth();
    else if (size === 'large') this.printer.setTextQuadArea();
    else this.printer.setTextNormal();
    return this;
  }

  /** Blank lines. */
  feed(lines = 1): this {
    for (let i = 0; i < lines; i++) this.printer.newLine();
    return this;
  }

  /**
   * A QR code, model 2, error correction M. Star: ESC GS y (node-thermal-printer 4.6 leaves
   * out the "ESC GS y D 1" data header for Star, so the bytes are written here).
   */
  qr(data: string, cellSize = 6): this {
    const ascii = asciiOnly(data);
    if (this.commandSet === 'epson') {
      this.printer.printQR(ascii, { model: 2, cellSize, correction: 'M' });
    } else {
      const bytes = Buffer.from(ascii, 'latin1');
      this.raw([0x1b, 0x1d, 0x79, 0x53, 0x30, 0x02]); // model 2
      this.raw([0x1b, 0x1d, 0x79, 0x53, 0x31, 0x01]); // correction M
      this.raw([0x1b, 0x1d, 0x79, 0x53, 0x32, cellSize]);
      this.raw([0x1b, 0x1d, 0x79, 0x44, 0x31, 0x00, bytes.length & 0xff, bytes.length >> 8]);
      this.raw(bytes);
      this.raw([0x1b, 0x1d, 0x79, 0x50]); // print
    }
    this.printer.newLine();
    return this;
  }

  /**
   * A CODE128 barcode (code set B) with the text under it, if it fits across the paper at the
   * narrowest module width; returns false (and prints nothing) when it does not.
   */
  code128(data: string): boolean {
    const value = asciiOnly(data).replace(/[{]/g, '');
    // Start, one symbol per character, check symbol: 11 modules each; stop: 13; quiet zones.
    const modules = (value.length + 2) * 11 + 13 + 20;
    if (value === '' || value.length > 64 || modules * 2 > this.columns * DOTS_PER_COLUMN) {
      return false;
    }
    if (this.commandSet === 'epson') {
      this.printer.printBarcode(value, 73, { hriPos: 2, hriFont: 0, width: 2, height: 80 });
    } else {
      this.printer.code128(value, { text: 2, width: 'SMALL', height: 80 });
    }
    this.printer.newLine();
    return true;
  }

  drawerKick(pin: 2 | 5): this {
    return this.raw(drawerKickBytes({ commandSet: this.commandSet, pin }));
  }

  /** Feed past the cutter and cut (the library re-initialises the printer after the cut). */
  cut(): this {
    this.printer.cut({ verticalTabAmount: 1 });
    return this;
  }

  toBuffer(): Buffer {
    return Buffer.from(this.printer.getBuffer() ?? Buffer.alloc(0));
  }
}

function asciiOnly(text: string): string {
  return text.replace(/[^\x20-\x7e]/g, '');
}
