import { StoreId } from '@pos/contracts';
import { AppError, type DocumentedRoute, handle } from '@pos/kit';
import type { SqlDatabase } from '@pos/kit/sql';
import type { Express } from 'express';
import type { JWTVerifyGetKey } from 'jose';
import { z } from 'zod';
import { SalesReportError, salesReport } from './read-model.js';
import { requireManager } from './routes.js';
import { shiftReport } from './shifts.js';

// Sales and cash-drawer shift reports for the manager portal's dashboard, read from the sync
// service's read models.

export const SALES_REPORT_PATH = '/api/v1/sync/reports/sales';
export const SHIFT_REPORT_PATH = '/api/v1/sync/reports/shifts';

/** Longest range one report covers, in days, both ends included (a leap year). */
export const MAX_REPORT_DAYS = 366;

const DAY_MS = 86_400_000;

const ReportDate = z.iso.date({ message: 'must be a date as YYYY-MM-DD' });

// An IANA name (`Europe/London`, `Etc/GMT+5`, `UTC`); offsets like `+02:00` are refused
// because the database reads them with the POSIX sign, the opposite of ISO 8601.
const IANA_NAME = /^[A-Za-z][A-Za-z0-9_+-]*(\/[A-Za-z0-9_+-]+)*$/;

function isTimeZone(name: string): boolean {
  if (!IANA_NAME.test(name)) return false;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: name });
    return true;
  } catch {
    return false;
  }
}

// `?storeId=&timeZone=` (empty) means "not given": a form submits empty fields that way.
const blankAsAbsent = <T extends z.ZodType>(schema: T) =>
  z
    .union([z.literal(''), schema])
    .optional()
    .transform((v) => (v === '' ? undefined : (v as z.output<T> | undefined)));

const RANGE = z.object({ from: ReportDate, to: ReportDate });

/** The range is checked whenever both dates are good, so a bad store is reported with it. */
const WHEN_DATES_ARE_GOOD = {
  when: (payload: { value: unknown }) => RANGE.safeParse(payload.value).success,
};

/** `to` is not before `from`, and the range is at most MAX_REPORT_DAYS days. */
function checkRange(q: { from: string; to: string }, ctx: z.RefinementCtx): void {
  const days = (Date.parse(q.to) - Date.parse(q.from)) / DAY_MS + 1;
  if (Number.isNaN(days)) return;
  if (days < 1) {
    ctx.addIssue({ code: 'custom', path: ['to'], message: 'must not be before from' });
  } else if (days > MAX_REPORT_DAYS) {
    ctx.addIssue({
      code: 'custom',
      path: ['to'],
      message: `a report covers at most ${MAX_REPORT_DAYS} days`,
    });
  }
}

export const SalesReportQuerySchema = z
  .object({
    from: ReportDate,
    to: ReportDate,
    storeId: blankAsAbsent(StoreId),
    timeZone: blankAsAbsent(
      z.string().max(64).refine(isTimeZone, {
        message: 'unknown time zone; use an IANA name such as America/New_York',
      }),
    ),
  })
  .strict()
  .superRefine(checkRange, WHEN_DATES_ARE_GOOD);

/** Business dates from the hubs: a shift is in the range when its business date is. */
export const ShiftReportQuerySchema = z
  .object({ from: ReportDate, to: ReportDate, storeId: blankAsAbsent(StoreId) })
  .strict()
  .superRefine(checkRange, WHEN_DATES_ARE_GOOD);

/** OpenAPI entries of the report routes, for the service's document (`docs.add(...)`). */
export const reportRouteDocs: DocumentedRoute[] = [
  {
    method: 'get',
    path: SALES_REPORT_PATH,
    summary:
      'Sales of one store or all stores from one date to another (at most 366 days), by day, ' +
      'hour, item, tender and store, with days and hours in the given time zone (UTC default)',
    tags: ['reports'],
    query: SalesReportQuerySchema,
  },
  {
    method: 'get',
    path: SHIFT_REPORT_PATH,
    summary:
      'Cash-drawer shifts of one store or all stores whose business date is from one date to ' +
      'another (at most 366 days): opened and closed by whom and when, float, paid-ins and ' +
      'outs, expected, counted and over/short, with the totals of the period',
    tags: ['reports'],
    query: ShiftReportQuerySchema,
  },
];

/**
 * `GET /api/v1/sync/reports/sales?from=&to=&storeId=&timeZone=` and
 * `GET /api/v1/sync/reports/shifts?from=&to=&storeId=`
 */
export function reportRoutes(
  app: Express,
  db: SqlDatabase,
  jwks: JWTVerifyGetKey | undefined,
): void {
  app.get(
    SALES_REPORT_PATH,
    handle({ query: SalesReportQuerySchema }, async ({ query }, req) => {
      await requireManager(req, jwks);
      const timeZone = query.timeZone ?? 'UTC';
      try {
        const report = await salesReport(db, { ...query, timeZone });
        return {
          from: query.from,
          to: query.to,
          storeId: query.storeId ?? null,
          timeZone,
          ...report,
        };
      } catch (err) {
        // A zone the runtime knows but the database's time zone data does not.
        if (err instanceof SalesReportError) {
          throw new AppError('validation', 'Invalid query.timeZone', {
            errors: [{ field: 'query.timeZone', message: err.message }],
          });
        }
        throw err;
      }
    }),
  );
  app.get(
    SHIFT_REPORT_PATH,
    handle({ query: ShiftReportQuerySchema }, async ({ query }, req) => {
      await requireManager(req, jwks);
      const report = await shiftReport(db, query);
      return { from: query.from, to: query.to, storeId: query.storeId ?? null, ...report };
    }),
  );
}
