import { AppError } from '@pos/kit';
import type { RequestHandler } from 'express';
import { type JWTVerifyGetKey, jwtVerify } from 'jose';
import type { RateCounter } from './rate-limit.js';
import { type Access, type GatewayRoute, routeFor } from './routes.js';

export interface RateLimits {
  /** Requests per window per signed-in user (seed: 100 a minute). */
  perUser: number;
  /** Requests per window per client address (seed: 1,000 a minute). */
  perIp: number;
  windowMs: number;
}

export const SEED_RATE_LIMITS: RateLimits = { perUser: 100, perIp: 1_000, windowMs: 60_000 };

export interface GuardOptions {
  routes: readonly GatewayRoute[];
  /** The auth service's JWKS (cached; fetched again when a token names an unknown key). */
  jwks: JWTVerifyGetKey;
  counter: RateCounter;
  limits: RateLimits;
}

const READS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * In front of the proxy: rate limits per address and per user, and the route's access rule
 * checked against a JWT signed by the auth service (EdDSA, issuer `pos-system`, audience
 * `pos-api`). Answers 401, 403 or 429 (with `Retry-After`) itself; the services never see those.
 */
export function gatewayGuard(options: GuardOptions): RequestHandler {
  return async (req, res, next) => {
    const route = routeFor(req.path, options.routes);
    if (!route) return next();
    try {
      const ip = req.socket.remoteAddress ?? 'unknown';
      await limit(options, `ip:${ip}`, options.limits.perIp, res);
      const access: Access = READS.has(req.method) ? route.read : route.write;
      if (access !== 'public') {
        const claims = await verify(req.get('authorization'), options.jwks);
        await limit(options, `user:${claims.sub}`, options.limits.perUser, res);
        if (access !== 'signed-in' && !claims.roles.some((r) => access.includes(r))) {
          throw new AppError('forbidden', `This needs one of the roles: ${access.join(', ')}`);
        }
      }
      next();
    } catch (err) {
      next(err);
    }
  };
}

async function limit(
  o: GuardOptions,
  key: string,
  max: number,
  res: Parameters<RequestHandler>[1],
) {
  const { count, resetMs } = await o.counter.hit(key, o.limits.windowMs);
  res.setHeader('RateLimit-Limit', String(max));
  res.setHeader('RateLimit-Remaining', String(Math.max(0, max - count)));
  if (count > max) {
    const seconds = Math.max(1, Math.ceil(resetMs / 1000));
    throw new AppError('rate-limited', `Too many requests; try again in ${seconds} s`, {
      headers: { 'Retry-After': String(seconds) },
    });
  }
}

async function verify(header: string | undefined, jwks: JWTVerifyGetKey) {
  const match = /^Bearer ([A-Za-z0-9._~+/=-]{1,8192})$/.exec(header ?? '');
  if (!match?.[1]) {
    throw new AppError('unauthenticated', 'Sign in first', {
      headers: { 'WWW-Authenticate': 'Bearer realm="pos-api"' },
    });
  }
  try {
    const { payload } = await jwtVerify(match[1], jwks, {
      issuer: 'pos-system',
      audience: 'pos-api',
      algorithms: ['EdDSA'],
    });
    const roles = (payload as { roles?: unknown }).roles;
    if (typeof payload.sub !== 'string' || !Array.isArray(roles)) throw new Error('claims');
    return { sub: payload.sub, roles: roles.filter((r): r is string => typeof r === 'string') };
  } catch {
    throw new AppError('unauthenticated', 'The token is not valid or has expired', {
      headers: { 'WWW-Authenticate': 'Bearer realm="pos-api", error="invalid_token"' },
    });
  }
}
