import { createLogger, Lifecycle } from '@pos/kit';
import { hubConfigFromEnv } from './config.js';
import { startHub } from './hub.js';
import { hubModules } from './modules.js';

const config = hubConfigFromEnv();
const logger = createLogger({ service: 'edge-hub', level: config.logLevel });
const lifecycle = new Lifecycle(logger);
lifecycle.handleSignals();

try {
  const hub = await startHub(config, hubModules(), { logger });
  lifecycle.add('hub', () => hub.stop());
  process.stdout.write(`hub      ${hub.url}\nhub mqtt ${hub.mqttUrl}\n`);
} catch (err) {
  logger.fatal({ err }, 'hub failed to start');
  process.exit(1);
}
