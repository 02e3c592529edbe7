import { connect, createServer, type Server, type Socket } from 'node:net';

/**
 * A printer's network link that can stall: `stall()` keeps every connection open but stops
 * reading it and answering on it, and new connections are accepted the same way, like a
 * printer whose mechanism jammed while its network card still takes connections. `resume()`
 * lets the bytes it was holding through to the printer behind it, as that printer would work
 * through what it had taken once unjammed.
 */
export class StallingLink {
  readonly #server: Server;
  readonly #sockets = new Set<Socket>();
  #stalled = false;
  port = 0;

  private constructor(target: { host: string; port: number }) {
    this.#server = createServer((client) => {
      const printer = connect(target.port, target.host);
      for (const s of [client, printer]) {
        this.#sockets.add(s);
        s.on('close', () => this.#sockets.delete(s));
        s.on('error', () => s.destroy());
        if (this.#stalled) s.pause();
      }
      client.on('data', (chunk: Buffer) => printer.write(chunk));
      printer.on('data', (chunk: Buffer) => {
        if (!client.destroyed) client.write(chunk);
      });
      client.on('end', () => printer.end());
      printer.on('end', () => client.end());
      client.on('close', () => printer.end());
    });
  }

  static async start(target: { host: string; port: number }): Promise<StallingLink> {
    const link = new StallingLink(target);
    await new Promise<void>((r) => link.#server.listen(0, '127.0.0.1', () => r()));
    const address = link.#server.address();
    link.port = typeof address === 'object' && address ? address.port : 0;
    return link;
  }

  stall(): void {
    this.#stalled = true;
    for (const s of this.#sockets) s.pause();
  }

  resume(): void {
    this.#stalled = false;
    for (const s of this.#sockets) s.resume();
  }

  async close(): Promise<void> {
    for (const s of this.#sockets) s.destroy();
    await new Promise<void>((r) => this.#server.close(() => r()));
  }
}
