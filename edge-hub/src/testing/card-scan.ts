import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { TEST_CARD_NUMBERS } from '@pos/hardware';

// PCI hygiene check for tests: no file a hub wrote (its SQLite databases with their WAL files,
// its log) may contain a card number. The numbers looked for are the simulator's test cards,
// which the tests present, in the forms people and devices write them: 4242424242424242,
// 4242 4242 4242 4242, 4242-4242-4242-4242 (Amex: 3782 822463 10005).

function forms(number: string): string[] {
  const groups =
    number.length === 15
      ? [number.slice(0, 4), number.slice(4, 10), number.slice(10)]
      : (number.match(/.{1,4}/g) ?? [number]);
  return [number, groups.join(' '), groups.join('-')];
}

const NEEDLES = TEST_CARD_NUMBERS.flatMap((n) =>
  forms(n).map((text) => ({ card: n, bytes: Buffer.from(text, 'latin1') })),
);

export interface CardNumberHit {
  file: string;
  /** The last four digits of the card found (never the number itself). */
  last4: string;
}

/** Every file under `dir` (recursively) holding one of the test card numbers. */
export function findCardNumbers(dir: string): CardNumberHit[] {
  const hits: CardNumberHit[] = [];
  const walk = (path: string) => {
    for (const name of readdirSync(path)) {
      const full = join(path, name);
      const stat = statSync(full);
      if (stat.isDirectory()) {
        walk(full);
        continue;
      }
      const content = readFileSync(full);
      for (const needle of NEEDLES) {
        if (content.includes(needle.bytes)) {
          hits.push({ file: full, last4: needle.card.slice(-4) });
        }
      }
    }
  };
  walk(dir);
  return hits;
}

/** Total bytes scanned under `dir`, so a test can show the scan looked at something. */
export function scannedBytes(dir: string): number {
  let total = 0;
  const walk = (path: string) => {
    for (const name of readdirSync(path)) {
      const full = join(path, name);
      const stat = statSync(full);
      if (stat.isDirectory()) walk(full);
      else total += stat.size;
    }
  };
  walk(dir);
  return total;
}
