import { createServer, type Server } from 'node:http';
import type { DecodedLine } from '../escpos/decoder.js';
import type { PrintedJob, VirtualPrinterState } from './virtual-printer.js';

export interface JobsPageOptions {
  port: number;
  host: string;
  name: string;
  columns: number;
  jobs: () => readonly PrintedJob[];
  state: () => VirtualPrinterState;
}

const SHOWN = 20;

/** The page loads nothing from anywhere, and says so. */
const PAGE_HEADERS = {
  'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'",
  'x-content-type-options': 'nosniff',
};

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);
}

/** A job as it looks on paper: centred and right-aligned lines placed within the width. */
export function renderJob(lines: readonly DecodedLine[], columns: number): string {
  return lines
    .map((line) => {
      const room = Math.max(0, columns - line.columns);
      const pad =
        line.align === 'center' ? Math.floor(room / 2) : line.align === 'right' ? room : 0;
      return ' '.repeat(pad) + line.text;
    })
    .join('\n');
}

function page(options: JobsPageOptions): string {
  const jobs = options.jobs().slice(-SHOWN).reverse();
  const sections = jobs.map((job) => {
    const status = job.printed ? 'printed' : 'not printed';
    return [
      `<section><h2>Job ${job.id} <small>${escapeHtml(job.receivedAt)} · ${status}</small></h2>`,
      `<pre>${escapeHtml(renderJob(job.lineInfo, options.columns))}</pre>`,
      `<details><summary>commands</summary><code>${escapeHtml(job.commands.join(' '))}</code></details>`,
      '</section>',
    ].join('');
  });
  const title = escapeHtml(`${options.name} (${options.state()})`);
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta http-equiv="refresh" content="5">
<title>${title}</title>
<style>body{font-family:system-ui,sans-serif;background:#eee;margin:1rem}
section{display:inline-block;vertical-align:top;margin:0 1rem 1rem 0}
pre{background:#fff;padding:1rem;box-shadow:0 1px 3px #999;font:13px/1.3 monospace;margin:0}
h2{font-size:14px}small{color:#666;font-weight:normal}</style></head>
<body><h1>${title}</h1>${sections.join('\n') || '<p>No jobs yet.</p>'}</body></html>`;
}

function json(options: JobsPageOptions): string {
  const jobs = options.jobs().slice(-SHOWN).reverse();
  return JSON.stringify({
    name: options.name,
    state: options.state(),
    jobs: jobs.map((job) => ({
      id: job.id,
      receivedAt: job.receivedAt,
      printed: job.printed,
      text: job.text,
      lines: job.lines,
      commands: job.commands,
      codes: job.codes,
      rawBase64: job.raw.toString('base64'),
    })),
  });
}

/** GET / shows the last 20 jobs as text, GET /jobs.json the same as JSON. */
export async function startJobsPage(
  options: JobsPageOptions,
): Promise<{ server: Server; port: number }> {
  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD' }).end();
    } else if (path === '/') {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', ...PAGE_HEADERS });
      res.end(page(options));
    } else if (path === '/jobs.json') {
      res.writeHead(200, { 'content-type': 'application/json' }).end(json(options));
    } else {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address();
  const port = address && typeof address === 'object' ? address.port : options.port;
  return { server, port };
}
