import { type Logger, pino } from 'pino';
import { currentContext } from './context.js';

export type { Logger } from 'pino';

export interface LoggerOptions {
  service: string;
  level?: string;
  /** Where lines go; defaults to stdout. Tests pass a stream to read the lines back. */
  destination?: NodeJS.WritableStream;
}

/**
 * One JSON line per event, with the service name; request and event handlers use the child in
 * the work context so every line carries the correlation ID. Secrets are redacted at source.
 */
export function createLogger(options: LoggerOptions): Logger {
  const level = options.level ?? process.env.LOG_LEVEL ?? 'info';
  const base = {
    level,
    base: { service: options.service },
    redact: {
      paths: [
        'req.headers.authorization',
        'req.headers.cookie',
        '*.password',
        '*.pin',
        '*.token',
        '*.refreshToken',
        '*.accessToken',
        '*.cardNumber',
        '*.pan',
      ],
      censor: '[redacted]',
    },
    timestamp: pino.stdTimeFunctions.isoTime,
  };
  return options.destination
    ? pino(base, options.destination as pino.DestinationStream)
    : pino(base);
}

/** The logger for the current unit of work, falling back to the given one. */
export function contextLogger(fallback: Logger): Logger {
  return currentContext()?.logger ?? fallback;
}
