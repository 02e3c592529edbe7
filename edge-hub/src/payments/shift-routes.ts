import { buildShiftReport, type LayoutOptions } from '@pos/hardware';
import { AppError, handle } from '@pos/kit';
import { z } from 'zod';
import { hasRole, type SecureRouter, staffOf } from '../staff/access.js';
import { managerApproval } from '../staff/approval.js';
import { attemptSource } from '../staff/module.js';
import type { Approvals } from '../staff/staff-service.js';
import { DENOMINATIONS_CENTS, MAX_PIECES } from './cash.js';
import type { ReportScope, ReportService, ShiftReport } from './reports.js';
import { MAX_FLOAT_CENTS, MAX_MOVEMENT_CENTS, type ShiftService } from './shifts.js';

export interface ShiftRouteDeps {
  shifts: ShiftService;
  reports: ReportService;
  /** Queue a document on the receipt printer; undefined when there is none. */
  print: (
    bytesOf: (layout: LayoutOptions) => Buffer,
    reference: string,
  ) => { id: number } | undefined;
  /** Open the cash drawer (logged with the reason and who asked). */
  kickDrawer: (reason: string, by: string) => void;
  /** When given, a cashier may make a paid-out with a manager's PIN. */
  approvals?: Approvals | undefined;
}

const ShiftParams = z.object({ id: z.uuid({ message: 'a shift id is a UUID' }) }).strict();
const ZParams = z.object({ number: z.coerce.number().int().min(1).max(1_000_000_000) }).strict();
const BusinessDate = z.iso.date({ message: 'a business date is YYYY-MM-DD' });

const OpenBody = z
  .object({
    openingFloatCents: z
      .number()
      .int({ message: 'the float must be a whole number of cents' })
      .min(0, { message: 'the float must not be negative' })
      .max(MAX_FLOAT_CENTS, { message: `the float must be at most ${MAX_FLOAT_CENTS} cents` }),
  })
  .strict();

const RecentQuery = z
  .object({ limit: z.coerce.number().int().min(1).max(100).default(20) })
  .strict();

const Approval = z
  .object({ managerPin: z.string().regex(/^[0-9]{4,8}$/, { message: 'a PIN is 4 to 8 digits' }) })
  .strict();

const MovementBody = z
  .object({
    kind: z.enum(['paid-in', 'paid-out']),
    amountCents: z
      .number()
      .int({ message: 'amount must be a whole number of cents' })
      .min(1, { message: 'amount must be greater than zero' })
      .max(MAX_MOVEMENT_CENTS, { message: `amount must be at most ${MAX_MOVEMENT_CENTS} cents` }),
    reason: z.string().trim().min(1, { message: 'a reason is required' }).max(200),
    approval: Approval.optional(),
  })
  .strict();

const CloseBody = z
  .object({
    counted: z
      .array(
        z
          .object({
            denominationCents: z
              .number()
              .int()
              .refine((d) => DENOMINATIONS_CENTS.includes(d), {
                message: `not a known denomination: use one of ${DENOMINATIONS_CENTS.join(', ')} cents`,
              }),
            count: z
              .number()
              .int({ message: 'count must be a whole number' })
              .min(0, { message: 'count must not be negative' })
              .max(MAX_PIECES),
          })
          .strict(),
      )
      .max(50),
    note: z.string().trim().max(500).optional(),
  })
  .strict();

const XScope = z
  .object({
    shiftId: z.uuid({ message: 'a shift id is a UUID' }).optional(),
    businessDate: BusinessDate.optional(),
  })
  .strict()
  .refine((s) => s.shiftId === undefined || s.businessDate === undefined, {
    message: 'give a shiftId or a businessDate, not both',
    path: ['businessDate'],
  });

const ZBody = z.object({ businessDate: BusinessDate.optional() }).strict();

/** Shifts and the cash drawer, X and Z reports. */
export function shiftRoutes(router: SecureRouter, deps: ShiftRouteDeps): SecureRouter {
  const { shifts, reports } = deps;

  /** The scope of an X report: as asked, or the open shift. */
  const xScope = (asked: { shiftId?: string | undefined; businessDate?: string | undefined }) => {
    if (asked.shiftId) return { shiftId: asked.shiftId } satisfies ReportScope;
    if (asked.businessDate) return { businessDate: asked.businessDate } satisfies ReportScope;
    const open = shifts.current();
    if (!open) {
      throw new AppError('not-found', 'No shift is open; give a shiftId or a businessDate');
    }
    return { shiftId: open.id } satisfies ReportScope;
  };

  const printReport = (report: ShiftReport, by: string) => {
    const data = reports.printable(report, by);
    const reference =
      report.number === null
        ? `x-report:${report.shiftId ?? report.businessDate}`
        : `z-report:${report.number}`;
    return deps.print((layout) => buildShiftReport(data, layout), reference);
  };

  router.post(
    '/api/v1/shifts',
    ['cashier'],
    handle({ body: OpenBody }, ({ body }, req, res) => {
      const staff = staffOf(req);
      const shift = shifts.open({ openingFloatCents: body.openingFloatCents, by: staff.userId });
      deps.kickDrawer('shift opened', staff.userId);
      res.status(201).location(`/api/v1/shifts/${shift.id}`);
      return shift;
    }),
  );
  // Before `/shifts/:id`, which would otherwise take `current` for an id.
  router.get(
    '/api/v1/shifts/current',
    ['cashier'],
    handle({}, () => {
      const shift = shifts.current();
      if (!shift) throw new AppError('not-found', 'No shift is open');
      return shift;
    }),
  );
  router.get(
    '/api/v1/shifts',
    ['manager'],
    handle({ query: RecentQuery }, ({ query }) => ({ shifts: shifts.recent(query.limit) })),
  );
  router.get(
    '/api/v1/shifts/:id',
    ['cashier'],
    handle({ params: ShiftParams }, ({ params }) => shifts.get(params.id)),
  );
  router.post(
    '/api/v1/shifts/:id/cash-movements',
    ['cashier'],
    handle({ params: ShiftParams, body: MovementBody }, async ({ params, body }, req, res) => {
      const staff = staffOf(req);
      if (body.kind === 'paid-out') {
        if (deps.approvals) {
          await managerApproval(
            deps.approvals,
            { staff, source: attemptSource(req) },
            body.approval,
            'a paid-out',
          );
        } else if (!hasRole(staff, 'manager')) {
          throw new AppError('forbidden', 'Only a manager may take cash out of the drawer');
        }
      }
      const result = shifts.addMovement(params.id, {
        kind: body.kind,
        amountCents: body.amountCents,
        reason: body.reason,
        by: staff.userId,
      });
      deps.kickDrawer(`${body.kind}: ${body.reason}`, staff.userId);
      res.status(201);
      return result;
    }),
  );
  router.post(
    '/api/v1/shifts/:id/close',
    ['cashier'],
    handle({ params: ShiftParams, body: CloseBody }, ({ params, body }, req) =>
      shifts.close(params.id, { counted: body.counted, note: body.note, by: staffOf(req).userId }),
    ),
  );

  router.get(
    '/api/v1/reports/x',
    ['manager'],
    handle({ query: XScope }, ({ query }, req) => reports.x(xScope(query), staffOf(req).userId)),
  );
  router.post(
    '/api/v1/reports/x/print',
    ['manager'],
    handle({ body: XScope }, ({ body }, req, res) => {
      const by = staffOf(req).userId;
      const job = printReport(reports.x(xScope(body), by), by);
      if (!job) throw new AppError('conflict', 'No receipt printer is set up');
      res.status(202);
      return { printJobId: job.id };
    }),
  );
  router.post(
    '/api/v1/reports/z',
    ['manager'],
    handle({ body: ZBody }, ({ body }, req, res) => {
      const by = staffOf(req).userId;
      const report = reports.z(body.businessDate ?? shifts.today(), by);
      // The day is closed whether or not it prints; it can be printed again by number.
      const job = printReport(report, by);
      res.status(201).location(`/api/v1/reports/z/${report.number}`);
      return { ...report, printJobId: job?.id ?? null };
    }),
  );
  router.get(
    '/api/v1/reports/z/:number',
    ['manager'],
    handle({ params: ZParams }, ({ params }) => reports.zByNumber(params.number)),
  );
  router.post(
    '/api/v1/reports/z/:number/print',
    ['manager'],
    handle({ params: ZParams }, ({ params }, req, res) => {
      const job = printReport(reports.zByNumber(params.number), staffOf(req).userId);
      if (!job) throw new AppError('conflict', 'No receipt printer is set up');
      res.status(202);
      return { printJobId: job.id };
    }),
  );
  return router;
}
