import { StoreId } from '@pos/contracts';
import { AppError, type DocumentedRoute, handle } from '@pos/kit';
import type { SqlDatabase } from '@pos/kit/sql';
import type { Express } from 'express';
import type { JWTVerifyGetKey } from 'jose';
import { z } from 'zod';
import { SalesReportError, salesReport } from './read-model.js';
import { requireManager } from './routes.js';

// Sales reports for the manager portal's dashboard, read from the sync service's read model.

export const SALES_REPORT_PATH = '/api/v1/sync/reports/sales';

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
  .superRefine((q, ctx) => {
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
  });

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
];

/** `GET /api/v1/sync/reports/sales?from=&to=&storeId=&timeZone=` */
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
}
