import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { leftRight, wrap, wrapIndented } from './text.js';

describe('wrap', () => {
  it('breaks between words', () => {
    expect(wrap('Slow-roasted heritage pork belly with apple', 16)).toEqual([
      'Slow-roasted',
      'heritage pork',
      'belly with apple',
    ]);
  });

  it('cuts only a word longer than the line', () => {
    expect(wrap('a Donaudampfschifffahrtsgesellschaft b', 10)).toEqual([
      'a',
      'Donaudampf',
      'schifffahr',
      'tsgesellsc',
      'haft b',
    ]);
  });

  it('never returns a line wider than asked, and loses no words', () => {
    fc.assert(
      fc.property(
        fc.array(fc.stringMatching(/^[a-zé]{1,30}$/), { maxLength: 20 }),
        fc.integer({ min: 4, max: 48 }),
        (words, width) => {
          const lines = wrap(words.join(' '), width);
          for (const line of lines) expect(line.length).toBeLessThanOrEqual(width);
          expect(lines.join('').replaceAll(' ', '')).toBe(words.join(''));
          // A word that fits on a line is never split.
          for (const word of words.filter((w) => w.length <= width)) {
            expect(lines.some((line) => line.split(' ').includes(word))).toBe(true);
          }
        },
      ),
    );
  });

  it('indents continuation lines', () => {
    expect(wrapIndented('one two three four', 12, 0, 4)).toEqual([
      'one two',
      '    three',
      '    four',
    ]);
  });
});

describe('leftRight', () => {
  it('puts the value flush right and wraps the label before it', () => {
    const lines = leftRight('1 x Slow-roasted heritage pork belly', '$24.50', 32, 0, 4);
    expect(lines).toEqual(['1 x Slow-roasted heritage $24.50', '    pork belly']);
    for (const line of lines) expect(line.length).toBeLessThanOrEqual(32);
  });

  it('gives a value too wide for the line a line of its own', () => {
    expect(leftRight('Total', 'x'.repeat(40), 32)).toEqual(['Total', 'x'.repeat(32)]);
  });
});
