/**
 * The hub's link to the cloud for a benchmark: a TCP relay in front of the sync service that
 * can be cut, as when a restaurant's internet goes. Cut, it drops every open connection and
 * stops listening, so the hub's next try is refused at once; restored, it listens on the same
 * port again and relays bytes untouched (a pipe each way, no parsing).
 */
import { createServer, connect as netConnect, type Server, type Socket } from 'node:net';
import { onCleanup } from './cleanup.js';

export class SyncLink {
  readonly #server: Server;
  readonly #sockets = new Set<Socket>();
  readonly #target: { host: string; port: number };
  #port = 0;
  #up = false;

  private constructor(target: { host: string; port: number }) {
    this.#target = target;
    this.#server = createServer((socket) => this.#relay(socket));
  }

  /** A link to `targetUrl` (`http://host:port`), listening on a free port of 127.0.0.1. */
  static async start(targetUrl: string): Promise<SyncLink> {
    const url = new URL(targetUrl);
    const link = new SyncLink({ host: url.hostname, port: Number(url.port) });
    await link.#listen(0);
    onCleanup(() => link.cut());
    return link;
  }

  /** Where the hub reaches the cloud (its `CLOUD_SYNC_URL`). */
  get url(): string {
    return `http://127.0.0.1:${this.#port}`;
  }

  get isUp(): boolean {
    return this.#up;
  }

  /** Drop every connection and refuse new ones until `restore()`. */
  async cut(): Promise<void> {
    if (!this.#up) return;
    this.#up = false;
    const closed = new Promise<void>((done) => this.#server.close(() => done()));
    for (const socket of this.#sockets) socket.destroy();
    this.#sockets.clear();
    await closed;
  }

  /** Take connections again, on the same port. */
  async restore(): Promise<void> {
    if (!this.#up) await this.#listen(this.#port);
  }

  #listen(port: number): Promise<void> {
    return new Promise((done, fail) => {
      this.#server.once('error', fail);
      this.#server.listen(port, '127.0.0.1', () => {
        this.#server.off('error', fail);
        const address = this.#server.address();
        this.#port = typeof address === 'object' && address ? address.port : port;
        this.#up = true;
        done();
      });
    });
  }

  #relay(hub: Socket): void {
    const cloud = netConnect(this.#target);
    for (const socket of [hub, cloud]) {
      this.#sockets.add(socket);
      socket.setNoDelay(true);
      socket.on('close', () => this.#sockets.delete(socket));
      // Either side going ends both, as a dropped line would.
      socket.on('error', () => {
        hub.destroy();
        cloud.destroy();
      });
    }
    hub.pipe(cloud);
    cloud.pipe(hub);
  }
}
