import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ApiClient, PINS, startTestHub, type TestHub } from '../testing/hub-harness.js';
import type { DeclaredRoute } from './access.js';

// Every route the hub declares, called by every role and by nobody: a role the route does not
// name gets 403, nobody gets 401, and a role it names gets past the door (whatever the request
// then says about the empty body). No answer is ever a 500.

let t: TestHub;
const clients: Record<string, ApiClient> = {};

const ROLES = {
  owner: PINS.owner,
  manager: PINS.manager,
  cashier: PINS.cashier,
  cook: PINS.cook,
} as const;

/** What each staff role may do: owners and managers inherit downwards; cooks are separate. */
const HOLDS: Record<keyof typeof ROLES, string[]> = {
  owner: ['owner', 'manager', 'cashier', 'cook'],
  manager: ['manager', 'cashier', 'cook'],
  cashier: ['cashier'],
  cook: ['cook'],
};

beforeAll(async () => {
  t = await startTestHub();
  for (const [role, pin] of Object.entries(ROLES)) clients[role] = await t.as(pin);
});
afterAll(async () => {
  await t?.stop();
});

const sample = (route: DeclaredRoute) =>
  route.path.replace(/:([a-zA-Z]+)/g, (_m, name: string) =>
    name === 'number'
      ? '1'
      : name === 'menuItemId'
        ? 'burger-classic'
        : '01a21000-0000-7000-8000-000000000000',
  );

async function call(route: DeclaredRoute, token?: string) {
  const read = route.method.toLowerCase() === 'get';
  const res = await fetch(`${t.hub.url}${sample(route)}`, {
    method: route.method.toUpperCase(),
    headers: {
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...(route.method === 'get'
        ? {}
        : { 'content-type': 'application/json', 'idempotency-key': crypto.randomUUID() }),
    },
    ...(read ? {} : { body: '{}' }),
  });
  await res.body?.cancel();
  return res.status;
}

describe('hub route × role matrix', () => {
  it('declares roles on every route and enforces them', async () => {
    // Refreshing and signing out end the session the other calls use, so they go last.
    const last = (r: DeclaredRoute) =>
      r.path === '/api/v1/staff/logout' ? 2 : r.path === '/api/v1/staff/session/refresh' ? 1 : 0;
    const routes = [...t.hub.routes].sort((a, b) => last(a) - last(b));
    expect(routes.length).toBeGreaterThan(60);
    const failures: string[] = [];
    for (const route of routes) {
      const label = `${route.method.toUpperCase()} ${route.path}`;
      const anonymous = await call(route);
      if (route.access === 'public') {
        if (anonymous === 401 || anonymous === 403 || anonymous >= 500)
          failures.push(`${label} public → ${anonymous}`);
        continue;
      }
      if (anonymous !== 401) failures.push(`${label} without a token → ${anonymous}`);
      for (const role of Object.keys(ROLES) as (keyof typeof ROLES)[]) {
        const allowed = route.access.some((r) => HOLDS[role].includes(r));
        const status = await call(route, clients[role]?.token);
        if (status >= 500) failures.push(`${label} as ${role} → ${status}`);
        else if (allowed && (status === 401 || status === 403))
          failures.push(`${label} as ${role} → ${status}, should pass`);
        else if (!allowed && status !== 403)
          failures.push(`${label} as ${role} → ${status}, should be 403`);
      }
      // A refresh replaced each session's token: sign in again for the routes after it.
      if (route.path === '/api/v1/staff/session/refresh') {
        for (const [role, pin] of Object.entries(ROLES)) clients[role] = await t.as(pin);
      }
    }
    expect(failures).toEqual([]);
  });
});
