import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { AppError } from '@pos/kit';
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
 * Serve a built web app at `path` (files cached for a day, except `index.html`, so a new build
 * reaches every screen on its next load). Without a build, a clear 503 says how to make one.
 */
export function serveApp(app: Express, path: string, dir: string | undefined, build: string): void {
  if (!dir) {
    app.use(path, (_req, _res, next) =>
      next(new AppError('unavailable', `The app at ${path} is not built; run ${build}`)),
    );
    return;
  }
  app.use(
    path,
    express.static(dir, {
      index: 'index.html',
      maxAge: '1d',
      setHeaders: (res, file) => {
        if (file.endsWith('.html')) res.setHeader('Cache-Control', 'no-cache');
      },
    }),
  );
}
