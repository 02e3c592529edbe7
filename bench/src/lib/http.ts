/**
 * A minimal HTTP/1.1 client over one keep-alive `http.Agent`, so that a benchmark measures the
 * server and not connection set-up. `fetch` (undici) is avoided on purpose: its own pooling and
 * stream machinery would add client-side cost to every sample.
 */
import { Agent, request as httpRequest } from 'node:http';

export interface HttpResponse {
  status: number;
  body: string;
}

export interface RequestOptions {
  method?: string;
  /** Path and query, e.g. `/api/v1/orders`. */
  path: string;
  /** Serialised as JSON when present. */
  json?: unknown;
  headers?: Record<string, string>;
  /** Abort and reject after this long (default 30 s). */
  timeoutMs?: number;
}

export class HttpError extends Error {
  override name = 'HttpError';
  constructor(
    readonly status: number,
    readonly method: string,
    readonly path: string,
    readonly body: string,
  ) {
    super(`${method} ${path} answered ${status}: ${body.slice(0, 500)}`);
  }
}

export class HttpClient {
  readonly agent: Agent;
  readonly #host: string;
  readonly #port: number;
  /** Sent on every request (e.g. `Authorization`); set after signing in. */
  readonly headers: Record<string, string> = {};

  /** `baseUrl` is `http://host:port`; `maxSockets` bounds concurrent connections. */
  constructor(baseUrl: string, maxSockets = 64) {
    const url = new URL(baseUrl);
    this.#host = url.hostname;
    this.#port = Number(url.port || 80);
    this.agent = new Agent({ keepAlive: true, maxSockets, maxFreeSockets: maxSockets });
  }

  /** One request; resolves with any status (a 4xx/5xx is not an exception here). */
  request(options: RequestOptions): Promise<HttpResponse> {
    const payload = options.json === undefined ? undefined : JSON.stringify(options.json);
    const headers: Record<string, string> = { ...this.headers, ...options.headers };
    if (payload !== undefined) {
      headers['content-type'] = 'application/json';
      headers['content-length'] = String(Buffer.byteLength(payload));
    }
    return new Promise((resolve, reject) => {
      const req = httpRequest(
        {
          host: this.#host,
          port: this.#port,
          method: methodOf(options),
          path: options.path,
          headers,
          agent: this.agent,
          timeout: options.timeoutMs ?? 30_000,
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () =>
            resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }),
          );
          res.on('error', reject);
        },
      );
      req.on('timeout', () =>
        req.destroy(Object.assign(new Error('timeout'), { code: 'TIMEOUT' })),
      );
      req.on('error', reject);
      req.end(payload);
    });
  }

  /** A request that must succeed (2xx); returns the parsed JSON body. */
  async json<T>(options: RequestOptions): Promise<T> {
    const res = await this.request(options);
    if (res.status < 200 || res.status > 299) {
      throw new HttpError(res.status, methodOf(options), options.path, res.body);
    }
    return (res.body ? JSON.parse(res.body) : undefined) as T;
  }

  close(): void {
    this.agent.destroy();
  }
}

function methodOf(options: RequestOptions): string {
  return options.method ?? (options.json === undefined ? 'GET' : 'POST');
}
