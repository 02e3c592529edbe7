import { Socket } from 'node:net';
import {
  failure,
  type PrinterTransport,
  type SendResult,
  type StatusReply,
  type TransportFailure,
} from './transport.js';

const UNREACHABLE = ['ECONNREFUSED', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN'];
/** How long after our last byte a printer that keeps the connection open is trusted. */
const SETTLE_MS = 1_000;

type Failed = { ok: false; reason: TransportFailure; message: string };

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

  /**
   * Raw port 9100 has no acknowledgement, so how the connection ends is the answer: the printer
   * closing it cleanly after our last byte means it took the job; a reset or an error means it
   * did not, and the job is sent again. A printer that never closes its side is counted as done
   * after `SETTLE_MS` without a reset.
   */
  send(bytes: Uint8Array, timeoutMs: number): Promise<SendResult> {
    let flushed = false;
    return this.#exchange<SendResult>(
      timeoutMs,
      (hadError) =>
        flushed && !hadError
          ? { ok: true }
          : failure('closed-early', 'the printer hung up mid-job'),
      (socket, done) => {
        socket.end(bytes, () => {
          flushed = true;
          setTimeout(() => done({ ok: true }), SETTLE_MS).unref();
        });
      },
    );
  }

  requestStatus(request: Uint8Array, replyBytes: number, timeoutMs: number): Promise<StatusReply> {
    return this.#exchange<StatusReply>(
      timeoutMs,
      () => failure('closed-early', 'closed before the status reply'),
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
   * Connect, run `talk`, and settle exactly once: with what `talk` reports, with what the
   * connection's end means (`onClose`), or with the failure that came first (refused, timed
   * out, reset).
   */
  #exchange<T extends { ok: boolean }>(
    timeoutMs: number,
    onClose: (hadError: boolean) => T | Failed,
    talk: (socket: Socket, done: (result: T | Failed) => void) => void,
  ): Promise<T | Failed> {
    return new Promise((resolve) => {
      const socket = new Socket();
      let settled = false;
      const done = (result: T | Failed) => {
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
      socket.once('close', (hadError) => done(onClose(hadError)));
      socket.connect(this.port, this.host, () => talk(socket, done));
    });
  }
}
