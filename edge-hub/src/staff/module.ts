import { join } from 'node:path';
import { AppError, handle, openSqlite } from '@pos/kit';
import { z } from 'zod';
import type { HubModule } from '../hub.js';
import { staffOf } from './access.js';
import { demoStaff } from './demo-staff.js';
import type { RosterEntry } from './staff-service.js';
import { StaffService, staffSchema } from './staff-service.js';

const PinBody = z.object({
  pin: z.string().regex(/^[0-9]{4,8}$/, { message: 'a PIN is 4 to 8 digits' }),
});

export interface StaffModule extends HubModule {
  /** The roster service, once the module has started (approvals for voids and refunds). */
  service(): StaffService;
}

/** Who is asking, for throttling: the terminal's address. */
export function attemptSource(req: { ip?: string | undefined }): string {
  return req.ip ?? 'unknown';
}

export function staffModule(options: { roster?: () => RosterEntry[] } = {}): StaffModule {
  let service: StaffService | undefined;
  return {
    name: 'staff',
    service: () => {
      if (!service) throw new Error('the staff module has not started');
      return service;
    },
    async start(ctx) {
      const db = openSqlite({
        path: join(ctx.config.dataDir, 'staff.db'),
        synchronous: 'FULL',
        schemas: [staffSchema],
      });
      const staff = new StaffService(db, ctx.clock);
      if (staff.isEmpty()) await staff.replaceRoster((options.roster ?? demoStaff)());
      ctx.sessions.checkRoster((p) => staff.holds(p.userId, p.roles));
      service = staff;
      const router = ctx.secureRouter();
      router.post(
        '/api/v1/staff/login',
        'public',
        handle({ body: PinBody }, async ({ body }, req) => {
          const check = await staff.checkPin(body.pin, attemptSource(req));
          if (!check.ok) {
            if (check.reason === 'locked') {
              const seconds = Math.ceil((check.retryAfterMs ?? 0) / 1000);
              throw new AppError('rate-limited', `Too many wrong PINs; try again in ${seconds} s`, {
                headers: { 'Retry-After': String(seconds) },
              });
            }
            throw new AppError('unauthenticated', 'That PIN is not recognised');
          }
          const { id, name, roles } = check.staff;
          const session = await ctx.sessions.issue({ userId: id, name, roles });
          return { token: session.token, expiresAt: session.expiresAt, staff: { id, name, roles } };
        }),
      );
      router.get(
        '/api/v1/staff/me',
        ['cashier', 'cook'],
        handle({}, (_input, req) => {
          const me = staffOf(req);
          return { id: me.userId, name: me.name, roles: me.roles };
        }),
      );
      router.post(
        '/api/v1/staff/session/refresh',
        ['cashier', 'cook'],
        handle({}, async (_input, req) => {
          const me = staffOf(req);
          ctx.sessions.revoke(me.sessionId);
          const session = await ctx.sessions.issue({
            userId: me.userId,
            name: me.name,
            roles: me.roles,
          });
          return { token: session.token, expiresAt: session.expiresAt };
        }),
      );
      router.post(
        '/api/v1/staff/logout',
        ['cashier', 'cook'],
        handle({}, (_input, req, res) => {
          ctx.sessions.revoke(staffOf(req).sessionId);
          res.status(204);
        }),
      );
      router.get(
        '/api/v1/staff',
        ['manager'],
        handle({}, () => ({ staff: staff.list() })),
      );
      return {
        routes: (app) => app.use(router.router),
        close: () => {
          db.close();
        },
      };
    },
  };
}
