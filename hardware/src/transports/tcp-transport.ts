import { Socket } from 'node:net';
import {
  failure,
  type PrinterTransport,
  type SendResult,
  type StatusReply,
  type TransportFailure,
} from './transport.js';

const UNREACHABLE = ['ECONNREFUSED', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN'];

/**
 * A networked printer on raw TCP (port 9100, "JetDirect"). One connection per job: printers
 * accept few connections, and a fresh one per job means a printer that was switched off and on
 * again needs nothing special.
 */
export class TcpTransport implements PrinterTransport {
  readonly description: string;

  constructor(
    private readonly host: string,
    private readonly port = 9100,
  ) {
    this.description = `tcp://${host}:${port}`;
  }

  send(bytes: Uint8Array, timeoutMs: number): Promise<SendResult> {
    return this.#exchange<SendResult>(
      timeoutMs,
      'the printer closed the connection',
      (socket, done) => {
        socket.end(bytes, () => done({ ok: true }));
      },
    );
  }

  requestStatus(request: Uint8Array, replyBytes: number, timeoutMs: number): Promise<StatusReply> {
    return this.#exchange<StatusReply>(
      timeoutMs,
      'closed before the status reply',
      (socket, done) => {
        const received: Buffer[] = [];
        let length = 0;
        socket.on('data', (chunk: Buffer) => {
          received.push(chunk);
          length += chunk.length;
          if (length >= replyBytes)
            done({ ok: true, bytes: new Uint8Array(Buffer.concat(received)) });
        });
        socket.write(request);
      },
    );
  }

  async close(): Promise<void> {}

  /**
   * Connect, run `talk`, and settle exactly once: with what `talk` reports, or with the
   * failure that came first (refused, timed out, closed early).
   */
  #exchange<T extends { ok: boolean }>(
    timeoutMs: number,
    closedEarly: string,
    talk: (socket: Socket, done: (result: T) => void) => void,
  ): Promise<T | { ok: false; reason: TransportFailure; message: string }> {
    return new Promise((resolve) => {
      const socket = new Socket();
      let settled = false;
      const done = (result: T | { ok: false; reason: TransportFailure; message: string }) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        socket.destroy();
        resolve(result);
      };
      const timer = setTimeout(
        () => done(failure('timeout', `no answer within ${timeoutMs} ms`)),
        timeoutMs,
      );
      socket.once('error', (err: NodeJS.ErrnoException) =>
        done(failure(UNREACHABLE.includes(err.code ?? '') ? 'unreachable' : 'error', err)),
      );
      socket.once('close', () => done(failure('closed-early', closedEarly)));
      socket.connect(this.port, this.host, () => talk(socket, done));
    });
  }
}
