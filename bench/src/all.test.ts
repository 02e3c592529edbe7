import { describe, expect, it } from 'vitest';
import {
  BEGIN,
  type BenchRun,
  benchScripts,
  END,
  lastJsonLine,
  measuredValue,
  parseArgs,
  renderTable,
  replaceBetweenMarkers,
  selectScripts,
  tableRows,
} from './all.js';

const run = (over: Partial<BenchRun>): BenchRun => ({
  name: 'print',
  script: 'bench:print',
  exitCode: 0,
  seconds: 12,
  ranAt: '2026-12-06T19:00:00.000Z',
  machine: '2 × CPU',
  result: null,
  ...over,
});

describe('which benchmarks run', () => {
  const pkg = {
    scripts: { test: 'vitest', 'bench:orders': 'a', bench: 'b', 'bench:sync': 'c', soak: 'd' },
  };

  it('takes every bench:* script from package.json, in its order, and nothing else', () => {
    expect(benchScripts(pkg)).toEqual(['bench:orders', 'bench:sync']);
    expect(benchScripts({})).toEqual([]);
  });

  it('narrows them with --only, with or without the prefix, and refuses unknown names', () => {
    const all = benchScripts(pkg);
    expect(selectScripts(all, parseArgs(['--only', 'sync,bench:orders']).only)).toEqual([
      'bench:orders',
      'bench:sync',
    ]);
    expect(selectScripts(all, undefined)).toEqual(all);
    expect(() => selectScripts(all, ['online'])).toThrow(/no such benchmark: bench:online/);
  });

  it('reads --dry-run and --only=…, and refuses anything else', () => {
    expect(parseArgs(['--dry-run', '--only=kds'])).toEqual({
      dryRun: true,
      tableOnly: false,
      only: ['kds'],
    });
    expect(parseArgs(['--table']).tableOnly).toBe(true);
    expect(() => parseArgs(['--fast'])).toThrow(/unknown argument/);
    expect(() => parseArgs(['--only'])).toThrow(/needs a comma-separated list/);
  });
});

describe('lastJsonLine', () => {
  it('parses the last non-empty line when it is a JSON object', () => {
    expect(lastJsonLine('table\n  row\n{"benchmark":"x","targets":{}}\n\n')).toEqual({
      benchmark: 'x',
      targets: {},
    });
  });

  it('is null when the last line is not a JSON object, even if an earlier one was', () => {
    expect(lastJsonLine('{"a":1}\nbenchmark failed: boom\n')).toBeNull();
    expect(lastJsonLine('[1,2]\n')).toBeNull();
    expect(lastJsonLine('42')).toBeNull();
    expect(lastJsonLine('')).toBeNull();
    expect(lastJsonLine('{"cut off": ')).toBeNull();
  });
});

describe('measuredValue', () => {
  it('uses the value a target carries', () => {
    expect(measuredValue({}, 'x', { target: 1, met: true, value: 3 })).toBe(3);
  });

  it('finds the figure by name, by its spelt-out path, or without its unit', () => {
    const orders = {
      benchmark: 'orders',
      floor: { p99: 20 },
      orders: { ordersPerSec: 431, p99: 39_000 },
      rss: { after100kMb: 298.5 },
      targets: { ordersPerSec: { target: 1000, met: false } },
    };
    expect(measuredValue(orders, 'ordersPerSec', {})).toBe(431);
    expect(measuredValue(orders, 'rssAfter100kMb', {})).toBe(298.5);
    // p99 is in two sections: the benchmark's own one is the figure.
    expect(measuredValue(orders, 'p99Ms', {})).toBe(39_000);
    expect(
      measuredValue({ benchmark: 'sync', catchUp: { seconds: 1.84 } }, 'catchUpSeconds', {}),
    ).toBe(1.84);
    expect(measuredValue({ benchmark: 'print', latencyMs: { p99: 13.4 } }, 'p99Ms', {})).toBe(13.4);
    expect(measuredValue({ benchmark: 'x', a: { p99: 1 }, b: { p99: 2 } }, 'p99Ms', {})).toBe(
      undefined,
    );
    const terminal = {
      benchmark: 'terminal',
      jsKbGzipped: 77.4,
      firstLoadMs: { p50: 429, max: 774 },
      tapToCartMs: { p50: 5.2, p99: 61.9, max: 61.9 },
    };
    expect(measuredValue(terminal, 'jsKb', {})).toBe(77.4);
    expect(measuredValue(terminal, 'firstLoadMs', {})).toBe(774);
    expect(measuredValue(terminal, 'tapP99Ms', {})).toBe(61.9);
  });
});

describe('the table', () => {
  it('has a row per target, and shows a failed or silent benchmark as failed', () => {
    const rows = tableRows(
      [
        run({
          result: {
            benchmark: 'print',
            latencyMs: { p99: 13.4 },
            targets: { p99Ms: { target: 300, met: true } },
          },
        }),
        run({ name: 'kds', script: 'bench:kds', exitCode: 0, result: null }),
        run({
          name: 'sync',
          script: 'bench:sync',
          exitCode: 1,
          ranAt: '2026-12-01T10:00:00.000Z',
          result: { targets: { fleetEventsPerSec: { target: 5000, met: false, value: 4321.5 } } },
        }),
        run({ name: 'online', script: 'bench:online', exitCode: null, result: null }),
      ],
      '2026-12-06',
    );
    expect(rows).toEqual([
      { benchmark: 'print', figure: '`p99Ms`', measured: '13.4', target: '300', met: 'yes' },
      {
        benchmark: 'kds',
        figure: '—',
        measured: '—',
        target: '—',
        met: 'failed: no JSON result',
      },
      {
        benchmark: 'sync (2026-12-01)',
        figure: '`fleetEventsPerSec`',
        measured: '4,321.5',
        target: '5,000',
        met: '**no**; failed: exit 1',
      },
      {
        benchmark: 'online',
        figure: '—',
        measured: '—',
        target: '—',
        met: 'failed: exit signal, no JSON result',
      },
    ]);
    const md = renderTable(rows, '2 × CPU, 4 GiB RAM');
    expect(md.split('\n')).toEqual([
      'Measured with `npm run bench` on 2 × CPU, 4 GiB RAM:',
      '',
      '| benchmark | figure | measured | target | met |',
      '| --- | --- | --: | --: | --- |',
      '| print | `p99Ms` | 13.4 | 300 | yes |',
      '| kds | — | — | — | failed: no JSON result |',
      '| sync (2026-12-01) | `fleetEventsPerSec` | 4,321.5 | 5,000 | **no**; failed: exit 1 |',
      '| online | — | — | — | failed: exit signal, no JSON result |',
    ]);
  });

  it('goes between the markers, put at the top of the Performance section the first time', () => {
    const readme = '# X\n\n## Performance\n\nMeasured by hand.\n\n## Printers\n\ntext\n';
    const once = replaceBetweenMarkers(readme, 'TABLE 1');
    expect(once).toBe(
      `# X\n\n## Performance\n\n${BEGIN}\n\nTABLE 1\n\n${END}\n\nMeasured by hand.\n\n## Printers\n\ntext\n`,
    );
    const twice = replaceBetweenMarkers(once, 'TABLE 2');
    expect(twice).toBe(once.replace('TABLE 1', 'TABLE 2'));
    expect(() => replaceBetweenMarkers('# X\n', 'T')).toThrow(/Performance/);
  });
});
