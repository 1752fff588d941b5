/**
 * @module `agent run FILE`: one agent definition in its own YAML file, validated like the
 * `agents:` entries of agentvisor.yaml, with relative paths resolved against the file's
 * directory, and checked against the configured agents and MCP servers.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import {
  type AgentConfig,
  type AgentvisorConfig,
  AgentvisorError,
  agentConfigSchema,
  checkAgentDefinitions,
  resolveAgentPaths,
} from '../../core/index.js';

/** True when the argument of `agent run` names a definition file rather than an agent. */
export function looksLikeAgentFile(arg: string): boolean {
  return /\.(ya?ml|json)$/i.test(arg) || arg.includes('/') || arg.includes(path.sep);
}

/** Reads, validates and resolves an agent file; returns the config with the agent added. */
export function withAgentFile(
  config: AgentvisorConfig,
  file: string,
): {
  config: AgentvisorConfig;
  name: string;
} {
  const absolute = path.resolve(file);
  if (!existsSync(absolute)) {
    throw new AgentvisorError('NOT_FOUND', `${file}: no such agent definition file`);
  }
  let raw: unknown;
  try {
    raw = parse(readFileSync(absolute, 'utf8'));
  } catch (error) {
    throw new AgentvisorError(
      'CONFIG_INVALID',
      `${file}: not valid YAML: ${(error as Error).message.split('\n')[0]}`,
    );
  }
  const parsed = agentConfigSchema.safeParse(raw);
  if (!parsed.success) {
    const lines = parsed.error.issues.map(
      (i) => `${i.path.length === 0 ? '(top level)' : i.path.join('.')}: ${i.message}`,
    );
    throw new AgentvisorError(
      'CONFIG_INVALID',
      `${file} is not a valid agent definition:\n${lines.map((l) => `  - ${l}`).join('\n')}`,
      { details: { file, problems: lines } },
    );
  }
  const [agent] = resolveAgentPaths(
    { agents: [parsed.data], mcp_servers: config.mcp_servers },
    path.dirname(absolute),
  ).agents as [AgentConfig];
  const agents = [...config.agents.filter((a) => a.name !== agent.name), agent];
  const issues = checkAgentDefinitions(agents, config.mcp_servers);
  if (issues.length > 0) {
    throw new AgentvisorError(
      'CONFIG_INVALID',
      `${file} does not fit the configuration:\n${issues
        .map((i) => `  - ${i.path.join('.')}: ${i.message}`)
        .join('\n')}`,
    );
  }
  return { config: { ...config, agents }, name: agent.name };
}
