import { connect } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { EscPosDocument } from '../escpos/document.js';
import { startVirtualPrinter, type VirtualPrinter } from './virtual-printer.js';

let printer: VirtualPrinter | undefined;
afterEach(async () => {
  await printer?.close();
  printer = undefined;
});

function send(port: number, bytes: Buffer): Promise<void> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => socket.end(bytes));
    socket.on('error', reject);
    socket.on('close', () => resolve());
  });
}

function job(text: string): Buffer {
  return new EscPosDocument({ commandSet: 'epson', width: 32, codePage: 'PC858' })
    .align('center')
    .line(text)
    .cut()
    .toBuffer();
}

describe('jobs page', () => {
  it('shows jobs as escaped text, newest first', async () => {
    printer = await startVirtualPrinter({ port: 0, httpPort: 0, name: 'receipt', columns: 32 });
    await send(printer.port, job('<img src=x onerror="x"> & café'));
    await send(printer.port, job('second'));
    await printer.waitForJobs(2);

    const res = await fetch(`http://127.0.0.1:${printer.httpPort}/`);
    expect(res.headers.get('content-type')).toMatch(/text\/html/);
    expect(res.headers.get('content-security-policy')).toContain("default-src 'none'");
    const html = await res.text();
    expect(html).toContain('&#60;img src=x onerror=&#34;x&#34;&#62; &#38; café');
    expect(html.indexOf('second')).toBeLessThan(html.indexOf('onerror'));
    expect(html).toMatch(/<pre> +second<\/pre>/); // centred on a 32-column page
    expect(html).not.toMatch(/<(link|img|script)\b/);
  });

  it('serves the last 20 jobs as JSON', async () => {
    printer = await startVirtualPrinter({ port: 0, httpPort: 0 });
    for (let i = 1; i <= 22; i++) await send(printer.port, job(`job ${i}`));
    await printer.waitForJobs(22);
    const body = (await (await fetch(`http://127.0.0.1:${printer.httpPort}/jobs.json`)).json()) as {
      state: string;
      jobs: { id: number; lines: string[]; rawBase64: string; printed: boolean }[];
    };
    expect(body.state).toBe('online');
    expect(body.jobs).toHaveLength(20);
    expect(body.jobs[0]).toMatchObject({ id: 22, lines: ['job 22'], printed: true });
    expect(Buffer.from(body.jobs[0]?.rawBase64 ?? '', 'base64')).toEqual(printer.jobs()[21]?.raw);
    expect((await fetch(`http://127.0.0.1:${printer.httpPort}/nope`)).status).toBe(404);
  });
});
