/**
 * Build the terminal's Electron shell into `terminal/electron/app` (main process as an ES
 * module, the sandboxed preload as CommonJS, the setup and waiting pages, a package.json), ready
 * for `npx electron terminal/electron/app` or electron-builder (`terminal/electron/electron-builder.yml`).
 */
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build } from 'esbuild';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');

export async function buildElectron(): Promise<string> {
  const src = resolve(root, 'terminal/electron');
  const out = resolve(src, 'app');
  mkdirSync(out, { recursive: true });
  const common = {
    bundle: true,
    platform: 'node' as const,
    target: 'node20',
    external: ['electron'],
  };
  await build({
    ...common,
    entryPoints: [resolve(src, 'main.ts')],
    outfile: resolve(out, 'main.mjs'),
    format: 'esm',
  });
  await build({
    ...common,
    entryPoints: [resolve(src, 'preload.ts')],
    outfile: resolve(out, 'preload.js'),
    format: 'cjs',
  });
  for (const page of ['setup.html', 'waiting.html'])
    copyFileSync(resolve(src, page), resolve(out, page));
  const { version } = JSON.parse(readFileSync(resolve(root, 'terminal/package.json'), 'utf8')) as {
    version: string;
  };
  writeFileSync(
    resolve(out, 'package.json'),
    `${JSON.stringify({ name: 'pos-terminal', version, main: 'main.mjs', private: true }, null, 2)}\n`,
  );
  return out;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await buildElectron();
}
