import { fileURLToPath } from 'node:url';
import { SAME_ORIGIN_APP, withSecurityHeaders } from '@pos/kit/http/page-headers';
import express, { type Express } from 'express';

/**
 * The manager portal's page and script, at `/portal/` on the gateway (no build step). It loads
 * only its own files and talks only to this gateway: a script injected through a menu name could
 * not send an owner's token anywhere else.
 */
export function portalRoutes(app: Express): void {
  const dir = fileURLToPath(new URL('../../portal/', import.meta.url));
  app.use(
    '/portal',
    withSecurityHeaders(SAME_ORIGIN_APP),
    express.static(dir, { index: 'index.html', maxAge: 0 }),
  );
}
