import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { resolve } from 'node:path';
import { type Browser, chromium } from 'playwright-core';

const root = resolve(import.meta.dirname, '../..');

/** Debian's Chromium; CI installs it (`.ci/run`). Tests fail, never skip, without it. */
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`Chromium is not installed at ${CHROMIUM} (apt-get install chromium)`);
  }
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-background-networking'],
  });
}

/** Build the kitchen-display app the hub serves at /kds. */
export function buildKitchenDisplay(): void {
  execFileSync(process.execPath, ['--import', 'tsx', 'scripts/build-kds.ts'], {
    cwd: root,
    stdio: 'inherit',
  });
}

/** Build the cashier terminal the hub serves at /terminal/. */
export function buildTerminal(): void {
  execFileSync(process.execPath, ['--import', 'tsx', 'scripts/build-terminal.ts'], {
    cwd: root,
    stdio: 'inherit',
  });
}

/**
 * A TCP proxy in front of the hub that can be unplugged: `cut()` drops every connection and
 * refuses new ones until `restore()`, like a screen losing its Wi-Fi.
 */
export class Unpluggable {
  readonly #server: Server;
  readonly #sockets = new Set<Socket>();
  #down = false;
  port = 0;

  private constructor(target: { host: string; port: number }) {
    this.#server = createServer((client) => {
      if (this.#down) {
        client.destroy();
        return;
      }
      const upstream = connect(target.port, target.host);
      for (const s of [client, upstream]) {
        this.#sockets.add(s);
        s.on('close', () => this.#sockets.delete(s));
        s.on('error', () => s.destroy());
      }
      client.pipe(upstream).pipe(client);
      client.on('close', () => upstream.destroy());
      upstream.on('close', () => client.destroy());
    });
  }

  static async start(target: { host: string; port: number }): Promise<Unpluggable> {
    const proxy = new Unpluggable(target);
    await new Promise<void>((r) => proxy.#server.listen(0, '127.0.0.1', () => r()));
    const address = proxy.#server.address();
    proxy.port = typeof address === 'object' && address ? address.port : 0;
    return proxy;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  cut(): void {
    this.#down = true;
    for (const s of this.#sockets) s.destroy();
  }

  restore(): void {
    this.#down = false;
  }

  async close(): Promise<void> {
    this.cut();
    await new Promise<void>((r) => this.#server.close(() => r()));
  }
}
