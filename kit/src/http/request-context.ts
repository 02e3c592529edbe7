import type { Logger } from 'pino';

// What the service kit attaches to every request before routing.
declare global {
  namespace Express {
    interface Request {
      correlationId?: string;
      log?: Logger;
    }
  }
}
