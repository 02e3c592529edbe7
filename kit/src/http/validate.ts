import type { NextFunction, Request, RequestHandler, Response } from 'express';
import type { z } from 'zod';
import { AppError, type FieldError } from '../errors.js';

export function fieldErrors(error: z.ZodError, prefix?: string): FieldError[] {
  return error.issues.map((issue) => {
    const path = issue.path.map(String).join('.');
    return { field: prefix ? (path ? `${prefix}.${path}` : prefix) : path, message: issue.message };
  });
}

/** Parse `value` with `schema` or throw a 400 that lists every bad field. */
export function parseOrThrow<S extends z.ZodType>(
  schema: S,
  value: unknown,
  where?: 'body' | 'query' | 'params',
): z.output<S> {
  const result = schema.safeParse(value);
  const prefix = where === 'body' ? undefined : where;
  const bad = result.success ? textErrors(result.data, prefix) : [];
  if (result.success && bad.length === 0) return result.data;
  const errors = result.success ? bad : fieldErrors(result.error, prefix);
  const fields = [...new Set(errors.map((e) => e.field || '(body)'))].join(', ');
  throw new AppError('validation', `Invalid ${fields}`, { errors });
}

interface Schemas {
  body?: z.ZodType;
  query?: z.ZodType;
  params?: z.ZodType;
  /**
   * Take the body's text as sent, NUL and unpaired surrogates included (a route that keeps what
   * it is sent, with a reason, rather than refusing it). Query and path are checked regardless.
   */
  anyBodyText?: boolean;
}

// biome-ignore lint/suspicious/noControlCharactersInRegex: NUL is what this looks for
const BAD_TEXT = /\u0000|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/**
 * The path of the first key or string holding NUL or a UTF-16 surrogate without its pair: no
 * field of any request means either, PostgreSQL can store neither (a 500 at the INSERT), and a
 * screen or printer shows neither. Empty string for the value itself.
 */
export function badTextAt(value: unknown, path = ''): string | undefined {
  if (typeof value === 'string') return BAD_TEXT.test(value) ? path : undefined;
  if (value === null || typeof value !== 'object') return undefined;
  for (const [key, child] of Object.entries(value)) {
    const at = path ? `${path}.${key}` : key;
    if (BAD_TEXT.test(key)) return at;
    const found = badTextAt(child, at);
    if (found !== undefined) return found;
  }
  return undefined;
}

function textErrors(value: unknown, prefix?: string): FieldError[] {
  const at = badTextAt(value);
  if (at === undefined) return [];
  const field = prefix ? (at ? `${prefix}.${at}` : prefix) : at;
  return [{ field, message: 'contains NUL or an unpaired UTF-16 surrogate' }];
}

type Out<S, K extends keyof Schemas> =
  S extends Record<K, infer T extends z.ZodType> ? z.output<T> : undefined;

export interface Validated<S extends Schemas> {
  body: Out<S, 'body'>;
  query: Out<S, 'query'>;
  params: Out<S, 'params'>;
}

/**
 * A route handler whose body, query and params are parsed with the given schemas first. Every
 * issue from all three is reported together, so a client fixes its request in one round trip.
 * The handler's resolved value is sent as JSON (status 200 unless it set another).
 */
export function handle<S extends Schemas>(
  schemas: S,
  handler: (input: Validated<S>, req: Request, res: Response) => unknown,
): RequestHandler {
  return async (req: Request, res: Response, next: NextFunction) => {
    try {
      const errors: FieldError[] = [];
      const input: Record<string, unknown> = {};
      for (const where of ['params', 'query', 'body'] as const) {
        const schema = schemas[where];
        if (!schema) continue;
        const raw = where === 'body' ? (req.body ?? {}) : req[where];
        const result = schema.safeParse(raw);
        const prefix = where === 'body' ? undefined : where;
        if (!result.success) errors.push(...fieldErrors(result.error, prefix));
        else {
          const bad =
            where === 'body' && schemas.anyBodyText ? [] : textErrors(result.data, prefix);
          if (bad.length > 0) errors.push(...bad);
          else input[where] = result.data;
        }
      }
      if (errors.length > 0) {
        const fields = [...new Set(errors.map((e) => e.field || '(body)'))].join(', ');
        throw new AppError('validation', `Invalid ${fields}`, { errors });
      }
      const result = await handler(input as unknown as Validated<S>, req, res);
      if (!res.headersSent && result !== undefined) res.json(result);
      else if (!res.headersSent) res.status(res.statusCode === 200 ? 204 : res.statusCode).end();
    } catch (err) {
      next(err);
    }
  };
}

/** Deeper than any request the services define; a body nested past it is refused up front. */
export const MAX_BODY_DEPTH = 64;

/** Whether `value` nests arrays or objects more than `max` levels deep (walked without recursion). */
export function nestedDeeperThan(value: unknown, max: number): boolean {
  const stack: [unknown, number][] = [[value, 1]];
  while (stack.length > 0) {
    const [node, depth] = stack.pop() as [unknown, number];
    if (node === null || typeof node !== 'object') continue;
    if (depth > max) return true;
    for (const child of Object.values(node)) stack.push([child, depth + 1]);
  }
  return false;
}

/**
 * JSON nested thousands of levels deep parses fine but overflows the stack of whatever walks it
 * next (a fingerprint, a schema, a serializer): it is refused as a 400 before any of them runs.
 */
export const refuseDeepBodies: RequestHandler = (req, _res, next) => {
  if (!nestedDeeperThan(req.body, MAX_BODY_DEPTH)) return next();
  next(
    new AppError('validation', `The body is nested more than ${MAX_BODY_DEPTH} levels deep`, {
      errors: [{ field: '', message: `nested more than ${MAX_BODY_DEPTH} levels deep` }],
    }),
  );
};
