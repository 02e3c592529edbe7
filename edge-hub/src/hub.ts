import { mkdirSync } from 'node:fs';
import { createServer, type Server as HttpServer } from 'node:http';
import { join } from 'node:path';
import { createHttpService, createLogger, type Logger, listen, type RunningServer } from '@pos/kit';
import type { Express } from 'express';
import { type EdgeBroker, startBroker } from './bus/broker.js';
import type { Bus } from './bus/client.js';
import { LocalBus } from './bus/local-bus.js';
import { Subscriptions } from './bus/wiring.js';
import type { HubConfig } from './config.js';
import { type DeclaredRoute, SecureRouter } from './staff/access.js';
import { CloudTokenVerifier } from './staff/cloud-tokens.js';
import { HubSessions } from './staff/sessions.js';

/** What a hub module (order, inventory, payment, KDS…) is given when it starts. */
export interface HubContext {
  config: HubConfig;
  logger: Logger;
  subscriptions: Subscriptions;
  /** Staff session tokens: modules build `SecureRouter`s with it. */
  sessions: HubSessions;
  /** A router whose routes must each declare their roles; they join the hub's route list. */
  secureRouter(): SecureRouter;
  /** The hub's clock (epoch ms). Tickets age and business days turn by it, never a screen's. */
  clock: () => number;
  /** The edge bus for a module: in-process through the hub's own broker, with publish rights. */
  connectBus(name: string): Promise<Bus>;
  /** Run `fn` once every module has started (and so subscribed to what it consumes). */
  afterStart(fn: () => Promise<void> | void): void;
}

export interface StartedModule {
  routes?(app: Express): void;
  /**
   * Attach to the hub's HTTP server before it listens (socket.io for the kitchen screens).
   * The returned function runs before the server closes.
   */
  attach?(server: HttpServer): (() => Promise<void> | void) | undefined;
  readiness?(): unknown;
  close(): Promise<void> | void;
}

/**
 * A part of the hub. `subscribe` runs for every module before any starts, so each producer's
 * outbox knows all consumers of its events from the first event on.
 */
export interface HubModule {
  name: string;
  subscribe?(subscriptions: Subscriptions): void;
  start(ctx: HubContext): Promise<StartedModule>;
}

export interface Hub {
  config: HubConfig;
  logger: Logger;
  broker: EdgeBroker;
  http: RunningServer;
  /** The HTTP app, so that tests can read every route it really registers. */
  app: Express;
  url: string;
  mqttUrl: string;
  sessions: HubSessions;
  /** Every declared route with its access rule: the hub's route × role matrix. */
  routes: readonly DeclaredRoute[];
  stop(): Promise<void>;
}

export interface StartHubOptions {
  logger?: Logger;
  clock?: () => number;
}

export async function startHub(
  config: HubConfig,
  modules: readonly HubModule[] = [],
  options: StartHubOptions = {},
): Promise<Hub> {
  const logger = options.logger ?? createLogger({ service: 'edge-hub', level: config.logLevel });
  const clock = options.clock ?? Date.now;
  mkdirSync(config.dataDir, { recursive: true });
  const closers: (() => Promise<void> | void)[] = [];
  const stopAll = async () => {
    for (const close of closers.reverse()) {
      try {
        await close();
      } catch (err) {
        logger.error({ err }, 'hub part did not stop cleanly');
      }
    }
  };
  try {
    const broker = await startBroker({ ...config.mqtt, logger });
    closers.push(() => broker.close());
    const mqttUrl = `mqtt://${loopbackFor(config.mqtt.host)}:${broker.port}`;

    const subscriptions = new Subscriptions();
    const routes: DeclaredRoute[] = [];
    const sessions = HubSessions.open(config.dataDir, clock);
    if (config.cloudJwksUrl) {
      const cloud = new CloudTokenVerifier({
        jwksUrl: config.cloudJwksUrl,
        cacheFile: join(config.dataDir, 'cloud-jwks.json'),
        clock,
        logger: logger.child({ part: 'cloud-tokens' }),
      });
      cloud.start();
      closers.push(() => cloud.stop());
      sessions.trustCloud(cloud);
    }
    for (const module of modules) module.subscribe?.(subscriptions);
    const afterStart: (() => Promise<void> | void)[] = [];
    const ctx: HubContext = {
      config,
      logger,
      subscriptions,
      sessions,
      secureRouter: () => new SecureRouter(sessions, routes),
      clock,
      connectBus: async () => {
        const bus = new LocalBus(broker.aedes, config.storeId);
        closers.push(() => bus.close());
        return bus;
      },
      afterStart: (fn) => {
        afterStart.push(fn);
      },
    };
    const started: { name: string; module: StartedModule }[] = [];
    for (const module of modules) {
      const s = await module.start({ ...ctx, logger: logger.child({ module: module.name }) });
      closers.push(() => s.close());
      started.push({ name: module.name, module: s });
    }
    // Events a relay sent again at its start reached only the modules started before it.
    for (const fn of afterStart) await fn();

    const readiness: Record<string, () => unknown> = {
      bus: () => {
        if (broker.aedes.closed) throw new Error('broker is closed');
      },
    };
    for (const { name, module } of started) {
      if (module.readiness) readiness[name] = () => module.readiness?.();
    }
    const service = createHttpService({
      name: 'edge-hub',
      logger,
      readiness,
      routes: (app) => {
        for (const { module } of started) module.routes?.(app);
      },
    });
    const server = createServer(service.app);
    broker.attachWebSocket(server, '/mqtt');
    const detach: (() => Promise<void> | void)[] = [];
    for (const { module } of started) {
      const off = module.attach?.(server);
      if (off) detach.push(off);
    }
    const http = await listen(server, config.http.port, config.http.host);
    closers.push(() => http.close());
    for (const off of detach) closers.push(off);
    const url = `http://${loopbackFor(config.http.host)}:${http.port}`;
    logger.info({ url, mqtt: mqttUrl, storeId: config.storeId }, 'hub started');
    return {
      config,
      logger,
      broker,
      http,
      app: service.app,
      url,
      mqttUrl,
      sessions,
      routes,
      stop: stopAll,
    };
  } catch (err) {
    await stopAll();
    throw err;
  }
}

/** Where a process on this machine reaches a server bound to `host`. */
function loopbackFor(host: string): string {
  return host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host;
}
