import { startTestHub, type TestHub } from '@pos/edge-hub/testing/hub-harness';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RegisteredRoute, registeredRoutes } from './express-routes.js';

// The hub's route × role matrix (`hub.routes`, tested role by role in the staff module) lists
// what the modules declared through `SecureRouter`. Here the hub's real Express router stack is
// read, so a route added straight on the app, without a declared role, fails the build; and a
// declaration that registered nothing is caught too.

/**
 * What the hub answers outside `SecureRouter`, each public by design. Anything else registered
 * on the app without a declared role fails.
 */
const UNDECLARED_BY_DESIGN: Readonly<Record<string, string>> = {
  'GET /health': 'liveness for the process supervisor; says nothing about the store',
  'GET /ready': 'readiness per module, for the supervisor and the terminal’s connection light',
  'GET /metrics': 'Prometheus counters for the store’s monitoring; no order or staff data',
  'GET /': 'sends a browser to the cashier terminal',
  'ANY /terminal': 'the cashier terminal’s static files; the app asks for a PIN itself',
  'ANY /kds': 'the kitchen display’s static files; its API calls carry a cook’s session',
};

let t: TestHub;
let registered: RegisteredRoute[];

beforeAll(async () => {
  t = await startTestHub();
  registered = registeredRoutes(t.hub.app);
}, 120_000);

afterAll(async () => {
  await t?.stop();
});

const key = (r: { method: string; path: string }) => `${r.method.toUpperCase()} ${r.path}`;

describe('hub route × role matrix is complete', () => {
  it('every route the hub app registers declares its roles (or is a listed public page)', () => {
    const declared = new Set(t.hub.routes.map(key));
    const undeclared = registered
      .filter((r) => !(r.kind === 'mount' && r.nested))
      .map(key)
      .filter((k) => !declared.has(k) && !(k in UNDECLARED_BY_DESIGN));
    expect(registered.length).toBeGreaterThan(60);
    expect([...new Set(undeclared)]).toEqual([]);
  });

  it("a module's own middleware (idempotency keys) only sits in front of its declared routes", () => {
    const under = (prefix: string) =>
      t.hub.routes.some((r) => r.path === prefix || r.path.startsWith(`${prefix}/`));
    const stray = registered
      .filter((r) => r.kind === 'mount' && r.nested && !under(r.path))
      .map(key);
    expect(stray).toEqual([]);
  });

  it('every declared route is registered on the app, once', () => {
    const onApp = registered.map(key);
    const missing = t.hub.routes.map(key).filter((k) => !onApp.includes(k));
    expect(missing).toEqual([]);
    const twice = t.hub.routes.map(key).filter((k, i, all) => all.indexOf(k) !== i);
    expect(twice).toEqual([]);
  });

  it('every declared route names a role or says it is public', () => {
    const unclear = t.hub.routes.filter(
      (r) => r.access !== 'public' && (!Array.isArray(r.access) || r.access.length === 0),
    );
    expect(unclear).toEqual([]);
  });

  it('the route × role matrix is the reviewed one: a new route shows up in it with its roles', async () => {
    const rows = t.hub.routes.map(
      (r) =>
        `${r.method.padEnd(6)} ${r.path.padEnd(56)} ${r.access === 'public' ? 'public' : r.access.join(', ')}`,
    );
    await expect(`${[...new Set(rows)].sort().join('\n')}\n`).toMatchFileSnapshot(
      './hub-access-matrix.txt',
    );
  });

  it('the routes public by design are still there (the list does not go stale)', () => {
    const onApp = new Set(registered.map(key));
    const gone = Object.keys(UNDECLARED_BY_DESIGN).filter((k) => !onApp.has(k));
    expect(gone).toEqual([]);
  });
});
