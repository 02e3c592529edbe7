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
  if (result.success) return result.data;
  const errors = fieldErrors(result.error, where === 'body' ? undefined : where);
  const fields = [...new Set(errors.map((e) => e.field || '(body)'))].join(', ');
  throw new AppError('validation', `Invalid ${fields}`, { errors });
}

interface Schemas {
  body?: z.ZodType;
  query?: z.ZodType;
  params?: z.ZodType;
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
        if (result.success) input[where] = result.data;
        else errors.push(...fieldErrors(result.error, where === 'body' ? undefined : where));
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
