/**
 * @module What every CLI verb shares: the global options, loading the config, and opening the
 * system for the length of one verb.
 */
import { userInfo } from 'node:os';
import path from 'node:path';
import { type CallerRef, type LoadedConfig, loadConfig } from '../core/index.js';
import {
  type AgentvisorSystem,
  createLogger,
  type Logger,
  OPERATOR_CAPABILITIES,
  openSystem,
} from '../system/index.js';
import type { CliIo } from './output.js';

/** Options every verb accepts. */
export interface GlobalOptions {
  dataDir?: string;
  config?: string;
  json?: boolean;
}

/** Loads the config with the verb's overrides. */
export function loadCliConfig(options: GlobalOptions): LoadedConfig {
  return loadConfig({
    ...(options.config === undefined ? {} : { file: options.config }),
    ...(options.dataDir === undefined ? {} : { dataDir: options.dataDir }),
  });
}

/** The operator at this terminal: whoever can read the data directory runs the node. */
export function operatorCaller(name?: string): CallerRef {
  let id = name;
  if (id === undefined || id === '') {
    try {
      id = userInfo().username;
    } catch {
      id = 'operator';
    }
  }
  return { kind: 'human', id };
}

/**
 * Opens the system, runs `fn` as the operator, and always closes it. Verbs that only read pass
 * `writes: false` so that closing never signs a checkpoint over data nobody vouched for.
 */
export async function withSystem<T>(
  options: GlobalOptions,
  fn: (system: AgentvisorSystem, operator: CallerRef, logger: Logger) => Promise<T>,
  verb: { operatorName?: string; writes?: boolean } = {},
): Promise<T> {
  const operatorName = verb.operatorName;
  const { config, dataDir, source } = loadCliConfig(options);
  const logger = createLogger({
    level: config.log.level === 'info' ? 'warn' : config.log.level,
    format: config.log.format,
  });
  const system = await openSystem({
    config,
    dataDir,
    logger,
    configDir: configDirOf(source),
    createdBy: `human:${operatorCaller(operatorName).id}`,
  });
  const operator = operatorCaller(operatorName);
  system.principals.register({
    kind: 'human',
    id: operator.id,
    capabilities: new Set(OPERATOR_CAPABILITIES),
  });
  try {
    return await fn(system, operator, logger);
  } finally {
    await system.close({ checkpoint: verb.writes === true });
  }
}

export type { CliIo };

/** The directory relative paths in the configuration resolve against. */
export function configDirOf(source: string | undefined): string {
  return source === undefined ? process.cwd() : path.dirname(path.resolve(source));
}
