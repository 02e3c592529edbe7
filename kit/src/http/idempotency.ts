import { createHash } from 'node:crypto';
import type { RequestHandler, Response } from 'express';
import { AppError } from '../errors.js';

/**
 * Idempotency-Key (seed §7.6): a retried POST with the same key gets the stored response for
 * 24 h; the same key with another body is a 409, as is a key whose first request is still
 * running. Refusals and faults are not stored (see `isOutcome`), so the client's retry runs.
 */
export interface StoredResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

export type BeginResult =
  | { kind: 'new' }
  | { kind: 'replay'; response: StoredResponse }
  | { kind: 'mismatch' }
  | { kind: 'in-progress' };

export interface IdempotencyStore {
  /** Claim `key` for a request with `fingerprint`, or report what already holds it. */
  begin(scope: string, key: string, fingerprint: string, now: number): Promise<BeginResult>;
  complete(scope: string, key: string, response: StoredResponse, now: number): Promise<void>;
  abandon(scope: string, key: string): Promise<void>;
  /** Forget records older than the retention; returns how many went. */
  prune(olderThan: number): Promise<number>;
}

export const IDEMPOTENCY_TTL_MS = 24 * 60 * 60 * 1000;
/** A claim older than this belongs to a request that died (crash, timeout) and may be retaken. */
export const IDEMPOTENCY_LOCK_MS = 60 * 1000;

const KEY_PATTERN = /^[\x21-\x7e]{1,255}$/;
const REPLAYED_HEADERS = ['content-type', 'location'];

/** Key order does not change a JSON body's meaning, so it must not change its fingerprint. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.keys(value as object)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonical((value as Record<string, unknown>)[k])}`);
    return `{${entries.join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

export interface IdempotencyOptions {
  store: IdempotencyStore;
  /** Refuse POSTs that carry no key (payments); otherwise a missing key just skips replay. */
  required?: boolean;
  /** Who is asking: keys of different callers never collide. */
  principal?: (req: Parameters<RequestHandler>[0]) => string | undefined;
  clock?: () => number;
}

export function idempotency(options: IdempotencyOptions): RequestHandler {
  const clock = options.clock ?? Date.now;
  return async (req, res, next) => {
    if (req.method !== 'POST' && req.method !== 'PATCH') return next();
    const key = req.get('idempotency-key');
    if (key === undefined) {
      if (!options.required) return next();
      return next(
        new AppError('validation', 'This request needs an Idempotency-Key header', {
          errors: [{ field: 'Idempotency-Key', message: 'required' }],
        }),
      );
    }
    if (!KEY_PATTERN.test(key)) {
      return next(
        new AppError('validation', 'The Idempotency-Key header is not valid', {
          errors: [{ field: 'Idempotency-Key', message: '1 to 255 printable ASCII characters' }],
        }),
      );
    }
    const scope = `${options.principal?.(req) ?? '-'} ${req.method} ${req.baseUrl}${req.path}`;
    const fingerprint = createHash('sha256')
      .update(canonical(req.body ?? null))
      .digest('hex');
    try {
      const begun = await options.store.begin(scope, key, fingerprint, clock());
      switch (begun.kind) {
        case 'replay':
          return replay(res, begun.response);
        case 'mismatch':
          throw new AppError(
            'idempotency-key-reuse',
            'This Idempotency-Key was used for a different request body',
          );
        case 'in-progress':
          throw new AppError(
            'idempotency-in-progress',
            'The first request with this Idempotency-Key has not finished yet',
            { headers: { 'Retry-After': '1' } },
          );
      }
    } catch (err) {
      return next(err);
    }
    capture(res, async (response) => {
      if (response && isOutcome(response.status)) {
        await options.store.complete(scope, key, response, clock());
      } else {
        await options.store.abandon(scope, key);
      }
    });
    next();
  };
}

/**
 * Only answers that report what the request did are kept: success, or a business-rule 409.
 * A request refused before any work (400, 401, 403, 404, 413…) or a fault (5xx) releases the key,
 * so the corrected or retried request runs.
 */
function isOutcome(status: number): boolean {
  return (status >= 200 && status < 300) || status === 409;
}

function replay(res: Response, stored: StoredResponse): void {
  for (const [name, value] of Object.entries(stored.headers)) res.setHeader(name, value);
  res.setHeader('Idempotent-Replayed', 'true');
  res.status(stored.status).send(stored.body);
}

/**
 * Store what the handler answers before the answer leaves, so a client that retries the moment
 * it hears back finds the stored response and never a claim still marked in progress.
 */
function capture(res: Response, done: (response: StoredResponse | undefined) => Promise<void>) {
  let settled = false;
  const send = res.send.bind(res);
  res.send = (payload?: unknown) => {
    if (settled) return send(payload);
    settled = true;
    const headers: Record<string, string> = {};
    for (const name of REPLAYED_HEADERS) {
      const value = res.getHeader(name);
      if (value !== undefined) headers[name] = String(value);
    }
    const body = Buffer.isBuffer(payload) ? payload.toString('utf8') : String(payload ?? '');
    done({ status: res.statusCode, headers, body })
      .catch(() => {
        // Bookkeeping failed: the answer still goes out; a retry will simply run again.
      })
      .finally(() => send(payload));
    return res;
  };
  res.once('close', () => {
    if (!settled) {
      settled = true;
      void done(undefined).catch(() => {});
    }
  });
}
