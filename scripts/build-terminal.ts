/**
 * Build the cashier terminal's web UI (`terminal/dist`) with Vite; the hub serves it at
 * `/terminal/`.
 */
import { dirname, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build } from 'vite';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');

export async function buildTerminal(): Promise<string> {
  const dir = resolve(root, 'terminal');
  await build({ root: dir, configFile: resolve(dir, 'vite.config.ts'), logLevel: 'warn' });
  return resolve(dir, 'dist');
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await buildTerminal();
}
