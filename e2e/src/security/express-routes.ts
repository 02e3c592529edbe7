import { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Express } from 'express';

/** One thing an Express app answers: a route (method and path) or a mount (`use`, any method). */
export interface RegisteredRoute {
  method: string;
  path: string;
  /** `use` mounts answer every path below them (static files, sub-apps). */
  kind: 'route' | 'mount';
  /** Registered on a router mounted in the app, not on the app itself. */
  nested: boolean;
}

interface Layer {
  name: string;
  rawPath?: string | string[];
  route?: { path: string | string[]; methods: Record<string, boolean> };
  handle: { stack?: Layer[] };
  slash?: boolean;
}

/** The Express app behind a listening HTTP server (its `request` listener). */
export function expressAppOf(server: Server): Express {
  const app = server.listeners('request').find((l) => 'router' in l && 'use' in l);
  if (!app) throw new Error('this server does not run an Express app');
  return app as unknown as Express;
}

/**
 * Every route and mount the app registers, read from its router stack (routers mounted with
 * `use` are walked, their mount path prefixed). Middleware mounted at `/` without a path (the
 * logger, the JSON parser, the 404 handler) is not an endpoint and is left out.
 */
export function registeredRoutes(app: Express): RegisteredRoute[] {
  const router = (app as unknown as { router: { stack: Layer[] } }).router;
  return walk(router.stack, '', false);
}

function walk(stack: readonly Layer[], prefix: string, nested: boolean): RegisteredRoute[] {
  const out: RegisteredRoute[] = [];
  for (const layer of stack) {
    if (layer.route) {
      for (const path of [layer.route.path].flat()) {
        for (const [method, on] of Object.entries(layer.route.methods)) {
          if (on && method !== '_all') {
            out.push({
              method: method.toUpperCase(),
              path: join(prefix, path),
              kind: 'route',
              nested,
            });
          }
        }
      }
      continue;
    }
    const mounted = [layer.rawPath ?? '/'].flat();
    if (layer.handle.stack) {
      for (const path of mounted) out.push(...walk(layer.handle.stack, join(prefix, path), true));
      continue;
    }
    for (const path of mounted) {
      if (path !== '/' && path !== '')
        out.push({ method: 'ANY', path: join(prefix, path), kind: 'mount', nested });
    }
  }
  return out;
}

function join(prefix: string, path: string): string {
  if (path === '/' || path === '') return prefix || '/';
  return `${prefix.replace(/\/$/, '')}${path}`;
}

/** A concrete path for a route pattern (`/orders/:id` → `/orders/x`), for prefix matching. */
export const samplePath = (pattern: string) =>
  pattern.replace(/\{[^}]+\}/g, 'x').replace(/:[A-Za-z0-9_]+/g, 'x');

/**
 * Run `start` while recording every HTTP server that starts listening, and give back the Express
 * app of each URL in `urls` (the cloud's services do not hand out their apps).
 */
export async function withExpressApps<T, K extends string>(
  start: () => Promise<T>,
  urls: (started: T) => Readonly<Record<K, string>>,
): Promise<{ started: T; apps: Map<K, Express>; servers: Server[] }> {
  const servers: Server[] = [];
  const listen = Server.prototype.listen;
  Server.prototype.listen = function (this: Server, ...args: unknown[]) {
    servers.push(this);
    return listen.apply(this, args as Parameters<typeof listen>);
  } as typeof listen;
  let started: T;
  try {
    started = await start();
  } finally {
    Server.prototype.listen = listen;
  }
  const apps = new Map<K, Express>();
  for (const [name, url] of Object.entries(urls(started)) as [K, string][]) {
    if (!url) continue;
    const port = Number(new URL(url).port);
    const server = servers.find((s) => (s.address() as AddressInfo | null)?.port === port);
    if (!server) throw new Error(`no server found for ${name} at ${url}`);
    apps.set(name, expressAppOf(server));
  }
  return { started, apps, servers };
}
