import { Socket } from 'node:net';
import { failure, type PrinterTransport, type SendResult, type StatusReply } from './transport.js';

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
    return new Promise((resolve) => {
      const socket = new Socket();
      let settled = false;
      const done = (result: SendResult) => {
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
      socket.once('error', (err: NodeJS.ErrnoException) => {
        const unreachable = [
          'ECONNREFUSED',
          'EHOSTUNREACH',
          'ENETUNREACH',
          'ENOTFOUND',
          'EAI_AGAIN',
        ];
        done(failure(unreachable.includes(err.code ?? '') ? 'unreachable' : 'error', err));
      });
      socket.once('close', () =>
        done(failure('closed-early', 'the printer closed the connection')),
      );
      socket.connect(this.port, this.host, () => {
        socket.end(bytes, () => done({ ok: true }));
      });
    });
  }

  requestStatus(request: Uint8Array, replyBytes: number, timeoutMs: number): Promise<StatusReply> {
    return new Promise((resolve) => {
      const socket = new Socket();
      const received: Buffer[] = [];
      let length = 0;
      let settled = false;
      const done = (result: StatusReply) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        socket.destroy();
        resolve(result);
      };
      const timer = setTimeout(
        () => done(failure('timeout', `no status within ${timeoutMs} ms`)),
        timeoutMs,
      );
      socket.once('error', (err: NodeJS.ErrnoException) =>
        done(failure(err.code === 'ECONNREFUSED' ? 'unreachable' : 'error', err)),
      );
      socket.once('close', () => done(failure('closed-early', 'closed before the status reply')));
      socket.on('data', (chunk: Buffer) => {
        received.push(chunk);
        length += chunk.length;
        if (length >= replyBytes)
          done({ ok: true, bytes: new Uint8Array(Buffer.concat(received)) });
      });
      socket.connect(this.port, this.host, () => socket.write(request));
    });
  }

  async close(): Promise<void> {}
}
