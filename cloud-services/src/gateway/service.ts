import { Agent } from 'node:http';
import { createHttpService, type ReadinessCheck } from '@pos/kit';
import { type CloudServiceRuntime, type StartedService, serveService } from '@pos/kit/sql';
import { gatewayProxy } from './proxy.js';
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
  const http = createHttpService({
    name: GATEWAY_SERVICE,
    logger: runtime.logger,
    readiness,
    before: [
      gatewayProxy({
        routes: options.routes ?? GATEWAY_ROUTES,
        upstreams,
        agent,
        timeoutMs: options.timeoutMs ?? 30_000,
      }),
    ],
    routes: () => {},
  });
  return serveService(http, runtime, [() => agent.destroy()]);
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
