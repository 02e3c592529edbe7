import {
  type ClientRequest,
  createServer,
  type IncomingMessage,
  request,
  type Server,
  type ServerResponse,
} from 'node:http';
import type { Socket } from 'node:net';
import { gunzipSync } from 'node:zlib';

/** One push of a batch of events, as the link saw it. */
export interface PushSeen {
  /** Sequence of the batch's first event; undefined for a heartbeat without events. */
  firstSequence: number | undefined;
  events: number;
  /** The sync service's answer, when one came back. */
  status?: number;
  answer?: { lastSequence: number; applied: number; skipped: number };
  /** The service answered but the answer was thrown away before it reached the hub. */
  dropped: boolean;
}

/**
 * The hub's link to the cloud's sync service: an HTTP proxy in front of it that can
 *
 * - be cut (`cut()`): every open connection is dropped and new ones are refused until
 *   `restore()`, as when the restaurant's internet goes;
 * - lose an answer (`dropNextPushAnswer()`): the next push carrying events is forwarded, the
 *   service applies it and answers, and the answer is thrown away, so the hub must send the
 *   batch again;
 * - tell the test about each push (`onPush`), e.g. to kill the cloud in the middle of a
 *   catch-up.
 *
 * Pushes are read whole (they are gzipped JSON) so the link can say which events each carried;
 * the change feed's long polls are streamed through untouched.
 */
export class SyncLink {
  readonly #server: Server;
  readonly #sockets = new Set<Socket>();
  readonly #upstreams = new Set<ClientRequest>();
  readonly #target: { host: string; port: number };
  #down = false;
  #dropNext = false;
  readonly pushes: PushSeen[] = [];
  /** Called when a push with events has been forwarded (`answer` undefined) and answered. */
  onPush: ((push: PushSeen, phase: 'forwarded' | 'answered') => void) | undefined;
  port = 0;

  private constructor(target: { host: string; port: number }) {
    this.#target = target;
    this.#server = createServer((req, res) => void this.#handle(req, res));
    this.#server.on('connection', (socket) => {
      if (this.#down) {
        socket.destroy();
        return;
      }
      this.#sockets.add(socket);
      socket.on('close', () => this.#sockets.delete(socket));
      socket.on('error', () => socket.destroy());
    });
  }

  static async start(target: { host: string; port: number }): Promise<SyncLink> {
    const link = new SyncLink(target);
    await new Promise<void>((r) => link.#server.listen(0, '127.0.0.1', () => r()));
    const address = link.#server.address();
    link.port = typeof address === 'object' && address ? address.port : 0;
    return link;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  get isCut(): boolean {
    return this.#down;
  }

  cut(): void {
    this.#down = true;
    for (const s of this.#sockets) s.destroy();
    for (const u of this.#upstreams) u.destroy();
  }

  restore(): void {
    this.#down = false;
  }

  /** Throw away the answer to the next push that carries events (once). */
  dropNextPushAnswer(): void {
    this.#dropNext = true;
  }

  async close(): Promise<void> {
    this.cut();
    this.#server.closeAllConnections();
    await new Promise<void>((r) => this.#server.close(() => r()));
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const isPush = req.method === 'POST' && req.url === '/api/v1/sync/push';
    const body = await readAll(req).catch(() => undefined);
    if (body === undefined || this.#down) {
      req.socket.destroy();
      return;
    }
    const push = isPush ? describePush(req, body) : undefined;
    const upstream = request({
      host: this.#target.host,
      port: this.#target.port,
      method: req.method,
      path: req.url,
      headers: req.headers,
    });
    this.#upstreams.add(upstream);
    upstream.on('close', () => this.#upstreams.delete(upstream));
    upstream.on('error', () => req.socket.destroy());
    // The hub gave up (a long poll it aborted, a timeout): so does the link.
    res.on('close', () => {
      if (!res.writableFinished) upstream.destroy();
    });
    upstream.on('response', (answer) => {
      if (!push) {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
        return;
      }
      void readAll(answer).then(
        (bytes) => this.#answerPush(req, res, answer, bytes, push),
        () => req.socket.destroy(),
      );
    });
    upstream.end(body);
    if (push && push.events > 0) {
      this.pushes.push(push);
      this.onPush?.(push, 'forwarded');
    }
  }

  #answerPush(
    req: IncomingMessage,
    res: ServerResponse,
    answer: IncomingMessage,
    bytes: Buffer,
    push: PushSeen,
  ): void {
    push.status = answer.statusCode ?? 0;
    try {
      push.answer = JSON.parse(bytes.toString('utf8'));
    } catch {
      // not JSON: a failure the hub will retry; recorded by its status
    }
    if (push.events > 0 && this.#dropNext && push.status === 200) {
      this.#dropNext = false;
      push.dropped = true;
      req.socket.destroy();
    } else if (this.#down) {
      req.socket.destroy();
    } else {
      res.writeHead(push.status, answer.headers);
      res.end(bytes);
    }
    if (push.events > 0) this.onPush?.(push, 'answered');
  }
}

function readAll(stream: NodeJS.ReadableStream): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    stream.on('data', (c: Buffer) => chunks.push(c));
    stream.on('end', () => resolve(Buffer.concat(chunks)));
    stream.on('error', reject);
    stream.on('close', () => reject(new Error('closed before the end')));
  });
}

function describePush(req: IncomingMessage, body: Buffer): PushSeen {
  const json =
    req.headers['content-encoding'] === 'gzip'
      ? gunzipSync(body).toString('utf8')
      : body.toString('utf8');
  const events = (JSON.parse(json) as { events: { Sequence: number }[] }).events;
  return { firstSequence: events[0]?.Sequence, events: events.length, dropped: false };
}
