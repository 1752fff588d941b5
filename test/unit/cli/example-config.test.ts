/** The example written by `agentvisor init` must always be a valid config with the documented defaults. */

import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { EXAMPLE_CONFIG } from '../../../src/cli/example-config.js';
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
