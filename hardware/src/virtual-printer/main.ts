import { parseArgs } from 'node:util';
import { createLogger } from '@pos/kit/logger';
import { isCodePageName } from '../escpos/code-pages.js';
import { startVirtualPrinter } from './virtual-printer.js';

/**
 * Start one virtual printer:
 *   tsx hardware/src/virtual-printer/main.ts --port 9100 --name receipt --http-port 9180
 * Options fall back to PRINTER_PORT, PRINTER_HOST, PRINTER_NAME, PRINTER_HTTP_PORT,
 * PRINTER_CODE_PAGE, PRINTER_EMULATION and PRINTER_OFFLINE_MODE.
 */
const { values } = parseArgs({
  options: {
    port: { type: 'string' },
    host: { type: 'string' },
    name: { type: 'string' },
    'http-port': { type: 'string' },
    'code-page': { type: 'string' },
    emulation: { type: 'string' },
    'offline-mode': { type: 'string' },
  },
});
const env = process.env;

function fail(message: string): never {
  process.stderr.write(`virtual printer: ${message}\n`);
  process.exit(2);
}

function port(value: string | undefined, variable: string, fallback?: number): number | undefined {
  if (value === undefined || value === '') return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65_535) fail(`${variable} must be a port, got ${value}`);
  return n;
}

const codePage = values['code-page'] ?? env.PRINTER_CODE_PAGE ?? 'PC858';
if (!isCodePageName(codePage)) fail(`PRINTER_CODE_PAGE: unknown code page ${codePage}`);
const emulation = values.emulation ?? env.PRINTER_EMULATION ?? 'epson';
if (emulation !== 'epson' && emulation !== 'star') fail('PRINTER_EMULATION must be epson or star');
const offlineMode = values['offline-mode'] ?? env.PRINTER_OFFLINE_MODE ?? 'refuse';
if (offlineMode !== 'refuse' && offlineMode !== 'silent') {
  fail('PRINTER_OFFLINE_MODE must be refuse or silent');
}
const name = values.name ?? env.PRINTER_NAME ?? 'receipt';

const printer = await startVirtualPrinter({
  port: port(values.port ?? env.PRINTER_PORT, 'PRINTER_PORT', 9100),
  host: values.host ?? env.PRINTER_HOST ?? '127.0.0.1',
  name,
  codePage,
  emulation,
  offlineMode,
  httpPort: port(values['http-port'] ?? env.PRINTER_HTTP_PORT, 'PRINTER_HTTP_PORT'),
  logger: createLogger({ service: 'virtual-printer' }),
}).catch((err: unknown) => fail(err instanceof Error ? err.message : String(err)));

const page =
  printer.httpPort === undefined ? '' : ` jobs at http://${printer.host}:${printer.httpPort}/`;
process.stdout.write(`${name} printer listening on tcp://${printer.host}:${printer.port}${page}\n`);

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    void printer.close().then(() => process.exit(0));
  });
}
