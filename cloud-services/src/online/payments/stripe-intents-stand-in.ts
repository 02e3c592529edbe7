import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  idempotencyConflict,
  parseStripeForm,
  readStandInRequest,
} from '@pos/hardware/card-readers/stripe-stand-in';
import { IntentsApi, StandInApiError } from './stripe-intents-stand-in-api.js';

// A local stand-in for the PaymentIntents and Refunds endpoints the online Stripe processor
// uses, for tests and the demo (there is no internet here). It speaks what the official SDK
// sends: form bodies with bracketed keys (decoded by the Terminal stand-in's `parseStripeForm`),
// Bearer keys, and `Idempotency-Key`: a POST replayed with the same key and body gets the first
// answer again with `Idempotent-Replayed: true`; the key with another body is an
// `idempotency_error` (https://docs.stripe.com/api/idempotent_requests). Errors use Stripe's
// envelope `{ error: { type, code, decline_code, payment_intent, … } }`
// (https://docs.stripe.com/api/errors).
//
// `GET|POST /3ds/:intent?result=approve|fail` stands in for the issuer's challenge page that a
// browser is sent to by `next_action` (Stripe's test page has the same two buttons).

export interface StandInRequest {
  readonly method: string;
  readonly path: string;
  readonly idempotencyKey: string | undefined;
  readonly replayed: boolean;
  readonly status: number;
}

type Params = Record<string, unknown>;
type Route = [method: string, pattern: RegExp, run: (id: string, params: Params) => unknown];

const expandOf = (params: Params) =>
  Object.values((params.expand as Params | undefined) ?? {}).map(String);

export class StripeIntentsStandIn {
  readonly apiKey: string;
  readonly api: IntentsApi;
  readonly requests: StandInRequest[] = [];
  private readonly replays = new Map<
    string,
    { fingerprint: string; status: number; body: string }
  >();
  private readonly routes: Route[];
  private down = false;

  private constructor(
    private readonly server: Server,
    apiKey: string,
  ) {
    this.apiKey = apiKey;
    const api = new IntentsApi((id) => `${this.baseUrl}/3ds/${id}`);
    this.api = api;
    this.routes = [
      ['POST', /^\/v1\/payment_intents$/, (_, p) => api.createIntent(p)],
      ['GET', /^\/v1\/payment_intents\/([^/]+)$/, (id, p) => api.intent(id, expandOf(p))],
      [
        'POST',
        /^\/v1\/payment_intents\/([^/]+)\/confirm$/,
        (id, p) => api.intent(api.confirm(id, p).id as string, expandOf(p)),
      ],
      ['POST', /^\/v1\/refunds$/, (_, p) => api.refund(p)],
    ];
  }

  static async start(options: { apiKey?: string } = {}): Promise<StripeIntentsStandIn> {
    let standIn: StripeIntentsStandIn | undefined;
    const server = createServer((req, res) => {
      // A bug in the stand-in answers 500, not a dropped socket that would read as "unreachable".
      standIn?.handle(req, res).catch((err: unknown) => {
        if (res.headersSent) return res.destroy();
        const error = { type: 'api_error', message: `Stand-in failure: ${String(err)}` };
        res.writeHead(500, { 'Content-Type': 'application/json' });
        res.end(JSON.stringify({ error }));
      });
    });
    standIn = new StripeIntentsStandIn(server, options.apiKey ?? 'sk_test_intents_stand_in');
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return standIn;
  }

  get baseUrl(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  /** The SDK settings that point `new Stripe(key, …)` here. */
  sdkConfig(): { host: string; port: number; protocol: 'http' } {
    return {
      host: '127.0.0.1',
      port: (this.server.address() as AddressInfo).port,
      protocol: 'http',
    };
  }

  /** Down: every connection is dropped, as when Stripe cannot be reached. */
  setDown(down: boolean): void {
    this.down = down;
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (this.down) {
      req.socket.destroy();
      return;
    }
    const { method, url, body, idempotencyKey: key } = await readStandInRequest(req);
    const reply = (status: number, payload: string, replayed = false) => {
      this.requests.push({ method, path: url.pathname, idempotencyKey: key, replayed, status });
      res.writeHead(status, {
        'Content-Type': 'application/json',
        ...(replayed ? { 'Idempotent-Replayed': 'true' } : {}),
      });
      res.end(payload);
    };
    const challenge = /^\/3ds\/([^/]+)$/.exec(url.pathname);
    if (challenge !== null) {
      const result = url.searchParams.get('result') === 'approve' ? 'approve' : 'fail';
      return reply(
        200,
        this.run(() => this.api.completeChallenge(challenge[1] ?? '', result)).body,
      );
    }
    if (req.headers.authorization !== `Bearer ${this.apiKey}`) {
      const error = { type: 'invalid_request_error', message: 'Invalid API Key provided.' };
      return reply(401, JSON.stringify({ error }));
    }
    const fingerprint = `${method} ${url.pathname} ${body}`;
    const seen = method === 'POST' && key !== undefined ? this.replays.get(key) : undefined;
    if (seen !== undefined && seen.fingerprint !== fingerprint) {
      return reply(400, JSON.stringify({ error: idempotencyConflict(key as string) }));
    }
    if (seen !== undefined) return reply(seen.status, seen.body, true);
    const params = parseStripeForm(method === 'GET' ? url.search.slice(1) : body);
    const { status, body: payload } = this.run(() => this.route(method, url.pathname, params));
    // Stripe keeps the answer, 4xx included, for any request that reached its API.
    if (method === 'POST' && key !== undefined && status < 500) {
      this.replays.set(key, { fingerprint, status, body: payload });
    }
    reply(status, payload);
  }

  private route(method: string, path: string, params: Params): unknown {
    for (const [m, pattern, run] of this.routes) {
      const match = m === method ? pattern.exec(path) : null;
      if (match) return run(decodeURIComponent(match[1] ?? ''), params);
    }
    throw new StandInApiError(404, {
      type: 'invalid_request_error',
      message: `Unrecognized request URL (${method}: ${path}).`,
    });
  }

  private run(operation: () => unknown): { status: number; body: string } {
    try {
      return { status: 200, body: JSON.stringify(operation()) };
    } catch (err) {
      if (!(err instanceof StandInApiError)) throw err;
      return { status: err.status, body: JSON.stringify({ error: err.body }) };
    }
  }
}
