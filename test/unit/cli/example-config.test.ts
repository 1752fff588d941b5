/** The example written by `agentvisor init` must always be a valid config with the documented defaults. */

import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { EXAMPLE_CONFIG } from '../../../src/cli/example-config.js';
import { TEAM_CONFIG } from '../../../src/cli/team-example.js';
import { configSchema, validateConfig } from '../../../src/core/index.js';

describe('agentvisor init example', () => {
  it('validates and equals the schema defaults', () => {
    const raw = parse(EXAMPLE_CONFIG) as Record<string, unknown>;
    const { config } = validateConfig(raw, { env: {}, cwd: '/srv' });
    const defaults = validateConfig({}, { env: {}, cwd: '/srv' }).config;
    expect(config).toEqual(defaults);
    expect(configSchema.parse({}).server.host).toBe('127.0.0.1');
  });
});

describe('agentvisor init --team', () => {
  it('validates and holds the five role agents of seed 002', () => {
    const raw = parse(TEAM_CONFIG) as Record<string, unknown>;
    const { config } = validateConfig(raw, { env: {}, cwd: '/srv' });
    expect(config.agents.map((a) => [a.name, a.role, a.permission_level])).toEqual([
      ['code', 'code', 1],
      ['data', 'data', 1],
      ['infra', 'infra', 2],
      ['research', 'research', 0],
      ['qa', 'qa', 1],
    ]);
    expect(config.team.model).toBe('smart');
  });
});
