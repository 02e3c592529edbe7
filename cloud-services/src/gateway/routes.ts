/** The services the gateway forwards to. */
export const UPSTREAMS = ['auth', 'menu', 'loyalty', 'notification', 'sync', 'online'] as const;
export type UpstreamName = (typeof UPSTREAMS)[number];

/** Who may call: anyone, anyone signed in, or holders of one of the roles. */
export type Access = 'public' | 'signed-in' | readonly string[];

/**
 * One public path prefix and the service behind it (seed §1.1, §4), with who may read (GET,
 * HEAD) and who may write (everything else). The longest matching prefix decides.
 */
export interface GatewayRoute {
  /** Matches the prefix itself and everything below it (`/api/v1/menu`, `/api/v1/menu/items`). */
  prefix: string;
  upstream: UpstreamName;
  read: Access;
  write: Access;
  /**
   * A route on its way out (seed §4.3): answers carry `Deprecation`, `Sunset` (an HTTP date)
   * and a `Link` to what replaces it, for a published period before it is removed.
   */
  deprecated?: { sunset: string; successor?: string };
}

const STAFF = ['owner', 'manager', 'cashier', 'cook', 'service'];
const MANAGERS = ['owner', 'manager', 'service'];
const CUSTOMERS = ['customer'];

export const GATEWAY_ROUTES: readonly GatewayRoute[] = [
  // Signing in, registering, refreshing and the JWKS are for everyone.
  { prefix: '/api/v1/auth', upstream: 'auth', read: 'public', write: 'public' },
  { prefix: '/api/v1/auth/sessions', upstream: 'auth', read: 'signed-in', write: 'signed-in' },
  // A customer confirms their own email (the auth service checks whose token it is).
  { prefix: '/api/v1/auth/email', upstream: 'auth', read: 'signed-in', write: 'signed-in' },
  { prefix: '/api/v1/auth/keys', upstream: 'auth', read: MANAGERS, write: ['owner', 'service'] },
  { prefix: '/api/v1/auth/users', upstream: 'auth', read: MANAGERS, write: ['owner', 'manager'] },
  { prefix: '/api/v1/auth/stores', upstream: 'auth', read: MANAGERS, write: ['owner'] },
  { prefix: '/api/v1/auth/clients', upstream: 'auth', read: ['owner'], write: ['owner'] },
  // Guests browse the menu; managers change it.
  { prefix: '/api/v1/menu', upstream: 'menu', read: 'public', write: MANAGERS },
  // The draft is work in progress: only managers see it.
  { prefix: '/api/v1/menu/draft', upstream: 'menu', read: MANAGERS, write: MANAGERS },
  // The published history (who published, what changed) and each store's own prices are the
  // managers' tools; guests read the current menu (and online ordering its store's prices).
  { prefix: '/api/v1/menu/versions', upstream: 'menu', read: MANAGERS, write: MANAGERS },
  { prefix: '/api/v1/menu/price-overrides', upstream: 'menu', read: MANAGERS, write: MANAGERS },
  { prefix: '/api/v1/loyalty', upstream: 'loyalty', read: 'signed-in', write: 'signed-in' },
  // Accounts are found and opened by staff at the counter; a guest never looks one up.
  { prefix: '/api/v1/loyalty/accounts', upstream: 'loyalty', read: STAFF, write: STAFF },
  // A signed-in guest's own account: the service finds it by the token's email (seed §10).
  { prefix: '/api/v1/loyalty/me', upstream: 'loyalty', read: CUSTOMERS, write: CUSTOMERS },
  // Giving points and setting up the programme are for managers.
  { prefix: '/api/v1/loyalty/points', upstream: 'loyalty', read: MANAGERS, write: MANAGERS },
  { prefix: '/api/v1/loyalty/promotions', upstream: 'loyalty', read: 'signed-in', write: MANAGERS },
  { prefix: '/api/v1/loyalty/multipliers', upstream: 'loyalty', read: MANAGERS, write: MANAGERS },
  { prefix: '/api/v1/loyalty/tiers', upstream: 'loyalty', read: 'signed-in', write: MANAGERS },
  { prefix: '/api/v1/loyalty/rewards', upstream: 'loyalty', read: 'signed-in', write: MANAGERS },
  // Any staff member redeems a reward for a guest at the counter (a guest redeems under /me).
  { prefix: '/api/v1/loyalty/rewards/redeem', upstream: 'loyalty', read: STAFF, write: STAFF },
  { prefix: '/api/v1/notifications', upstream: 'notification', read: STAFF, write: MANAGERS },
  // Hubs sign these with their store credential, which the sync service checks itself.
  { prefix: '/api/v1/sync/enrol', upstream: 'sync', read: 'public', write: 'public' },
  { prefix: '/api/v1/sync/push', upstream: 'sync', read: 'public', write: 'public' },
  { prefix: '/api/v1/sync/changes', upstream: 'sync', read: 'public', write: 'public' },
  { prefix: '/api/v1/sync/loyalty', upstream: 'sync', read: 'public', write: 'public' },
  // Guests see the stores and their menus without an account.
  { prefix: '/api/v1/online', upstream: 'sync', read: 'public', write: 'public' },
  // Guests place and follow their orders; the service checks each order's access token itself.
  { prefix: '/api/v1/online/orders', upstream: 'online', read: 'public', write: 'public' },
  // Stores, their hubs and the sales they synced are for managers.
  { prefix: '/api/v1/sync/stores', upstream: 'sync', read: MANAGERS, write: ['owner', 'manager'] },
  { prefix: '/api/v1/sync/reports', upstream: 'sync', read: MANAGERS, write: MANAGERS },
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
