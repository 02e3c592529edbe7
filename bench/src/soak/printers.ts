/**
 * The soak's printers: the hardware package's virtual ESC/POS printers on TCP (the ones
 * `npm start` runs), a receipt printer with the drawer and a kitchen printer, as the demo store
 * has. What they print is read back as text and tallied by what it is, so that the end of the
 * run can tell whether every ticket and receipt printed, and printed once:
 *   a kitchen ticket  by its kind (new or ADD-ON), order number and station;
 *   a receipt         by the order ID in its QR code;
 *   a drawer kick     a job with no text (the drawer opening for the shift's float).
 * Jobs are classified by content, not by printer, since a stuck kitchen printer's jobs move to
 * its backup, the receipt printer.
 */
import { startVirtualPrinter, type VirtualPrinter } from '@pos/hardware';

export interface PrintTally {
  kitchen: Map<string, number>;
  receipts: Map<string, number>;
  drawerKicks: number;
  other: number;
  jobs: number;
}

/** The key a kitchen ticket is counted under. */
export function ticketKey(kind: 'new' | 'add-on', orderNumber: number, station: string): string {
  return `${kind}:#${orderNumber}:${station.toUpperCase()}`;
}

/** What one printed job is, from its decoded lines. */
export function classifyJob(
  lines: readonly string[],
):
  | { kind: 'kitchen'; key: string }
  | { kind: 'receipt'; orderId: string }
  | { kind: 'drawer' | 'other' } {
  const text = lines.map((l) => l.trim());
  const qr = text.map((l) => /^\[QR ([0-9a-f-]{36})\]$/.exec(l)).find(Boolean);
  if (qr) return { kind: 'receipt', orderId: qr[1]! };
  const number = text.map((l) => /^#(\d+)$/.exec(l)).find(Boolean);
  if (number) {
    // The station's name opens the line after the order type: "GRILL      18:48".
    const at = text.findIndex((l) => /^#\d+$/.test(l));
    const station = /^(\S+)\s/.exec(`${text[at + 2] ?? ''} `)?.[1] ?? '?';
    const kind = text.includes('ADD-ON') ? 'add-on' : 'new';
    return { kind: 'kitchen', key: ticketKey(kind, Number(number[1]), station) };
  }
  return { kind: text.every((l) => l === '') ? 'drawer' : 'other' };
}

export class Printers {
  readonly tally: PrintTally = {
    kitchen: new Map(),
    receipts: new Map(),
    drawerKicks: 0,
    other: 0,
    jobs: 0,
  };

  private constructor(
    readonly receipt: VirtualPrinter,
    readonly kitchen: VirtualPrinter,
  ) {}

  static async start(): Promise<Printers> {
    // Jobs are tallied and cleared at every sample; the cap only matters between two.
    const maxJobs = 100_000;
    const receipt = await startVirtualPrinter({ port: 0, name: 'soak-receipt', maxJobs });
    const kitchen = await startVirtualPrinter({ port: 0, name: 'soak-kitchen', maxJobs });
    return new Printers(receipt, kitchen);
  }

  /** Count what printed since the last call and let the printers forget it. */
  drain(): void {
    for (const printer of [this.receipt, this.kitchen]) {
      const jobs = printer.jobs({ includeUnprinted: true });
      printer.clear();
      for (const job of jobs) {
        this.tally.jobs++;
        const what = classifyJob(job.lines);
        if (what.kind === 'kitchen') bump(this.tally.kitchen, what.key);
        else if (what.kind === 'receipt') bump(this.tally.receipts, what.orderId);
        else if (what.kind === 'drawer') this.tally.drawerKicks++;
        else this.tally.other++;
      }
    }
  }

  async close(): Promise<void> {
    await Promise.all([this.receipt.close(), this.kitchen.close()]);
  }
}

function bump(map: Map<string, number>, key: string): void {
  map.set(key, (map.get(key) ?? 0) + 1);
}
