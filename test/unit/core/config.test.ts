import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  AgentvisorError,
  configSchema,
  loadConfig,
  validateConfig,
} from '../../../src/core/index.js';
import { tempDir } from '../../support/services.js';

let tmp: ReturnType<typeof tempDir>;

beforeEach(() => {
  tmp = tempDir('agentvisor-config-');
});

afterEach(() => {
  tmp.remove();
});

function writeConfig(text: string, name = 'agentvisor.yaml'): string {
  const file = path.join(tmp.dir, name);
  writeFileSync(file, text);
  return file;
}

/** Loads `text` as a config file and returns the CONFIG_INVALID error it must raise. */
function configError(text: string, env: NodeJS.ProcessEnv = {}): AgentvisorError {
  const file = writeConfig(text);
  try {
    loadConfig({ file, env, cwd: tmp.dir });
  } catch (error) {
    expect(error).toBeInstanceOf(AgentvisorError);
    expect((error as AgentvisorError).code).toBe('CONFIG_INVALID');
    expect((error as AgentvisorError).message).toContain(file);
    return error as AgentvisorError;
  }
  throw new Error('expected CONFIG_INVALID, but the config loaded');
}

describe('defaults', () => {
  it('with no file every setting has its documented default', () => {
    const loaded = loadConfig({ env: {}, cwd: tmp.dir });
    expect(loaded.source).toBeUndefined();
    expect(loaded.dataDir).toBe(path.join(tmp.dir, '.agentvisor'));
    const { config } = loaded;
    expect(config.data_dir).toBe(loaded.dataDir);
    expect(config.server).toEqual({
      host: '127.0.0.1',
      port: 7070,
      session_hours: 12,
      login_max_failures: 5,
      lockout_minutes: 15,
      allowed_origins: [],
    });
    expect(config.store).toEqual({ driver: 'sqlite', path: 'agentvisor.db' });
    expect(config.log).toEqual({ level: 'info', format: 'auto' });
    expect(config.ledger).toEqual({
      origin: 'agentvisor.local/ledger',
      signature: 'ed25519',
      max_payload_bytes: 65_536,
      max_batch: 1024,
      checkpoint: { every_entries: 1000, every_seconds: 60 },
      anchors: [],
      verify_every_hours: 24,
      keyring: { passphrase_env: 'AGENTVISOR_KEY_PASSPHRASE', key_file: 'keys/keyring.key' },
    });
    expect(configSchema.parse({}).ledger).toEqual(config.ledger);
  });

  it('reads ./agentvisor.yaml from the working directory and fills what it leaves out', () => {
    const file = writeConfig(
      'server:\n  port: 8080\nledger:\n  checkpoint:\n    every_entries: 5\n',
    );
    const { config, source } = loadConfig({ env: {}, cwd: tmp.dir });
    expect(source).toBe(file);
    expect(config.server).toEqual({
      host: '127.0.0.1',
      port: 8080,
      session_hours: 12,
      login_max_failures: 5,
      lockout_minutes: 15,
      allowed_origins: [],
    });
    expect(config.ledger.checkpoint).toEqual({ every_entries: 5, every_seconds: 60 });
  });

  it('an empty file is all defaults', () => {
    const file = writeConfig('');
    const { config } = loadConfig({ file, env: {}, cwd: tmp.dir });
    expect(config.server.port).toBe(7070);
  });

  it('an explicit file that does not exist is an error naming it', () => {
    const missing = path.join(tmp.dir, 'nope.yaml');
    expect(() => loadConfig({ file: missing, env: {}, cwd: tmp.dir })).toThrow(missing);
  });
});

describe('errors name the file, the line, the path, the value and what is allowed', () => {
  it('an unknown nested key lists the allowed keys and names its path and line', () => {
    const error = configError(
      'server:\n  port: 8080\nledger:\n  checkpoint:\n    every_entries: 5\n    evry_seconds: 3\n',
    );
    expect(error.message).toContain(
      'ledger.checkpoint (line 6): unknown key "evry_seconds"; allowed: every_entries, every_seconds',
    );
    expect(error.details?.['problems']).toHaveLength(1);
  });

  it('an unknown top-level key lists the top-level settings', () => {
    const error = configError('log:\n  level: info\nverbose: true\n');
    expect(error.message).toContain(
      '(top level) (line 3): unknown key "verbose"; allowed: data_dir, server, store, ledger, log',
    );
  });

  // Regression: this was a bug (pinned with `it.fails` until fixed in src).
  it('an unknown key holding a mapping is reported on its own line', () => {
    const error = configError('log:\n  level: info\nservr:\n  port: 1\n');
    expect(error.message).toContain('(top level) (line 3): unknown key "servr"');
  });

  it('several unknown keys are all named', () => {
    const error = configError('server:\n  port: 8080\n  hots: x\n  prot: 1\n');
    expect(error.message).toContain(
      'server (line 3): unknown keys "hots", "prot"; allowed: host, port',
    );
  });

  it('a value of the wrong type names the path, the line and the value', () => {
    const error = configError('server:\n  host: 0.0.0.0\n  port: "eighty"\n');
    expect(error.message).toMatch(/server\.port \(line 3\): .*number.*; got "eighty"/);
  });

  it('an out-of-range number and a bad enum value are reported the same way', () => {
    expect(configError('ledger:\n  max_payload_bytes: -5\n').message).toMatch(
      /ledger\.max_payload_bytes \(line 2\): .*; got -5/,
    );
    const level = configError('log:\n  level: loud\n').message;
    expect(level).toMatch(/log\.level \(line 2\): .*"info".*; got "loud"/);
  });

  it('every problem is reported, not just the first', () => {
    const error = configError('server:\n  port: 0\nlog:\n  format: fancy\n');
    const problems = error.details?.['problems'] as string[];
    expect(problems).toHaveLength(2);
    expect(problems.join('\n')).toContain('server.port (line 2)');
    expect(problems.join('\n')).toContain('log.format (line 4)');
  });

  it('invalid YAML names file:line:col', () => {
    const error = configError('server:\n  port: 8080\n   host: x\n');
    const file = path.join(tmp.dir, 'agentvisor.yaml');
    expect(error.message).toMatch(
      new RegExp(`^${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:2:\\d+: not valid YAML`),
    );
    expect(error.details).toMatchObject({ file, line: 2 });
    expect(error.details?.['column']).toEqual(expect.any(Number));
  });

  it('a top level that is not a mapping is refused', () => {
    expect(configError('- a\n- b\n').message).toContain('the top level must be a mapping');
    expect(() => validateConfig('just text', { env: {} })).toThrow(/top level must be a mapping/);
  });
});

describe('the data directory', () => {
  const fileText = 'data_dir: from-file\n';

  it('comes from the file, relative to the working directory', () => {
    const file = writeConfig(fileText);
    const { dataDir, config } = loadConfig({ file, env: {}, cwd: tmp.dir });
    expect(dataDir).toBe(path.join(tmp.dir, 'from-file'));
    expect(config.data_dir).toBe(dataDir);
  });

  it('AGENTVISOR_DATA_DIR beats the file, and an empty variable is ignored', () => {
    const file = writeConfig(fileText);
    const env = { AGENTVISOR_DATA_DIR: 'from-env' };
    expect(loadConfig({ file, env, cwd: tmp.dir }).dataDir).toBe(path.join(tmp.dir, 'from-env'));
    expect(loadConfig({ file, env: { AGENTVISOR_DATA_DIR: '' }, cwd: tmp.dir }).dataDir).toBe(
      path.join(tmp.dir, 'from-file'),
    );
  });

  it('--data-dir beats AGENTVISOR_DATA_DIR and the file; absolute paths stay absolute', () => {
    const file = writeConfig(fileText);
    const env = { AGENTVISOR_DATA_DIR: 'from-env' };
    const flag = path.join(tmp.dir, 'elsewhere', 'from-flag');
    const { dataDir, config } = loadConfig({ file, env, cwd: tmp.dir, dataDir: flag });
    expect(dataDir).toBe(flag);
    expect(config.data_dir).toBe(flag);
  });
});

describe('the PostgreSQL store', () => {
  it('without a url is an error naming store.url and the environment variable', () => {
    const error = configError('store:\n  driver: postgres\n');
    expect(error.message).toContain('store.url');
    expect(error.message).toContain('AGENTVISOR_DATABASE_URL');
    expect(error.details).toEqual({ path: 'store.url' });
  });

  it('takes its url from AGENTVISOR_DATABASE_URL, which beats the file', () => {
    const file = writeConfig('store:\n  driver: postgres\n  url: postgres://file/db\n');
    const fromFile = loadConfig({ file, env: {}, cwd: tmp.dir }).config.store;
    expect(fromFile).toMatchObject({
      driver: 'postgres',
      url: 'postgres://file/db',
      schema: 'public',
    });
    const env = { AGENTVISOR_DATABASE_URL: 'postgres://env/db' };
    expect(loadConfig({ file, env, cwd: tmp.dir }).config.store).toMatchObject({
      url: 'postgres://env/db',
    });
  });

  it('sqlite keys are not accepted for postgres', () => {
    const error = configError('store:\n  driver: postgres\n  url: postgres://x/y\n  path: a.db\n');
    expect(error.message).toContain('unknown key "path"');
  });
});
