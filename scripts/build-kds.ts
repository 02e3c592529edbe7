/**
 * Build the kitchen-display app (`kitchen-display/dist`): one browser bundle of
 * `kitchen-display/src/app.ts` with socket.io-client, plus its page and styles. The hub serves
 * it at `/kds`.
 */
import { copyFileSync, mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build } from 'esbuild';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');

export async function buildKds(): Promise<string> {
  const src = resolve(root, 'kitchen-display/src');
  const out = resolve(root, 'kitchen-display/dist');
  mkdirSync(out, { recursive: true });
  await build({
    entryPoints: [resolve(src, 'app.ts')],
    outfile: resolve(out, 'app.js'),
    bundle: true,
    platform: 'browser',
    format: 'esm',
    target: ['chrome100', 'safari15', 'firefox100'],
    minify: true,
    sourcemap: true,
    logLevel: 'warning',
  });
  for (const file of ['index.html', 'styles.css']) {
    copyFileSync(resolve(src, file), resolve(out, file));
  }
  return out;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await buildKds();
}
