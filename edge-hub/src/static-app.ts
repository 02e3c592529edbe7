import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { AppError } from '@pos/kit';
import { SAME_ORIGIN_APP, withSecurityHeaders } from '@pos/kit/http/page-headers';
import express, { type Express } from 'express';

/** A built web app in the repository (`{workspace}/dist`), beside the sources or the hub bundle. */
export function findAppDir(workspace: string): string | undefined {
  const here = dirname(fileURLToPath(import.meta.url));
  for (const up of ['../..', '..', '../../..']) {
    const dir = resolve(here, up, workspace, 'dist');
    if (existsSync(join(dir, 'index.html'))) return dir;
  }
  return undefined;
}

/**
 * The screens load only their own built files and talk only to this hub (HTTP, the MQTT and
 * socket.io WebSockets): a script slipped in through a menu or a guest's name could not send a
 * staff token elsewhere. No framing (a tablet's browser tricked into pressing Pay), no content
 * sniffing, no referrer.
 */
const appHeaders = withSecurityHeaders({
  ...SAME_ORIGIN_APP,
  'font-src': "'self'",
  'manifest-src': "'self'",
});

/**
 * Serve a built web app at `path` (files cached for a day, except `index.html`, so a new build
 * reaches every screen on its next load). Without a build, a clear 503 says how to make one.
 */
export function serveApp(app: Express, path: string, dir: string | undefined, build: string): void {
  if (!dir) {
    app.use(path, appHeaders, (_req, _res, next) =>
      next(new AppError('unavailable', `The app at ${path} is not built; run ${build}`)),
    );
    return;
  }
  app.use(
    path,
    appHeaders,
    express.static(dir, {
      index: 'index.html',
      maxAge: '1d',
      setHeaders: (res, file) => {
        if (file.endsWith('.html')) res.setHeader('Cache-Control', 'no-cache');
      },
    }),
  );
}
