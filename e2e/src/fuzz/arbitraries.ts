import fc from 'fast-check';

// Generators of bad input shared by the fuzz tests: strings that have broken parsers, databases
// and screens before, JSON of every shape, bodies that are not JSON at all, and the headers a
// confused or hostile client sends. Each fuzz file prints how many cases it tried and what the
// services answered, so a run shows its own coverage.

/** `FUZZ_RUNS=10 npx vitest run e2e/src/fuzz` tries ten times as many cases. */
export const FUZZ_RUNS = (() => {
  const raw = Number(process.env.FUZZ_RUNS ?? '1');
  return Number.isFinite(raw) && raw > 0 ? raw : 1;
})();

/** The number of runs for a property, scaled by `FUZZ_RUNS`. */
export function runs(base: number): number {
  return Math.max(1, Math.round(base * FUZZ_RUNS));
}

/**
 * A fixed seed with `FUZZ_SEED` (fast-check prints the one that failed, and the `path` to give
 * as `FUZZ_PATH` to replay just that case), else a fresh one.
 */
export function fuzzOptions(numRuns: number): { numRuns: number; seed?: number; path?: string } {
  const seed = Number(process.env.FUZZ_SEED);
  if (!Number.isInteger(seed)) return { numRuns };
  return process.env.FUZZ_PATH ? { numRuns, seed, path: process.env.FUZZ_PATH } : { numRuns, seed };
}

/** `FUZZ_ONLY=regex` narrows a run to the routes or operations whose label matches. */
export function selected(label: string): boolean {
  const only = process.env.FUZZ_ONLY;
  return !only || new RegExp(only).test(label);
}

const LONG = 'A'.repeat(10_000);

export const NASTY_STRINGS: readonly string[] = [
  '',
  ' ',
  '\t\n\r',
  '\u0000',
  'a\u0000b',
  '\uD800',
  '\uDFFF',
  'x\uD83D',
  '\uDC00\uD800',
  '\u202Eevil\u202C',
  'مرحبا بالعالم',
  'שלום\u200F',
  '\u200B',
  'a\u200Db',
  '\uFEFF',
  '\u2028\u2029',
  '👨‍👩‍👧‍👦',
  '🍔🍟🥤',
  '🍔'.repeat(2_000),
  'Ω≈ç√∫˜µ≤≥÷',
  'ｔｅｓｔ',
  'Z̤͔ͧ̑̓ä͖̭̈̇lͮ̒ͫǧ̗͚̚o̙̔ͮ̇͐̇',
  'NaN',
  'Infinity',
  'null',
  'undefined',
  'true',
  '-1',
  '0',
  '1e309',
  '9007199254740993',
  '-0',
  '0x1F',
  "' OR '1'='1",
  "'; DROP TABLE orders; --",
  "1'); SELECT pg_sleep(5); --",
  '" OR ""="',
  '\\',
  '%',
  '_%_',
  '<script>alert(1)</script>',
  '<img src=x onerror=alert(1)>',
  'javascript:alert(1)',
  '{{7*7}}',
  // biome-ignore lint/suspicious/noTemplateCurlyInString: a template injection probe, sent as is
  '${7*7}',
  '../../../../etc/passwd',
  '..\\..\\..\\windows\\win.ini',
  '%2e%2e%2f%2e%2e%2f',
  '/dev/zero',
  'file:///etc/passwd',
  'http://169.254.169.254/latest/meta-data/',
  '__proto__',
  'constructor',
  'prototype',
  'hasOwnProperty',
  'toString',
  '\r\nSet-Cookie: a=b',
  LONG,
  `${LONG}${LONG}${LONG}${LONG}${LONG}`,
];

/** Any UTF-16 code units, lone surrogates and NUL included. */
export const codeUnits = fc
  .array(fc.integer({ min: 0, max: 0xffff }), { maxLength: 40 })
  .map((units) => String.fromCharCode(...units));

export const nastyString: fc.Arbitrary<string> = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(...NASTY_STRINGS) },
  { weight: 2, arbitrary: codeUnits },
  { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 60 }) },
  { weight: 1, arbitrary: fc.string({ maxLength: 30 }) },
  {
    weight: 1,
    arbitrary: fc
      .tuple(fc.constantFrom(...NASTY_STRINGS), fc.string({ maxLength: 10 }))
      .map(([a, b]) => `${b}${a}${b}`),
  },
);

export const nastyNumber: fc.Arbitrary<number> = fc.oneof(
  fc.constantFrom(
    0,
    -0,
    -1,
    1,
    0.5,
    -0.000001,
    2 ** 31,
    2 ** 31 - 1,
    -(2 ** 31),
    2 ** 53,
    2 ** 53 + 2,
    -(2 ** 63),
    1e308,
    -1e308,
    5e-324,
    Number.MAX_SAFE_INTEGER,
    Number.MIN_SAFE_INTEGER,
  ),
  fc.integer(),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
);

/** Object keys that walk into prototypes or look like operators and paths. */
export const nastyKey: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom(
    '__proto__',
    'constructor',
    'prototype',
    '$where',
    '$gt',
    'a.b',
    'a[0]',
    '',
    ' ',
    'id',
    'items',
    'toString',
  ),
  nastyString.map((s) => s.slice(0, 50)),
);

/** JSON values of every shape with nasty leaves and keys. */
export const nastyJson: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.constant(null),
    fc.boolean(),
    nastyNumber,
    nastyString,
    fc.array(tie('value'), { maxLength: 6 }),
    tie('object'),
  ),
  object: fc
    .array(fc.tuple(nastyKey, tie('value')), { maxLength: 6 })
    .map((entries) => defineAll(entries)),
})).value;

/** An object from entries, keeping `__proto__` as an own key as JSON.parse would. */
export function defineAll(
  entries: readonly (readonly [string, unknown])[],
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of entries) {
    Object.defineProperty(out, k, {
      value: v,
      enumerable: true,
      writable: true,
      configurable: true,
    });
  }
  return out;
}

/** Text nested `depth` levels deep, in arrays or objects. */
export function deeplyNested(depth: number, kind: 'array' | 'object'): string {
  return kind === 'array'
    ? `${'['.repeat(depth)}1${']'.repeat(depth)}`
    : `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;
}

/**
 * Change a valid-shaped value a little: drop or add a field, swap a value for a nasty one or
 * another type, wrap it, nest it. Deterministic in the given choices, so fast-check shrinks.
 */
export function mutate(seed: unknown): fc.Arbitrary<unknown> {
  const swapped = (value: unknown): fc.Arbitrary<unknown> => {
    if (Array.isArray(value)) {
      if (value.length === 0) return fc.constant([]);
      return fc
        .tuple(fc.nat(value.length - 1), fc.constant(null))
        .chain(([i]) => swapped(value[i]).map((v) => value.map((item, j) => (j === i ? v : item))));
    }
    if (value !== null && typeof value === 'object') {
      const keys = Object.keys(value);
      return fc.oneof(
        nastyJson,
        fc
          .tuple(nastyKey, nastyJson)
          .map(([k, v]) => defineAll([...Object.entries(value), [k, v]])),
        keys.length === 0
          ? fc.constant(value)
          : fc.constantFrom(...keys).chain((k) =>
              fc.oneof(
                fc.constant(defineAll(Object.entries(value).filter(([key]) => key !== k))),
                swapped((value as Record<string, unknown>)[k]).map((v) =>
                  defineAll(Object.entries(value).map(([key, old]) => [key, key === k ? v : old])),
                ),
              ),
            ),
      );
    }
    return fc.oneof(
      nastyJson,
      fc.constant(value === null ? {} : [value]),
      fc.constant(typeof value === 'string' ? Number(value) : String(value)),
    );
  };
  return fc.oneof(
    { weight: 5, arbitrary: swapped(seed) },
    { weight: 1, arbitrary: fc.constant(seed) },
  );
}

/** A request body as sent on the wire, valid-shaped or not JSON at all. */
export interface WireBody {
  text: string | Uint8Array;
  /** What kind of garbage this is, for failure messages. */
  kind: string;
}

/** Bodies around an optional valid-shaped `seed`, sized to cross `limitBytes`. */
export function wireBody(seed: unknown, limitBytes: number): fc.Arbitrary<WireBody> {
  const json = (kind: string) => (v: unknown) => ({ text: JSON.stringify(v) ?? 'null', kind });
  return fc.oneof(
    { weight: 6, arbitrary: mutate(seed).map(json('mutated')) },
    { weight: 3, arbitrary: nastyJson.map(json('random-json')) },
    {
      weight: 1,
      arbitrary: fc.tuple(fc.double({ min: 0, max: 1, noNaN: true })).map(([f]) => {
        const full = JSON.stringify(seed ?? {});
        return { text: full.slice(0, Math.floor(full.length * f)), kind: 'truncated' };
      }),
    },
    {
      weight: 1,
      arbitrary: fc
        .constantFrom(
          '',
          'null',
          '[]',
          '"text"',
          '123',
          'true',
          '{',
          '{"a":1,}',
          "{'a':1}",
          '{"a":NaN}',
          '{"a":Infinity}',
          '{"a":1e999999}',
          '{"a":"\\ud800"}',
          '{"a":"\\u0000"}',
          '\uFEFF{}',
          '{"__proto__":{"isAdmin":true,"roles":["owner"]}}',
          '{"constructor":{"prototype":{"isAdmin":true}}}',
          '{"a":1,"a":2}',
          '<xml/>',
          'a=1&b=2',
          '--x\r\nContent-Disposition: form-data; name="a"\r\n\r\n1\r\n--x--',
        )
        .map((text) => ({ text, kind: 'literal' })),
    },
    {
      weight: 1,
      arbitrary: fc
        .tuple(
          fc.integer({ min: 100, max: 20_000 }),
          fc.constantFrom('array', 'object') as fc.Arbitrary<'array' | 'object'>,
        )
        .map(([depth, kind]) => ({
          text:
            kind === 'object'
              ? `${deeplyNested(depth, kind)}`
              : `{"a":${deeplyNested(depth, kind)}}`,
          kind: `nested-${depth}`,
        })),
    },
    {
      weight: 1,
      arbitrary: fc
        .uint8Array({ maxLength: 200 })
        .map((bytes) => ({ text: bytes, kind: 'binary' })),
    },
    {
      weight: 1,
      arbitrary: fc.constant(null).map(() => ({
        text: JSON.stringify({ pad: 'x'.repeat(limitBytes + 1_024) }),
        kind: 'oversized',
      })),
    },
  );
}

/** Content types a client gets wrong, and the right one most of the time. */
export const contentType: fc.Arbitrary<string | undefined> = fc.oneof(
  { weight: 8, arbitrary: fc.constant('application/json') },
  {
    weight: 3,
    arbitrary: fc.constantFrom(
      undefined,
      'application/json; charset=utf-8',
      'application/json; charset=latin1',
      'application/json; charset=utf-16',
      'application/json; charset=nonsense',
      'text/plain',
      'text/html',
      'application/xml',
      'application/x-www-form-urlencoded',
      'multipart/form-data; boundary=x',
      'application/octet-stream',
      'application/merge-patch+json',
      '*/*',
      '',
      'json',
      'application/json, text/plain',
    ),
  },
);

/** Header values may only be Latin-1 without CR, LF or NUL; within that, anything goes. */
const headerText = fc
  .array(fc.oneof(fc.integer({ min: 0x20, max: 0x7e }), fc.integer({ min: 0xa0, max: 0xff })), {
    maxLength: 60,
  })
  .map((codes) => String.fromCharCode(...codes).trim());

export const idempotencyKey: fc.Arbitrary<string | undefined> = fc.oneof(
  { weight: 4, arbitrary: fc.constant(undefined) },
  { weight: 2, arbitrary: fc.uuid() },
  {
    weight: 1,
    arbitrary: fc.constantFrom(
      '',
      ' ',
      'a',
      'x'.repeat(5_000),
      '../../etc',
      "'; DROP TABLE idempotency; --",
      '__proto__',
      'ÿÿÿÿ',
    ),
  },
  { weight: 2, arbitrary: headerText },
);

export const correlationId: fc.Arbitrary<string | undefined> = fc.oneof(
  { weight: 4, arbitrary: fc.constant(undefined) },
  { weight: 1, arbitrary: fc.uuid() },
  { weight: 1, arbitrary: headerText },
);

export const contentEncoding: fc.Arbitrary<string | undefined> = fc.oneof(
  { weight: 12, arbitrary: fc.constant(undefined) },
  {
    weight: 1,
    arbitrary: fc.constantFrom('gzip', 'deflate', 'br', 'identity', 'x-unknown', 'gzip, gzip'),
  },
);

export interface WireHeaders {
  'content-type'?: string;
  'idempotency-key'?: string;
  'x-correlation-id'?: string;
  'content-encoding'?: string;
  accept?: string;
}

export const wireHeaders: fc.Arbitrary<WireHeaders> = fc
  .record({
    'content-type': contentType,
    'idempotency-key': idempotencyKey,
    'x-correlation-id': correlationId,
    'content-encoding': contentEncoding,
    accept: fc.oneof(
      { weight: 6, arbitrary: fc.constant(undefined) },
      {
        weight: 1,
        arbitrary: fc.constantFrom('text/html', 'application/xml', '*/*', 'nonsense', ''),
      },
    ),
  })
  .map((h) => Object.fromEntries(Object.entries(h).filter(([, v]) => v !== undefined)));

/**
 * Percent-encode any string, lone surrogates included (as the bytes WTF-8 gives them, which is
 * what a careless client sends); `encodeURIComponent` refuses those.
 */
export function encodeLoose(s: string): string {
  let out = '';
  for (const ch of s) {
    const unit = ch.charCodeAt(0);
    if (ch.length === 1 && unit >= 0xd800 && unit <= 0xdfff) {
      const bytes = [0xe0 | (unit >> 12), 0x80 | ((unit >> 6) & 0x3f), 0x80 | (unit & 0x3f)];
      out += bytes.map((b) => `%${b.toString(16).toUpperCase()}`).join('');
    } else out += encodeURIComponent(ch);
  }
  return out;
}

/** A path segment: a real value most of the time, else something that should never be found. */
export function pathSegment(real: readonly string[]): fc.Arbitrary<string> {
  return fc.oneof(
    { weight: 3, arbitrary: fc.constantFrom(...real).map(encodeURIComponent) },
    { weight: 2, arbitrary: fc.uuid().map(encodeURIComponent) },
    {
      weight: 3,
      arbitrary: nastyString.filter((s) => s.length > 0).map((s) => encodeLoose(s.slice(0, 2_000))),
    },
    {
      weight: 1,
      arbitrary: fc.constantFrom(
        '%',
        '%zz',
        '%E0%A4%A',
        '%C0%AE%C0%AE',
        '%00',
        '..%2F..%2Fetc%2Fpasswd',
        '%2e%2e',
        '%ED%A0%80',
        '%FF%FE',
        'a%2Fb',
        '1.5',
        '-1',
        '0',
        '99999999999999999999999',
        'x'.repeat(8_000),
      ),
    },
  );
}

/** A query string (without `?`): known names with bad values, unknown names, repeats. */
export function queryString(names: readonly string[]): fc.Arbitrary<string> {
  const name = fc.oneof(
    { weight: 3, arbitrary: names.length > 0 ? fc.constantFrom(...names) : nastyKey },
    { weight: 1, arbitrary: nastyKey },
  );
  const value = fc.oneof(
    nastyString.map((s) => s.slice(0, 3_000)),
    nastyNumber.map(String),
  );
  return fc.oneof(
    { weight: 1, arbitrary: fc.constant('') },
    {
      weight: 5,
      arbitrary: fc
        .array(fc.tuple(name, value), { maxLength: 5 })
        .map((pairs) => pairs.map(([k, v]) => `${encodeLoose(k)}=${encodeLoose(v)}`).join('&')),
    },
    {
      weight: 1,
      arbitrary: fc.constantFrom(
        'a=%',
        '%=%',
        'limit=1&limit=2',
        'limit[]=1',
        'limit[$gt]=0',
        '__proto__[x]=1',
        'constructor[prototype][x]=1',
        '&&&',
        '=',
        `q=${'x'.repeat(20_000)}`,
      ),
    },
  );
}

// ---- outcomes ----

/** 2xx/304 for inputs that happen to be valid, the README's client errors for the rest. */
export const ALLOWED_CLIENT_ERRORS = new Set([
  400, 401, 403, 404, 405, 409, 413, 415, 422, 429, 431,
]);

export interface Answer {
  status: number;
  contentType: string;
  text: string;
}

/** What is wrong with an answer, or undefined when it is what bad input may get. */
export function problemWith(answer: Answer, method = 'GET'): string | undefined {
  const { status } = answer;
  if (status >= 500) return `${status}: ${answer.text.slice(0, 300)}`;
  if (status < 400) return status < 300 || status === 304 ? undefined : `unexpected ${status}`;
  if (!ALLOWED_CLIENT_ERRORS.has(status)) return `unexpected ${status}`;
  if (method === 'HEAD') return undefined;
  if (!answer.contentType.startsWith('application/problem+json'))
    return `${status} as ${answer.contentType || 'no content type'}: ${answer.text.slice(0, 200)}`;
  let body: { status?: unknown; type?: unknown; title?: unknown };
  try {
    body = JSON.parse(answer.text);
  } catch {
    return `${status} problem is not JSON: ${answer.text.slice(0, 200)}`;
  }
  if (body.status !== status || typeof body.type !== 'string' || typeof body.title !== 'string')
    return `${status} problem lacks type/title/status: ${answer.text.slice(0, 200)}`;
  return undefined;
}

/** Send a request and read the whole answer, with a generous timeout for a busy machine. */
export async function send(
  url: string,
  init: { method: string; headers?: Record<string, string>; body?: string | Uint8Array },
  timeoutMs = 20_000,
): Promise<Answer> {
  let res: Response;
  try {
    res = await fetch(url, {
      method: init.method,
      headers: init.headers ?? {},
      ...(init.body !== undefined && init.method !== 'GET' && init.method !== 'HEAD'
        ? { body: init.body }
        : {}),
      signal: AbortSignal.timeout(timeoutMs),
    });
  } catch (err) {
    const body =
      typeof init.body === 'string' ? init.body.slice(0, 300) : `${init.body?.length ?? 0} bytes`;
    throw new Error(`${init.method} ${url.slice(0, 300)} with ${body}: ${(err as Error).message}`);
  }
  const type = res.headers.get('content-type') ?? '';
  // A stream of events stays open by design: its headers are the answer.
  if (type.startsWith('text/event-stream')) {
    await res.body?.cancel();
    return { status: res.status, contentType: type, text: '' };
  }
  return { status: res.status, contentType: type, text: await res.text() };
}

/** Counts of answers by status, printed at the end of a fuzz file. */
export class Tally {
  readonly #byStatus = new Map<string, number>();
  readonly #targets = new Set<string>();
  cases = 0;

  constructor(readonly label: string) {}

  record(target: string, status: number | string): void {
    this.cases += 1;
    this.#targets.add(target);
    const key = typeof status === 'number' && status >= 500 ? '5xx' : String(status);
    this.#byStatus.set(key, (this.#byStatus.get(key) ?? 0) + 1);
  }

  count(status: string): number {
    return this.#byStatus.get(status) ?? 0;
  }

  summary(unit = 'routes'): string {
    const n = (x: number) => x.toLocaleString('en-US');
    const parts = [...this.#byStatus.entries()]
      .filter(([k]) => k !== '5xx')
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([k, v]) => `${k}×${n(v)}`);
    parts.push(`5xx×${n(this.count('5xx'))}`);
    return `fuzz ${this.label}: ${n(this.cases)} cases over ${n(this.#targets.size)} ${unit}: ${parts.join(', ')}`;
  }
}

/**
 * A property failure in a few lines: the seed and path to replay it and the error, without the
 * counterexample (a bad body may be megabytes long).
 */
export function briefly(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  const lines = message.split('\n');
  const seed = lines.find((l) => l.includes('seed:')) ?? '';
  const cause =
    (err instanceof Error && err.cause instanceof Error ? err.cause.message : undefined) ??
    lines.find((l) => l.includes('Got error')) ??
    lines[0] ??
    '';
  return `${cause.slice(0, 600)} ${seed.slice(0, 200)}`.trim();
}
