import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  invalid,
  StandInApi,
  StandInApiError,
  type StandInReaderConfig,
  type StripeErrorBody,
} from './stripe-stand-in-api.js';

export type { StandInOutcome, StandInReaderConfig } from './stripe-stand-in-api.js';

// A local stand-in for the part of the Stripe API the Terminal adapter uses, for tests and the
// demo (there is no internet here). It speaks what the official SDK sends: form-encoded bodies
// with bracketed keys, Bearer API keys, `Idempotency-Key` (replayed for 24 h on Stripe, for the
// server's life here; a key reused with other parameters is an `idempotency_error`), and answers
// with JSON objects and Stripe's error envelope `{ error: { type, code, decline_code, … } }`.
// https://docs.stripe.com/api/idempotent_requests, https://docs.stripe.com/api/errors

export interface StripeStandInOptions {
  /** Secret key the stand-in accepts. Default `sk_test_stand_in`. */
  apiKey?: string;
  /** Terminal readers to create, by ID. */
  readers?: Record<string, StandInReaderConfig>;
}

export interface RecordedRequest {
  readonly method: string;
  readonly path: string;
  readonly idempotencyKey: string | undefined;
  readonly replayed: boolean;
  readonly status: number;
  /** The response body as sent (JSON text). */
  readonly response: string;
}

/** A forced 5xx for the next matching requests, before or after the operation ran. */
export interface Fault {
  times: number;
  /** 'after': the operation runs (and its idempotent result is kept) but the reply is a 500. */
  when: 'before' | 'after';
  path?: RegExp;
}

type Params = Record<string, unknown>;
type Route = [method: string, pattern: RegExp, run: (id: string, params: Params) => unknown];

const UNSAFE_KEYS = new Set(['__proto__', 'prototype', 'constructor']);

/** Decode a Stripe form body (`a[b][0]=x`) into nested objects; arrays stay keyed by index. */
export function parseStripeForm(text: string): Params {
  const out: Params = {};
  for (const [key, value] of new URLSearchParams(text)) {
    const path = key.split(/\]\[|\[|\]/).filter((s) => s !== '');
    if (path.length === 0 || path.some((s) => UNSAFE_KEYS.has(s))) continue;
    let node = out;
    for (const segment of path.slice(0, -1)) {
      const next = node[segment];
      if (typeof next === 'object' && next !== null) node = next as Params;
      else {
        const child: Params = {};
        node[segment] = child;
        node = child;
      }
    }
    node[path[path.length - 1] as string] = value;
  }
  return out;
}

/** A request to a Stripe stand-in as its handler needs it: body read whole, key picked out. */
export interface StandInRequest {
  method: string;
  url: URL;
  body: string;
  idempotencyKey: string | undefined;
}

export async function readStandInRequest(req: IncomingMessage): Promise<StandInRequest> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const key = req.headers['idempotency-key'];
  return {
    method: req.method ?? 'GET',
    url: new URL(req.url ?? '/', 'http://stand-in'),
    body: Buffer.concat(chunks).toString('utf8'),
    idempotencyKey: typeof key === 'string' ? key : undefined,
  };
}

/** Stripe's answer to an Idempotency-Key used again with other parameters. */
export function idempotencyConflict(key: string): { type: 'idempotency_error'; message: string } {
  const message = `Keys for idempotent requests can only be used with the same parameters they were first used with. Try using a key other than '${key}' if you meant to execute a different request.`;
  return { type: 'idempotency_error', message };
}

const expandOf = (params: Params) =>
  Object.values((params.expand as Params | undefined) ?? {}).map(String);

export class StripeStandIn {
  readonly api = new StandInApi();
  readonly apiKey: string;
  readonly requests: RecordedRequest[] = [];
  private readonly idempotent = new Map<
    string,
    { fingerprint: string; status: number; body: string }
  >();
  private readonly faults: Fault[] = [];
  private readonly routes: Route[];
  private down = false;

  private constructor(
    private readonly server: Server,
    options: StripeStandInOptions,
  ) {
    this.apiKey = options.apiKey ?? 'sk_test_stand_in';
    for (const [id, config] of Object.entries(options.readers ?? {}))
      this.api.addReader(id, config);
    const api = this.api;
    this.routes = [
      ['POST', /^\/v1\/payment_intents$/, (_, p) => api.createIntent(p)],
      ['GET', /^\/v1\/payment_intents\/([^/]+)$/, (id, p) => api.intent(id, expandOf(p))],
      [
        'POST',
        /^\/v1\/payment_intents\/([^/]+)\/capture$/,
        (id, p) => {
          api.capture(id, p);
          return api.intent(id, expandOf(p));
        },
      ],
      [
        'POST',
        /^\/v1\/payment_intents\/([^/]+)\/cancel$/,
        (id, p) => {
          api.cancelIntent(id, p);
          return api.intent(id, expandOf(p));
        },
      ],
      ['POST', /^\/v1\/refunds$/, (_, p) => api.refund(p)],
      ['GET', /^\/v1\/terminal\/readers\/([^/]+)$/, (id) => api.readerObject(id)],
      [
        'POST',
        /^\/v1\/terminal\/readers\/([^/]+)\/process_payment_intent$/,
        (id, p) => api.processPaymentIntent(id, p),
      ],
      ['POST', /^\/v1\/terminal\/readers\/([^/]+)\/cancel_action$/, (id) => api.cancelAction(id)],
      [
        'POST',
        /^\/v1\/test_helpers\/terminal\/readers\/([^/]+)\/present_payment_method$/,
        (id, p) => api.presentPaymentMethod(id, p),
      ],
    ];
  }

  static async start(options: StripeStandInOptions = {}): Promise<StripeStandIn> {
    let standIn: StripeStandIn | undefined;
    const server = createServer((req, res) => {
      standIn?.handle(req, res).catch(() => res.destroy());
    });
    standIn = new StripeStandIn(server, options);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return standIn;
  }

  get port(): number {
    return (this.server.address() as AddressInfo).port;
  }

  /** The SDK settings that point `new Stripe(key, …)` here. */
  sdkConfig(): { host: string; port: number; protocol: 'http' } {
    return { host: '127.0.0.1', port: this.port, protocol: 'http' };
  }

  addReader(id: string, config: StandInReaderConfig = {}): void {
    this.api.addReader(id, config);
  }

  configureReader(id: string, config: StandInReaderConfig): void {
    this.api.configureReader(id, config);
  }

  failNext(fault: Fault): void {
    this.faults.push({ ...fault });
  }

  /** Down: every connection is dropped, as when the internet is gone. */
  setDown(down: boolean): void {
    this.down = down;
  }

  async close(): Promise<void> {
    this.api.close();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (this.down) {
      req.socket.destroy();
      return;
    }
    const { method, url, body, idempotencyKey } = await readStandInRequest(req);
    const reply = (status: number, payload: string, replayed = false) => {
      this.requests.push({
        method,
        path: url.pathname,
        idempotencyKey,
        replayed,
        status,
        response: payload,
      });
      res.writeHead(status, {
        'Content-Type': 'application/json',
        'Request-Id': `req_${randomBytes(8).toString('hex')}`,
        ...(idempotencyKey === undefined ? {} : { 'Idempotency-Key': idempotencyKey }),
        ...(replayed ? { 'Idempotent-Replayed': 'true' } : {}),
      });
      res.end(payload);
    };
    const error = (e: StripeErrorBody) => JSON.stringify({ error: e });

    if (req.headers.authorization !== `Bearer ${this.apiKey}`) {
      const message = 'Invalid API Key provided.';
      return reply(401, error({ type: 'invalid_request_error', message }));
    }
    if (this.takeFault('before', url.pathname)) {
      return reply(500, error({ type: 'api_error', message: 'Stand-in fault (before).' }));
    }
    const fingerprint = `${method} ${url.pathname} ${body}`;
    const cached =
      method === 'POST' && idempotencyKey ? this.idempotent.get(idempotencyKey) : undefined;
    let status: number;
    let payload: string;
    let replayed = false;
    if (cached !== undefined && cached.fingerprint !== fingerprint) {
      return reply(400, error(idempotencyConflict(idempotencyKey as string)));
    }
    if (cached !== undefined) {
      ({ status, body: payload } = cached);
      replayed = true;
    } else {
      const params = parseStripeForm(method === 'GET' ? url.search.slice(1) : body);
      ({ status, payload } = this.run(method, url.pathname, params));
      if (method === 'POST' && idempotencyKey && status < 500) {
        this.idempotent.set(idempotencyKey, { fingerprint, status, body: payload });
      }
    }
    if (this.takeFault('after', url.pathname)) {
      return reply(500, error({ type: 'api_error', message: 'Stand-in fault (after).' }));
    }
    reply(status, payload, replayed);
  }

  private run(method: string, path: string, params: Params): { status: number; payload: string } {
    try {
      for (const [m, pattern, run] of this.routes) {
        const match = m === method ? pattern.exec(path) : null;
        if (match)
          return {
            status: 200,
            payload: JSON.stringify(run(decodeURIComponent(match[1] ?? ''), params)),
          };
      }
      throw invalid(`Unrecognized request URL (${method}: ${path}).`, undefined, undefined, 404);
    } catch (err) {
      if (!(err instanceof StandInApiError)) throw err;
      const status = err.body.type === 'card_error' ? 402 : err.status;
      return { status, payload: JSON.stringify({ error: err.body }) };
    }
  }

  private takeFault(when: Fault['when'], path: string): boolean {
    const fault = this.faults.find(
      (f) => f.when === when && f.times > 0 && (f.path?.test(path) ?? true),
    );
    if (fault === undefined) return false;
    fault.times -= 1;
    return true;
  }
}
