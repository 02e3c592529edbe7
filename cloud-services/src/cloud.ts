import { join } from 'node:path';
import { createLogger, type Logger } from '@pos/kit';
import {
  type CloudServiceRuntime,
  MemoryBus,
  SharedPglite,
  type StartedService,
} from '@pos/kit/sql';
import { startSyncServer } from '@pos/sync/server/index';
import { startAuthService } from './auth/index.js';
import { CLOUD_SERVICES, type CloudServiceName, cloudConfigFromEnv } from './config.js';
import { startGateway } from './gateway/index.js';
import { startLoyaltyService } from './loyalty/index.js';
import { startMenuService } from './menu/index.js';
import { startNotificationService } from './notification/index.js';
import { startOnlineService } from './online/index.js';

export interface StartCloudOptions {
  env: Readonly<Record<string, string | undefined>>;
  /** Overrides the `*_PORT` variables; 0 for any free port. */
  ports?: Partial<Record<CloudServiceName, number>>;
  /** Keeps the embedded database under `dataDir/pglite`; in memory when absent. */
  dataDir?: string;
  logger?: Logger;
}

export interface Cloud {
  urls: Record<CloudServiceName, string>;
  stop(): Promise<void>;
}

/** Starts a service, given where the ones started before it listen. */
type Starter = (
  runtime: CloudServiceRuntime,
  urls: Partial<Record<CloudServiceName, string>>,
) => Promise<StartedService>;

// Behind the gateway; started first so the gateway knows where they listen.
const SERVICES: readonly [Exclude<CloudServiceName, 'gateway' | 'sync' | 'online'>, Starter][] = [
  ['auth', startAuthService],
  ['menu', startMenuService],
  // Loyalty checks guests' own tokens (their points) against auth's keys.
  [
    'loyalty',
    (runtime, urls) =>
      startLoyaltyService(runtime, urls.auth ? { authUrl: reachable(urls.auth) } : {}),
  ],
  ['notification', startNotificationService],
];

/**
 * Every cloud service in one process (the `npm start` default). Services without their own
 * `*_DATABASE_URL` share one embedded PGlite, a schema each; it is only started if one needs it.
 * Stops in reverse: the gateway first, the shared database last.
 */
export async function startCloud(options: StartCloudOptions): Promise<Cloud> {
  const config = cloudConfigFromEnv(options.env);
  const ports = { ...config.ports, ...options.ports };
  const logger = options.logger ?? createLogger({ service: 'cloud' });
  const embedded = new SharedPglite({
    ...(options.dataDir ? { dataDir: join(options.dataDir, 'pglite') } : {}),
    logger: logger.child({ module: 'pglite' }),
  });
  // Without AMQP_URL the services of this process share an in-process bus.
  const bus = new MemoryBus();
  const running: StartedService[] = [];
  const stop = async () => {
    for (const service of running.splice(0).reverse()) {
      await service.stop().catch((err: unknown) => {
        logger.error({ err, module: service.name }, 'service did not stop cleanly');
      });
    }
    await bus.close();
    await embedded.close();
  };
  const runtime = (name: CloudServiceName): CloudServiceRuntime => ({
    env: options.env,
    host: config.host,
    port: ports[name],
    logger: logger.child({ module: name }),
    embedded,
    bus,
  });

  try {
    const urls = {} as Record<CloudServiceName, string>;
    // One after another: they share one single-connection PGlite, so parallel buys nothing.
    for (const [name, start] of SERVICES) {
      if (config.run === 'gateway') {
        // The services run in another process on the configured ports.
        urls[name] = `http://${config.host}:${ports[name]}`;
        continue;
      }
      const service = await start(runtime(name), urls);
      running.push(service);
      urls[name] = service.url;
    }
    // Sync fetches menus from the menu service, checks managers against auth's keys and looks
    // guests up in loyalty for the hubs.
    if (config.run === 'gateway') urls.sync = `http://${config.host}:${ports.sync}`;
    else {
      const sync = await startSyncServer(runtime('sync'), {
        menuUrl: reachable(urls.menu),
        authUrl: reachable(urls.auth),
        loyaltyUrl: reachable(urls.loyalty),
      });
      running.push(sync);
      urls.sync = sync.url;
    }
    // Online ordering reads the stores and their menus from sync, and holds guests' points
    // for a reward in loyalty.
    if (config.run === 'gateway') urls.online = `http://${config.host}:${ports.online}`;
    else {
      const online = await startOnlineService(runtime('online'), {
        syncUrl: reachable(urls.sync),
        ...(urls.loyalty ? { loyaltyUrl: reachable(urls.loyalty) } : {}),
      });
      running.push(online);
      urls.online = online.url;
    }
    const reach = (name: CloudServiceName) => reachable(urls[name]);
    if (config.run === 'services') {
      logger.info({ urls }, 'cloud services started (the gateway runs elsewhere)');
      return { urls: { ...urls, gateway: '' }, stop };
    }
    const gateway = await startGateway(runtime('gateway'), {
      upstreams: {
        auth: reach('auth'),
        menu: reach('menu'),
        loyalty: reach('loyalty'),
        notification: reach('notification'),
        sync: reach('sync'),
        online: reach('online'),
      },
      limits: config.rateLimits,
    });
    running.push(gateway);
    urls.gateway = gateway.url;
    // The public entry first, then the rest in port order.
    const ordered = Object.fromEntries(CLOUD_SERVICES.map((name) => [name, urls[name]])) as Record<
      CloudServiceName,
      string
    >;
    logger.info({ urls: ordered }, 'cloud started');
    return { urls: ordered, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}

/** A service bound to every interface is reached over loopback from inside the process. */
function reachable(url: string): string {
  const u = new URL(url);
  if (u.hostname === '0.0.0.0') u.hostname = '127.0.0.1';
  else if (u.hostname === '[::]') u.hostname = '[::1]';
  return u.toString().replace(/\/$/, '');
}
