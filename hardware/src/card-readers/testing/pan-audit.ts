import { Writable } from 'node:stream';
import { TEST_CARD_NUMBERS } from '../test-cards.js';

// Test support: collects everything a test run produced (results, log lines, HTTP bodies) and
// looks for card numbers in it. A leak is the full test number, or the number without its last
// four digits (the part a receipt or a log may never show), with or without spaces and dashes.

export function panFragments(pan: string): string[] {
  return [pan, pan.slice(0, -4)];
}

export class PanAudit {
  private readonly entries: string[] = [];

  constructor(private readonly pans: readonly string[] = TEST_CARD_NUMBERS) {}

  /** Record a value as text (strings as they are, anything else as JSON). */
  record<T>(value: T): T {
    this.entries.push(typeof value === 'string' ? value : JSON.stringify(value));
    return value;
  }

  /** A writable stream for a logger's destination: every line is recorded. */
  stream(): Writable {
    return new Writable({
      write: (chunk: Buffer | string, _encoding, done) => {
        for (const line of chunk.toString().split('\n')) if (line !== '') this.entries.push(line);
        done();
      },
    });
  }

  get size(): number {
    return this.entries.length;
  }

  /** Where a test number shows up, described without repeating the number. */
  leaks(): string[] {
    const found: string[] = [];
    this.entries.forEach((entry, index) => {
      const squeezed = entry.replace(/(?<=\d)[\s-]+(?=\d)/g, '');
      for (const pan of this.pans) {
        for (const fragment of panFragments(pan)) {
          if (entry.includes(fragment) || squeezed.includes(fragment)) {
            found.push(`entry ${index} holds digits of the test card ending ${pan.slice(-4)}`);
          }
        }
      }
    });
    return found;
  }
}

/** True when the bytes, read as text, contain a fragment of the number. */
export function bytesHoldPan(bytes: Uint8Array, pan: string): boolean {
  const buf = Buffer.from(bytes);
  const views = [buf.toString('latin1'), buf.toString('utf8'), buf.toString('utf16le')];
  return panFragments(pan).some((fragment) => views.some((v) => v.includes(fragment)));
}
