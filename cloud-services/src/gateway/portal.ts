import { fileURLToPath } from 'node:url';
import express, { type Express } from 'express';

/** The manager portal's page and script, at `/portal/` on the gateway (no build step). */
export function portalRoutes(app: Express): void {
  const dir = fileURLToPath(new URL('../../portal/', import.meta.url));
  app.use('/portal', express.static(dir, { index: 'index.html', maxAge: 0 }));
}
