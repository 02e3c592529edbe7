import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import express, { type Express, type Request, type RequestHandler } from 'express';
import type { Registry } from 'prom-client';
import { correlationIdFrom, runWithContext } from '../context.js';
import { AppError } from '../errors.js';
import { createLogger, type Logger } from '../logger.js';
import { createHttpMetrics } from './metrics.js';
import { errorMapper, PROBLEM_CONTENT_TYPE, sendProblem } from './problem.js';
import { refuseDeepBodies } from './validate.js';
import './request-context.js';

export type ReadinessCheck = () => Promise<unknown> | unknown;

export interface HttpServiceOptions {
  name: string;
  logger?: Logger;
  /** Largest JSON body accepted; bigger gets a 413. */
  bodyLimit?: string;
  /** Named checks for `/ready`; each throws (or rejects) when its dependency is not usable. */
  readiness?: Record<string, ReadinessCheck>;
  /** Mount the service's routes; runs after the common middleware, before the 404 handler. */
  routes: (app: Express) => void;
  /** Middleware that must see every request before routing (e.g. static files, auth). */
  before?: RequestHandler[];
}

export interface HttpService {
  name: string;
  app: Express;
  logger: Logger;
  metrics: Registry;
  listen(port: number, host?: string): Promise<RunningServer>;
}

export interface RunningServer {
  server: Server;
  port: number;
  url: string;
  close(): Promise<void>;
}

/**
 * The one way every HTTP service, edge or cloud, is put together: correlation ID in and out,
 * one JSON log line per request, metrics, body limit, health and readiness, routes, then 404
 * and the single problem+json error mapper.
 */
export function createHttpService(options: HttpServiceOptions): HttpService {
  const logger = options.logger ?? createLogger({ service: options.name });
  const metrics = createHttpMetrics(options.name);
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', 'loopback');
  app.set('query parser', 'simple');

  app.use((req, res, next) => {
    const correlationId = correlationIdFrom(req.get('x-correlation-id'));
    // The child logger is made on first use: most requests log nothing.
    let log: Logger | undefined;
    const requestLog = () => {
      log ??= logger.child({ correlationId });
      return log;
    };
    req.correlationId = correlationId;
    Object.defineProperty(req, 'log', { get: requestLog, configurable: true });
    res.setHeader('X-Correlation-ID', correlationId);
    const started = performance.now();
    res.once('finish', () => {
      if (res.statusCode < 500 && !logger.isLevelEnabled('debug')) return;
      const ms = Math.round((performance.now() - started) * 10) / 10;
      const line = { method: req.method, path: req.path, status: res.statusCode, ms };
      if (res.statusCode >= 500) requestLog().error(line, 'request');
      else if (req.path !== '/health' && req.path !== '/metrics')
        requestLog().debug(line, 'request');
    });
    runWithContext(
      {
        correlationId,
        get logger() {
          return requestLog();
        },
      },
      next,
    );
  });
  app.use(metrics.middleware);
  for (const mw of options.before ?? []) app.use(mw);

  app.get('/health', (_req, res) => {
    res.json({ status: 'ok', service: options.name, uptimeSeconds: Math.round(process.uptime()) });
  });
  app.get('/ready', async (_req, res) => {
    const checks: Record<string, string> = {};
    let ready = true;
    for (const [name, check] of Object.entries(options.readiness ?? {})) {
      try {
        await check();
        checks[name] = 'ok';
      } catch (err) {
        ready = false;
        checks[name] = err instanceof Error ? err.message : String(err);
      }
    }
    res.status(ready ? 200 : 503).json({ status: ready ? 'ready' : 'not-ready', checks });
  });
  app.get('/metrics', async (_req, res) => {
    res.type(metrics.registry.contentType).send(await metrics.registry.metrics());
  });

  app.use(express.json({ limit: options.bodyLimit ?? '256kb', strict: true }));
  app.use(refuseDeepBodies);
  options.routes(app);

  app.use((req: Request, res) => {
    sendProblem(req, res, new AppError('not-found', `No route for ${req.method} ${req.path}`));
  });
  app.use(errorMapper(logger));

  return {
    name: options.name,
    app,
    logger,
    metrics: metrics.registry,
    listen: (port, host = '127.0.0.1') => listen(createServer(app), port, host),
  };
}

/** Listen on `port` (0 for any free one) and resolve once the server accepts connections. */
export function listen(server: Server, port: number, host = '127.0.0.1'): Promise<RunningServer> {
  return new Promise((resolve, reject) => {
    server.keepAliveTimeout = 65_000;
    server.on('clientError', answerClientError);
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      const actual = (server.address() as AddressInfo).port;
      resolve({
        server,
        port: actual,
        url: `http://${host.includes(':') ? `[${host}]` : host}:${actual}`,
        close: () => closeServer(server),
      });
    });
  });
}

/**
 * A request Node's parser refuses before the app sees it (a request line or headers over the
 * size limit, bytes that are not HTTP) gets the same problem+json as every other refusal,
 * rather than Node's bare status line. A socket already gone is just closed.
 */
function answerClientError(err: NodeJS.ErrnoException, socket: Duplex): void {
  if (err.code === 'ECONNRESET' || !socket.writable) {
    socket.destroy();
    return;
  }
  const tooLarge = err.code === 'HPE_HEADER_OVERFLOW';
  const status = tooLarge ? 431 : 400;
  const body = JSON.stringify({
    type: `urn:pos:problem:${tooLarge ? 'headers-too-large' : 'malformed-request'}`,
    title: tooLarge ? 'Request header fields too large' : 'The request is not valid HTTP',
    status,
    detail: tooLarge
      ? 'The request line or headers are larger than the server accepts'
      : 'The request could not be parsed',
  });
  socket.end(
    `HTTP/1.1 ${status} ${tooLarge ? 'Request Header Fields Too Large' : 'Bad Request'}\r\n` +
      `Content-Type: ${PROBLEM_CONTENT_TYPE}\r\nContent-Length: ${Buffer.byteLength(body)}\r\n` +
      `Connection: close\r\n\r\n${body}`,
  );
}

/** Stop taking connections, let requests in flight finish (up to 5 s), then close the rest. */
export function closeServer(server: Server, graceMs = 5_000): Promise<void> {
  return new Promise((resolve) => {
    if (!server.listening) return resolve();
    const force = setTimeout(() => server.closeAllConnections(), graceMs);
    force.unref();
    server.close(() => {
      clearTimeout(force);
      resolve();
    });
    server.closeIdleConnections();
  });
}
