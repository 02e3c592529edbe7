/**
 * Faults and refusals that end a request. Expected business outcomes are returned as values by
 * domain code; a route turns the ones the caller must hear about into an `AppError`, and the
 * one error mapper (`http/problem.ts`) writes it as RFC 9457 problem+json.
 */
export type ErrorCode =
  | 'validation'
  | 'malformed-json'
  | 'unauthenticated'
  | 'forbidden'
  | 'not-found'
  | 'method-not-allowed'
  | 'conflict'
  | 'illegal-transition'
  | 'idempotency-key-reuse'
  | 'idempotency-in-progress'
  | 'payload-too-large'
  | 'unsupported-media-type'
  | 'rate-limited'
  | 'unavailable'
  | 'timeout'
  | 'internal';

export const STATUS_OF: Record<ErrorCode, number> = {
  validation: 400,
  'malformed-json': 400,
  unauthenticated: 401,
  forbidden: 403,
  'not-found': 404,
  'method-not-allowed': 405,
  conflict: 409,
  'illegal-transition': 409,
  'idempotency-key-reuse': 409,
  'idempotency-in-progress': 409,
  'payload-too-large': 413,
  'unsupported-media-type': 415,
  'rate-limited': 429,
  unavailable: 503,
  timeout: 504,
  internal: 500,
};

export const TITLE_OF: Record<ErrorCode, string> = {
  validation: 'The request is not valid',
  'malformed-json': 'The request body is not valid JSON',
  unauthenticated: 'Authentication is required',
  forbidden: 'You are not allowed to do this',
  'not-found': 'Not found',
  'method-not-allowed': 'Method not allowed',
  conflict: 'The request conflicts with the current state',
  'illegal-transition': 'That status change is not allowed',
  'idempotency-key-reuse': 'The Idempotency-Key was already used with a different request',
  'idempotency-in-progress': 'A request with this Idempotency-Key is still being processed',
  'payload-too-large': 'The request body is too large',
  'unsupported-media-type': 'Unsupported media type',
  'rate-limited': 'Too many requests',
  unavailable: 'Service unavailable',
  timeout: 'The request timed out',
  internal: 'Internal error',
};

export interface FieldError {
  /** Dotted path of the offending field, e.g. `items.0.quantity`; empty for the whole body. */
  field: string;
  message: string;
}

export class AppError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly errors: FieldError[] | undefined;
  readonly extra: Record<string, unknown> | undefined;
  readonly headers: Record<string, string> | undefined;

  constructor(
    code: ErrorCode,
    detail: string,
    options: {
      errors?: FieldError[];
      extra?: Record<string, unknown>;
      headers?: Record<string, string>;
      cause?: unknown;
    } = {},
  ) {
    super(detail, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'AppError';
    this.code = code;
    this.status = STATUS_OF[code];
    this.errors = options.errors;
    this.extra = options.extra;
    this.headers = options.headers;
  }
}

export const notFound = (what: string) => new AppError('not-found', `${what} was not found`);
export const conflict = (detail: string, extra?: Record<string, unknown>) =>
  new AppError('conflict', detail, extra ? { extra } : {});
export const invalid = (errors: FieldError[], detail = 'Some fields are not valid') =>
  new AppError('validation', detail, { errors });
