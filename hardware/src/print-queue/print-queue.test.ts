import { mkdtempSync, rmSync } from 'node:fs';
import { type AddressInfo, createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLogger, openSqlite } from '@pos/kit';
import { SerialPortMock } from 'serialport';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SerialTransport } from '../transports/serial-transport.js';
import { TcpTransport } from '../transports/tcp-transport.js';
import { type PrinterConfig, PrintQueue } from './print-queue.js';
import { PrintStore, printQueueSchema } from './print-store.js';

const logger = createLogger({ service: 'print-test', level: 'silent' });
const dir = mkdtempSync(join(tmpdir(), 'pos-print-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A bare TCP printer stand-in: records each connection's bytes; can be switched off and on. */
class Sink {
  jobs: Buffer[] = [];
  #server: Server | null = null;
  #sockets = new Set<Socket>();
  port = 0;
  statusByte: number | null = null;

  async up(): Promise<void> {
    const server = createServer((socket) => {
      this.#sockets.add(socket);
      const chunks: Buffer[] = [];
      socket.on('data', (c: Buffer) => {
        // A DLE EOT status request gets the configured status byte back.
        if (this.statusByte !== null && c.length === 3 && c[0] === 0x10 && c[1] === 0x04) {
          socket.write(Buffer.from([this.statusByte]));
          return;
        }
        chunks.push(c);
      });
      socket.on('end', () => {
        if (chunks.length > 0) this.jobs.push(Buffer.concat(chunks));
        socket.end();
      });
      socket.on('close', () => this.#sockets.delete(socket));
      socket.on('error', () => {});
    });
    this.#server = server;
    await new Promise<void>((resolve) => server.listen(this.port, '127.0.0.1', resolve));
    this.port = (server.address() as AddressInfo).port;
  }

  async down(): Promise<void> {
    for (const s of this.#sockets) s.destroy();
    await new Promise<void>((resolve) =>
      this.#server ? this.#server.close(() => resolve()) : resolve(),
    );
    this.#server = null;
  }
}

async function until(check: () => boolean, ms = 15_000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}

const fast = { backoff: { initialMs: 20, maxMs: 200 }, sendTimeoutMs: 2_000, statusTimeoutMs: 500 };
const text = (s: string) => new TextEncoder().encode(s);

function queue(path: string, printers: PrinterConfig[]) {
  const store = new PrintStore(openSqlite({ path, schemas: [printQueueSchema] }));
  return new PrintQueue(store, printers, { logger, ...fast });
}

describe('print queue', () => {
  let sink: Sink;
  beforeAll(async () => {
    sink = new Sink();
    await sink.up();
  });
  afterAll(() => sink.down());

  it('keeps 100 jobs while the printer is down and prints each once, in order, when it is back', async () => {
    await sink.down();
    sink.jobs = [];
    const path = join(dir, 'down-up.db');
    const q = queue(path, [
      { id: 'receipt', name: 'Receipt', transport: new TcpTransport('127.0.0.1', sink.port) },
    ]);
    q.start();
    for (let i = 0; i < 100; i++) {
      q.enqueue({
        jobKey: `order-${i}:receipt`,
        printerId: 'receipt',
        kind: 'receipt',
        bytes: text(`job ${i}\n`),
      });
    }
    // An event delivered twice asks for the same job twice: it is one job.
    q.enqueue({
      jobKey: 'order-7:receipt',
      printerId: 'receipt',
      kind: 'receipt',
      bytes: text('job 7\n'),
    });
    await until(() => q.state('receipt')?.state === 'offline');
    expect(q.state('receipt')?.queued).toBe(100);
    expect(q.state('receipt')?.lastError).toBeTruthy();

    await sink.up();
    await until(() => sink.jobs.length === 100);
    expect(sink.jobs.map((b) => b.toString())).toEqual(
      Array.from({ length: 100 }, (_, i) => `job ${i}\n`),
    );
    await until(() => q.state('receipt')?.state === 'idle');
    expect(q.state('receipt')?.queued).toBe(0);
    await new Promise((r) => setTimeout(r, 200));
    expect(sink.jobs).toHaveLength(100);
    await q.stop();
  });

  it('keeps its jobs across a restart and prints them after', async () => {
    await sink.down();
    sink.jobs = [];
    const path = join(dir, 'restart.db');
    const printers = [
      { id: 'kitchen', name: 'Kitchen', transport: new TcpTransport('127.0.0.1', sink.port) },
    ];
    const first = queue(path, printers);
    first.start();
    for (let i = 0; i < 10; i++)
      first.enqueue({
        jobKey: `t${i}`,
        printerId: 'kitchen',
        kind: 'kitchen',
        bytes: text(`ticket ${i}`),
      });
    await first.stop();

    await sink.up();
    const second = queue(path, printers);
    second.start();
    await until(() => sink.jobs.length === 10);
    expect(sink.jobs.map(String)).toEqual(Array.from({ length: 10 }, (_, i) => `ticket ${i}`));
    await second.stop();
  });

  it('does not let a dead printer hold up another', async () => {
    sink.jobs = [];
    const dead = new Sink();
    await dead.up();
    await dead.down();
    const q = queue(join(dir, 'isolation.db'), [
      { id: 'bar', name: 'Bar', transport: new TcpTransport('127.0.0.1', dead.port) },
      { id: 'receipt', name: 'Receipt', transport: new TcpTransport('127.0.0.1', sink.port) },
    ]);
    q.start();
    q.enqueue({ jobKey: 'b1', printerId: 'bar', kind: 'kitchen', bytes: text('bar ticket') });
    q.enqueue({ jobKey: 'r1', printerId: 'receipt', kind: 'receipt', bytes: text('receipt') });
    await until(() => sink.jobs.length === 1);
    expect(String(sink.jobs[0])).toBe('receipt');
    expect(q.state('bar')?.queued).toBe(1);
    await q.stop();
  });

  it('reads paper-out with DLE EOT, keeps the job, and prints once paper is back', async () => {
    sink.jobs = [];
    sink.statusByte = 0x12 | 0x60; // DLE EOT 4 reply: paper end detected
    const q = queue(join(dir, 'paper.db'), [
      {
        id: 'receipt',
        name: 'Receipt',
        transport: new TcpTransport('127.0.0.1', sink.port),
        status: {
          request: new Uint8Array([0x10, 0x04, 0x04]),
          replyBytes: 1,
          parse: (bytes) => {
            const b = bytes[0] ?? 0;
            if ((b & 0x93) !== 0x12) return { ok: false, reason: 'not a status byte' };
            return {
              ok: true,
              condition: {
                online: true,
                paperOut: (b & 0x60) === 0x60,
                coverOpen: false,
                error: false,
              },
            };
          },
        },
      },
    ]);
    q.start();
    q.enqueue({ jobKey: 'p1', printerId: 'receipt', kind: 'receipt', bytes: text('paper please') });
    await until(() => q.state('receipt')?.state === 'paper-out');
    expect(sink.jobs).toHaveLength(0);
    sink.statusByte = 0x12;
    await until(() => sink.jobs.length === 1);
    expect(String(sink.jobs[0])).toBe('paper please');
    sink.statusByte = null;
    await q.stop();
  });

  it('fails over to the backup printer after the configured wait, and reprints on demand', async () => {
    sink.jobs = [];
    const dead = new Sink();
    await dead.up();
    await dead.down();
    const q = queue(join(dir, 'failover.db'), [
      {
        id: 'kitchen',
        name: 'Kitchen',
        transport: new TcpTransport('127.0.0.1', dead.port),
        backupPrinterId: 'expo',
        failoverAfterMs: 100,
      },
      { id: 'expo', name: 'Expo', transport: new TcpTransport('127.0.0.1', sink.port) },
    ]);
    q.start();
    const job = q.enqueue({
      jobKey: 'k1',
      printerId: 'kitchen',
      kind: 'kitchen',
      reference: 'order-1',
      bytes: text('grill ticket'),
    });
    await until(() => sink.jobs.length === 1);
    expect(String(sink.jobs[0])).toBe('grill ticket');
    expect(q.store.get(job.id)?.printedOn).toBe('expo');

    q.reprint(job.id, 'expo');
    await until(() => sink.jobs.length === 2);
    expect(String(sink.jobs[1])).toBe('grill ticket');
    await q.stop();
  });

  it('shows a job stuck on a dead printer', async () => {
    const dead = new Sink();
    await dead.up();
    await dead.down();
    let now = Date.now();
    const store = new PrintStore(
      openSqlite({ path: join(dir, 'stuck.db'), schemas: [printQueueSchema] }),
    );
    const q = new PrintQueue(
      store,
      [{ id: 'bar', name: 'Bar', transport: new TcpTransport('127.0.0.1', dead.port) }],
      {
        logger,
        ...fast,
        clock: () => now,
        stuckAfterMs: 30_000,
      },
    );
    q.start();
    q.enqueue({ jobKey: 's1', printerId: 'bar', kind: 'kitchen', bytes: text('x') });
    await until(() => q.state('bar')?.state === 'offline');
    expect(q.state('bar')?.stuck).toBe(false);
    now += 31_000;
    expect(q.state('bar')).toMatchObject({ stuck: true, queued: 1, state: 'offline' });
    await q.stop();
  });
});

/** serialport's own mock binding (`@serialport/binding-mock`). */
const MockBinding = SerialPortMock.binding;

describe('printers that misbehave', () => {
  it('keeps the job and says so when the status reply is garbage', async () => {
    const server = createServer((socket) => {
      socket.on('data', () => socket.write(Buffer.from([0xff])));
      socket.on('error', () => {});
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as AddressInfo).port;
    const q = queue(join(dir, 'garbage.db'), [
      {
        id: 'receipt',
        name: 'Receipt',
        transport: new TcpTransport('127.0.0.1', port),
        status: {
          request: new Uint8Array([0x10, 0x04, 0x01]),
          replyBytes: 1,
          parse: (bytes) =>
            ((bytes[0] ?? 0) & 0x93) === 0x12
              ? {
                  ok: true,
                  condition: { online: true, paperOut: false, coverOpen: false, error: false },
                }
              : { ok: false, reason: 'not a status byte' },
        },
      },
    ]);
    q.start();
    q.enqueue({ jobKey: 'g1', printerId: 'receipt', kind: 'receipt', bytes: text('x') });
    await until(() => q.state('receipt')?.state === 'error');
    expect(q.state('receipt')).toMatchObject({
      queued: 1,
      lastError: 'unreadable status: not a status byte',
    });
    await q.stop();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  it('retries a job whose printer closed the connection mid-job', async () => {
    let connections = 0;
    const received: Buffer[] = [];
    const server = createServer((socket) => {
      connections += 1;
      const chunks: Buffer[] = [];
      if (connections === 1) {
        socket.once('data', () => socket.resetAndDestroy()); // the first time, it drops the job (RST)
      } else {
        socket.on('data', (c: Buffer) => chunks.push(c));
        socket.on('end', () => {
          received.push(Buffer.concat(chunks));
          socket.end();
        });
      }
      socket.on('error', () => {});
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as AddressInfo).port;
    const q = queue(join(dir, 'hangup.db'), [
      { id: 'kitchen', name: 'Kitchen', transport: new TcpTransport('127.0.0.1', port) },
    ]);
    q.start();
    q.enqueue({
      jobKey: 'h1',
      printerId: 'kitchen',
      kind: 'kitchen',
      bytes: new Uint8Array(64 * 1024).fill(0x41),
    });
    await until(() => received.length === 1);
    expect(received[0]?.length).toBe(64 * 1024);
    expect(connections).toBeGreaterThanOrEqual(2);
    await q.stop();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });
});

describe('serial printer', () => {
  it('sends a job through serialport (mock binding)', async () => {
    MockBinding.createPort('/dev/ttyPOS0', { record: true });
    const opened: { recording: Buffer }[] = [];
    const binding = {
      ...MockBinding,
      async open(options: Parameters<typeof MockBinding.open>[0]) {
        const port = await MockBinding.open(options);
        opened.push(port as unknown as { recording: Buffer });
        return port;
      },
    };
    const transport = new SerialTransport({ path: '/dev/ttyPOS0', baudRate: 19200, binding });
    const bytes = new Uint8Array([0x1b, 0x40, ...text('serial receipt'), 0x1d, 0x56, 0x00]);
    expect(await transport.send(bytes, 2_000)).toEqual({ ok: true });
    expect(opened[0]?.recording).toEqual(Buffer.from(bytes));
    const missing = new SerialTransport({ path: '/dev/ttyNOPE', binding });
    const result = await missing.send(bytes, 2_000);
    expect(result).toMatchObject({ ok: false, reason: 'unreachable' });
  });
});
