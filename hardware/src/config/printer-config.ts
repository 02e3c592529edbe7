import { z } from 'zod';

// How a store's printers are set up: which printers exist and how to reach them, which one
// prints receipts, and where each kitchen station's tickets go (a printer, a KDS screen, or
// both). Managers change it from the terminal; the cloud will send it down with the store's
// configuration.

const Id = z
  .string()
  .regex(/^[a-z0-9][a-z0-9-]{0,31}$/, { message: 'lower-case letters, digits and dashes' });

export const Connection = z.discriminatedUnion('type', [
  z
    .object({
      type: z.literal('tcp'),
      host: z.string().min(1).max(253),
      port: z.number().int().min(1).max(65_535).default(9100),
    })
    .strict(),
  z
    .object({
      type: z.literal('serial'),
      path: z.string().min(1).max(200),
      baudRate: z.number().int().positive().default(19200),
    })
    .strict(),
]);
export type Connection = z.infer<typeof Connection>;

export const CODE_PAGES = ['PC437', 'PC850', 'PC858', 'WPC1252'] as const;

export const PrinterSettings = z
  .object({
    id: Id,
    name: z.string().trim().min(1).max(60),
    connection: Connection,
    commandSet: z.enum(['epson', 'star']).default('epson'),
    width: z.union([z.literal(32), z.literal(42), z.literal(48)]).default(42),
    codePage: z.enum(CODE_PAGES).default('PC858'),
    /** A cash drawer is wired to this printer (opened on cash tender). */
    drawer: z.boolean().default(false),
    /** Where this printer's jobs go when it has been unreachable for `failoverAfterSeconds`. */
    backupPrinterId: Id.optional(),
    failoverAfterSeconds: z.number().int().min(5).max(3_600).default(60),
  })
  .strict();
export type PrinterSettings = z.infer<typeof PrinterSettings>;

export const StationRoute = z
  .object({
    stationId: z.string().min(1).max(64),
    printerId: Id.optional(),
    kds: z.boolean().default(true),
  })
  .strict();
export type StationRoute = z.infer<typeof StationRoute>;

export const PrintingConfig = z
  .object({
    printers: z.array(PrinterSettings).max(32),
    receiptPrinterId: Id.optional(),
    stations: z.array(StationRoute).max(64).default([]),
    store: z
      .object({
        name: z.string().trim().min(1).max(60),
        addressLines: z.array(z.string().trim().max(60)).max(4).default([]),
        phone: z.string().trim().max(30).optional(),
        footer: z.array(z.string().trim().max(60)).max(6).default([]),
      })
      .strict(),
  })
  .strict()
  .superRefine((c, ctx) => {
    const ids = new Set<string>();
    c.printers.forEach((p, i) => {
      if (ids.has(p.id))
        ctx.addIssue({
          code: 'custom',
          path: ['printers', i, 'id'],
          message: `duplicate printer ${p.id}`,
        });
      ids.add(p.id);
    });
    const known = (id: string | undefined, path: (string | number)[]) => {
      if (id !== undefined && !ids.has(id))
        ctx.addIssue({ code: 'custom', path, message: `unknown printer ${id}` });
    };
    known(c.receiptPrinterId, ['receiptPrinterId']);
    c.printers.forEach((p, i) => {
      known(p.backupPrinterId, ['printers', i, 'backupPrinterId']);
      if (p.backupPrinterId === p.id) {
        ctx.addIssue({
          code: 'custom',
          path: ['printers', i, 'backupPrinterId'],
          message: 'a printer cannot back itself up',
        });
      }
    });
    c.stations.forEach((s, i) => {
      known(s.printerId, ['stations', i, 'printerId']);
      if (!s.printerId && !s.kds) {
        ctx.addIssue({
          code: 'custom',
          path: ['stations', i],
          message: 'a station needs a printer or a KDS screen',
        });
      }
    });
  });
export type PrintingConfig = z.infer<typeof PrintingConfig>;

/**
 * The demo store's printers: the virtual receipt and kitchen printers that `npm start` runs on
 * this machine (ports 9100 and 9101). Grill, fryer and pizza tickets print in the kitchen and
 * show on the KDS; bar and pastry use the KDS only; cold prints only.
 */
export function demoPrintingConfig(
  host = '127.0.0.1',
  receiptPort = 9100,
  kitchenPort = 9101,
): PrintingConfig {
  return PrintingConfig.parse({
    printers: [
      {
        id: 'receipt',
        name: 'Front counter',
        connection: { type: 'tcp', host, port: receiptPort },
        drawer: true,
        width: 42,
      },
      {
        id: 'kitchen',
        name: 'Kitchen',
        connection: { type: 'tcp', host, port: kitchenPort },
        width: 42,
        backupPrinterId: 'receipt',
      },
    ],
    receiptPrinterId: 'receipt',
    stations: [
      { stationId: 'grill', printerId: 'kitchen', kds: true },
      { stationId: 'fryer', printerId: 'kitchen', kds: true },
      { stationId: 'pizza', printerId: 'kitchen', kds: true },
      { stationId: 'cold', printerId: 'kitchen', kds: false },
      { stationId: 'bar', kds: true },
      { stationId: 'pastry', kds: true },
    ],
    store: {
      name: 'Harbour Street Kitchen',
      addressLines: ['12 Harbour Street', 'Portside'],
      phone: '(555) 010-2030',
      footer: ['Thank you! Come back soon.'],
    },
  });
}

/**
 * Which printer gets which lines of an order: lines are grouped by their station's printer,
 * in the order the lines were rung in. Lines of a station with no printer (KDS only) are left
 * out; a station missing from the routes goes to the receipt printer, so no ticket is lost.
 */
export function routeToPrinters<L extends { stationId: string }>(
  config: PrintingConfig,
  lines: readonly L[],
): Map<string, L[]> {
  const byStation = new Map(config.stations.map((s) => [s.stationId, s]));
  const out = new Map<string, L[]>();
  for (const line of lines) {
    const route = byStation.get(line.stationId);
    const printerId = route ? route.printerId : config.receiptPrinterId;
    if (!printerId) continue;
    const list = out.get(printerId) ?? [];
    list.push(line);
    out.set(printerId, list);
  }
  return out;
}
