import type { Express } from 'express';
import { createHttpService, type HttpService, type ReadinessCheck } from '../http/service.js';
import type { Logger } from '../logger.js';
import type { Closer } from '../shutdown.js';
import { AmqpBus, type CloudBus } from './bus.js';
import { BusConsumer, type BusConsumerOptions, type ParsedEvent } from './bus-consumer.js';
import { BusOutboxRelay } from './bus-relay.js';
import type { SqlDatabase } from './database.js';
import type { SqlSchema } from './migrate.js';
import { openServiceDatabase } from './open.js';
import type { SharedPglite } from './pglite-database.js';

/** What a cloud service (auth, menu, sync…) is started with, alone or inside `startCloud`. */
export interface CloudServiceRuntime {
  env: Readonly<Record<string, string | undefined>>;
  host: string;
  /** 0 for any free port (tests). */
  port: number;
  /** Already bound to the service (`module: 'menu'`). */
  logger: Logger;
  /** The process's shared PGlite, for services without a `*_DATABASE_URL`. */
  embedded?: SharedPglite;
  /** The in-process cloud bus shared by the services of one process, used without `AMQP_URL`. */
  bus?: CloudBus;
}

export interface StartedService {
  name: string;
  url: string;
  port: number;
  stop(): Promise<void>;
}

/** The service's database, migrated: `${NAME}_DATABASE_URL` or its schema in the shared PGlite. */
export function openCloudDatabase(
  name: string,
  schemas: readonly SqlSchema[],
  runtime: CloudServiceRuntime,
): Promise<SqlDatabase> {
  return openServiceDatabase({
    service: name,
    env: runtime.env,
    schemas,
    logger: runtime.logger,
    ...(runtime.embedded ? { embedded: runtime.embedded } : {}),
  });
}

/** `/ready` check: the database answers a trivial query. */
export function databaseReady(db: SqlDatabase): ReadinessCheck {
  return () => db.query('SELECT 1');
}

/**
 * Listen, and stop in the right order: stop taking requests, then release what the service
 * holds (`closers`, e.g. its database). If listening fails the closers still run.
 */
export async function serveService(
  http: HttpService,
  runtime: CloudServiceRuntime,
  closers: readonly Closer[] = [],
): Promise<StartedService> {
  const release = async () => {
    for (const close of closers) await close();
  };
  try {
    const server = await http.listen(runtime.port, runtime.host);
    runtime.logger.info({ url: server.url }, `${http.name} listening`);
    return {
      name: http.name,
      url: server.url,
      port: server.port,
      stop: async () => {
        await server.close();
        await release();
      },
    };
  } catch (err) {
    await release();
    throw err;
  }
}

/**
 * The shape every cloud service shares: its own database, migrated; `/health`, `/ready` (the
 * database answers) and its routes; listening on the runtime's port; and a stop that closes
 * the HTTP server, then the database.
 */
export async function startDatabaseService(options: {
  name: string;
  schemas: readonly SqlSchema[];
  runtime: CloudServiceRuntime;
  routes?: (app: Express, db: SqlDatabase) => void;
  bodyLimit?: string;
  /** Work beside the HTTP server (an outbox relay); its closer runs before the database closes. */
  background?: (db: SqlDatabase) => Closer | undefined;
}): Promise<StartedService> {
  const { name, runtime } = options;
  const db = await openCloudDatabase(name, options.schemas, runtime);
  const http = createHttpService({
    name,
    logger: runtime.logger,
    ...(options.bodyLimit ? { bodyLimit: options.bodyLimit } : {}),
    readiness: { database: databaseReady(db) },
    routes: (app) => options.routes?.(app, db),
  });
  const background = options.background?.(db);
  return serveService(http, runtime, [...(background ? [background] : []), () => db.close()]);
}

/**
 * The bus a service publishes and consumes on: RabbitMQ when `AMQP_URL` (or `RABBITMQ_URL`) is
 * set, on a connection of its own; otherwise the in-process bus of `startCloud`. A service
 * started alone without either has none, and its events wait in its outbox.
 */
export function cloudBusFor(
  runtime: CloudServiceRuntime,
): { bus: CloudBus; close(): Promise<void> } | undefined {
  const url = runtime.env.AMQP_URL ?? runtime.env.RABBITMQ_URL;
  if (url) {
    const bus = new AmqpBus(url, runtime.logger);
    return { bus, close: () => bus.close() };
  }
  if (runtime.bus) return { bus: runtime.bus, close: async () => {} };
  return undefined;
}

/**
 * A service's work on the cloud bus: the relay that publishes its outbox `relayTable`, and, when
 * given, the consumer of its queue. Returns the closer for `startDatabaseService`'s
 * `background`, or nothing when there is no bus.
 */
export function startBusWork<E extends ParsedEvent>(
  runtime: CloudServiceRuntime,
  db: SqlDatabase,
  options: {
    relayTable?: string;
    consumer?: Omit<BusConsumerOptions<E>, 'bus' | 'db' | 'logger'>;
  },
): Closer | undefined {
  const opened = cloudBusFor(runtime);
  if (!opened) return undefined;
  const { bus } = opened;
  const relay = options.relayTable
    ? new BusOutboxRelay({ db, table: options.relayTable, bus, logger: runtime.logger })
    : undefined;
  const consumer = options.consumer
    ? new BusConsumer<E>({
        ...options.consumer,
        bus,
        db,
        logger: runtime.logger.child({ part: 'consumer' }),
      })
    : undefined;
  // A bus that is not up yet (RabbitMQ starting after the service) is tried again every 5 s.
  let stopped = false;
  let retry: NodeJS.Timeout | undefined;
  let started: Promise<void> | undefined;
  const start = () => {
    if (!consumer || stopped) return;
    started = consumer.start().catch((err: unknown) => {
      runtime.logger.warn(
        { err: (err as Error).message },
        'the event consumer could not subscribe yet; trying again in 5 s',
      );
      retry = setTimeout(start, 5_000);
      retry.unref();
    });
  };
  start();
  relay?.start();
  return async () => {
    stopped = true;
    clearTimeout(retry);
    await started;
    await consumer?.stop();
    await relay?.stop();
    await opened.close();
  };
}
