import { connect } from 'node:net';
import fc from 'fast-check';
import { PrinterTypes, ThermalPrinter } from 'node-thermal-printer';
import { afterEach, describe, expect, it } from 'vitest';
import { drawerKickBytes, parseStatusReply, statusRequestBytes } from '../escpos/drawer-status.js';
import { buildKitchenTicket } from '../escpos/kitchen-ticket.js';
import { buildReceipt } from '../escpos/receipt.js';
import { sampleKitchenTicket, sampleReceipt } from '../escpos/sample-documents.js';
import { startVirtualPrinter, type VirtualPrinter } from './virtual-printer.js';

const printers: VirtualPrinter[] = [];
afterEach(async () => {
  await Promise.all(printers.splice(0).map((p) => p.close()));
});

async function start(options: Parameters<typeof startVirtualPrinter>[0] = {}) {
  const printer = await startVirtualPrinter({ port: 0, codePage: 'PC858', ...options });
  printers.push(printer);
  return printer;
}

/** Send bytes on a fresh connection and close it, as a print queue does with a job. */
function send(port: number, ...chunks: Uint8Array[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', async () => {
      for (const chunk of chunks) {
        await new Promise<void>((done) => socket.write(chunk, () => done()));
      }
      socket.end();
    });
    socket.on('error', reject);
    socket.on('close', () => resolve());
  });
}

/** DLE EOT 1..4 on a fresh connection; the four reply bytes, or 'timeout'. */
function requestStatus(port: number, timeoutMs = 1_000): Promise<Buffer | 'timeout'> {
  return new Promise((resolve, reject) => {
    let reply = Buffer.alloc(0);
    const socket = connect(port, '127.0.0.1', () => socket.write(statusRequestBytes()));
    const timer = setTimeout(() => {
      socket.destroy();
      resolve('timeout');
    }, timeoutMs);
    socket.on('data', (chunk: Buffer) => {
      reply = Buffer.concat([reply, chunk]);
      if (reply.length >= 4) {
        clearTimeout(timer);
        socket.destroy();
        resolve(reply);
      }
    });
    socket.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
  });
}

const RECEIPT_OPTIONS = {
  commandSet: 'epson',
  width: 42,
  codePage: 'PC858',
  timeZone: 'UTC',
} as const;

describe('virtual printer', () => {
  it('prints a receipt sent over TCP and reads it back', async () => {
    const printer = await start();
    const data = sampleReceipt();
    await send(printer.port, buildReceipt(data, RECEIPT_OPTIONS));
    const [job] = await printer.waitForJobs(1);
    expect(job?.printed).toBe(true);
    for (const expected of [
      data.store.name,
      'Order #1042',
      ...data.lines.map((l) => l.name.split(' ')[0] ?? ''),
      'Café au lait',
      'Crème brûlée',
      'Jalapeño poppers',
      'Cashier: Zoë Müller',
      'Subtotal',
      '€47.50',
      'VAT 20%',
      '€46.00',
      'Cash',
      'Tendered',
      'Visa **** 4242',
    ]) {
      expect(job?.text).toContain(expected);
    }
    expect(job?.commands.slice(0, 2)).toEqual(['init', 'codepage:19']);
    expect(job?.commands).toContain('qr');
    expect(job?.commands.at(-1)).toBe('cut');
    expect(job?.codes).toEqual([{ kind: 'qr', data: data.orderId }]);
  });

  it('takes jobs from node-thermal-printer as a client', async () => {
    const printer = await start({ emulation: 'star', codePage: 'PC437' });
    const client = new ThermalPrinter({
      type: PrinterTypes.STAR,
      interface: `tcp://127.0.0.1:${printer.port}`,
    });
    client.setBuffer(
      buildKitchenTicket(sampleKitchenTicket(), {
        commandSet: 'star',
        width: 48,
        codePage: 'PC437',
      }),
    );
    await client.execute();
    const [job] = await printer.waitForJobs(1);
    expect(job?.lines).toContain('SEAT 1');
    expect(job?.lines).toContain('!! ALLERGY: nuts');
    expect(job?.text).toContain('Jalapeño poppers');
  });

  it('splits one connection into jobs at each cut', async () => {
    const printer = await start();
    const ticket = buildKitchenTicket(sampleKitchenTicket(), RECEIPT_OPTIONS);
    const receipt = buildReceipt(sampleReceipt(), RECEIPT_OPTIONS);
    const both = Buffer.concat([ticket, receipt]);
    // Arbitrary chunk boundaries, as TCP may deliver them.
    await send(printer.port, both.subarray(0, 7), both.subarray(7, 500), both.subarray(500));
    const jobs = await printer.waitForJobs(2);
    expect(jobs.map((j) => j.lines[0])).toEqual(['#1042', 'Harbour Street Kitchen']);
    expect(Buffer.concat(jobs.map((j) => j.raw)).length).toBeLessThanOrEqual(both.length);
  });

  it('records a drawer kick as a job of its own', async () => {
    const printer = await start();
    await send(printer.port, drawerKickBytes({ commandSet: 'epson', pin: 5 }));
    const [job] = await printer.waitForJobs(1);
    expect(job?.commands).toEqual(['drawer:pin5']);
    expect(job?.raw.toString('hex')).toBe('1b700119fa');
  });

  it('answers DLE EOT for each state', async () => {
    const printer = await start();
    const read = async () => {
      const reply = await requestStatus(printer.port);
      if (reply === 'timeout') throw new Error('no status reply');
      return parseStatusReply(reply);
    };
    expect(await read()).toMatchObject({
      ok: true,
      status: { online: true, paperOut: false, coverOpen: false, error: false },
    });
    await printer.setState('paper-out');
    expect(await read()).toMatchObject({
      ok: true,
      status: { online: false, paperOut: true, paperNearEnd: true, coverOpen: false },
    });
    await printer.setState('cover-open');
    expect(await read()).toMatchObject({
      ok: true,
      status: { online: false, paperOut: false, coverOpen: true },
    });
    await printer.setState('online');
    expect(await read()).toMatchObject({ ok: true, status: { online: true } });
    // Status polls are not jobs.
    expect(printer.jobs({ includeUnprinted: true })).toEqual([]);
  });

  it('keeps but does not print a job sent while out of paper', async () => {
    const printer = await start();
    await printer.setState('paper-out');
    await send(printer.port, buildReceipt(sampleReceipt(), RECEIPT_OPTIONS));
    await expect.poll(() => printer.jobs({ includeUnprinted: true }).length).toBe(1);
    expect(printer.jobs()).toEqual([]);
    expect(printer.jobs({ includeUnprinted: true })[0]).toMatchObject({ printed: false });
    await expect(printer.waitForJobs(1, 200)).rejects.toThrow(/0 of 1 jobs/);
  });

  it("offline 'refuse' refuses connections until it is back online", async () => {
    const printer = await start({ offlineMode: 'refuse' });
    const port = printer.port;
    await printer.setState('offline');
    await expect(requestStatus(port)).rejects.toMatchObject({ code: 'ECONNREFUSED' });
    await printer.setState('online');
    expect(printer.port).toBe(port);
    expect(await requestStatus(port)).toEqual(Buffer.from([0x12, 0x12, 0x12, 0x12]));
  });

  it("offline 'silent' accepts connections but never answers", async () => {
    const printer = await start({ offlineMode: 'silent' });
    await printer.setState('offline');
    expect(await requestStatus(printer.port, 300)).toBe('timeout');
    await send(printer.port, buildReceipt(sampleReceipt(), RECEIPT_OPTIONS));
    await expect.poll(() => printer.jobs({ includeUnprinted: true }).length).toBe(1);
    expect(printer.jobs()).toEqual([]);
  });

  it('answers a status request split across two packets', async () => {
    const printer = await start();
    const reply = await new Promise<Buffer>((resolve, reject) => {
      const socket = connect(printer.port, '127.0.0.1', () => {
        socket.write(Buffer.from([0x10]));
        setTimeout(() => socket.write(Buffer.from([0x04, 0x01])), 30);
      });
      socket.once('data', (data: Buffer) => {
        socket.destroy();
        resolve(data);
      });
      socket.on('error', reject);
    });
    expect(reply).toEqual(Buffer.from([0x12]));
  });

  it.each(['epson', 'star'] as const)(
    '%s: survives random bytes and keeps answering status',
    async (emulation) => {
      const printer = await start({ emulation });
      await fc.assert(
        fc.asyncProperty(fc.uint8Array({ maxLength: 2_000 }), async (garbage) => {
          await send(printer.port, garbage);
          const reply = await requestStatus(printer.port);
          expect(reply).toEqual(Buffer.from([0x12, 0x12, 0x12, 0x12]));
        }),
        { numRuns: 40 },
      );
      // Garbage that happens to print something shows up as jobs; the printer is still usable.
      printer.clear();
      await send(
        printer.port,
        buildReceipt(sampleReceipt(), { ...RECEIPT_OPTIONS, commandSet: emulation }),
      );
      const jobs = await printer.waitForJobs(1);
      expect(jobs.at(-1)?.text).toContain('Order #1042');
    },
  );

  it('clear() forgets jobs', async () => {
    const printer = await start();
    await send(printer.port, drawerKickBytes({ commandSet: 'epson', pin: 2 }));
    await printer.waitForJobs(1);
    printer.clear();
    expect(printer.jobs()).toEqual([]);
  });
});
