/**
 * Agent definitions in agentvisor.yaml: defaults, every per-field rule and every cross-field
 * rule, each refused with the exact dotted path, the line, and what is allowed.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { EXAMPLE_CONFIG } from '../../../src/cli/example-config.js';
import {
  AgentvisorError,
  agentConfigSchema,
  checkAgentDefinitions,
  loadConfig,
  resolveAgentPaths,
  validateConfig,
} from '../../../src/core/index.js';
import { tempDir } from '../../support/services.js';

let tmp: ReturnType<typeof tempDir>;
beforeEach(() => {
  tmp = tempDir('agentvisor-agent-config-');
});
afterEach(() => tmp.remove());

const ID = '0190b2a4-7c3e-7d11-8a2b-3f4c5d6e7f80';

/** A minimal valid agent. */
function agent(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return { name: 'researcher', model: 'smart', ...overrides };
}

/** The problems validating `raw` produces (CONFIG_INVALID is required). */
function problems(raw: Record<string, unknown>): string[] {
  try {
    validateConfig(raw, { env: {}, cwd: tmp.dir });
  } catch (error) {
    expect(error).toBeInstanceOf(AgentvisorError);
    expect((error as AgentvisorError).code).toBe('CONFIG_INVALID');
    return (error as AgentvisorError).details?.['problems'] as string[];
  }
  throw new Error('expected CONFIG_INVALID, but the config loaded');
}

function only(raw: Record<string, unknown>): string {
  const found = problems(raw);
  expect(found).toHaveLength(1);
  return found[0]!;
}

describe('defaults', () => {
  it('a config without agents has none and no MCP servers', () => {
    const { config } = validateConfig({}, { env: {} });
    expect(config.agents).toEqual([]);
    expect(config.mcp_servers).toEqual({});
  });

  it('a minimal agent gets every documented default', () => {
    const { config } = validateConfig({ agents: [agent()] }, { env: {} });
    expect(config.agents[0]).toEqual({
      name: 'researcher',
      model: 'smart',
      role: 'worker',
      description: '',
      deliberation: 'llm',
      constitution: [],
      tools: [],
      custom_tools: [],
      capabilities: [],
      scopes: {},
      limits: {
        max_tool_calls_per_beat: 8,
        max_beats: null,
        max_tokens_per_hour: null,
        max_active_thoughts: 16,
        cpu_percent: null,
        memory_mb: null,
        ops_per_second: null,
        watchdog_seconds: null,
      },
      heartbeat: { base_ms: 1000, max_ms: 60_000 },
      isolation: 'inline',
      restart: { policy: 'on-failure', auto_restart: 5 },
      depends_on: [],
      risk: 'minimal',
      auto_approve: [],
      faults: {},
      memory: { episodic: 1000, semantic: 1000, procedural: 500 },
      errors: {
        model: 'retry',
        tool: 'skip',
        timeout: 'retry',
        budget: 'suspend',
        fatal: 'terminate',
      },
      perception: {
        timers: [],
        watch: [],
        webhooks: { enabled: false, capacity: 1000 },
        attention: { threshold: 0.1, max_per_beat: 32 },
      },
    });
  });

  it('fills perception defaults field by field', () => {
    const { config } = validateConfig(
      {
        agents: [
          agent({
            perception: {
              timers: [{ every_ms: 10 }, { every_ms: 500, salience: 0.9 }],
              watch: [{ path: './inbox' }],
              webhooks: { enabled: true },
              attention: { threshold: 0 },
            },
          }),
        ],
      },
      { env: {} },
    );
    expect(config.agents[0]!.perception).toEqual({
      timers: [{ every_ms: 10 }, { every_ms: 500, salience: 0.9 }],
      watch: [{ path: './inbox' }],
      webhooks: { enabled: true, capacity: 1000 },
      attention: { threshold: 0, max_per_beat: 32 },
    });
  });

  it('fills directive, custom tool, scope and MCP server defaults', () => {
    const { config } = validateConfig(
      {
        mcp_servers: {
          files: { transport: 'stdio', command: 'node' },
          remote: { transport: 'http', url: 'http://127.0.0.1:9000/mcp' },
        },
        agents: [
          agent({
            constitution: [{ id: 'honesty', text: 'Do not lie.' }],
            custom_tools: [{ name: 'wc', module: './wc.mjs' }],
            scopes: { fs: {}, http: {}, shell: {} },
            tools: ['mcp.files.*', 'mcp.remote.search'],
          }),
        ],
      },
      { env: {} },
    );
    expect(config.mcp_servers).toEqual({
      files: { transport: 'stdio', command: 'node', args: [], env: {} },
      remote: { transport: 'http', url: 'http://127.0.0.1:9000/mcp', headers: {} },
    });
    const a = config.agents[0]!;
    expect(a.constitution).toEqual([
      { id: 'honesty', text: 'Do not lie.', priority: 0, immutable: false },
    ]);
    expect(a.custom_tools[0]).toEqual({
      name: 'wc',
      module: './wc.mjs',
      export: 'default',
      isolation: 'process',
      timeout_ms: 5000,
      memory_mb: 128,
      description: '',
      input_schema: { type: 'object' },
    });
    expect(a.scopes).toEqual({
      fs: { read: [], write: [] },
      http: { hosts: [], max_bytes: 1_048_576, timeout_ms: 10_000 },
      shell: { commands: [], timeout_ms: 10_000, max_output_bytes: 65_536 },
    });
  });

  it('a utility agent needs no model', () => {
    const { config } = validateConfig(
      { agents: [{ name: 'sorter', deliberation: 'utility' }] },
      { env: {} },
    );
    expect(config.agents[0]!.model).toBeUndefined();
  });

  it('the commented example in agentvisor init is a valid agent once uncommented', () => {
    const start = EXAMPLE_CONFIG.indexOf('mcp_servers: {}');
    expect(start).toBeGreaterThan(0);
    const uncommented = EXAMPLE_CONFIG.slice(start)
      .split('\n')
      .filter(
        (l) => l.startsWith('# mcp_servers:') || l.startsWith('# agents:') || l.startsWith('#  '),
      )
      .map((l) => l.slice(2))
      .join('\n');
    const { config } = validateConfig(parse(uncommented), { env: {} });
    expect(config.agents.map((a) => a.name)).toEqual(['researcher']);
    expect(Object.keys(config.mcp_servers)).toEqual(['files', 'remote']);
    expect(config.agents[0]!.constitution[0]).toMatchObject({ id: 'honesty', immutable: true });
  });
});

describe('per-field rules name the path, the value and what is allowed', () => {
  it.each([
    [{ name: 'Researcher' }, 'agents.0.name', 'lower-case name'],
    [{ name: '9lives' }, 'agents.0.name', 'lower-case name'],
    [{ name: 'a'.repeat(64) }, 'agents.0.name', 'at most 63'],
    [{ id: 'not-a-uuid' }, 'agents.0.id', 'UUIDv7'],
    [{ id: '6ba7b810-9dad-11d1-80b4-00c04fd430c8' }, 'agents.0.id', 'UUIDv7'],
    [{ deliberation: 'magic' }, 'agents.0.deliberation', '"llm"'],
    [{ role: '' }, 'agents.0.role', 'got ""'],
    [
      { constitution: [{ id: 'Honesty', text: 'x' }] },
      'agents.0.constitution.0.id',
      'lower-case id',
    ],
    [{ constitution: [{ id: 'a', text: '' }] }, 'agents.0.constitution.0.text', 'got ""'],
    [
      { constitution: [{ id: 'a', text: 'x', priority: 1.5 }] },
      'agents.0.constitution.0.priority',
      'expected int',
    ],
    [
      { constitution: [{ id: 'a', text: 'x', immutable: 'yes' }] },
      'agents.0.constitution.0.immutable',
      'boolean',
    ],
    [{ tools: ['fs read'] }, 'agents.0.tools.0', 'mcp.<server>.*'],
    [{ tools: ['Fs.read'] }, 'agents.0.tools.0', 'tool name'],
    [{ custom_tools: [{ name: 'wc' }] }, 'agents.0.custom_tools.0.module', 'got nothing'],
    [
      { custom_tools: [{ name: 'wc', module: 'x.mjs', isolation: 'vm' }] },
      'agents.0.custom_tools.0.isolation',
      '"process"',
    ],
    [
      { custom_tools: [{ name: 'wc', module: 'x.mjs', timeout_ms: 0 }] },
      'agents.0.custom_tools.0.timeout_ms',
      'got 0',
    ],
    [
      { custom_tools: [{ name: 'wc', module: 'x.mjs', memory_mb: -1 }] },
      'agents.0.custom_tools.0.memory_mb',
      'got -1',
    ],
    [{ capabilities: ['LLM complete'] }, 'agents.0.capabilities.0', 'llm.complete'],
    [{ scopes: { fs: { read: 'data' } } }, 'agents.0.scopes.fs.read', 'got "data"'],
    [{ scopes: { http: { max_bytes: 0 } } }, 'agents.0.scopes.http.max_bytes', 'got 0'],
    [
      { scopes: { shell: { timeout_ms: 10_000_000 } } },
      'agents.0.scopes.shell.timeout_ms',
      'got 10000000',
    ],
    [
      { limits: { max_tool_calls_per_beat: 0 } },
      'agents.0.limits.max_tool_calls_per_beat',
      'got 0',
    ],
    [{ limits: { max_beats: -3 } }, 'agents.0.limits.max_beats', 'got -3'],
    [{ heartbeat: { base_ms: 5 } }, 'agents.0.heartbeat.base_ms', 'got 5'],
    [
      { heartbeat: { base_ms: 5000, max_ms: 1000 } },
      'agents.0.heartbeat.base_ms',
      'must not exceed max_ms',
    ],
    [{ isolation: 'container' }, 'agents.0.isolation', '"worker"'],
    [{ restart: { policy: 'sometimes' } }, 'agents.0.restart.policy', '"on-failure"'],
    [{ restart: { auto_restart: -1 } }, 'agents.0.restart.auto_restart', 'got -1'],
    [{ risk: 'extreme' }, 'agents.0.risk', '"unacceptable"'],
    [{ faults: { crash: 'explode' } }, 'agents.0.faults.crash', '"restart"'],
    [{ depends_on: [{ agent: 'b', kind: 'sibling' }] }, 'agents.0.depends_on.0.kind', '"peer"'],
    [{ limits: { memory_mb: 1 } }, 'agents.0.limits.memory_mb', 'got 1'],
    [{ memory: { episodic: -1 } }, 'agents.0.memory.episodic', 'got -1'],
    [{ errors: { model: 'panic' } }, 'agents.0.errors.model', '"retry"'],
    [{ depends_on: 'writer' }, 'agents.0.depends_on', 'got "writer"'],
    [{ perception: { timers: {} } }, 'agents.0.perception.timers', 'array'],
    [
      { perception: { timers: [{ every_ms: 5 }] } },
      'agents.0.perception.timers.0.every_ms',
      'got 5',
    ],
    [
      { perception: { timers: [{ every_ms: 100.5 }] } },
      'agents.0.perception.timers.0.every_ms',
      'expected int',
    ],
    [
      { perception: { timers: [{ every_ms: 100, salience: 1.5 }] } },
      'agents.0.perception.timers.0.salience',
      'got 1.5',
    ],
    [{ perception: { timers: [{}] } }, 'agents.0.perception.timers.0.every_ms', 'got nothing'],
    [{ perception: { watch: [{ path: '' }] } }, 'agents.0.perception.watch.0.path', 'got ""'],
    [{ perception: { watch: ['./data'] } }, 'agents.0.perception.watch.0', 'got "./data"'],
    [
      { perception: { watch: [{ path: 'x', salience: -0.5 }] } },
      'agents.0.perception.watch.0.salience',
      'got -0.5',
    ],
    [
      { perception: { webhooks: { enabled: 'yes' } } },
      'agents.0.perception.webhooks.enabled',
      'boolean',
    ],
    [
      { perception: { webhooks: { capacity: 0 } } },
      'agents.0.perception.webhooks.capacity',
      'got 0',
    ],
    [
      { perception: { webhooks: { capacity: 2.5 } } },
      'agents.0.perception.webhooks.capacity',
      'expected int',
    ],
    [
      { perception: { attention: { threshold: 2 } } },
      'agents.0.perception.attention.threshold',
      'got 2',
    ],
    [
      { perception: { attention: { max_per_beat: 0 } } },
      'agents.0.perception.attention.max_per_beat',
      'got 0',
    ],
  ])('%j is refused at %s', (overrides, where, says) => {
    const problem = only({ agents: [agent(overrides)] });
    expect(problem.startsWith(`${where}: `)).toBe(true);
    expect(problem).toContain(says);
  });

  it('an unknown key in an agent is named, with the allowed ones', () => {
    expect(only({ agents: [agent({ modle: 'smart' })] })).toMatch(
      /^agents\.0: unknown key "modle"; allowed: name, id, role, description, model, .*, perception$/,
    );
  });

  it('an unknown key in perception is named at its exact path', () => {
    expect(only({ agents: [agent({ perception: { timer: [] } })] })).toBe(
      'agents.0.perception: unknown key "timer"; allowed: timers, watch, webhooks, attention',
    );
    expect(
      only({ agents: [agent({ perception: { timers: [{ every_ms: 100, every: 'day' }] } })] }),
    ).toBe('agents.0.perception.timers.0: unknown key "every"; allowed: every_ms, salience');
  });

  it('agents must be a list and MCP servers a mapping', () => {
    expect(only({ agents: { researcher: {} } })).toMatch(/^agents: .*array.*; got a mapping$/);
    expect(only({ mcp_servers: [] })).toMatch(/^mcp_servers: .*; got a list$/);
  });

  it.each([
    [{ Files: { transport: 'stdio', command: 'node' } }, 'mcp_servers.Files', 'MCP server name'],
    [{ files: { transport: 'pipe' } }, 'mcp_servers.files.transport', "'stdio' | 'http'"],
    [{ files: { transport: 'stdio' } }, 'mcp_servers.files.command', 'got nothing'],
    [{ files: { transport: 'http', url: 'not a url' } }, 'mcp_servers.files.url', 'URL'],
    [
      { files: { transport: 'http', url: 'http://x', command: 'node' } },
      'mcp_servers.files',
      'unknown key "command"',
    ],
  ])('MCP server %j is refused at %s', (servers, where, says) => {
    const problem = only({ mcp_servers: servers });
    expect(problem.startsWith(`${where}: `)).toBe(true);
    expect(problem).toContain(says);
  });
});

describe('cross-field rules name the exact path', () => {
  it('agent names must be unique', () => {
    expect(only({ agents: [agent(), agent({ model: 'fast' })] })).toBe(
      'agents.1.name: agent name "researcher" is already used by agents.0; names must be unique; got "researcher"',
    );
  });

  it('configured ids must be unique', () => {
    expect(only({ agents: [agent({ id: ID }), agent({ name: 'writer', id: ID })] })).toContain(
      `agents.1.id: agent id ${ID} is already used by agents.0`,
    );
  });

  it('an llm agent needs a model', () => {
    expect(only({ agents: [{ name: 'researcher' }] })).toBe(
      'agents.0.model: model is required when deliberation is "llm" (name a gateway model alias, or set deliberation: utility); got nothing',
    );
  });

  it('directive ids and custom tool names are unique within an agent', () => {
    const found = problems({
      agents: [
        agent({
          constitution: [
            { id: 'a', text: 'x' },
            { id: 'a', text: 'y' },
          ],
          custom_tools: [
            { name: 't', module: 'a.mjs' },
            { name: 't', module: 'b.mjs' },
          ],
        }),
      ],
    });
    expect(found).toEqual([
      'agents.0.constitution.1.id: directive id "a" is used twice in this constitution; got "a"',
      'agents.0.custom_tools.1.name: custom tool "t" is declared twice; got "t"',
    ]);
  });

  it('depends_on must name another agent in the file', () => {
    const found = problems({
      agents: [
        agent({ depends_on: ['researcher'] }),
        agent({ name: 'writer', depends_on: ['nobody'] }),
      ],
    });
    expect(found).toEqual([
      'agents.0.depends_on.0: agent "researcher" cannot depend on itself; got "researcher"',
      'agents.1.depends_on.0: unknown agent "nobody"; agents in this file: researcher, writer; got "nobody"',
    ]);
  });

  it('a dependency cycle is reported with its members, at the edge that closes it', () => {
    const found = only({
      agents: [
        agent({ name: 'a', depends_on: ['b'] }),
        agent({ name: 'b', depends_on: ['c'] }),
        agent({ name: 'c', depends_on: ['d', 'a'] }),
        agent({ name: 'd' }),
      ],
    });
    expect(found).toBe('agents.2.depends_on.1: dependency cycle: a -> b -> c -> a; got "a"');
  });

  it('an acyclic graph with shared dependencies is accepted', () => {
    const { config } = validateConfig(
      {
        agents: [
          agent({ name: 'a', depends_on: ['b', 'c'] }),
          agent({ name: 'b', depends_on: ['c'] }),
          agent({ name: 'c' }),
        ],
      },
      { env: {} },
    );
    expect(config.agents.map((a) => a.depends_on.map((d) => d.agent))).toEqual([
      ['b', 'c'],
      ['c'],
      [],
    ]);
    expect(config.agents[0]!.depends_on[0]).toEqual({ agent: 'b', kind: 'required' });
  });

  it('peer edges close no cycle; required and optional ones do', () => {
    const { config } = validateConfig(
      {
        agents: [
          agent({ name: 'a', depends_on: [{ agent: 'b', kind: 'peer' }] }),
          agent({ name: 'b', depends_on: [{ agent: 'a', kind: 'peer' }] }),
        ],
      },
      { env: {} },
    );
    expect(config.agents[1]!.depends_on).toEqual([{ agent: 'a', kind: 'peer' }]);
    expect(
      problems({
        agents: [
          agent({ name: 'a', depends_on: [{ agent: 'b', kind: 'optional' }] }),
          agent({ name: 'b', depends_on: ['a'] }),
        ],
      }),
    ).toEqual(['agents.1.depends_on.0: dependency cycle: a -> b -> a; got "a"']);
  });

  it('MCP tool patterns must name a configured server and have three parts', () => {
    const found = problems({
      mcp_servers: { files: { transport: 'stdio', command: 'node' } },
      agents: [agent({ tools: ['fs.read', 'mcp.files.*', 'mcp.web.*', 'mcp.files', 'mcp'] })],
    });
    expect(found).toEqual([
      'agents.0.tools.2: "mcp.web.*" names MCP server "web", which is not in mcp_servers; configured: files; got "mcp.web.*"',
      'agents.0.tools.3: "mcp.files" is not an MCP tool pattern; write mcp.<server>.<tool> or mcp.<server>.*; got "mcp.files"',
      'agents.0.tools.4: "mcp" is not an MCP tool pattern; write mcp.<server>.<tool> or mcp.<server>.*; got "mcp"',
    ]);
  });

  it('timers, watches and webhooks need an inline agent', () => {
    const found = problems({
      agents: [
        agent({
          isolation: 'worker',
          perception: { timers: [{ every_ms: 100 }], watch: [{ path: './in' }] },
        }),
        agent({
          name: 'hooked',
          isolation: 'process',
          perception: { webhooks: { enabled: true } },
        }),
      ],
    });
    expect(found).toHaveLength(3);
    expect(found[0]).toMatch(
      /^agents\.0\.perception\.timers: perception\.timers needs isolation: inline; agent "researcher" runs with isolation: worker, whose daemon perceives its inbox only \(remove perception\.timers or set isolation: inline\)/,
    );
    expect(found[1]).toMatch(
      /^agents\.0\.perception\.watch: perception\.watch needs isolation: inline;/,
    );
    expect(found[2]).toMatch(
      /^agents\.1\.perception\.webhooks: perception\.webhooks needs isolation: inline; agent "hooked" runs with isolation: process/,
    );
  });

  it('an isolated agent may still tune attention and leave webhooks disabled', () => {
    const { config } = validateConfig(
      {
        agents: [
          agent({
            isolation: 'process',
            perception: {
              webhooks: { enabled: false, capacity: 5 },
              attention: { threshold: 0.5, max_per_beat: 4 },
            },
          }),
        ],
      },
      { env: {} },
    );
    expect(config.agents[0]!.perception.attention).toEqual({ threshold: 0.5, max_per_beat: 4 });
  });

  it('checkAgentDefinitions reports paths from the config root', () => {
    const parsed = [agentConfigSchema.parse(agent({ tools: ['mcp.none.x'] }))];
    expect(checkAgentDefinitions(parsed, {})).toEqual([
      {
        path: ['agents', 0, 'tools', 0],
        message:
          '"mcp.none.x" names MCP server "none", which is not in mcp_servers; configured: (none)',
      },
    ]);
  });
});

describe('loading from a file', () => {
  it('names the file and the line of the bad agent field', () => {
    const file = path.join(tmp.dir, 'agentvisor.yaml');
    writeFileSync(
      file,
      stringify({
        agents: [agent({ name: 'a' }), agent({ name: 'b', depends_on: ['a', 'ghost'] })],
      }),
    );
    let error: AgentvisorError | undefined;
    try {
      loadConfig({ file, env: {}, cwd: tmp.dir });
    } catch (e) {
      error = e as AgentvisorError;
    }
    expect(error?.code).toBe('CONFIG_INVALID');
    expect(error?.message).toContain(file);
    expect(error?.message).toMatch(/agents\.1\.depends_on\.1 \(line \d+\): unknown agent "ghost"/);
  });
});

describe('resolveAgentPaths', () => {
  it('makes scope, tool module and server paths absolute against the config directory', () => {
    const { config } = validateConfig(
      {
        mcp_servers: { files: { transport: 'stdio', command: 'node', cwd: 'srv' } },
        agents: [
          agent({
            custom_tools: [{ name: 'wc', module: './tools/wc.mjs' }],
            scopes: {
              fs: { read: ['./data', '/abs'], write: ['out'] },
              http: { hosts: ['api.example.com'] },
              shell: { commands: ['ls'], cwd: './work' },
            },
            perception: { watch: [{ path: './inbox', salience: 0.4 }, { path: '/var/drop' }] },
          }),
          agent({ name: 'plain' }),
        ],
      },
      { env: {} },
    );
    const resolved = resolveAgentPaths(config, '/etc/agentvisor');
    const a = resolved.agents[0]!;
    expect(a.scopes.fs).toEqual({
      read: ['/etc/agentvisor/data', '/abs'],
      write: ['/etc/agentvisor/out'],
    });
    expect(a.scopes.shell?.cwd).toBe('/etc/agentvisor/work');
    expect(a.scopes.http?.hosts).toEqual(['api.example.com']);
    expect(a.custom_tools[0]!.module).toBe('/etc/agentvisor/tools/wc.mjs');
    expect(resolved.mcp_servers['files']).toMatchObject({ cwd: '/etc/agentvisor/srv' });
    expect(a.perception.watch).toEqual([
      { path: '/etc/agentvisor/inbox', salience: 0.4 },
      { path: '/var/drop' },
    ]);
    expect(resolved.agents[1]!.scopes).toEqual({});
    expect(resolved.agents[1]!.perception.watch).toEqual([]);
    // The input is left as it was.
    expect(config.agents[0]!.scopes.fs?.read).toEqual(['./data', '/abs']);
  });
});
