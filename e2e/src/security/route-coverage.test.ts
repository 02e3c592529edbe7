import { type Cloud, startCloud } from '@pos/cloud-services/cloud';
import type { CloudServiceName } from '@pos/cloud-services/config';
import { GATEWAY_ROUTES, routeFor, UPSTREAMS } from '@pos/cloud-services/gateway/routes';
import { createLogger } from '@pos/kit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ANY_PORTS } from '../cloud-harness.js';
import {
  type RegisteredRoute,
  registeredRoutes,
  samplePath,
  withExpressApps,
} from './express-routes.js';

// The gateway's access table is only as good as its coverage: a route a service registers that
// no prefix claims is unreachable from outside (or, worse, would be reached one day through a
// prefix meant for something else). Each service's real router stack and its OpenAPI document
// are read, and every public path is checked against the table.

/** What each service answers for itself and the gateway never forwards (not under `/api`). */
const SERVICE_OWN = new Set(['/health', '/ready', '/metrics', '/openapi.json']);

let cloud: Cloud;
const apps = new Map<CloudServiceName, RegisteredRoute[]>();

beforeAll(async () => {
  const found = await withExpressApps(
    () =>
      startCloud({
        env: {},
        ports: ANY_PORTS,
        logger: createLogger({ service: 'route-coverage', level: 'silent' }),
      }),
    (started) => started.urls,
  );
  cloud = found.started;
  for (const [name, app] of found.apps) apps.set(name, registeredRoutes(app));
}, 120_000);

afterAll(async () => {
  await cloud?.stop();
});

describe('gateway route table covers every cloud route', () => {
  it('every route each service registers under /api is claimed by a gateway prefix for that service', () => {
    const gaps: string[] = [];
    let checked = 0;
    for (const name of UPSTREAMS) {
      const routes = apps.get(name) ?? [];
      expect(routes.length, `${name} registers routes`).toBeGreaterThan(SERVICE_OWN.size - 1);
      for (const route of routes) {
        if (SERVICE_OWN.has(route.path)) continue;
        checked++;
        const rule = routeFor(samplePath(route.path));
        if (!rule) gaps.push(`${name}: ${route.method} ${route.path} falls through to no rule`);
        else if (rule.upstream !== name)
          gaps.push(
            `${name}: ${route.method} ${route.path} is sent to ${rule.upstream} (${rule.prefix})`,
          );
      }
    }
    expect(checked).toBeGreaterThan(50);
    expect(gaps).toEqual([]);
  });

  it("every operation in each service's OpenAPI document is claimed by a prefix for that service, and the merged document keeps it", async () => {
    const merged = (await (await fetch(`${cloud.urls.gateway}/api/v1/openapi.json`)).json()) as {
      paths: Record<string, Record<string, unknown>>;
      'x-unavailable'?: string[];
    };
    expect(merged['x-unavailable']).toBeUndefined();
    const gaps: string[] = [];
    for (const name of UPSTREAMS) {
      const doc = (await (await fetch(`${cloud.urls[name]}/openapi.json`)).json()) as {
        paths?: Record<string, Record<string, unknown>>;
      };
      for (const [path, ops] of Object.entries(doc.paths ?? {})) {
        const rule = routeFor(samplePath(path));
        for (const method of Object.keys(ops)) {
          const label = `${name}: ${method.toUpperCase()} ${path}`;
          if (!rule) gaps.push(`${label} falls through to no rule`);
          else if (rule.upstream !== name) gaps.push(`${label} is sent to ${rule.upstream}`);
          else if (!merged.paths[path]?.[method])
            gaps.push(`${label} is missing from the merged document`);
        }
      }
    }
    expect(gaps).toEqual([]);
  });

  it('every documented operation is a route the service really registers', async () => {
    const undocumented: string[] = [];
    for (const name of UPSTREAMS) {
      const registered = new Set(
        (apps.get(name) ?? []).map((r) => `${r.method} ${samplePath(r.path)}`),
      );
      const doc = (await (await fetch(`${cloud.urls[name]}/openapi.json`)).json()) as {
        paths?: Record<string, Record<string, unknown>>;
      };
      for (const [path, ops] of Object.entries(doc.paths ?? {})) {
        for (const method of Object.keys(ops)) {
          const key = `${method.toUpperCase()} ${samplePath(path)}`;
          if (!registered.has(key)) undocumented.push(`${name}: ${key}`);
        }
      }
    }
    expect(undocumented).toEqual([]);
  });

  it('every prefix in the table leads to a route its service registers', () => {
    const idle = GATEWAY_ROUTES.filter(
      (rule) =>
        !(apps.get(rule.upstream) ?? []).some((r) => {
          const path = samplePath(r.path);
          return path === rule.prefix || path.startsWith(`${rule.prefix}/`);
        }),
    ).map((rule) => `${rule.prefix} → ${rule.upstream}`);
    expect(idle).toEqual([]);
  });

  it('the route × access matrix is the reviewed one: a new route shows up in it with who may call it', async () => {
    // A new route under a broad prefix (`/api/v1/auth`, `/api/v1/online`) would quietly inherit
    // that prefix's rule; here it changes this file, and the change is reviewed (`vitest -u`).
    const rows = new Set<string>();
    for (const name of UPSTREAMS) {
      for (const route of apps.get(name) ?? []) {
        const rule = routeFor(samplePath(route.path));
        if (!rule || SERVICE_OWN.has(route.path)) continue;
        const access = ['GET', 'HEAD'].includes(route.method) ? rule.read : rule.write;
        const who = typeof access === 'string' ? access : access.join(', ');
        rows.add(`${route.method.padEnd(6)} ${route.path.padEnd(56)} ${who}   (${rule.prefix})`);
      }
    }
    await expect(`${[...rows].sort().join('\n')}\n`).toMatchFileSnapshot(
      './gateway-access-matrix.txt',
    );
  });

  it("the gateway's own pages and documents sit outside every proxied prefix", () => {
    const own = (apps.get('gateway') ?? []).filter((r) => !SERVICE_OWN.has(r.path));
    expect(own.map((r) => r.path)).toEqual(
      expect.arrayContaining(['/api/v1/openapi.json', '/api/v1/docs', '/portal', '/order']),
    );
    const shadowed = own.filter((r) => routeFor(samplePath(r.path)));
    expect(shadowed).toEqual([]);
  });
});
