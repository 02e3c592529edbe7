import fc from 'fast-check';

// Values shaped like an OpenAPI (JSON Schema 2020-12) schema says, for the cloud's documents,
// which the services write from the same zod schemas that validate them. A value made here is
// usually valid; the fuzz tests then bend it (`mutate`) to find what the validation misses.

export type JsonSchema = { [key: string]: unknown };

const MAX_DEPTH = 6;

export function fromSchema(
  schema: JsonSchema | undefined,
  root: JsonSchema = {},
  depth = 0,
): fc.Arbitrary<unknown> {
  if (!schema || typeof schema !== 'object' || depth > MAX_DEPTH) return fc.constant(null);
  const s = schema;
  if (typeof s.$ref === 'string') return fromSchema(resolve(s.$ref, root), root, depth + 1);
  if ('const' in s) return fc.constant(s.const);
  if (Array.isArray(s.enum) && s.enum.length > 0) return fc.constantFrom(...s.enum);
  const alternatives = (s.anyOf ?? s.oneOf) as JsonSchema[] | undefined;
  if (Array.isArray(alternatives) && alternatives.length > 0)
    return fc.oneof(...alternatives.map((a) => fromSchema(a, root, depth + 1)));
  if (Array.isArray(s.allOf) && s.allOf.length > 0)
    return fromSchema(Object.assign({}, ...(s.allOf as JsonSchema[])), root, depth + 1);
  if (Array.isArray(s.type))
    return fc.oneof(...s.type.map((type) => fromSchema({ ...s, type }, root, depth + 1)));
  switch (s.type) {
    case 'string':
      return stringFrom(s);
    case 'integer': {
      const min = bound(s.minimum, s.exclusiveMinimum, 1, -1_000);
      const max = bound(s.maximum, s.exclusiveMaximum, -1, 1_000_000);
      return fc.integer({ min: Math.ceil(min), max: Math.max(Math.ceil(min), Math.floor(max)) });
    }
    case 'number': {
      const min = bound(s.minimum, s.exclusiveMinimum, 1e-9, -1_000);
      const max = bound(s.maximum, s.exclusiveMaximum, -1e-9, 1_000_000);
      return fc.double({ min, max: Math.max(min, max), noNaN: true, noDefaultInfinity: true });
    }
    case 'boolean':
      return fc.boolean();
    case 'null':
      return fc.constant(null);
    case 'array': {
      const minLength = Number(s.minItems ?? 0);
      const maxLength = Math.min(Number(s.maxItems ?? minLength + 3), minLength + 3);
      return fc.array(fromSchema(s.items as JsonSchema, root, depth + 1), { minLength, maxLength });
    }
    case 'object':
      return objectFrom(s, root, depth);
    default:
      return s.properties ? objectFrom(s, root, depth) : fc.jsonValue({ maxDepth: 2 });
  }
}

function objectFrom(s: JsonSchema, root: JsonSchema, depth: number): fc.Arbitrary<unknown> {
  const properties = (s.properties ?? {}) as Record<string, JsonSchema>;
  const required = new Set((s.required ?? []) as string[]);
  const names = Object.keys(properties);
  if (names.length === 0) {
    const extra = s.additionalProperties;
    if (extra && typeof extra === 'object')
      return fc.dictionary(
        fromSchema(
          (s.propertyNames as JsonSchema) ?? { type: 'string', maxLength: 12 },
          root,
          depth + 1,
        ).map(String),
        fromSchema(extra as JsonSchema, root, depth + 1),
        { maxKeys: 3 },
      );
    return fc.constant({});
  }
  const model: Record<string, fc.Arbitrary<unknown>> = {};
  for (const name of names) model[name] = fromSchema(properties[name], root, depth + 1);
  return fc.record(model, { requiredKeys: names.filter((n) => required.has(n)) });
}

function stringFrom(s: JsonSchema): fc.Arbitrary<string> {
  const minLength = Number(s.minLength ?? 0);
  const maxLength = Math.max(
    minLength,
    Math.min(Number(s.maxLength ?? minLength + 24), minLength + 24),
  );
  switch (s.format) {
    case 'uuid':
      return fc.uuid();
    case 'email':
      return fc.emailAddress();
    case 'date-time':
      return fc
        .date({ min: new Date('2000-01-01'), max: new Date('2099-12-31'), noInvalidDate: true })
        .map((d) => d.toISOString());
    case 'date':
      return fc
        .date({ min: new Date('2000-01-01'), max: new Date('2099-12-31'), noInvalidDate: true })
        .map((d) => d.toISOString().slice(0, 10));
    case 'uri':
      return fc.webUrl();
  }
  if (typeof s.pattern === 'string') {
    try {
      const pattern = new RegExp(s.pattern);
      return fc
        .stringMatching(pattern)
        .filter((v) => v.length >= minLength && v.length <= maxLength * 4);
    } catch {
      // A pattern fast-check cannot walk: plain text will do.
    }
  }
  return fc.string({ minLength, maxLength });
}

function bound(inclusive: unknown, exclusive: unknown, step: number, fallback: number): number {
  if (typeof inclusive === 'number') return inclusive;
  if (typeof exclusive === 'number') return exclusive + step;
  return fallback;
}

function resolve(ref: string, root: JsonSchema): JsonSchema | undefined {
  if (!ref.startsWith('#/')) return undefined;
  let node: unknown = root;
  for (const part of ref.slice(2).split('/')) node = (node as JsonSchema | undefined)?.[part];
  return node as JsonSchema | undefined;
}
