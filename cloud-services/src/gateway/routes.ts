/** The services the gateway forwards to. */
export const UPSTREAMS = ['auth', 'menu', 'loyalty', 'notification'] as const;
export type UpstreamName = (typeof UPSTREAMS)[number];

/**
 * One public path prefix and the service behind it (seed §1.1, §4). Plain data on purpose:
 * authentication, roles, rate limits and circuit-breaker settings are added per route here.
 */
export interface GatewayRoute {
  /** Matches the prefix itself and everything below it (`/api/v1/menu`, `/api/v1/menu/items`). */
  prefix: string;
  upstream: UpstreamName;
}

export const GATEWAY_ROUTES: readonly GatewayRoute[] = [
  { prefix: '/api/v1/auth', upstream: 'auth' },
  { prefix: '/api/v1/menu', upstream: 'menu' },
  { prefix: '/api/v1/loyalty', upstream: 'loyalty' },
  { prefix: '/api/v1/notifications', upstream: 'notification' },
];

/** The route whose prefix owns `path`, if any; the longest prefix wins. */
export function routeFor(
  path: string,
  routes: readonly GatewayRoute[] = GATEWAY_ROUTES,
): GatewayRoute | undefined {
  let best: GatewayRoute | undefined;
  for (const route of routes) {
    const owns = path === route.prefix || path.startsWith(`${route.prefix}/`);
    if (owns && (!best || route.prefix.length > best.prefix.length)) best = route;
  }
  return best;
}
