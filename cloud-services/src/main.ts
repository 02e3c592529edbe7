import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createLogger, Lifecycle } from '@pos/kit';
import { startCloud } from './cloud.js';

// `npm start` runs from the workspace folder, so the default data dir is anchored to the repo
// root, next to the hub's; an explicit POS_DATA_DIR is taken relative to where it was given.
const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
const dataRoot = process.env.POS_DATA_DIR
  ? resolve(process.env.POS_DATA_DIR)
  : join(repoRoot, '.data');

const logger = createLogger({ service: 'cloud' });
const lifecycle = new Lifecycle(logger);
lifecycle.handleSignals();

try {
  const cloud = await startCloud({ env: process.env, dataDir: join(dataRoot, 'cloud'), logger });
  lifecycle.add('cloud', () => cloud.stop());
  for (const [name, url] of Object.entries(cloud.urls).filter(([, u]) => u)) {
    process.stdout.write(`${name.padEnd(12)} ${url}\n`);
  }
} catch (err) {
  logger.fatal({ err }, 'cloud failed to start');
  process.exit(1);
}
