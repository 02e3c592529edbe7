import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeEscPos, EscPosDecoder } from './decoder.js';
import { EscPosDocument } from './document.js';

const bytes = (...parts: (number[] | string)[]) =>
  Buffer.concat(
    parts.map((p) => (typeof p === 'string' ? Buffer.from(p, 'latin1') : Buffer.from(p))),
  );

describe('Epson decoding', () => {
  it('reads styles, sizes, alignment and text', () => {
    const doc = decodeEscPos(
      bytes(
        [0x1b, 0x40, 0x1b, 0x74, 0x10, 0x1b, 0x61, 0x01, 0x1b, 0x45, 0x01],
        'Caf\xe9',
        [0x0a, 0x1b, 0x21, 0x30],
        'BIG',
        [0x0a, 0x1d, 0x21, 0x00, 0x1b, 0x2d, 0x01, 0x1d, 0x42, 0x01],
        'x',
        [0x1b, 0x64, 0x03, 0x1d, 0x56, 0x41, 0x10],
      ),
    );
    expect(doc.lines).toEqual(['Café', 'BIG', 'x']);
    expect(doc.lineInfo[0]).toMatchObject({ bold: true, align: 'center', columns: 4 });
    // ESC ! 0x30 sets double size and clears emphasis.
    expect(doc.lineInfo[1]).toMatchObject({ bold: false, width: 2, height: 2, columns: 6 });
    expect(doc.lineInfo[2]).toMatchObject({ underline: true, invert: true, width: 1 });
    expect(doc.commands).toEqual([
      'init',
      'codepage:16',
      'align:center',
      'bold:on',
      'bold:off',
      'size:2x2',
      'size:1x1',
      'underline:on',
      'invert:on',
      'feed:3',
      'cut',
    ]);
  });

  it('reads QR and barcode data', () => {
    const doc = new EscPosDocument({ commandSet: 'epson', width: 48, codePage: 'PC437' });
    doc.qr('order-1');
    doc.code128('1042');
    const decoded = decodeEscPos(doc.toBuffer());
    expect(decoded.codes).toEqual([
      { kind: 'qr', data: 'order-1' },
      { kind: 'barcode', data: '1042' },
    ]);
    expect(decoded.commands).toContain('qr');
    expect(decoded.commands).toContain('barcode');
  });

  it('skips images by their length instead of printing them as text', () => {
    const raster = bytes(
      [0x1d, 0x76, 0x30, 0x00, 0x02, 0x00, 0x02, 0x00],
      [0x41, 0x42, 0x43, 0x44],
      'ok',
    );
    expect(decodeEscPos(raster)).toMatchObject({ lines: ['ok'], commands: ['image'] });
  });

  it('waits for the rest of a command split across reads', () => {
    const decoder = new EscPosDecoder();
    const qr = Buffer.from([0x1d, 0x28, 0x6b, 0x06, 0x00, 0x31, 0x50, 0x30, 0x61, 0x62, 0x63]);
    expect(decoder.next(qr.subarray(0, 7), 0)).toBeUndefined();
    expect(decoder.next(qr, 0)?.length).toBe(11);
    expect(decoder.next(qr.subarray(0, 7), 0, true)?.length).toBe(7);
    expect(decoder.takeDocument().commands).toEqual(['truncated']);
  });

  it('records unknown commands and goes on', () => {
    const doc = decodeEscPos(bytes([0x1b, 0x99], 'after', [0x1d, 0xee], '!'));
    expect(doc.lines).toEqual(['after!']);
    expect(doc.commands).toEqual(['unknown:1b 99', 'unknown:1d ee']);
  });
});

describe('Star Line Mode decoding', () => {
  it('reads init, code page, emphasis, size, cut and drawer', () => {
    const doc = decodeEscPos(
      bytes(
        [0x1b, 0x40, 0x1b, 0x1d, 0x74, 0x20, 0x1b, 0x45, 0x1b, 0x69, 0x01, 0x01],
        'Cr\xe8me',
        [0x0a, 0x1b, 0x46, 0x1b, 0x69, 0x00, 0x00, 0x1b, 0x34],
        'NUTS',
        [0x0a, 0x1b, 0x35, 0x07, 0x1a, 0x1b, 0x64, 0x03],
      ),
      { emulation: 'star' },
    );
    expect(doc.lines).toEqual(['Crème', 'NUTS']);
    expect(doc.lineInfo[0]).toMatchObject({ bold: true, width: 2, height: 2 });
    expect(doc.lineInfo[1]).toMatchObject({ bold: false, invert: true });
    expect(doc.commands).toEqual([
      'init',
      'codepage:32',
      'bold:on',
      'size:2x2',
      'bold:off',
      'size:1x1',
      'invert:on',
      'invert:off',
      'drawer:pin2',
      'drawer:pin5',
      'cut:partial',
    ]);
  });

  it('reads a Star QR code', () => {
    const doc = new EscPosDocument({ commandSet: 'star', width: 42, codePage: 'PC858' }).qr('abc');
    expect(decodeEscPos(doc.toBuffer(), { emulation: 'star' }).codes).toEqual([
      { kind: 'qr', data: 'abc' },
    ]);
  });
});

describe('any bytes', () => {
  it.each(['epson', 'star'] as const)('%s: never throws, always advances', (emulation) => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 400 }), (input) => {
        const decoder = new EscPosDecoder({ emulation });
        let offset = 0;
        let steps = 0;
        while (offset < input.length) {
          const step = decoder.next(input, offset, true);
          expect(step?.length).toBeGreaterThan(0);
          offset += step?.length ?? 1;
          steps++;
        }
        expect(offset).toBe(input.length);
        expect(steps).toBeLessThanOrEqual(input.length);
        const doc = decoder.takeDocument();
        const codes = [...doc.lines.join('')].map((ch) => ch.charCodeAt(0));
        expect(codes.every((code) => code >= 0x20)).toBe(true);
      }),
    );
  });
});
