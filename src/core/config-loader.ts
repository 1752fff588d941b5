/**
 * @module Loading `agentvisor.yaml`. Reads the file, applies environment and command-line
 * overrides, and validates the result. Every problem is reported with the file, line and
 * dotted path, the bad value, and what is allowed, because a config error is always the
 * user's to fix and must say how.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { isMap, isScalar, isSeq, LineCounter, parseDocument } from 'yaml';
import type { z } from 'zod';
import { type AgentvisorConfig, configSchema } from './config-schema.js';
import { AgentvisorError } from './errors.js';

/** Where a config came from and what overrides apply. */
export interface LoadConfigOptions {
  /** Explicit file (from `--config`); an error if missing. Otherwise `./agentvisor.yaml` if present. */
  file?: string;
  /** `--data-dir`, which beats `AGENTVISOR_DATA_DIR`, which beats the file. */
  dataDir?: string;
  /** Process environment; injectable for tests. */
  env?: NodeJS.ProcessEnv;
  /** Working directory that relative paths resolve against. */
  cwd?: string;
}

/** A loaded config plus where it came from. */
export interface LoadedConfig {
  config: AgentvisorConfig;
  /** Absolute data directory. */
  dataDir: string;
  /** The file read, if any. */
  source: string | undefined;
}

/** The default config file name, looked up in the working directory. */
export const CONFIG_FILE_NAME = 'agentvisor.yaml';

/**
 * Loads and validates the configuration.
 *
 * @example
 * const { config, dataDir } = loadConfig({ dataDir: '/var/lib/agentvisor' });
 */
export function loadConfig(options: LoadConfigOptions = {}): LoadedConfig {
  const cwd = options.cwd ?? process.cwd();
  const env = options.env ?? process.env;
  let source: string | undefined;
  let raw: unknown = {};
  let locate: (p: readonly PropertyKey[]) => string = () => '';

  if (options.file !== undefined) {
    source = path.resolve(cwd, options.file);
    if (!existsSync(source)) {
      throw new AgentvisorError('CONFIG_INVALID', `config file not found: ${source}`, {
        details: { file: source },
      });
    }
  } else if (existsSync(path.join(cwd, CONFIG_FILE_NAME))) {
    source = path.join(cwd, CONFIG_FILE_NAME);
  }

  if (source !== undefined) {
    const parsed = parseYaml(readFileSync(source, 'utf8'), source);
    raw = parsed.value ?? {};
    locate = parsed.locate;
  }
  return validateConfig(raw, { source, locate, env, cwd, dataDir: options.dataDir });
}

/** Validates an already-parsed config object (used by `loadConfig` and by tests). */
export function validateConfig(
  raw: unknown,
  options: {
    source?: string | undefined;
    locate?: (p: readonly PropertyKey[]) => string;
    env?: NodeJS.ProcessEnv;
    cwd?: string;
    dataDir?: string | undefined;
  } = {},
): LoadedConfig {
  const env = options.env ?? process.env;
  const cwd = options.cwd ?? process.cwd();
  const where = options.source ?? 'config';
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    throw new AgentvisorError(
      'CONFIG_INVALID',
      `${where}: the top level must be a mapping of settings, got ${describe(raw)}`,
    );
  }
  const result = configSchema.safeParse(raw);
  if (!result.success) {
    const lines = result.error.issues.map((issue) =>
      formatIssue(issue, raw, options.locate ?? (() => '')),
    );
    throw new AgentvisorError(
      'CONFIG_INVALID',
      `${where} is invalid:\n${lines.map((l) => `  - ${l}`).join('\n')}`,
      { details: { file: options.source, problems: lines } },
    );
  }
  const config = result.data;
  const envDataDir = env['AGENTVISOR_DATA_DIR'];
  const dataDir = path.resolve(
    cwd,
    options.dataDir ??
      (envDataDir !== undefined && envDataDir !== '' ? envDataDir : config.data_dir),
  );
  config.data_dir = dataDir;
  if (config.store.driver === 'postgres') {
    const url = env['AGENTVISOR_DATABASE_URL'];
    if (url !== undefined && url !== '') config.store.url = url;
    if (config.store.url === undefined) {
      throw new AgentvisorError(
        'CONFIG_INVALID',
        `${where}: store.url is required when store.driver is "postgres" (or set AGENTVISOR_DATABASE_URL)`,
        { details: { path: 'store.url' } },
      );
    }
  }
  return { config, dataDir, source: options.source };
}

function parseYaml(
  text: string,
  source: string,
): { value: unknown; locate: (p: readonly PropertyKey[]) => string } {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false });
  if (doc.errors.length > 0) {
    const first = doc.errors[0]!;
    const pos = lineCounter.linePos(first.pos[0]);
    throw new AgentvisorError(
      'CONFIG_INVALID',
      `${source}:${pos.line}:${pos.col}: not valid YAML: ${first.message.split('\n')[0]}`,
      { details: { file: source, line: pos.line, column: pos.col } },
    );
  }
  const locate = (p: readonly PropertyKey[]): string => {
    // Walk to the deepest node that exists. Within a mapping, point at the key, not its value:
    // a key whose value is a nested mapping would otherwise be reported a line too low.
    let node: unknown = doc.contents;
    let found: unknown = node;
    for (const key of p) {
      if (isMap(node)) {
        const pair = node.items.find(
          (item) => isScalar(item.key) && String(item.key.value) === String(key),
        );
        if (pair === undefined) break;
        found = pair.key;
        node = pair.value;
      } else if (isSeq(node)) {
        node = node.get(Number(key), true);
        if (node === undefined) break;
        found = node;
      } else break;
    }
    const range = (found as { range?: [number, number, number] } | undefined)?.range;
    if (range === undefined) return '';
    const pos = lineCounter.linePos(range[0]);
    return `:${pos.line}`;
  };
  return { value: doc.toJS(), locate };
}

function formatIssue(
  issue: z.core.$ZodIssue,
  raw: unknown,
  locate: (p: readonly PropertyKey[]) => string,
): string {
  const dotted = issue.path.length === 0 ? '(top level)' : issue.path.map(String).join('.');
  // For an unknown key, point at the key itself rather than at its parent mapping.
  const at = locate(
    issue.code === 'unrecognized_keys' && issue.keys[0] !== undefined
      ? [...issue.path, issue.keys[0]]
      : issue.path,
  );
  const line = at === '' ? '' : ` (line ${at.slice(1)})`;
  if (issue.code === 'unrecognized_keys') {
    const allowed = allowedKeysAt(issue.path);
    return `${dotted}${line}: unknown key${issue.keys.length > 1 ? 's' : ''} ${issue.keys
      .map((k) => `"${k}"`)
      .join(', ')}${allowed.length > 0 ? `; allowed: ${allowed.join(', ')}` : ''}`;
  }
  const value = valueAt(raw, issue.path);
  const got = value === undefined ? 'nothing' : describe(value);
  return `${dotted}${line}: ${issue.message.replace(/^Invalid input: /, '')}; got ${got}`;
}

/** The keys the schema allows at a path: through objects, list items and defaults/optionals. */
function allowedKeysAt(p: readonly PropertyKey[]): string[] {
  type Node = { shape?: Record<string, unknown>; def?: { innerType?: unknown; element?: unknown } };
  const unwrap = (node: Node | undefined): Node | undefined => {
    let n = node;
    while (n?.def?.innerType !== undefined) n = n.def.innerType as Node;
    return n;
  };
  let schema = unwrap(configSchema as unknown as Node);
  for (const key of p) {
    if (schema === undefined) return [];
    schema = unwrap(
      (typeof key === 'number' ? schema.def?.element : schema.shape?.[String(key)]) as
        | Node
        | undefined,
    );
  }
  return schema?.shape === undefined ? [] : Object.keys(schema.shape);
}

function valueAt(raw: unknown, p: readonly PropertyKey[]): unknown {
  let v: unknown = raw;
  for (const key of p) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<PropertyKey, unknown>)[key];
  }
  return v;
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  if (typeof value === 'string')
    return JSON.stringify(value.length > 60 ? `${value.slice(0, 57)}...` : value);
  return String(value);
}
