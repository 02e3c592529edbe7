import { badTextAt } from '@pos/kit';

// PostgreSQL's text and jsonb cannot hold NUL, and jsonb refuses a UTF-16 surrogate without its
// pair; JSON from a hub may carry either. Such an event is still kept (with the reason, like any
// event that breaks its contract), its unstorable characters replaced by U+FFFD.

/** The path of the first key or string in `value` PostgreSQL cannot store, if there is one. */
export function unstorableAt(value: unknown): string | undefined {
  const at = badTextAt(value);
  return at === undefined ? undefined : at || '(value)';
}

// biome-ignore lint/suspicious/noControlCharactersInRegex: NUL is what this replaces
const UNSTORABLE = /\u0000|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

const clean = (text: string) => text.replace(UNSTORABLE, '\uFFFD');

/** `value` with every character PostgreSQL cannot store replaced by U+FFFD. */
export function storable<T>(value: T): T {
  if (typeof value === 'string') return clean(value) as T;
  if (Array.isArray(value)) return value.map(storable) as T;
  if (value === null || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const [key, child] of Object.entries(value)) {
    // Defined, not assigned, so a key named `__proto__` stays an ordinary key.
    Object.defineProperty(out, clean(key), {
      value: storable(child),
      enumerable: true,
      writable: true,
      configurable: true,
    });
  }
  return out as T;
}
