/**
 * `npm run bench`: every `bench:*` script of the root package.json, one after another (they
 * share the machine, so never two at once), each one's last line of output taken as its JSON
 * result, and one performance table of every target written into README.md between
 * `<!-- bench:begin -->` and `<!-- bench:end -->`, with the machine it ran on. The raw results
 * go to `bench/results.json`.
 *
 *   npm run bench                         all of them (long: see the README for how long)
 *   npm run bench -- --only sync,online   just those (`bench:` may be left off); the table
 *                                         keeps the others' last figures, marked with their date
 *   npm run bench -- --dry-run            what would run, and nothing else
 *   npm run bench -- --table              the table again from bench/results.json, nothing run
 *
 * A benchmark that exits non-zero or prints no JSON shows as failed in the table, and the
 * command exits 1 once all have run. The README is formatted with Biome afterwards, which
 * formats Markdown in this repository. BENCH_PACKAGE_JSON, BENCH_README and BENCH_RESULTS point
 * it at other files (its tests do).
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describeMachine, type MachineDescription, machineLine } from './lib/machine.js';

const REPO_ROOT = resolve(import.meta.dirname, '../..');
export const BEGIN = '<!-- bench:begin -->';
export const END = '<!-- bench:end -->';
/** stdout kept per benchmark: enough for its last line whatever it printed before. */
const KEEP_OUTPUT = 1 << 20;

export interface BenchRun {
  /** The script's name without `bench:`. */
  name: string;
  script: string;
  exitCode: number | null;
  seconds: number;
  ranAt: string;
  machine: string;
  /** The last line of its output as JSON, or null when it was not a JSON object. */
  result: Record<string, unknown> | null;
}

export interface Row {
  benchmark: string;
  figure: string;
  measured: string;
  target: string;
  met: string;
}

export interface Options {
  only?: string[];
  dryRun: boolean;
  /** Write the table from the results file without running anything. */
  tableOnly: boolean;
}

export function parseArgs(argv: readonly string[]): Options {
  const options: Options = { dryRun: false, tableOnly: false };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--dry-run') options.dryRun = true;
    else if (arg === '--table') options.tableOnly = true;
    else if (arg === '--only' || arg.startsWith('--only=')) {
      const list = arg === '--only' ? argv[++i] : arg.slice('--only='.length);
      if (!list) throw new Error('--only needs a comma-separated list of benchmarks');
      options.only = list
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean);
    } else throw new Error(`unknown argument ${arg} (use --only a,b, --dry-run or --table)`);
  }
  return options;
}

/** The `bench:*` scripts, in package.json order. */
export function benchScripts(pkg: { scripts?: Record<string, string> }): string[] {
  return Object.keys(pkg.scripts ?? {}).filter((s) => s.startsWith('bench:'));
}

/** The scripts `--only` names (with or without `bench:`); an unknown name is an error. */
export function selectScripts(all: readonly string[], only?: readonly string[]): string[] {
  if (!only) return [...all];
  const wanted = only.map((n) => (n.startsWith('bench:') ? n : `bench:${n}`));
  const unknown = wanted.filter((w) => !all.includes(w));
  if (unknown.length > 0) {
    throw new Error(`no such benchmark: ${unknown.join(', ')} (there are: ${all.join(', ')})`);
  }
  return all.filter((s) => wanted.includes(s));
}

/** The last non-empty line of `output` as a JSON object; null when it is not one. */
export function lastJsonLine(output: string): Record<string, unknown> | null {
  const lines = output.split('\n').map((l) => l.trim());
  const last = lines.filter(Boolean).pop();
  if (!last) return null;
  try {
    const value: unknown = JSON.parse(last);
    return value && typeof value === 'object' && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : null;
  } catch {
    return null;
  }
}

/** Every number in `value` with its path, except under `skip` keys. */
function numericLeaves(value: unknown, path: string[] = [], out: [string[], number][] = []) {
  if (typeof value === 'number') out.push([path, value]);
  else if (value && typeof value === 'object' && !Array.isArray(value)) {
    for (const [k, v] of Object.entries(value)) {
      if (path.length === 0 && ['targets', 'machine', 'config'].includes(k)) continue;
      numericLeaves(v, [...path, k], out);
    }
  }
  return out;
}

const UNIT = /(Ms|Mb|MB|Kb|KB|Seconds|S|Pct)$/;
/** Of a figure's statistics, the ones a target is set on first. */
const TAIL_FIRST = ['p99', 'max', 'p95', 'p50', 'mean'];
const flat = (s: string) => s.toLowerCase().replace(/[^a-z0-9]/g, '');

/**
 * What a target was measured at. Targets carry `value` (or `measured`) when the benchmark
 * says; otherwise the figure is found in the result by its name: a field of that name, a path
 * that spells it (`catchUpSeconds` ← `catchUp.seconds`), the unit-less name (`p99Ms` ← `p99`)
 * when only one field, or one in the benchmark's own section, has it, or a path along which
 * the name's words come in order. Undefined when that is still ambiguous: no figure is better
 * than the wrong one.
 */
export function measuredValue(
  result: Record<string, unknown>,
  name: string,
  t: Record<string, unknown>,
): number | undefined {
  for (const key of ['value', 'measured']) if (typeof t[key] === 'number') return t[key] as number;
  const leaves = numericLeaves(result);
  const exact = leaves.filter(([p]) => p[p.length - 1] === name);
  if (exact.length === 1) return exact[0]![1];
  const bare = name.replace(UNIT, '');
  for (const spelt of [flat(name), flat(bare)]) {
    const hit = leaves.filter(([p]) => flat(p.join('')) === spelt);
    if (hit.length === 1) return hit[0]![1];
  }
  const byKey = leaves.filter(([p]) => p[p.length - 1] === bare);
  if (byKey.length === 1) return byKey[0]![1];
  const own = byKey.filter(([p]) => p[0] === result.benchmark);
  if (own.length === 1) return own[0]![1];
  // The name's words in order along a path (`tapP99Ms` ← `tapToCartMs.p99`, `jsKb` ←
  // `jsKbGzipped`); several answers under one parent are one figure's statistics, of which the
  // tail is what a target is set on (`firstLoadMs` ← `firstLoadMs.max`).
  const words = bare.split(/(?=[A-Z])/).map(flat);
  const along = leaves.filter(([p]) => {
    const path = flat(p.join(''));
    let at = 0;
    for (const w of words) {
      at = path.indexOf(w, at);
      if (at < 0) return false;
      at += w.length;
    }
    return true;
  });
  if (along.length === 1) return along[0]![1];
  const parents = new Set(along.map(([p]) => p.slice(0, -1).join('.')));
  if (parents.size !== 1) return undefined;
  for (const stat of TAIL_FIRST) {
    const hit = along.find(([p]) => p[p.length - 1] === stat);
    if (hit) return hit[1];
  }
  return undefined;
}

export function formatNumber(n: number): string {
  return n.toLocaleString('en-US', { maximumFractionDigits: 2 });
}

/** One row per target of each run; a run that failed says so in every row (or its only row). */
export function tableRows(runs: readonly BenchRun[], today?: string): Row[] {
  const rows: Row[] = [];
  for (const run of runs) {
    const date = run.ranAt.slice(0, 10);
    const label = today && date !== today ? `${run.name} (${date})` : run.name;
    const failure =
      run.result === null
        ? `failed: ${run.exitCode === 0 ? 'no JSON result' : `exit ${run.exitCode ?? 'signal'}, no JSON result`}`
        : run.exitCode !== 0
          ? `failed: exit ${run.exitCode ?? 'signal'}`
          : undefined;
    const targets = (run.result?.targets ?? {}) as Record<string, Record<string, unknown>>;
    const entries = Object.entries(targets).filter(([, t]) => t && typeof t === 'object');
    if (entries.length === 0) {
      rows.push({
        benchmark: label,
        figure: '—',
        measured: '—',
        target: '—',
        met: failure ?? 'no targets',
      });
      continue;
    }
    for (const [name, t] of entries) {
      const measured = run.result ? measuredValue(run.result, name, t) : undefined;
      const met = t.met === true ? 'yes' : '**no**';
      rows.push({
        benchmark: label,
        figure: `\`${name}\``,
        measured: measured === undefined ? '—' : formatNumber(measured),
        target: typeof t.target === 'number' ? formatNumber(t.target) : String(t.target ?? '—'),
        met: failure ? `${met}; ${failure}` : met,
      });
    }
  }
  return rows;
}

/** The block that goes between the markers. */
export function renderTable(rows: readonly Row[], machine: string): string {
  const header: Row = {
    benchmark: 'benchmark',
    figure: 'figure',
    measured: 'measured',
    target: 'target',
    met: 'met',
  };
  const line = (r: Row) =>
    `| ${r.benchmark} | ${r.figure} | ${r.measured} | ${r.target} | ${r.met} |`;
  return [
    `Measured with \`npm run bench\` on ${machine}:`,
    '',
    line(header),
    '| --- | --- | --: | --: | --- |',
    ...rows.map(line),
  ].join('\n');
}

/**
 * `readme` with `block` between the markers; the markers are put at the top of the
 * "## Performance" section the first time.
 */
export function replaceBetweenMarkers(readme: string, block: string): string {
  let text = readme;
  if (!text.includes(BEGIN) || !text.includes(END)) {
    const heading = /^## Performance[^\n]*\n/m.exec(text);
    if (!heading) throw new Error('README.md has no "## Performance" section for the table');
    const at = heading.index + heading[0].length;
    text = `${text.slice(0, at)}\n${BEGIN}\n${END}\n${text.slice(at)}`;
  }
  const from = text.indexOf(BEGIN) + BEGIN.length;
  const to = text.indexOf(END);
  if (to < from) throw new Error('README.md has the bench markers the wrong way round');
  return `${text.slice(0, from)}\n\n${block}\n\n${text.slice(to)}`;
}

/** Run one script with npm in `cwd`, its output shown as it comes; resolves with the run. */
function runScript(script: string, cwd: string, machine: string): Promise<BenchRun> {
  const started = Date.now();
  const ranAt = new Date(started).toISOString();
  return new Promise((done) => {
    const child = spawn('npm', ['run', '--silent', script], {
      cwd,
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => {
      process.stdout.write(chunk);
      output = (output + chunk.toString()).slice(-KEEP_OUTPUT);
    });
    const finish = (exitCode: number | null) =>
      done({
        name: script.slice('bench:'.length),
        script,
        exitCode,
        seconds: Math.round((Date.now() - started) / 100) / 10,
        ranAt,
        machine,
        result: lastJsonLine(output),
      });
    child.once('error', (err) => {
      console.error(`${script} did not start: ${err.message}`);
      finish(null);
    });
    child.once('close', (code) => finish(code));
  });
}

interface ResultsFile {
  machine: MachineDescription;
  runs: BenchRun[];
}

async function main(): Promise<number> {
  const options = parseArgs(process.argv.slice(2));
  const packagePath = resolve(process.env.BENCH_PACKAGE_JSON ?? join(REPO_ROOT, 'package.json'));
  const readmePath = resolve(process.env.BENCH_README ?? join(REPO_ROOT, 'README.md'));
  const resultsPath = resolve(process.env.BENCH_RESULTS ?? join(REPO_ROOT, 'bench/results.json'));
  const pkg = JSON.parse(readFileSync(packagePath, 'utf8')) as { scripts?: Record<string, string> };
  const scripts = selectScripts(benchScripts(pkg), options.only);

  if (options.dryRun) {
    console.log(`would run, one after another (from ${packagePath}):`);
    for (const s of scripts) console.log(`  npm run ${s}    # ${pkg.scripts?.[s]}`);
    console.log(`then write the table into ${readmePath} and the results to ${resultsPath}`);
    return 0;
  }

  const machine = describeMachine();
  const line = machineLine(machine);
  console.log(
    options.tableOnly
      ? `bench: the table from ${resultsPath}`
      : `bench: ${scripts.length} benchmarks on ${line}\n`,
  );
  const runs: BenchRun[] = [];
  for (const script of options.tableOnly ? [] : scripts) {
    console.log(`\n===== npm run ${script} =====`);
    const run = await runScript(script, dirname(packagePath), line);
    runs.push(run);
    console.log(
      `===== ${script}: exit ${run.exitCode}, ${run.seconds} s, ` +
        `${run.result ? 'JSON result' : 'no JSON result'} =====`,
    );
  }

  // Earlier figures of the benchmarks not run this time stay, in package.json order.
  const previous: BenchRun[] = existsSync(resultsPath)
    ? ((JSON.parse(readFileSync(resultsPath, 'utf8')) as Partial<ResultsFile>).runs ?? [])
    : [];
  const all = benchScripts(pkg)
    .map((s) => runs.find((r) => r.script === s) ?? previous.find((r) => r.script === s))
    .filter((r): r is BenchRun => r !== undefined);
  writeFileSync(resultsPath, `${JSON.stringify({ machine, runs: all }, null, 2)}\n`);
  const block = renderTable(tableRows(all, machine.date.slice(0, 10)), line);
  writeFileSync(readmePath, replaceBetweenMarkers(readFileSync(readmePath, 'utf8'), block));
  // Both are checked by the linter: Biome formats them (only files inside the repository it is
  // configured for).
  const inRepo = [readmePath, resultsPath].filter((p) => !relative(REPO_ROOT, p).startsWith('..'));
  if (inRepo.length > 0) {
    const format = spawnSync('npx', ['biome', 'format', '--write', ...inRepo], {
      cwd: REPO_ROOT,
      stdio: 'inherit',
    });
    if (format.status !== 0) console.error(`formatting ${inRepo.join(', ')} with Biome failed`);
  }

  const failed = runs.filter((r) => r.exitCode !== 0 || r.result === null);
  console.log(`\nwrote ${readmePath} and ${resultsPath}`);
  for (const r of runs) {
    const state = r.exitCode !== 0 || r.result === null ? 'FAILED' : 'ok';
    console.log(`  ${state.padEnd(6)} ${r.script} (${r.seconds} s)`);
  }
  return failed.length === 0 ? 0 : 1;
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  main().then(
    (code) => {
      process.exitCode = code;
    },
    (err: Error) => {
      console.error(`bench: ${err.message}`);
      process.exitCode = 1;
    },
  );
}
