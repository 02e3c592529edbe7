import { AppError } from '@pos/kit';
import express, { type RequestHandler, type Router } from 'express';
import type { HubSessions, StaffPrincipal, StaffRole } from './sessions.js';

declare global {
  namespace Express {
    interface Request {
      staff?: StaffPrincipal;
    }
  }
}

/** Who may call a route: anyone on the LAN (`public`), or staff holding one of the roles. */
export type Access = 'public' | readonly StaffRole[];

export interface DeclaredRoute {
  method: string;
  path: string;
  access: Access;
}

/**
 * An owner may do what a manager may, and a manager what a cashier may. Cooks are their own
 * line: a cashier cannot bump tickets and a cook cannot take payments.
 */
const IMPLIED: Record<StaffRole, StaffRole[]> = {
  owner: ['owner', 'manager', 'cashier', 'cook'],
  manager: ['manager', 'cashier', 'cook'],
  cashier: ['cashier'],
  cook: ['cook'],
};

export function hasRole(staff: Pick<StaffPrincipal, 'roles'>, role: StaffRole): boolean {
  return staff.roles.some((held) => IMPLIED[held].includes(role));
}

export function authenticate(sessions: HubSessions, access: Access): RequestHandler {
  return async (req, _res, next) => {
    if (access === 'public') return next();
    try {
      const header = req.get('authorization') ?? '';
      const match = /^Bearer ([A-Za-z0-9._~+/=-]+)$/.exec(header);
      const staff = match?.[1] ? await sessions.verify(match[1]) : null;
      if (!staff) {
        throw new AppError('unauthenticated', 'Sign in with your PIN first', {
          headers: { 'WWW-Authenticate': 'Bearer realm="pos-hub"' },
        });
      }
      if (!access.some((role) => hasRole(staff, role))) {
        throw new AppError('forbidden', `This needs one of the roles: ${access.join(', ')}`);
      }
      req.staff = staff;
      next();
    } catch (err) {
      next(err);
    }
  };
}

type Method = 'get' | 'post' | 'put' | 'patch' | 'delete';

/**
 * An Express router on which every route must state who may call it. The declarations are
 * collected so the route × role matrix can be listed and tested.
 */
export class SecureRouter {
  readonly router: Router = express.Router();

  /** `declared` is where routes are recorded (the hub passes its own list). */
  constructor(
    private readonly sessions: HubSessions,
    readonly declared: DeclaredRoute[] = [],
  ) {}

  get(path: string, access: Access, ...handlers: RequestHandler[]): this {
    return this.#add('get', path, access, handlers);
  }
  post(path: string, access: Access, ...handlers: RequestHandler[]): this {
    return this.#add('post', path, access, handlers);
  }
  put(path: string, access: Access, ...handlers: RequestHandler[]): this {
    return this.#add('put', path, access, handlers);
  }
  patch(path: string, access: Access, ...handlers: RequestHandler[]): this {
    return this.#add('patch', path, access, handlers);
  }
  delete(path: string, access: Access, ...handlers: RequestHandler[]): this {
    return this.#add('delete', path, access, handlers);
  }

  #add(method: Method, path: string, access: Access, handlers: RequestHandler[]): this {
    if (access !== 'public' && access.length === 0) {
      throw new Error(`${method.toUpperCase()} ${path} declares no role`);
    }
    this.declared.push({ method: method.toUpperCase(), path, access });
    this.router[method](path, authenticate(this.sessions, access), ...handlers);
    return this;
  }
}

/** The signed-in staff member; only valid behind a route that is not public. */
export function staffOf(req: { staff?: StaffPrincipal | undefined }): StaffPrincipal {
  if (!req.staff) throw new AppError('unauthenticated', 'Sign in with your PIN first');
  return req.staff;
}
