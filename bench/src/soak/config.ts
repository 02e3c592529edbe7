/**
 * The soak's settings, from the command line (`npm run soak -- --minutes 5`) or the
 * environment (`SOAK_MINUTES=5`), the command line winning.
 *
 * What a rush is: the README's performance section says "a real restaurant places a few orders
 * a minute", and the restaurant day the sync benchmark replays (`lib/sync-events.ts`) rings an
 * order up every 15–45 s. A rush is the busy end of that: an order every 15 s, 4 a minute
 * (240 an hour). The soak runs at 10× that by default: 40 orders a minute, 2,400 an hour.
 */

/** Orders a minute in a rush (see above). */
export const RUSH_ORDERS_PER_MIN = 4;

export interface SoakConfig {
  minutes: number;
  /** Multiple of a rush's order rate. */
  rushMultiple: number;
  /** Orders a second that gives. */
  ordersPerSec: number;
  /** Terminals taking orders at once. */
  terminals: number;
  /** Seconds between two samples. */
  sampleSeconds: number;
  /** A cook's time over a ticket before bumping it, and an order's wait at the pass. */
  cookMs: number;
  passMs: number;
  /** How long the end of the run may take for the kitchen, printers and cloud to catch up. */
  drainSeconds: number;
}

const FLAGS = {
  minutes: 'SOAK_MINUTES',
  'rush-multiple': 'SOAK_RUSH_MULTIPLE',
  terminals: 'SOAK_TERMINALS',
  'sample-seconds': 'SOAK_SAMPLE_S',
} as const;
type Flag = keyof typeof FLAGS;

/** `--name value` or `--name=value` flags, then the environment; throws on anything else. */
export function parseSoakConfig(
  argv: readonly string[],
  env: Record<string, string | undefined> = {},
): SoakConfig {
  const given: Partial<Record<Flag, string>> = {};
  for (const [flag, name] of Object.entries(FLAGS) as [Flag, string][]) {
    if (env[name] !== undefined && env[name] !== '') given[flag] = env[name];
  }
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const match = /^--([a-z-]+)(?:=(.*))?$/.exec(arg);
    if (!match || !(match[1]! in FLAGS)) {
      throw new Error(`unknown argument ${arg} (flags: ${Object.keys(FLAGS).join(', ')})`);
    }
    const value = match[2] ?? argv[++i];
    if (value === undefined) throw new Error(`--${match[1]} needs a value`);
    given[match[1] as Flag] = value;
  }
  const number = (flag: Flag, fallback: number, integer = false): number => {
    const raw = given[flag];
    if (raw === undefined) return fallback;
    const n = Number(raw);
    if (!Number.isFinite(n) || n <= 0 || (integer && !Number.isInteger(n))) {
      throw new Error(`--${flag} must be a positive ${integer ? 'whole ' : ''}number: ${raw}`);
    }
    return n;
  };
  const minutes = number('minutes', 3);
  const rushMultiple = number('rush-multiple', 10);
  // At least about 30 samples however short the run, and one every 5 s at most apart.
  const sampleSeconds = number(
    'sample-seconds',
    Math.max(1, Math.min(5, Math.floor((minutes * 60) / 30))),
  );
  return {
    minutes,
    rushMultiple,
    ordersPerSec: (RUSH_ORDERS_PER_MIN * rushMultiple) / 60,
    terminals: number('terminals', 4, true),
    sampleSeconds,
    cookMs: 2_000,
    passMs: 500,
    drainSeconds: 120,
  };
}
