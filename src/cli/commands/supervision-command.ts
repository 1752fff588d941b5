/**
 * @module The supervision verbs, asked of the running node (seed 001's shell commands):
 * `status` (agents and recent events), `list`, `info AGENT`, `deps AGENT`, `profile AGENT`,
 * `compliance [--html FILE]` and `top` (a refreshing view). All take `--json`.
 */
import { writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import { AgentvisorError } from '../../core/index.js';
import { nodeOfCommand } from '../node-client.js';
import { type CliIo, colours, printFacts, printJson, printTable } from '../output.js';

interface AgentRow {
  id: string;
  name: string;
  state: string;
  pid?: number;
  restartCount: number;
  risk: string;
  isolation: string;
  lastActivityAt: number | null;
  throttledUntil: number | null;
}

interface StatusView {
  agents: AgentRow[];
  system: Record<string, number>;
  totalCalls: number;
  recent: Array<{
    kind: string;
    at: number;
    op?: string;
    actor?: string;
    outcome?: string;
    name?: string;
    state?: string;
    fault?: string;
    detail?: string;
  }>;
  ledger: { size: number; keyId: string };
}

function ago(at: number | null): string {
  if (at === null) return '-';
  const s = Math.max(0, Math.round((Date.now() - at) / 1000));
  return s < 60 ? `${s}s ago` : `${Math.round(s / 60)}m ago`;
}

function agentTable(io: CliIo, agents: AgentRow[]): void {
  const c = colours(io);
  const paint = (state: string) =>
    state === 'active'
      ? c.ok(state)
      : state === 'failed' || state === 'fault'
        ? c.bad(state)
        : state;
  printTable(
    io,
    ['agent', 'state', 'pid', 'restarts', 'risk', 'isolation', 'last activity'],
    agents.map((a) => [
      a.name,
      paint(a.state) + (a.throttledUntil === null ? '' : ' (throttled)'),
      a.pid ?? '-',
      a.restartCount,
      a.risk,
      a.isolation,
      ago(a.lastActivityAt),
    ]),
  );
}

function recentLines(view: StatusView): string[] {
  return view.recent.map((e) => {
    const when = new Date(e.at).toISOString().slice(11, 19);
    if (e.kind === 'op') return `${when}  ${e.actor} ${e.op} ${e.outcome}`;
    if (e.kind === 'fault') return `${when}  ${e.name} fault ${e.fault}: ${e.detail ?? ''}`;
    return `${when}  ${e.name} ${e.state ?? ''} ${e.detail ?? ''}`.trimEnd();
  });
}

function printStatus(io: CliIo, view: StatusView): void {
  const c = colours(io);
  agentTable(io, view.agents);
  printFacts(io, [
    ['active agents', view.system['activeAgents'] ?? 0],
    ['operations', view.totalCalls],
    ['restarts', view.system['restarts'] ?? 0],
    ['crashes', view.system['crashes'] ?? 0],
    ['faults', view.system['faults'] ?? 0],
    ['ledger', `${view.ledger.size} entries`],
  ]);
  const lines = recentLines(view);
  if (lines.length > 0) io.out([c.bold('recent events'), ...lines].join('\n'));
}

function agentPath(name: string, rest = ''): string {
  if (!/^[A-Za-z0-9_-]{1,64}$/.test(name)) {
    throw new AgentvisorError(
      'INPUT_INVALID',
      `AGENT: expected an agent name (letters, digits, "_" and "-"), got "${name}"`,
    );
  }
  return `/v1/supervisor/agents/${name}${rest}`;
}

/** Registers the supervision verbs. */
export function registerSupervisionCommands(program: Command, io: CliIo): void {
  program
    .command('status')
    .description('agents, their states and recent events, from the running node')
    .action(async (_opts: unknown, cmd: Command) => {
      const { node, json } = nodeOfCommand(cmd);
      const view = await node.get<StatusView>('/v1/supervisor/status');
      if (json) printJson(io, view);
      else printStatus(io, view);
    });

  program
    .command('list')
    .description('supervised agents of the running node')
    .action(async (_opts: unknown, cmd: Command) => {
      const { node, json } = nodeOfCommand(cmd);
      const { agents } = await node.get<{ agents: AgentRow[] }>('/v1/supervisor/agents');
      if (json) printJson(io, agents);
      else agentTable(io, agents);
    });

  program
    .command('info <agent>')
    .description('one agent: state, restarts, resource use')
    .action(async (name: string, _opts: unknown, cmd: Command) => {
      const { node, json } = nodeOfCommand(cmd);
      const view = await node.get<{
        agent: AgentRow & { capabilities: string[]; autoRestart: number | null };
        usage: { memoryBytes?: number; peakMemoryBytes?: number } | null;
        rates: { opsPerSecond: number; cpuPercent: number; tokensPerSecond: number } | null;
      }>(agentPath(name));
      if (json) return printJson(io, view);
      const a = view.agent;
      printFacts(io, [
        ['agent', `${a.name} (${a.id})`],
        ['state', a.state],
        ['pid', a.pid ?? '-'],
        ['restarts', `${a.restartCount} (auto_restart ${a.autoRestart ?? 'unlimited'})`],
        ['risk', a.risk],
        ['isolation', a.isolation],
        ['capabilities', a.capabilities.join(', ') || '(none)'],
        ['ops/s (10 s)', view.rates === null ? '-' : view.rates.opsPerSecond.toFixed(2)],
        ['cpu % (10 s)', view.rates === null ? '-' : view.rates.cpuPercent.toFixed(1)],
        ['last activity', ago(a.lastActivityAt)],
      ]);
    });

  program
    .command('deps <agent>')
    .description("an agent's dependencies and dependents, and what stops if it exits")
    .action(async (name: string, _opts: unknown, cmd: Command) => {
      const { node, json } = nodeOfCommand(cmd);
      const view = await node.get<{
        dependsOn: { agent: string; kind: string }[];
        dependents: { agent: string; kind: string }[];
        dependsOnTransitive: string[];
        exitCascade: string[];
      }>(agentPath(name, '/deps'));
      if (json) return printJson(io, view);
      printFacts(io, [
        ['depends on', view.dependsOn.map((d) => `${d.agent} (${d.kind})`).join(', ') || '-'],
        ['transitively', view.dependsOnTransitive.join(', ') || '-'],
        ['dependents', view.dependents.map((d) => `${d.agent} (${d.kind})`).join(', ') || '-'],
        ['stops with it', view.exitCascade.join(', ') || '-'],
      ]);
    });

  program
    .command('profile <agent>')
    .description('per-operation timings of an agent (last 100 calls of each)')
    .action(async (name: string, _opts: unknown, cmd: Command) => {
      const { node, json } = nodeOfCommand(cmd);
      const view = await node.get<{
        operations: Array<{
          operation: string;
          sampleCount: number;
          minUs: number;
          medianUs: number;
          p95Us: number;
          p99Us: number;
          maxUs: number;
          successRate: number;
        }>;
      }>(agentPath(name, '/profile'));
      if (json) return printJson(io, view);
      printTable(
        io,
        ['operation', 'samples', 'min µs', 'median µs', 'p95 µs', 'p99 µs', 'max µs', 'success'],
        view.operations.map((o) => [
          o.operation,
          o.sampleCount,
          Math.round(o.minUs),
          Math.round(o.medianUs),
          Math.round(o.p95Us),
          Math.round(o.p99Us),
          Math.round(o.maxUs),
          `${(o.successRate * 100).toFixed(1)}%`,
        ]),
      );
    });

  program
    .command('compliance')
    .description('the compliance report (EU AI Act mapping), recomputed from the ledger')
    .option('--html <file>', 'write the printable HTML report to FILE')
    .action(async (opts: { html?: string }, cmd: Command) => {
      const { node, json } = nodeOfCommand(cmd);
      if (opts.html !== undefined) {
        writeFileSync(opts.html, await node.text('/v1/compliance?format=html'));
        io.err(`wrote ${opts.html}`);
        return;
      }
      const report = await node.get<{
        system: { score: number; status: string };
        agents: Array<{
          name: string;
          risk: string;
          score: number;
          status: string;
          violations: number;
          crashes: number;
        }>;
      }>('/v1/compliance');
      if (json) return printJson(io, report);
      printTable(
        io,
        ['agent', 'risk', 'score', 'status', 'violations', 'crashes'],
        report.agents.map((a) => [a.name, a.risk, a.score, a.status, a.violations, a.crashes]),
      );
      io.out(`system: ${report.system.score} ${report.system.status}`);
    });

  program
    .command('top')
    .description('a live view of the agents, refreshed every second (Ctrl-C to quit)')
    .option('--once', 'print one frame and exit')
    .action(async (opts: { once?: boolean }, cmd: Command) => {
      const { node, json } = nodeOfCommand(cmd);
      for (;;) {
        const view = await node.get<StatusView>('/v1/supervisor/status');
        if (json) printJson(io, view);
        else {
          if (io.isTTY) io.out('\x1b[2J\x1b[H');
          printStatus(io, view);
        }
        if (opts.once === true || json) return;
        await new Promise((r) => setTimeout(r, 1000));
      }
    });
}
