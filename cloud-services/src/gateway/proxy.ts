import {
  type Agent,
  type IncomingHttpHeaders,
  type IncomingMessage,
  type OutgoingHttpHeaders,
  request,
} from 'node:http';
import { pipeline } from 'node:stream';
import { AppError } from '@pos/kit';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import type { CircuitBreaker } from './breaker.js';
import { type GatewayRoute, routeFor, type UpstreamName } from './routes.js';

// RFC 9110 §7.6.1: these describe one connection and are never forwarded; nor is any field
// the `Connection` header names. `host` is rewritten for the upstream.
const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-authenticate',
  'proxy-authorization',
  'proxy-connection',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
  'host',
]);

export interface ProxyOptions {
  routes: readonly GatewayRoute[];
  upstreams: Readonly<Record<UpstreamName, URL>>;
  /** Keep-alive connections to the upstreams, shared by every request. */
  agent: Agent;
  /** No byte from the upstream for this long: 504. */
  timeoutMs: number;
  /** One per upstream: a service that keeps failing is answered 503 at once. */
  breakers: Readonly<Record<UpstreamName, CircuitBreaker>>;
}

class UpstreamTimeout extends Error {
  override name = 'UpstreamTimeout';
}

/**
 * A streaming reverse proxy: a request under a route's prefix goes to its service with the same
 * method, path, query and body, and the answer streams back as it arrives. It runs before the
 * JSON body parser so the body is forwarded untouched. An upstream that cannot be reached is a
 * 503 problem, one that stops answering a 504; both are the gateway's own problem+json.
 */
export function gatewayProxy(options: ProxyOptions): RequestHandler {
  return (req, res, next) => {
    const route = routeFor(req.path, options.routes);
    if (!route) return next();
    res.setHeader('X-API-Version', '1');
    if (route.deprecated) {
      res.setHeader('Deprecation', 'true');
      res.setHeader('Sunset', route.deprecated.sunset);
      if (route.deprecated.successor) {
        res.setHeader('Link', `<${route.deprecated.successor}>; rel="successor-version"`);
      }
    }
    const breaker = options.breakers[route.upstream];
    if (!breaker.allow()) {
      return next(
        new AppError('unavailable', `The ${route.upstream} service is failing; try again shortly`, {
          headers: { 'Retry-After': String(breaker.retryAfterSeconds()) },
        }),
      );
    }
    forward(req, res, next, route.upstream, options, 0);
  };
}

/** Seed §7.2: only requests that may safely be repeated are retried, twice, after a failed connection. */
const RETRIED = new Set(['GET', 'HEAD', 'OPTIONS']);
const RETRY_DELAYS_MS = [50, 200];

function forward(
  req: Request,
  res: Response,
  next: NextFunction,
  name: UpstreamName,
  options: ProxyOptions,
  attempt: number,
): void {
  const target = options.upstreams[name];
  const upstream = request({
    protocol: target.protocol,
    hostname: target.hostname,
    port: target.port,
    method: req.method,
    path: `${target.pathname.replace(/\/$/, '')}${req.originalUrl}`,
    headers: forwardedRequestHeaders(req),
    agent: options.agent,
  });
  upstream.setTimeout(options.timeoutMs, () =>
    upstream.destroy(new UpstreamTimeout(`${name} did not answer in ${options.timeoutMs} ms`)),
  );
  const breaker = options.breakers[name];
  upstream.on('response', (answer: IncomingMessage) => {
    if ((answer.statusCode ?? 502) >= 500) breaker.failure();
    else breaker.success();
    res.statusCode = answer.statusCode ?? 502;
    if (answer.statusMessage) res.statusMessage = answer.statusMessage;
    for (const [field, value] of Object.entries(withoutHopByHop(answer.headers))) {
      if (value !== undefined) res.setHeader(field, value);
    }
    pipeline(answer, res, (err) => {
      if (err) req.log?.debug({ upstream: name, reason: err.message }, 'proxied response cut');
      // The service answered before reading the whole body (a 413, 415 or 400 from its
      // headers): it will not read the rest, so stop sending it there, and read what the caller
      // still sends to nowhere, so the caller's connection is ready for its next request
      // rather than stuck behind a body nobody reads.
      if (!req.complete) {
        req.unpipe(upstream);
        upstream.destroy();
        req.resume();
      }
    });
  });
  upstream.on('error', (err) => {
    const delay = RETRY_DELAYS_MS[attempt];
    const retry =
      !res.headersSent &&
      !(err instanceof UpstreamTimeout) &&
      RETRIED.has(req.method) &&
      delay !== undefined &&
      !res.destroyed;
    if (retry) {
      req.log?.debug({ upstream: name, attempt: attempt + 1, reason: err.message }, 'retrying');
      setTimeout(() => {
        if (breaker.allow()) forward(req, res, next, name, options, attempt + 1);
        else next(new AppError('unavailable', `The ${name} service is failing; try again shortly`));
      }, delay);
      return;
    }
    if (!res.headersSent) breaker.failure();
    // Once the answer has started there is no second status line: cut the response short.
    if (res.headersSent || res.destroyed) {
      res.destroy();
      return;
    }
    req.log?.warn({ upstream: name, reason: err.message }, 'upstream failed');
    next(
      err instanceof UpstreamTimeout
        ? new AppError('timeout', `The ${name} service did not answer in time`)
        : new AppError('unavailable', `The ${name} service is not reachable`, {
            headers: { 'Retry-After': '5' },
          }),
    );
  });
  // The caller went away: stop the upstream work too.
  res.on('close', () => {
    if (!res.writableFinished) upstream.destroy();
  });
  if (attempt === 0) req.pipe(upstream);
  else upstream.end();
}

function forwardedRequestHeaders(req: Request): OutgoingHttpHeaders {
  const headers: OutgoingHttpHeaders = withoutHopByHop(req.headers);
  // The gateway's correlation ID (the caller's, when it sent a valid one) follows the request.
  if (req.correlationId) headers['x-correlation-id'] = req.correlationId;
  // The gateway is the public edge: what a caller claims in X-Forwarded-For is not trusted.
  const client = req.socket.remoteAddress;
  if (client) headers['x-forwarded-for'] = client;
  else delete headers['x-forwarded-for'];
  headers['x-forwarded-proto'] = req.protocol;
  if (req.headers.host) headers['x-forwarded-host'] = req.headers.host;
  return headers;
}

function withoutHopByHop(headers: IncomingHttpHeaders): IncomingHttpHeaders {
  const named = new Set(
    String(headers.connection ?? '')
      .split(',')
      .map((token) => token.trim().toLowerCase())
      .filter(Boolean),
  );
  const out: IncomingHttpHeaders = {};
  for (const [field, value] of Object.entries(headers)) {
    if (!HOP_BY_HOP.has(field) && !named.has(field)) out[field] = value;
  }
  return out;
}
