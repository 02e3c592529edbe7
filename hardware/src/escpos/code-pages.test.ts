import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  CODE_PAGE_NAMES,
  type CodePageName,
  type CommandSet,
  codePageFor,
  encodePrintable,
  toPrintable,
} from './code-pages.js';
import { decodeEscPos } from './decoder.js';
import { EscPosDocument } from './document.js';

const WORDS = 'café crème brûlée jalapeño Zoë Müller à bientôt';
const COMMAND_SETS: CommandSet[] = ['epson', 'star'];

function roundTrip(text: string, codePage: CodePageName, commandSet: CommandSet): string {
  const doc = new EscPosDocument({ commandSet, width: 48, codePage }).line(text);
  return decodeEscPos(doc.toBuffer(), { emulation: commandSet }).lines[0] ?? '';
}

describe('code pages', () => {
  it.each(CODE_PAGE_NAMES.flatMap((cp) => COMMAND_SETS.map((cs) => [cp, cs] as const)))(
    '%s on %s selects a table the decoder reads back',
    (codePage, commandSet) => {
      const { table } = codePageFor(codePage, commandSet);
      const doc = new EscPosDocument({ commandSet, width: 32, codePage }).toBuffer();
      const select = commandSet === 'epson' ? [0x1b, 0x74, table] : [0x1b, 0x1d, 0x74, table];
      expect([...doc]).toEqual([0x1b, 0x40, ...select]);
      expect(decodeEscPos(doc, { emulation: commandSet }).commands).toEqual([
        'init',
        `codepage:${table}`,
      ]);
    },
  );

  it.each(
    (['PC437', 'PC850', 'PC858', 'WPC1252'] as const).flatMap((cp) =>
      COMMAND_SETS.map((cs) => [cp, cs] as const),
    ),
  )('accented Latin text round-trips in %s on %s', (codePage, commandSet) => {
    expect(roundTrip(WORDS, codePage, commandSet)).toBe(WORDS);
  });

  it('prints € where the table has it and EUR where it does not', () => {
    expect(roundTrip('Total €12.50', 'PC858', 'epson')).toBe('Total €12.50');
    expect(roundTrip('Total €12.50', 'WPC1252', 'star')).toBe('Total €12.50');
    expect(roundTrip('Total €12.50', 'PC437', 'epson')).toBe('Total EUR12.50');
    expect(roundTrip('Total €12.50', 'PC850', 'epson')).toBe('Total EUR12.50');
    // Star has no CP850 table; PC850 is printed in 858, which has the euro.
    expect(roundTrip('Total €12.50', 'PC850', 'star')).toBe('Total €12.50');
  });

  it('falls back to ASCII for characters the table lacks', () => {
    expect(toPrintable('Łódź pierogi', 'cp437')).toBe('Lódz pierogi');
    expect(toPrintable('“Smørrebrød” – ½ portion…', 'cp437')).toBe('"Smorrebrod" - ½ portion...');
    expect(toPrintable('Smørrebrød', 'cp850')).toBe('Smørrebrød');
    expect(toPrintable('Ăn phở', 'cp1252')).toBe('An pho');
    expect(toPrintable('寿司 🍣 bowl', 'cp858')).toBe('?? ? bowl');
    expect(toPrintable('cafe\u0301', 'cp437')).toBe('café');
  });

  it('drops control characters so text cannot carry printer commands', () => {
    expect(toPrintable('Burger\x1b@\x1dV\x00\x10\x04\x01 deluxe\u200b', 'cp437')).toBe(
      'Burger@V deluxe',
    );
    expect(toPrintable('tab\there\u00a0nbsp', 'cp437')).toBe('tab here nbsp');
  });

  it('never throws and yields one byte per column for any text', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), fc.constantFrom(...CODE_PAGE_NAMES), (s, cp) => {
        const { encoding } = codePageFor(cp, 'epson');
        const printable = toPrintable(s, encoding);
        const bytes = encodePrintable(printable, encoding);
        expect(bytes.length).toBe(printable.length);
        expect(bytes.every((b) => b >= 0x20 && b !== 0x7f)).toBe(true);
      }),
    );
  });
});
