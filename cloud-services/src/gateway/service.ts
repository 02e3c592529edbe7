import { Agent } from 'node:http';
import { createHttpService, type ReadinessCheck } from '@pos/kit';
import { LOCKED_DOWN, withSecurityHeaders } from '@pos/kit/http/page-headers';
import { type CloudServiceRuntime, type StartedService, serveService } from '@pos/kit/sql';
import { Redis } from 'ioredis';
import { createRemoteJWKSet } from 'jose';
import { CircuitBreaker } from './breaker.js';
import { gatewayGuard, type RateLimits, SEED_RATE_LIMITS } from './guard.js';
import { openApiRoutes } from './openapi.js';
import { orderAppRoutes } from './order-app.js';
import { portalRoutes } from './portal.js';
import { gatewayProxy } from './proxy.js';
import { MemoryCounter, type RateCounter, RedisCounter } from './rate-limit.js';
import { GATEWAY_ROUTES, type GatewayRoute, UPSTREAMS, type UpstreamName } from './routes.js';

export const GATEWAY_SERVICE = 'gateway';

export interface GatewayOptions {
  /** Base URL of each service, e.g. `http://127.0.0.1:5001`. */
  upstreams: Readonly<Record<UpstreamName, string>>;
  routes?: readonly GatewayRoute[];
  /** Longest silence from an upstream before the caller gets a 504 (seed §7.3). */
  timeoutMs?: number;
  /** How long `/ready` waits for each upstream's `/health`. */
  healthTimeoutMs?: number;
  /** Rate limits (default the seed's: 100 a minute per user, 1,000 per address). */
  limits?: RateLimits;
  /** Share counts between gateways through Redis (default `REDIS_URL`, else in memory). */
  redisUrl?: string;
  /** Circuit breaker per upstream (seed §7.1: 5 failures, 30 s open). */
  breaker?: { failures: number; openMs: number };
}

/**
 * The gateway (seed §1.1): the cloud's one public entry. It has no database; `/ready` says
 * whether every upstream's `/health` answers, and everything under a route prefix is proxied.
 */
export async function startGateway(
  runtime: CloudServiceRuntime,
  options: GatewayOptions,
): Promise<StartedService> {
  const upstreams = Object.fromEntries(
    UPSTREAMS.map((name) => [name, new URL(options.upstreams[name])]),
  ) as Record<UpstreamName, URL>;
  const agent = new Agent({ keepAlive: true, maxSockets: 256 });
  const healthTimeoutMs = options.healthTimeoutMs ?? 2_000;
  const readiness: Record<string, ReadinessCheck> = {};
  for (const name of UPSTREAMS) {
    readiness[name] = () => checkHealth(upstreams[name], healthTimeoutMs);
  }
  const routes = options.routes ?? GATEWAY_ROUTES;
  const redisUrl = options.redisUrl ?? runtime.env.REDIS_URL;
  const counter: RateCounter = redisUrl
    ? new RedisCounter(new Redis(redisUrl))
    : new MemoryCounter();
  const breakerOptions = options.breaker ?? { failures: 5, openMs: 30_000 };
  const breakers = Object.fromEntries(
    UPSTREAMS.map((name) => [name, new CircuitBreaker(breakerOptions)]),
  ) as Record<UpstreamName, CircuitBreaker>;
  const jwks = createRemoteJWKSet(
    new URL('api/v1/auth/.well-known/jwks.json', withSlash(upstreams.auth)),
    {
      cooldownDuration: 30_000,
      cacheMaxAge: 10 * 60_000,
    },
  );
  const http = createHttpService({
    name: GATEWAY_SERVICE,
    logger: runtime.logger,
    readiness,
    before: [
      // Every answer, proxied or not; the pages below set what they need instead.
      withSecurityHeaders(LOCKED_DOWN),
      gatewayGuard({ routes, jwks, counter, limits: options.limits ?? SEED_RATE_LIMITS }),
      gatewayProxy({ routes, upstreams, agent, breakers, timeoutMs: options.timeoutMs ?? 10_000 }),
    ],
    routes: (app) => {
      openApiRoutes(app, upstreams, routes);
      portalRoutes(app);
      orderAppRoutes(app);
    },
  });
  return serveService(http, runtime, [() => agent.destroy(), () => counter.close()]);
}

async function checkHealth(base: URL, timeoutMs: number): Promise<void> {
  let response: globalThis.Response;
  try {
    response = await fetch(new URL('health', withSlash(base)), {
      signal: AbortSignal.timeout(timeoutMs),
    });
  } catch {
    throw new Error('not reachable');
  }
  await response.body?.cancel();
  if (!response.ok) throw new Error(`health answered ${response.status}`);
}

function withSlash(url: URL): URL {
  return url.pathname.endsWith('/') ? url : new URL(`${url.pathname}/`, url);
}
