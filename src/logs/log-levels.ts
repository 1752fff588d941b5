/**
 * @module Log levels as stored and filtered: pino's names and numbers, "this level or more
 * severe", and the one check of a level a person typed (a CLI flag, a query parameter) that names
 * the allowed values when it fails.
 */
import { AgentvisorError, LOG_LEVELS, type LogLevel } from '../core/index.js';

/** pino's number for each level. */
const PINO_VALUES: Readonly<Record<LogLevel, number>> = {
  trace: 10,
  debug: 20,
  info: 30,
  warn: 40,
  error: 50,
  fatal: 60,
};

/** True when `level` is `min` or more severe. */
export function levelAtLeast(level: LogLevel, min: LogLevel): boolean {
  return PINO_VALUES[level] >= PINO_VALUES[min];
}

/** Every level that is `min` or more severe, least severe first. */
export function levelsFrom(min: LogLevel): LogLevel[] {
  return LOG_LEVELS.filter((l) => levelAtLeast(l, min));
}

/** The level of a pino line's numeric `level` (custom values round down to the nearest level). */
export function levelOfPinoValue(value: number): LogLevel {
  let found: LogLevel = 'trace';
  for (const level of LOG_LEVELS) if (value >= PINO_VALUES[level]) found = level;
  return found;
}

/** True when `value` names a level. */
export function isLogLevel(value: unknown): value is LogLevel {
  return typeof value === 'string' && (LOG_LEVELS as readonly string[]).includes(value);
}

/**
 * A level someone typed, or INPUT_INVALID naming `where` and the allowed values.
 *
 * @example
 * parseLogLevel('warn', '--level'); // 'warn'
 * parseLogLevel('loud', '--level'); // throws: --level: "loud" is not a level; use one of trace, ...
 */
export function parseLogLevel(value: string, where: string): LogLevel {
  const level = value.trim().toLowerCase();
  if (isLogLevel(level)) return level;
  throw new AgentvisorError(
    'INPUT_INVALID',
    `${where}: "${value}" is not a log level; use one of ${LOG_LEVELS.join(', ')}`,
    { details: { field: where, allowed: [...LOG_LEVELS] } },
  );
}
