import { cents } from '@pos/contracts';
import { describe, expect, it } from 'vitest';
import type { CommandSet } from './code-pages.js';
import { type DecodedDocument, decodeEscPos } from './decoder.js';
import { type LayoutOptions, PAPER_COLUMNS } from './document.js';
import { buildKitchenTicket } from './kitchen-ticket.js';
import { buildReceipt } from './receipt.js';
import {
  LONG_ITEM_NAME,
  sampleKitchenTicket,
  sampleReceipt,
  sampleShiftReport,
} from './sample-documents.js';
import { buildShiftReport } from './shift-report.js';

const COMMAND_SETS: CommandSet[] = ['epson', 'star'];
const CASES = COMMAND_SETS.flatMap((commandSet) =>
  PAPER_COLUMNS.map((width) => ({ commandSet, width })),
);

function options(commandSet: CommandSet, width: LayoutOptions['width']): LayoutOptions {
  return { commandSet, width, codePage: 'PC858', timeZone: 'UTC' };
}

const LAYOUTS = {
  receipt: (o: LayoutOptions) => buildReceipt(sampleReceipt(), o),
  'kitchen ticket': (o: LayoutOptions) => buildKitchenTicket(sampleKitchenTicket(), o),
  'shift report': (o: LayoutOptions) => buildShiftReport(sampleShiftReport(), o),
};

/** Start (init, code page) and end (feed, cut, re-init) bytes of each command set. */
const FRAME = {
  epson: { start: '1b401b7413', end: '1b64041d56001b40' },
  star: { start: '1b401b1d7404', end: '0b1b64021b40' },
};

function decode(bytes: Buffer, commandSet: CommandSet): DecodedDocument {
  return decodeEscPos(bytes, { emulation: commandSet });
}

describe.each(Object.entries(LAYOUTS))('%s', (_name, build) => {
  it.each(CASES)(
    '$commandSet at $width columns: init, code page, cut, within width',
    ({ commandSet, width }) => {
      const bytes = build(options(commandSet, width));
      const hex = bytes.toString('hex');
      expect(hex.startsWith(FRAME[commandSet].start)).toBe(true);
      expect(hex.endsWith(FRAME[commandSet].end)).toBe(true);
      const doc = decode(bytes, commandSet);
      expect(doc.commands.slice(0, 2)).toEqual([
        'init',
        commandSet === 'epson' ? 'codepage:19' : 'codepage:4',
      ]);
      expect(doc.commands.filter((c) => c === 'cut')).toHaveLength(1);
      for (const line of doc.lineInfo) expect(line.columns).toBeLessThanOrEqual(width);
    },
  );
});

describe('receipt', () => {
  it.each(CASES)(
    '$commandSet at $width columns holds everything the customer needs',
    ({ commandSet, width }) => {
      const doc = decode(buildReceipt(sampleReceipt(), options(commandSet, width)), commandSet);
      const text = doc.text;
      for (const expected of [
        'Harbour Street Kitchen',
        'Order #1042',
        '2026-01-14 10:30',
        'Cashier: Zoë Müller',
        'Dine in - Table T4',
        'Café au lait (Large)',
        '+ Oat milk',
        '+€0.50',
        'Crème brûlée',
        '-€1.50',
        'Jalapeño poppers',
        'Subtotal',
        'VAT 20%',
        '€46.00',
        'Tendered',
        'Change',
        'Visa **** 4242',
        'Tip:   ____',
        'Total: ____',
        'Merci et à bientôt!',
      ]) {
        expect(text).toContain(expected);
      }
      expect(doc.codes).toEqual([{ kind: 'qr', data: sampleReceipt().orderId }]);
      const name = doc.lineInfo.find((l) => l.text.includes('Harbour Street'));
      expect(name).toMatchObject({ bold: true, align: 'center', height: 2 });
      const total = doc.lineInfo.find((l) => l.text.startsWith('TOTAL'));
      expect(total).toMatchObject({ bold: true, height: 2 });
      expect(total?.text.endsWith('€46.00')).toBe(true);
    },
  );

  it('wraps a long item name between words and keeps its amount on the first line', () => {
    const doc = decode(buildReceipt(sampleReceipt(), options('epson', 32)), 'epson');
    const start = doc.lines.findIndex((l) => l.startsWith('1 x Slow-roasted'));
    const wrapped = doc.lines.slice(start, start + 5);
    expect(wrapped[0]).toMatch(/€24\.50$/);
    const words = wrapped
      .join(' ')
      .replace('€24.50', '')
      .split(' ')
      .filter((w) => w !== '');
    expect(words.join(' ')).toBe(`1 x ${LONG_ITEM_NAME}`);
    expect(wrapped.slice(1).every((l) => l.startsWith('    '))).toBe(true);
  });

  it('prints EUR when the code page has no euro sign', () => {
    const doc = decode(
      buildReceipt(sampleReceipt(), { ...options('epson', 42), codePage: 'PC437' }),
      'epson',
    );
    expect(doc.text).toContain('EUR46.00');
    expect(doc.text).not.toContain('€');
    expect(doc.text).toContain('Crème brûlée');
  });

  it('shows only brand and last four digits of a card', () => {
    const data = sampleReceipt({
      tenders: [
        {
          kind: 'card',
          amountCents: cents(4600),
          card: { brand: 'Visa', last4: '4242424242424242' },
        },
      ],
    });
    const text = decode(buildReceipt(data, options('epson', 48)), 'epson').text;
    expect(text).toContain('Visa **** 4242');
    expect(text).not.toContain('42424242');
  });

  it('falls back to a CODE128 barcode, of the order number when the ID is too long', () => {
    for (const commandSet of COMMAND_SETS) {
      const bytes = buildReceipt(sampleReceipt(), { ...options(commandSet, 48), code: 'code128' });
      const doc = decode(bytes, commandSet);
      expect(doc.commands).not.toContain('qr');
      expect(doc.codes).toEqual([{ kind: 'barcode', data: '1042' }]);
    }
  });

  it('kicks the drawer first when asked', () => {
    const bytes = buildReceipt(sampleReceipt(), { ...options('epson', 48), openDrawer: 2 });
    expect(bytes.subarray(0, 10).toString('hex')).toBe('1b401b74131b700019fa');
    expect(decode(bytes, 'epson').commands.slice(0, 3)).toEqual([
      'init',
      'codepage:19',
      'drawer:pin2',
    ]);
  });
});

describe('kitchen ticket', () => {
  it.each(COMMAND_SETS)(
    '%s: large order number, items grouped by seat, allergies inverted',
    (commandSet) => {
      const doc = decode(
        buildKitchenTicket(sampleKitchenTicket(), options(commandSet, 42)),
        commandSet,
      );
      expect(doc.lineInfo[0]).toMatchObject({ text: '#1042', width: 2, height: 2, bold: true });
      expect(doc.text).toContain('DINE IN - TABLE T4');
      expect(doc.text).toContain('COURSE 1');
      expect(doc.lines.some((l) => l.startsWith('GRILL') && l.endsWith('10:31'))).toBe(true);

      const headers = doc.lines.filter((l) => /^(SEAT \d+|NO SEAT)$/.test(l));
      expect(headers).toEqual(['SEAT 1', 'SEAT 2', 'NO SEAT']);
      const at = (text: string) => doc.lines.findIndex((l) => l.includes(text));
      expect(at('SEAT 1')).toBeLessThan(at('Jalapeño'));
      expect(at('Jalapeño')).toBeLessThan(at('SEAT 2'));
      expect(at('SEAT 2')).toBeLessThan(at('Cheeseburger'));
      expect(at('NO SEAT')).toBeLessThan(at('Slow-roasted'));

      const item = doc.lineInfo.find((l) => l.text.includes('Cheeseburger'));
      expect(item).toMatchObject({ width: 2, height: 2 });
      expect(doc.text).toContain('   - Medium rare');
      const allergy = doc.lineInfo.find((l) => l.text === '!! ALLERGY: nuts');
      expect(allergy).toMatchObject({ invert: true, bold: true });
      expect(doc.text).toContain('NOTE: Birthday');
    },
  );

  it('heads modification tickets ADD-ON or VOID and marks voided items', () => {
    const addOn = decode(
      buildKitchenTicket(sampleKitchenTicket({ kind: 'add-on' }), options('epson', 48)),
      'epson',
    );
    expect(addOn.lineInfo[0]).toMatchObject({ text: ' ADD-ON ', invert: true, width: 2 });

    const voided = decode(
      buildKitchenTicket(sampleKitchenTicket({ kind: 'void' }), options('star', 32)),
      'star',
    );
    expect(voided.lineInfo[0]).toMatchObject({ text: ' VOID ', invert: true });
    const items = voided.lineInfo.slice(1).filter((l) => l.width === 2 && l.text !== '#1042');
    expect(items.length).toBeGreaterThan(3);
    const firsts = items.filter((l) => l.text.startsWith('VOID ')).map((l) => l.text.slice(0, 8));
    expect(firsts).toEqual(['VOID 2 x', 'VOID 1 x', 'VOID 1 x']);
    expect(items.every((l) => l.invert)).toBe(true);
  });

  it('prints no seat headers when no item has a seat', () => {
    const data = sampleKitchenTicket();
    const items = data.items.map((item) => ({ ...item, seat: null }));
    const doc = decode(buildKitchenTicket({ ...data, items }, options('epson', 42)), 'epson');
    expect(doc.lines.some((l) => /SEAT/.test(l) && !l.startsWith('NOTE'))).toBe(false);
  });
});

describe('shift report', () => {
  it.each(['X', 'Z'] as const)('%s report', (kind) => {
    const doc = decode(
      buildShiftReport(sampleShiftReport({ kind }), options('epson', 42)),
      'epson',
    );
    expect(doc.lineInfo[0]).toMatchObject({ text: `${kind} REPORT`, width: 2, height: 2 });
    for (const expected of [
      'Business date',
      '2026-01-14',
      'Crêpes & desserts',
      'Card (92)',
      'Alcohol 10.25%',
      'Jess López',
      'Total tips',
      '$210.50',
      'Voids (3)',
      'Refunds (1)',
      'Discounts (7)',
      'Orders',
    ]) {
      expect(doc.text).toContain(expected);
    }
    expect(doc.lines.find((l) => l.startsWith('Difference'))).toMatch(/-\$1\.50$/);
    expect(doc.text.includes('Z #118')).toBe(kind === 'Z');
  });

  it('says when the drawer has not been counted', () => {
    const data = sampleShiftReport({ kind: 'X' });
    const report = { ...data, cashDrawer: { ...data.cashDrawer, countedCents: undefined } };
    const doc = decode(buildShiftReport(report, options('star', 32)), 'star');
    expect(doc.lines.find((l) => l.startsWith('Counted'))).toMatch(/not counted$/);
    expect(doc.text).not.toContain('Difference');
  });
});
