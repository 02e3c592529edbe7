/**
 * A full garbage collection in the hub, on demand, through the V8 inspector the hub is started
 * with (`--inspect=127.0.0.1:0`): `HeapProfiler.collectGarbage` over the Chrome DevTools
 * Protocol. A heap read right after it is the memory the hub still holds, not wherever the
 * collector happened to be in its cycle, so the soak's heap figure moves only when something
 * is kept.
 *
 * The protocol needs one command and its answer, so the WebSocket (RFC 6455) is spoken here
 * over Node's own HTTP upgrade: masked text frames out, unmasked frames in, nothing else.
 */
import { randomBytes } from 'node:crypto';
import { request } from 'node:http';
import type { Socket } from 'node:net';

/** The hub's node flag that opens the inspector on a free port of the loopback. */
export const INSPECT_FLAG = '--inspect=127.0.0.1:0';

/** The inspector's address from what node printed on start-up ("Debugger listening on ws://…"). */
export function inspectorUrl(output: string): string | undefined {
  return /Debugger listening on (ws:\/\/\S+)/.exec(output)?.[1];
}

export class Inspector {
  #nextId = 1;
  #buffer = Buffer.alloc(0);
  readonly #waiting = new Map<number, (message: { error?: { message: string } }) => void>();

  private constructor(readonly socket: Socket) {
    socket.on('data', (chunk: Buffer) => this.#receive(chunk));
    socket.on('error', () => {});
  }

  static connect(url: string): Promise<Inspector> {
    const { host, pathname } = new URL(url);
    return new Promise((resolve, reject) => {
      const req = request({
        host: host.split(':')[0],
        port: Number(host.split(':')[1]),
        path: pathname,
        headers: {
          Connection: 'Upgrade',
          Upgrade: 'websocket',
          'Sec-WebSocket-Version': '13',
          'Sec-WebSocket-Key': randomBytes(16).toString('base64'),
        },
      });
      req.once('upgrade', (_res, socket) => resolve(new Inspector(socket)));
      req.once('response', (res) => reject(new Error(`the inspector answered ${res.statusCode}`)));
      req.once('error', reject);
      req.end();
    });
  }

  /** Collect every generation; resolves when V8 is done. */
  collectGarbage(timeoutMs = 10_000): Promise<void> {
    const id = this.#nextId++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#waiting.delete(id);
        reject(new Error('the inspector did not answer'));
      }, timeoutMs);
      this.#waiting.set(id, (message) => {
        clearTimeout(timer);
        if (message.error) reject(new Error(message.error.message));
        else resolve();
      });
      this.#send(JSON.stringify({ id, method: 'HeapProfiler.collectGarbage' }));
    });
  }

  close(): void {
    this.socket.destroy();
  }

  /** One final, masked text frame (a client must mask; RFC 6455 §5.3). */
  #send(text: string): void {
    const payload = Buffer.from(text);
    const length =
      payload.length < 126
        ? Buffer.from([0x80 | payload.length])
        : Buffer.from([0x80 | 126, payload.length >> 8, payload.length & 0xff]);
    const mask = randomBytes(4);
    const masked = Buffer.from(payload.map((b, i) => b ^ mask[i % 4]!));
    this.socket.write(Buffer.concat([Buffer.from([0x81]), length, mask, masked]));
  }

  /** Whole frames from the stream; text frames are answers (or events, which are ignored). */
  #receive(chunk: Buffer): void {
    this.#buffer = Buffer.concat([this.#buffer, chunk]);
    for (;;) {
      const b = this.#buffer;
      if (b.length < 2) return;
      let length = b[1]! & 0x7f;
      let offset = 2;
      if (length === 126) {
        if (b.length < 4) return;
        length = b.readUInt16BE(2);
        offset = 4;
      } else if (length === 127) {
        if (b.length < 10) return;
        length = Number(b.readBigUInt64BE(2));
        offset = 10;
      }
      if (b.length < offset + length) return;
      const opcode = b[0]! & 0x0f;
      const payload = b.subarray(offset, offset + length);
      this.#buffer = b.subarray(offset + length);
      if (opcode !== 0x1) continue;
      const message = JSON.parse(payload.toString()) as {
        id?: number;
        error?: { message: string };
      };
      if (message.id !== undefined) {
        this.#waiting.get(message.id)?.(message);
        this.#waiting.delete(message.id);
      }
    }
  }
}
