/**
 * Build the hub for production: one ES module bundle of the hub and the workspace packages it
 * uses (`edge-hub/dist/main.mjs`), with third-party packages loaded from node_modules as
 * usual. It starts faster and holds less memory than running the sources through tsx.
 */
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');

await build({
  entryPoints: [resolve(root, 'edge-hub/src/main.ts')],
  outfile: resolve(root, 'edge-hub/dist/main.mjs'),
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  sourcemap: true,
  logLevel: 'warning',
  plugins: [
    {
      name: 'third-party-external',
      setup(b) {
        // Bare imports other than this repository's own packages stay imports.
        b.onResolve({ filter: /^[^./]/ }, (args) =>
          args.path.startsWith('@pos/') ? undefined : { path: args.path, external: true },
        );
      },
    },
  ],
});
