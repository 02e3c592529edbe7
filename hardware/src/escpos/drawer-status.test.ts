import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeEscPos } from './decoder.js';
import {
  drawerKickBytes,
  isStatusByte,
  type PrinterStatus,
  parseStatusReply,
  STATUS_KINDS,
  statusByte,
  statusRequestBytes,
} from './drawer-status.js';

const hex = (b: Buffer) => b.toString('hex').toUpperCase().match(/../g)?.join(' ');

describe('drawer kick', () => {
  it('Epson: ESC p m t1 t2 with a 50 ms pulse and 500 ms pause', () => {
    expect(hex(drawerKickBytes({ commandSet: 'epson', pin: 2 }))).toBe('1B 70 00 19 FA');
    expect(hex(drawerKickBytes({ commandSet: 'epson', pin: 5 }))).toBe('1B 70 01 19 FA');
    expect(hex(drawerKickBytes({ commandSet: 'epson', pin: 2, onMs: 100, offMs: 20 }))).toBe(
      '1B 70 00 32 32',
    );
  });

  it('Star: ESC BEL n1 n2 BEL for device 1, SUB for device 2', () => {
    expect(hex(drawerKickBytes({ commandSet: 'star', pin: 2 }))).toBe('1B 07 05 32 07');
    expect(hex(drawerKickBytes({ commandSet: 'star', pin: 5 }))).toBe('1A');
  });

  it.each([
    ['epson', 2],
    ['epson', 5],
    ['star', 2],
    ['star', 5],
  ] as const)('%s pin %i decodes as a drawer command', (commandSet, pin) => {
    const doc = decodeEscPos(drawerKickBytes({ commandSet, pin }), { emulation: commandSet });
    expect(doc.commands).toEqual([`drawer:pin${pin}`]);
  });
});

describe('status', () => {
  const ONLINE: PrinterStatus = {
    online: true,
    coverOpen: false,
    paperOut: false,
    paperNearEnd: false,
    error: false,
  };

  it('asks with DLE EOT 1..4', () => {
    expect(hex(statusRequestBytes())).toBe('10 04 01 10 04 02 10 04 03 10 04 04');
    expect(decodeEscPos(statusRequestBytes()).commands).toEqual([
      'status:1',
      'status:2',
      'status:3',
      'status:4',
    ]);
  });

  it('reads a healthy printer', () => {
    expect(parseStatusReply(Buffer.from([0x12, 0x12, 0x12, 0x12]))).toEqual({
      ok: true,
      status: ONLINE,
    });
  });

  it('reads paper end, near end, cover open and errors from the Epson bits', () => {
    // Offline, stopped at paper end, both paper sensors tripped.
    expect(parseStatusReply(Buffer.from([0x1a, 0x32, 0x12, 0x7e]))).toEqual({
      ok: true,
      status: { ...ONLINE, online: false, paperOut: true, paperNearEnd: true },
    });
    expect(parseStatusReply(Buffer.from([0x12, 0x12, 0x12, 0x1e]))).toEqual({
      ok: true,
      status: { ...ONLINE, paperNearEnd: true },
    });
    expect(parseStatusReply(Buffer.from([0x1a, 0x16, 0x12, 0x12]))).toEqual({
      ok: true,
      status: { ...ONLINE, online: false, coverOpen: true },
    });
    expect(parseStatusReply(Buffer.from([0x1a, 0x52, 0x1a, 0x12]))).toMatchObject({
      ok: true,
      status: { online: false, error: true },
    });
  });

  it('rejects replies that are not DLE EOT status bytes', () => {
    expect(parseStatusReply(Buffer.from([0x12, 0x12, 0x12]))).toMatchObject({
      ok: false,
      reason: 'wrong-length',
    });
    expect(parseStatusReply(Buffer.from('OK\r\n'))).toMatchObject({
      ok: false,
      reason: 'not-a-status-byte',
    });
    expect(parseStatusReply(Buffer.from([0x12, 0x12, 0x93, 0x12]))).toMatchObject({
      ok: false,
      reason: 'not-a-status-byte',
    });
    expect(parseStatusReply(Buffer.alloc(0))).toMatchObject({ ok: false });
  });

  it('accepts exactly the bytes with the fixed bit pattern', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 0, maxLength: 6 }), (bytes) => {
        const result = parseStatusReply(bytes);
        const valid = bytes.length === 4 && [...bytes].every((b) => (b & 0x93) === 0x12);
        expect(result.ok).toBe(valid);
      }),
    );
  });

  it('round-trips every status through the bytes a printer would send', () => {
    fc.assert(
      fc.property(
        fc.record({
          online: fc.boolean(),
          coverOpen: fc.boolean(),
          paperOut: fc.boolean(),
          paperNearEnd: fc.boolean(),
          error: fc.boolean(),
        }),
        (status) => {
          const reply = Buffer.from(STATUS_KINDS.map((n) => statusByte(n, status)));
          expect([...reply].every(isStatusByte)).toBe(true);
          // Out of paper implies the near-end sensor is tripped too.
          const expected = { ...status, paperNearEnd: status.paperNearEnd || status.paperOut };
          expect(parseStatusReply(reply)).toEqual({ ok: true, status: expected });
        },
      ),
    );
  });
});
