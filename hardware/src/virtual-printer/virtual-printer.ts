import type { Server as HttpServer } from 'node:http';
import { createServer, type Server, type Socket } from 'node:net';
import type { Logger } from '@pos/kit';
import { createLogger } from '@pos/kit/logger';
import type { CodePageName, CommandSet } from '../escpos/code-pages.js';
import type { DecodedCode, DecodedLine } from '../escpos/decoder.js';
import { type PrinterStatus, type StatusKind, statusByte } from '../escpos/drawer-status.js';
import { startJobsPage } from './jobs-page.js';
import { type CompletedJob, PrinterConnection } from './printer-connection.js';

export type VirtualPrinterState = 'online' | 'offline' | 'paper-out' | 'cover-open';

export interface VirtualPrinterOptions {
  /** TCP port; 0 picks a free one. Default 9100, the raw printing port. */
  port?: number;
  host?: string;
  name?: string;
  /** Power-on code page: what text is read in until the job selects one. Default PC437. */
  codePage?: CodePageName;
  /** Printer language understood. Default epson. */
  emulation?: CommandSet;
  /** Offline as a switched-off printer (connections refused) or a hung one (no answers). */
  offlineMode?: 'refuse' | 'silent';
  /** Serve the jobs page on this port (0 = free); no page when absent. */
  httpPort?: number;
  /** Paper width the page renders centred lines in. Default 48. */
  columns?: number;
  /** Jobs kept in memory, oldest dropped first. Default 500. */
  maxJobs?: number;
  logger?: Logger;
}

export interface PrintedJob {
  id: number;
  receivedAt: string;
  /** False when it arrived while the printer was out of paper, open or offline. */
  printed: boolean;
  raw: Buffer;
  text: string;
  lines: string[];
  lineInfo: DecodedLine[];
  commands: string[];
  codes: DecodedCode[];
}

export interface VirtualPrinter {
  readonly name: string;
  readonly host: string;
  readonly port: number;
  /** Port of the jobs page, when one was asked for. */
  readonly httpPort: number | undefined;
  readonly state: VirtualPrinterState;
  /** Printed jobs, oldest first; with includeUnprinted also those that did not print. */
  jobs(options?: { includeUnprinted?: boolean }): PrintedJob[];
  /** Resolves once `count` jobs have printed; rejects after `timeoutMs`. */
  waitForJobs(count: number, timeoutMs?: number): Promise<PrintedJob[]>;
  clear(): void;
  setState(state: VirtualPrinterState): Promise<void>;
  close(): Promise<void>;
}

const STATUS: Record<Exclude<VirtualPrinterState, 'offline'>, PrinterStatus> = {
  online: { online: true, coverOpen: false, paperOut: false, paperNearEnd: false, error: false },
  'paper-out': {
    online: false,
    coverOpen: false,
    paperOut: true,
    paperNearEnd: true,
    error: false,
  },
  'cover-open': {
    online: false,
    coverOpen: true,
    paperOut: false,
    paperNearEnd: false,
    error: false,
  },
};

/**
 * A networked receipt printer on a TCP port (like port 9100 on a real one) for tests and the
 * demo: keeps and decodes every job, answers DLE EOT, and can be switched offline, out of
 * paper or open.
 */
export async function startVirtualPrinter(
  options: VirtualPrinterOptions = {},
): Promise<VirtualPrinter> {
  const name = options.name ?? 'virtual-printer';
  const host = options.host ?? '127.0.0.1';
  const logger =
    options.logger?.child({ printer: name }) ?? createLogger({ service: name, level: 'silent' });
  const offlineMode = options.offlineMode ?? 'refuse';
  const maxJobs = options.maxJobs ?? 500;
  const emulation = options.emulation ?? 'epson';
  const codePage = options.codePage ?? 'PC437';

  let state: VirtualPrinterState = 'online';
  let nextId = 1;
  let jobs: PrintedJob[] = [];
  const sockets = new Set<Socket>();
  const waiters = new Set<() => void>();

  const jobDone = (job: CompletedJob) => {
    const printed: PrintedJob = {
      id: nextId++,
      receivedAt: new Date().toISOString(),
      printed: job.printable,
      raw: job.raw,
      text: job.document.text,
      lines: job.document.lines,
      lineInfo: job.document.lineInfo,
      commands: job.document.commands,
      codes: job.document.codes,
    };
    jobs.push(printed);
    if (jobs.length > maxJobs) jobs = jobs.slice(-maxJobs);
    logger.info(
      { jobId: printed.id, bytes: printed.raw.length, printed: printed.printed },
      'job received',
    );
    for (const wake of [...waiters]) wake();
  };

  const onConnection = (socket: Socket) => {
    if (state === 'offline' && offlineMode === 'refuse') {
      socket.destroy();
      return;
    }
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    new PrinterConnection(socket, {
      emulation,
      codePage,
      logger,
      statusReply: (n) =>
        state === 'offline' ? undefined : statusByte(n as StatusKind, STATUS[state]),
      canPrint: () => state === 'online',
      jobDone,
    });
  };

  let server: Server | undefined;
  let port = options.port ?? 9100;
  const listen = async () => {
    const next = createServer(onConnection);
    next.on('error', (err) => logger.error({ err }, 'virtual printer server error'));
    await new Promise<void>((resolve, reject) => {
      next.once('error', reject);
      next.listen(port, host, () => {
        next.off('error', reject);
        resolve();
      });
    });
    const address = next.address();
    if (address && typeof address === 'object') port = address.port;
    server = next;
  };
  const stopListening = async () => {
    const current = server;
    server = undefined;
    for (const socket of sockets) socket.destroy();
    if (current) await new Promise<void>((resolve) => current.close(() => resolve()));
  };

  await listen();
  let page: HttpServer | undefined;
  let httpPort: number | undefined;
  const printedJobs = () => jobs.filter((job) => job.printed);
  if (options.httpPort !== undefined) {
    const started = await startJobsPage({
      port: options.httpPort,
      host,
      name,
      columns: options.columns ?? 48,
      jobs: () => jobs,
      state: () => state,
    });
    page = started.server;
    httpPort = started.port;
  }
  logger.info({ host, port, httpPort, emulation, codePage }, 'virtual printer listening');

  return {
    name,
    host,
    get port() {
      return port;
    },
    httpPort,
    get state() {
      return state;
    },
    jobs: (opts) => (opts?.includeUnprinted ? [...jobs] : printedJobs()),
    waitForJobs: (count, timeoutMs = 5_000) =>
      new Promise<PrintedJob[]>((resolve, reject) => {
        const check = () => {
          const done = printedJobs();
          if (done.length < count) return;
          waiters.delete(check);
          clearTimeout(timer);
          resolve(done);
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          const got = printedJobs().length;
          reject(new Error(`${name}: ${got} of ${count} jobs printed after ${timeoutMs} ms`));
        }, timeoutMs);
        waiters.add(check);
        check();
      }),
    clear: () => {
      jobs = [];
    },
    setState: async (next) => {
      const refuse = next === 'offline' && offlineMode === 'refuse';
      state = next;
      logger.info({ state: next }, 'virtual printer state');
      if (refuse && server) await stopListening();
      else if (!refuse && !server) await listen();
    },
    close: async () => {
      await stopListening();
      if (page) {
        const closing = page;
        closing.closeAllConnections();
        await new Promise<void>((resolve) => closing.close(() => resolve()));
      }
    },
  };
}
