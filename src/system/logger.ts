/**
 * @module The process logger: pino JSON, pretty on a TTY. Known secret-bearing fields are
 * redacted at the logger, so a careless `log.info({ config })` cannot leak a key.
 */
import pino, { type Logger } from 'pino';
import pretty from 'pino-pretty';

/** Paths pino blanks out wherever they appear in a log object. */
export const REDACTED_PATHS = [
  '*.password',
  '*.passphrase',
  '*.api_key',
  '*.apiKey',
  '*.authorization',
  '*.secret',
  '*.private_key',
  '*.token',
  'req.headers.authorization',
  'req.headers.cookie',
];

/** Creates the logger for a process. */
export function createLogger(options: {
  level: string;
  format: 'auto' | 'json' | 'pretty';
  stream?: NodeJS.WritableStream;
}): Logger {
  const usePretty =
    options.format === 'pretty' || (options.format === 'auto' && process.stderr.isTTY === true);
  const base = { level: options.level, redact: { paths: REDACTED_PATHS, censor: '[redacted]' } };
  if (usePretty) {
    // A synchronous pretty stream rather than a transport: no worker thread, and the last lines
    // before an exit are never lost.
    return pino(
      base,
      pretty({ colorize: true, destination: 2, sync: true, ignore: 'pid,hostname' }),
    );
  }
  return pino(base, options.stream ?? pino.destination({ dest: 2, sync: true }));
}

export type { Logger };
