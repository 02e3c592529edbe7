import { describe, expect, it } from 'vitest';
import { printChecks } from './checks.js';
import { parseSoakConfig, RUSH_ORDERS_PER_MIN } from './config.js';
import { metricValue } from './hub-figures.js';
import { inspectorUrl } from './inspector.js';
import { classifyJob, type PrintTally, ticketKey } from './printers.js';
import type { OrderRecord } from './tills.js';

describe('soak settings', () => {
  it('runs 3 minutes at 10× a rush of 4 orders a minute unless told otherwise', () => {
    const c = parseSoakConfig([]);
    expect(RUSH_ORDERS_PER_MIN).toBe(4);
    expect(c.minutes).toBe(3);
    expect(c.ordersPerSec).toBeCloseTo(40 / 60, 9);
    expect(c.sampleSeconds).toBe(5);
  });

  it('takes flags over the environment, and samples a short run more often', () => {
    const c = parseSoakConfig(['--minutes', '0.5', '--rush-multiple=20'], {
      SOAK_MINUTES: '9',
      SOAK_TERMINALS: '6',
    });
    expect(c.minutes).toBe(0.5);
    expect(c.terminals).toBe(6);
    expect(c.ordersPerSec).toBeCloseTo(80 / 60, 9);
    expect(c.sampleSeconds).toBe(1);
  });

  it('refuses unknown flags and values that are not positive numbers', () => {
    expect(() => parseSoakConfig(['--hours', '1'])).toThrow(/unknown argument --hours/);
    expect(() => parseSoakConfig(['--minutes', '-1'])).toThrow(/positive number/);
    expect(() => parseSoakConfig(['--terminals', '2.5'])).toThrow(/whole number/);
    expect(() => parseSoakConfig(['--minutes'])).toThrow(/needs a value/);
  });
});

describe('printed jobs', () => {
  // Lines as the virtual printer decodes the hub's tickets and receipts.
  const kitchen = [
    '#12',
    'DINE IN - TABLE T5',
    'GRILL                                18:48',
    '====',
  ];
  const addOn = [
    ' ADD-ON ',
    '#12',
    'DINE IN - TABLE T5',
    'FRYER                                18:48',
  ];
  const receipt = [
    'Harbour Street Kitchen',
    'Order #12',
    'TOTAL $44.39',
    '[QR 01a24caf-fb89-7003-9e03-7b66106a198a]',
    '',
  ];

  it('tells kitchen tickets, receipts and drawer kicks apart', () => {
    expect(classifyJob(kitchen)).toEqual({ kind: 'kitchen', key: ticketKey('new', 12, 'grill') });
    expect(classifyJob(addOn)).toEqual({ kind: 'kitchen', key: 'add-on:#12:FRYER' });
    expect(classifyJob(receipt)).toEqual({
      kind: 'receipt',
      orderId: '01a24caf-fb89-7003-9e03-7b66106a198a',
    });
    expect(classifyJob([])).toEqual({ kind: 'drawer' });
    expect(classifyJob(['', ''])).toEqual({ kind: 'drawer' });
    expect(classifyJob(['X REPORT'])).toEqual({ kind: 'other' });
  });

  it('finds missing, doubled and unordered tickets and receipts', () => {
    const order = (number: number, id: string, addOn: string[] = []): OrderRecord => ({
      id,
      number,
      flow: 'dine-in-cash',
      totalCents: 1000,
      stations: new Set(['grill', 'fryer', 'bar']),
      addOnStations: new Set(addOn),
      paid: true,
    });
    const orders = [order(1, 'a', ['fryer', 'bar']), order(2, 'b')];
    const printed = new Set(['grill', 'fryer', 'pizza', 'cold']);
    const tally = (kitchen: [string, number][], receipts: [string, number][]): PrintTally => ({
      kitchen: new Map(kitchen),
      receipts: new Map(receipts),
      drawerKicks: 1,
      other: 0,
      jobs: 0,
    });
    const all: [string, number][] = [
      ['new:#1:GRILL', 1],
      ['new:#1:FRYER', 1],
      ['add-on:#1:FRYER', 1],
      ['new:#2:GRILL', 1],
      ['new:#2:FRYER', 1],
    ];
    const good = printChecks(
      orders,
      printed,
      tally(all, [
        ['a', 1],
        ['b', 1],
      ]),
    );
    expect(good.map((c) => c.ok)).toEqual([true, true]);
    expect(good[0]!.detail).toBe('5 of 5 kitchen tickets printed');

    const bad = printChecks(
      orders,
      printed,
      tally([...all.slice(1, 4), ['new:#2:FRYER', 2], ['new:#3:GRILL', 1]], [['a', 2]]),
    );
    expect(bad.map((c) => c.ok)).toEqual([false, false]);
    expect(bad[0]!.detail).toContain('missing 1 (new:#1:GRILL)');
    expect(bad[0]!.detail).toContain('printed twice 1 (new:#2:FRYER)');
    expect(bad[0]!.detail).toContain('not ordered 1 (new:#3:GRILL)');
    expect(bad[1]!.detail).toContain('missing 1 (b)');
    expect(bad[1]!.detail).toContain('printed twice 1 (a)');
  });
});

describe('reading the hub', () => {
  it('reads a gauge from Prometheus text, with or without labels', () => {
    const text = [
      '# HELP nodejs_heap_size_used_bytes Process heap size used from Node.js in bytes.',
      '# TYPE nodejs_heap_size_used_bytes gauge',
      'nodejs_heap_size_used_bytes{service="edge-hub"} 33052360',
      'nodejs_active_handles_total 12',
    ].join('\n');
    expect(metricValue(text, 'nodejs_heap_size_used_bytes')).toBe(33_052_360);
    expect(metricValue(text, 'nodejs_active_handles_total')).toBe(12);
    expect(metricValue(text, 'nodejs_heap_size')).toBeNull();
  });

  it('finds the inspector’s address in what node printed', () => {
    const out =
      'Debugger listening on ws://127.0.0.1:40123/3f1c6a8e-1111-2222-3333-444455556666\n' +
      'For help, see: https://nodejs.org/en/docs/inspector\n';
    expect(inspectorUrl(out)).toBe('ws://127.0.0.1:40123/3f1c6a8e-1111-2222-3333-444455556666');
    expect(inspectorUrl('listening on 8080')).toBeUndefined();
  });
});
