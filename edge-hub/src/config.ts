import { resolve } from 'node:path';
import { StoreId } from '@pos/contracts';
import { z } from 'zod';

const port = z.coerce.number().int().min(0).max(65_535);

const EnvSchema = z.object({
  STORE_ID: StoreId.default('demo-store' as never),
  HUB_HOST: z.string().min(1).default('0.0.0.0'),
  HUB_PORT: port.default(8080),
  MQTT_HOST: z.string().min(1).optional(),
  MQTT_PORT: port.default(1884),
  POS_DATA_DIR: z.string().min(1).default('.data'),
  /** The cloud auth service's JWKS; set it to accept cloud staff tokens (verified offline). */
  CLOUD_JWKS_URL: z.url({ protocol: /^https?$/ }).optional(),
  /** The cloud sync service (port 5009); with a code, a new hub enrols itself on first start. */
  CLOUD_SYNC_URL: z.url({ protocol: /^https?$/ }).optional(),
  SYNC_ENROLMENT_CODE: z.string().trim().min(12).max(40).optional(),
  /** How often the hub tells the cloud it is there when it has nothing to send. */
  SYNC_HEARTBEAT_S: z.coerce.number().int().min(1).max(300).default(15),
  STORE_TIMEZONE: z
    .string()
    .refine((tz) => {
      try {
        new Intl.DateTimeFormat('en-US', { timeZone: tz });
        return true;
      } catch {
        return false;
      }
    }, 'must be an IANA time zone such as America/New_York')
    .default(Intl.DateTimeFormat().resolvedOptions().timeZone),
  BUSINESS_DAY_START_HOUR: z.coerce.number().int().min(0).max(23).default(4),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
});

export interface HubConfig {
  storeId: string;
  dataDir: string;
  http: { host: string; port: number };
  mqtt: { host: string; port: number };
  logLevel: string;
  /** The store's time zone: business days and reports follow it. */
  timeZone: string;
  /** Local hour a business day starts (order numbers restart, Z report boundary). */
  businessDayStartHour: number;
  /** Where the cloud publishes its token keys; unset, only hub sessions are accepted. */
  cloudJwksUrl?: string;
  /** The cloud sync service a hub enrols with on first start (with `syncEnrolmentCode`). */
  cloudSyncUrl?: string;
  syncEnrolmentCode?: string;
  /** Between pushes with nothing to send (the cloud's sign that the hub is there). */
  syncHeartbeatMs: number;
}

export class ConfigError extends Error {
  override name = 'ConfigError';
}

/** Read the hub's configuration from the environment; a bad value stops start-up with its name. */
export function hubConfigFromEnv(env: NodeJS.ProcessEnv = process.env): HubConfig {
  const parsed = EnvSchema.safeParse(env);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
    throw new ConfigError(`invalid hub configuration: ${problems.join('; ')}`);
  }
  const e = parsed.data;
  return {
    storeId: e.STORE_ID,
    dataDir: resolve(e.POS_DATA_DIR, 'hub'),
    http: { host: e.HUB_HOST, port: e.HUB_PORT },
    mqtt: { host: e.MQTT_HOST ?? e.HUB_HOST, port: e.MQTT_PORT },
    logLevel: e.LOG_LEVEL,
    timeZone: e.STORE_TIMEZONE,
    businessDayStartHour: e.BUSINESS_DAY_START_HOUR,
    ...(e.CLOUD_JWKS_URL ? { cloudJwksUrl: e.CLOUD_JWKS_URL } : {}),
    ...(e.CLOUD_SYNC_URL ? { cloudSyncUrl: e.CLOUD_SYNC_URL } : {}),
    ...(e.SYNC_ENROLMENT_CODE ? { syncEnrolmentCode: e.SYNC_ENROLMENT_CODE } : {}),
    syncHeartbeatMs: e.SYNC_HEARTBEAT_S * 1_000,
  };
}
