import { SerialPort } from 'serialport';
import { failure, type PrinterTransport, type SendResult, type StatusReply } from './transport.js';

export interface SerialOptions {
  path: string;
  baudRate?: number;
  /** The serialport binding; tests pass `MockBinding` from `@serialport/binding-mock`. */
  binding?: unknown;
}

/**
 * A printer on a serial (RS-232 or USB-serial) line. The port is opened for each job and
 * closed after, so a printer unplugged and plugged in again is found on the next job.
 */
export class SerialTransport implements PrinterTransport {
  readonly description: string;

  constructor(private readonly options: SerialOptions) {
    this.description = `serial://${options.path}@${options.baudRate ?? 19200}`;
  }

  #open(): Promise<SerialPort> {
    return new Promise((resolve, reject) => {
      const port = new SerialPort({
        path: this.options.path,
        baudRate: this.options.baudRate ?? 19200,
        autoOpen: false,
        ...(this.options.binding ? { binding: this.options.binding } : {}),
      } as ConstructorParameters<typeof SerialPort>[0]);
      port.open((err) => (err ? reject(err) : resolve(port)));
    });
  }

  async send(bytes: Uint8Array, timeoutMs: number): Promise<SendResult> {
    let port: SerialPort;
    try {
      port = await this.#open();
    } catch (err) {
      return failure('unreachable', err);
    }
    try {
      return await withTimeout(
        new Promise<SendResult>((resolve) => {
          port.write(Buffer.from(bytes), (err) => {
            if (err) return resolve(failure('error', err));
            port.drain((drainErr) => resolve(drainErr ? failure('error', drainErr) : { ok: true }));
          });
        }),
        timeoutMs,
      );
    } finally {
      await closePort(port);
    }
  }

  async requestStatus(
    request: Uint8Array,
    replyBytes: number,
    timeoutMs: number,
  ): Promise<StatusReply> {
    let port: SerialPort;
    try {
      port = await this.#open();
    } catch (err) {
      return failure('unreachable', err);
    }
    try {
      return await withTimeout(
        new Promise<StatusReply>((resolve) => {
          const received: Buffer[] = [];
          let length = 0;
          port.on('data', (chunk: Buffer) => {
            received.push(chunk);
            length += chunk.length;
            if (length >= replyBytes)
              resolve({ ok: true, bytes: new Uint8Array(Buffer.concat(received)) });
          });
          port.write(Buffer.from(request), (err) => {
            if (err) resolve(failure('error', err));
          });
        }),
        timeoutMs,
      );
    } finally {
      await closePort(port);
    }
  }

  async close(): Promise<void> {}
}

function closePort(port: SerialPort): Promise<void> {
  return new Promise((resolve) => {
    if (!port.isOpen) return resolve();
    port.close(() => resolve());
  });
}

function withTimeout<T extends { ok: boolean }>(
  p: Promise<T>,
  ms: number,
): Promise<T | ReturnType<typeof failure>> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(failure('timeout', `no answer within ${ms} ms`)), ms);
    p.then((v) => {
      clearTimeout(timer);
      resolve(v);
    });
  });
}
