import { z } from 'zod';

/** Every process of the cloud, with the seed's ports (ARCHITECTURE "Processes and ports"). */
export const CLOUD_SERVICES = [
  'gateway',
  'auth',
  'menu',
  'loyalty',
  'notification',
  'sync',
  'online',
] as const;
export type CloudServiceName = (typeof CLOUD_SERVICES)[number];

export const DEFAULT_PORTS: Readonly<Record<CloudServiceName, number>> = {
  gateway: 5000,
  auth: 5001,
  menu: 5002,
  loyalty: 5007,
  notification: 5008,
  sync: 5009,
  online: 5010,
};

const port = z.coerce.number().int().min(0).max(65_535);

const EnvSchema = z.object({
  CLOUD_HOST: z.string().trim().min(1).default('127.0.0.1'),
  GATEWAY_PORT: port.default(DEFAULT_PORTS.gateway),
  AUTH_PORT: port.default(DEFAULT_PORTS.auth),
  MENU_PORT: port.default(DEFAULT_PORTS.menu),
  LOYALTY_PORT: port.default(DEFAULT_PORTS.loyalty),
  NOTIFICATION_PORT: port.default(DEFAULT_PORTS.notification),
  SYNC_PORT: port.default(DEFAULT_PORTS.sync),
  ONLINE_PORT: port.default(DEFAULT_PORTS.online),
  /** `all` (default); `gateway` or `services` to run the gateway in its own process. */
  CLOUD_RUN: z.enum(['all', 'gateway', 'services']).default('all'),
  GATEWAY_RATE_LIMIT_PER_USER: z.coerce.number().int().min(1).default(100),
  GATEWAY_RATE_LIMIT_PER_IP: z.coerce.number().int().min(1).default(1_000),
  GATEWAY_RATE_WINDOW_SECONDS: z.coerce.number().int().min(1).max(3_600).default(60),
});

export interface CloudConfig {
  host: string;
  /** Which part of the cloud this process runs. */
  run: 'all' | 'gateway' | 'services';
  ports: Record<CloudServiceName, number>;
  /** Seed §6.3: 100 requests a minute per user, 1,000 per address. */
  rateLimits: { perUser: number; perIp: number; windowMs: number };
}

export class CloudConfigError extends Error {
  override name = 'CloudConfigError';
}

/** Host and ports from the environment; a bad value stops start-up and names the variable. */
export function cloudConfigFromEnv(env: Readonly<Record<string, string | undefined>>): CloudConfig {
  const parsed = EnvSchema.safeParse(env);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
    throw new CloudConfigError(`invalid cloud configuration: ${problems.join('; ')}`);
  }
  const e = parsed.data;
  return {
    host: e.CLOUD_HOST,
    run: e.CLOUD_RUN,
    ports: {
      gateway: e.GATEWAY_PORT,
      auth: e.AUTH_PORT,
      menu: e.MENU_PORT,
      loyalty: e.LOYALTY_PORT,
      notification: e.NOTIFICATION_PORT,
      sync: e.SYNC_PORT,
      online: e.ONLINE_PORT,
    },
    rateLimits: {
      perUser: e.GATEWAY_RATE_LIMIT_PER_USER,
      perIp: e.GATEWAY_RATE_LIMIT_PER_IP,
      windowMs: e.GATEWAY_RATE_WINDOW_SECONDS * 1_000,
    },
  };
}
