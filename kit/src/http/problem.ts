import type { ErrorRequestHandler, Request, Response } from 'express';
import { AppError, type ErrorCode, TITLE_OF } from '../errors.js';
import { contextLogger, type Logger } from '../logger.js';
import { isDiskFull } from '../sqlite/db.js';

/** RFC 9457 problem details, with the field list and correlation ID this system adds. */
export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  instance: string;
  correlationId?: string;
  errors?: { field: string; message: string }[];
  [extension: string]: unknown;
}

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';

export function problemType(code: ErrorCode): string {
  return `urn:pos:problem:${code}`;
}

export function toProblem(err: AppError, req: Request): Problem {
  const problem: Problem = {
    ...err.extra,
    type: problemType(err.code),
    title: TITLE_OF[err.code],
    status: err.status,
    detail: err.message,
    instance: req.originalUrl,
  };
  const correlationId = req.correlationId;
  if (correlationId) problem.correlationId = correlationId;
  if (err.errors) problem.errors = err.errors;
  return problem;
}

export function sendProblem(req: Request, res: Response, err: AppError): void {
  if (res.headersSent) {
    res.end();
    return;
  }
  for (const [name, value] of Object.entries(err.headers ?? {})) res.setHeader(name, value);
  res
    .status(err.status)
    .type(PROBLEM_CONTENT_TYPE)
    .send(JSON.stringify(toProblem(err, req)));
}

interface BodyParserError extends Error {
  type?: string;
  status?: number;
  limit?: number;
}

/** Turn anything thrown into an AppError. Unknown faults become a 500 with no internals shown. */
export function asAppError(err: unknown): AppError {
  if (err instanceof AppError) return err;
  const e = err as BodyParserError;
  switch (e?.type) {
    case 'entity.too.large':
      return new AppError(
        'payload-too-large',
        `The body is larger than the limit of ${e.limit} bytes`,
      );
    case 'entity.parse.failed':
      return new AppError('malformed-json', 'The body could not be parsed as JSON', {
        errors: [{ field: '', message: 'malformed JSON' }],
      });
    case 'encoding.unsupported':
    case 'charset.unsupported':
      return new AppError('unsupported-media-type', e.message);
    case 'request.aborted':
    case 'request.size.invalid':
    case 'stream.encoding.set':
      return new AppError('validation', e.message);
  }
  if (isDiskFull(err)) {
    return new AppError(
      'unavailable',
      'The hub cannot save right now (its storage is full); nothing was recorded, try again',
      { cause: err, headers: { 'Retry-After': '5' } },
    );
  }
  if (typeof e?.status === 'number' && e.status >= 400 && e.status < 500) {
    return new AppError('validation', e.message);
  }
  return new AppError('internal', 'Something went wrong on our side; it has been logged', {
    cause: err,
  });
}

export function errorMapper(logger: Logger): ErrorRequestHandler {
  return (err, req, res, _next) => {
    const appError = asAppError(err);
    const log = contextLogger(logger);
    if (appError.status >= 500) {
      log.error({ err: err instanceof Error ? err : new Error(String(err)) }, 'request failed');
    } else {
      log.info({ code: appError.code, status: appError.status }, appError.message);
    }
    sendProblem(req, res, appError);
  };
}
