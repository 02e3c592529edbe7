import { describe, expect, it } from 'vitest';
import { demoPrintingConfig, PrintingConfig, routeToPrinters } from './printer-config.js';

describe('printing configuration', () => {
  it('accepts the demo store and fills defaults', () => {
    const config = demoPrintingConfig();
    expect(config.printers[0]).toMatchObject({ commandSet: 'epson', codePage: 'PC858', width: 42 });
  });

  it('names every inconsistency', () => {
    const result = PrintingConfig.safeParse({
      printers: [
        { id: 'a', name: 'A', connection: { type: 'tcp', host: 'x' }, backupPrinterId: 'a' },
        { id: 'a', name: 'A2', connection: { type: 'serial', path: '/dev/ttyS0' } },
      ],
      receiptPrinterId: 'nope',
      stations: [
        { stationId: 'grill', printerId: 'ghost' },
        { stationId: 'bar', kds: false },
      ],
      store: { name: 'S' },
    });
    expect(result.success).toBe(false);
    const paths = result.error?.issues.map((i) => i.path.join('.')).sort();
    expect(paths).toEqual(
      [
        'printers.0.backupPrinterId',
        'printers.1.id',
        'receiptPrinterId',
        'stations.0.printerId',
        'stations.1',
      ].sort(),
    );
  });

  it('refuses a paper width a printer does not have', () => {
    const config = { ...demoPrintingConfig() };
    const printers = [{ ...config.printers[0], width: 40 }];
    const result = PrintingConfig.safeParse({
      ...config,
      printers,
      stations: [],
      receiptPrinterId: 'receipt',
    });
    expect(result.error?.issues.map((i) => i.path.join('.'))).toEqual(['printers.0.width']);
  });

  it('routes lines to their station printers and unknown stations to the receipt printer', () => {
    const lines = [
      { id: 1, stationId: 'grill' },
      { id: 2, stationId: 'bar' },
      { id: 3, stationId: 'cold' },
      { id: 4, stationId: 'smoker' },
      { id: 5, stationId: 'fryer' },
    ];
    const routed = routeToPrinters(demoPrintingConfig(), lines);
    expect(Object.fromEntries([...routed].map(([p, ls]) => [p, ls.map((l) => l.id)]))).toEqual({
      kitchen: [1, 3, 5],
      receipt: [4],
    });
  });
});
